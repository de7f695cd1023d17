"""Receipt labels in Traditional Chinese (zh-TW, the default) and English, from the one
catalogue (commerce/words/receipt.py and its glossary)."""

from __future__ import annotations

from typing import Literal

from commerce import words

Locale = Literal["zh-TW", "en"]
LOCALES: tuple[Locale, ...] = ("zh-TW", "en")

# Shown the same in every locale so staff and buyers recognise a reprint at a glance.
COPY_BANNER = "重印 / COPY"


def label(locale: Locale, key: str) -> str:
    """The label `key` in `locale`. Raises KeyError for an unknown key or locale."""
    if locale not in LOCALES:
        raise KeyError(locale)
    return words.t(locale, f"receipt.{key}")


def payment_method(locale: Locale, method: str) -> str:
    """The printed name of a payment method; an unknown method is printed as given."""
    key = f"receipt.method.{method}"
    return words.t(locale, key) if key in words.CATALOGUE else method
