"""Pickup QR codes: the random token a buyer shows at the counter, and its picture."""

from __future__ import annotations

import io
import secrets

import qrcode
from qrcode.image.pil import PilImage

PICKUP_TOKEN_BYTES = 16


def new_pickup_token() -> str:
    """A fresh random pickup token (128 bits, URL-safe base64, 22 characters).

    Random rather than derived from an order or user id, so one cannot be guessed from
    another.
    """
    return secrets.token_urlsafe(PICKUP_TOKEN_BYTES)


def qr_png(token: str, box_size: int = 8) -> bytes:
    """A PNG of a QR code holding `token`: black on white, `box_size` pixels per module,
    with the standard 4-module quiet zone. Raises ValueError for an empty token."""
    if not token:
        raise ValueError("token must not be empty")
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        box_size=box_size,
        border=4,
        image_factory=PilImage,
    )
    code.add_data(token)
    code.make(fit=True)
    buf = io.BytesIO()
    code.make_image().save(buf, format="PNG")
    return buf.getvalue()
