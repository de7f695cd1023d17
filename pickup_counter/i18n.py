"""The staff pages' words in zh-TW (the default) and English.

Each area keeps its own table (``text_common``, ``text_counter``, ``text_manager``) of
``key: (zh-TW, en)``; pages look words up with ``t(key)`` and scripts get the table of
their area as JSON. The language is the ``lang`` cookie (set by /lang/{code}), else the
shop's PLUSONE_LOCALE.
"""
from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web

from pickup_counter import text_common, text_counter, text_manager

LANGS = ("zh-TW", "en")
LANG_COOKIE = "plusone_lang"
AREAS: dict[str, Mapping[str, tuple[str, str]]] = {
    "common": text_common.TEXT, "counter": text_counter.TEXT, "manager": text_manager.TEXT,
}
_ALL: dict[str, tuple[str, str]] = {k: v for table in AREAS.values() for k, v in table.items()}


def lang_of(request: web.Request, default: str) -> str:
    chosen = request.query.get("lang") or request.cookies.get(LANG_COOKIE)
    return chosen if chosen in LANGS else default


def translate(lang: str, key: str, **params: object) -> str:
    """The word for ``key`` in ``lang``; ``{name}`` placeholders are filled from params."""
    pair = _ALL.get(key)
    if pair is None:
        return key
    text = pair[1] if lang == "en" else pair[0]
    return text.format(**params) if params else text


def strings(lang: str, *areas: str) -> dict[str, str]:
    """The tables of ``areas`` (and common) in one language, for a page's script."""
    index = 1 if lang == "en" else 0
    return {k: v[index] for area in ("common", *areas) for k, v in AREAS[area].items()}
