"""Every word users see, in one catalogue: ``id: (zh-TW, en)``, looked up with ``t``.

The bot (``bot``), the staff pages (``common``, ``counter``, ``manager``) and the receipt
(``receipt``) each keep their sentences in a module here; the ``glossary`` holds the one word
per language for what they share (payment methods, statuses, money). It lives in commerce
because every edge reads it and commerce is the only package they may all import.

A count in English takes its noun's form from a placeholder's spec: ``{n:order|orders}``
is "order" when n is 1, else "orders" (so "{n} {n:order|orders}"). Chinese has no plural
forms and never uses a spec. A plain Python module, not gettext: no .po/.mo compile step,
and the ids are checked by tests (tests/test_words.py).
"""
from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any

from commerce.words import bot, changes, checkout, common, counter, glossary, manager, people, receipt, staff

LOCALES = ("zh-TW", "en")
AREAS: dict[str, Mapping[str, tuple[str, str]]] = {
    "glossary": glossary.TEXT, "bot": bot.TEXT, "common": common.TEXT, "counter": counter.TEXT,
    "manager": manager.TEXT, "receipt": receipt.TEXT, "staff": staff.TEXT, "people": people.TEXT,
    "changes": changes.TEXT,
    "checkout": checkout.TEXT,
}
CATALOGUE: dict[str, tuple[str, str]] = {}
for _table in AREAS.values():
    assert not CATALOGUE.keys() & _table.keys(), sorted(CATALOGUE.keys() & _table.keys())
    CATALOGUE.update(_table)


class _Formatter(string.Formatter):
    def format_field(self, value: Any, format_spec: str) -> Any:
        if "|" in format_spec:  # a plural: "one|other"
            one, other = format_spec.split("|", 1)
            return one if value == 1 else other
        return super().format_field(value, format_spec)


_FORMATTER = _Formatter()


def index(locale: str) -> int:
    """0 for zh-TW (also for an unknown locale: the shop's default), 1 for en."""
    return 1 if locale == "en" else 0


def t(locale: str, key: str, **params: Any) -> str:
    """The text ``key`` in ``locale`` with ``params`` filled in. Raises KeyError for an unknown
    key or a missing parameter (a bug, never user input)."""
    return _FORMATTER.vformat(CATALOGUE[key][index(locale)], (), params)


def table(locale: str, *areas: str) -> dict[str, str]:
    """The raw texts of ``areas`` in one locale (for a page's script, which fills them itself)."""
    return {k: v[index(locale)] for area in areas for k, v in AREAS[area].items()}


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}
