"""The staff pages' words in zh-TW (the default) and English, from the one catalogue
(commerce.words: its ``common``, ``counter`` and ``manager`` areas and the glossary).

Pages look words up with ``t(key)`` and scripts get the table of their area as JSON. The
language is the ``lang`` cookie (set by /lang/{code}), else the shop's PLUSONE_LOCALE.
"""
from __future__ import annotations

from aiohttp import web

from commerce import words

LANGS = words.LOCALES
LANG_COOKIE = "plusone_lang"


def lang_of(request: web.Request, default: str) -> str:
    chosen = request.query.get("lang") or request.cookies.get(LANG_COOKIE)
    return chosen if chosen in LANGS else default


def translate(lang: str, key: str, **params: object) -> str:
    """The word for ``key`` in ``lang``; ``{name}`` placeholders are filled from params."""
    if key not in words.CATALOGUE:
        return key
    return words.t(lang, key, **params) if params else words.CATALOGUE[key][words.index(lang)]


def strings(lang: str, *areas: str) -> dict[str, str]:
    """The tables of ``areas`` (and common) in one language, for a page's script."""
    return words.table(lang, "common", *areas)
