"""Pickup tokens and their QR pictures."""

import io
import re

import pytest
from PIL import Image

from devices.qr import new_pickup_token, qr_png


def test_a_pickup_token_is_22_url_safe_characters():
    token = new_pickup_token()

    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", token)


def test_pickup_tokens_do_not_repeat():
    tokens = {new_pickup_token() for _ in range(10_000)}

    assert len(tokens) == 10_000


def test_qr_png_is_a_png_sized_by_modules_and_box_size():
    token = "h-574yKSbFgaS_E93pr_1A"

    image = Image.open(io.BytesIO(qr_png(token)))
    small = Image.open(io.BytesIO(qr_png(token, box_size=2)))

    # 22 bytes at error correction M need version 2: 25 modules, plus a 4-module quiet zone.
    assert image.format == "PNG"
    assert image.size == ((25 + 8) * 8, (25 + 8) * 8)
    assert small.size == ((25 + 8) * 2, (25 + 8) * 2)


def test_qr_png_draws_black_finder_patterns_inside_a_white_quiet_zone():
    image = Image.open(io.BytesIO(qr_png("tok_pickup_123", box_size=4))).convert("L")

    quiet = 4 * 4
    assert image.getpixel((0, 0)) == 255
    assert image.getpixel((quiet - 1, quiet - 1)) == 255
    assert image.getpixel((quiet, quiet)) == 0  # top-left finder pattern corner
    assert image.getpixel((quiet + 4 * 3, quiet + 4 * 3)) == 0  # its centre


def test_an_empty_token_is_refused():
    with pytest.raises(ValueError, match="empty"):
        qr_png("")
