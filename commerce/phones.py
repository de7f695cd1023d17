"""Taiwanese mobile numbers: normalise to E.164 (+8869XXXXXXXX)."""
from __future__ import annotations

import re
import unicodedata

from commerce.errors import InvalidInput

_SEPARATORS = re.compile(r"[\s\-().]")


def normalise_phone(raw: str) -> str:
    """``0912-345-678``, ``0912345678``, ``+886 912 345 678``, ``886912345678`` → ``+886912345678``.

    Raises InvalidInput(field="phone") for anything that is not a Taiwanese mobile number.
    """
    text = _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw or ""))
    if text.startswith("+"):
        digits = text[1:]
        if not digits.startswith("886"):
            raise InvalidInput("only Taiwanese mobile numbers (+886 9…) are accepted", field="phone")
    else:
        digits = text
    if not digits.isdigit():
        raise InvalidInput("a phone number has only digits, spaces and dashes", field="phone")
    if digits.startswith("8860"):
        digits = "886" + digits[4:]
    if digits.startswith("886"):
        national = digits[3:]
    elif digits.startswith("0"):
        national = digits[1:]
    else:
        national = digits
    if len(national) != 9 or not national.startswith("9"):
        raise InvalidInput("a Taiwanese mobile number looks like 0912-345-678", field="phone")
    return "+886" + national


def display_phone(e164: str | None) -> str:
    """``+886912345678`` → ``0912-345-678``."""
    if not e164 or not e164.startswith("+886") or len(e164) != 13:
        return e164 or ""
    national = "0" + e164[4:]
    return f"{national[:4]}-{national[4:7]}-{national[7:]}"


def reversed_digits(e164: str) -> str:
    """The national number's digits reversed: "last N digits" becomes an indexed prefix."""
    return ("0" + e164[4:])[::-1]
