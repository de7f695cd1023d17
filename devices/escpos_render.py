"""Render laid-out receipt ops to ESC/POS bytes, or to a picture of the receipt.

Text encodings:

- "big5" (default): each line framed as `FS &` + cp950 bytes + `FS .`. python-escpos's own
  `text()` sends Han characters as GB18030 and has no Big5 code page, so it is not used
  for text.
- "gb18030": the same framing with GB18030 bytes.
- "utf-8": raw UTF-8, for printers set to UTF-8.
- "raster": the whole receipt drawn as one picture with a CJK font and printed as
  `GS v 0` bit images (any printer, any script; bigger jobs).

A character the encoding lacks prints as "?"; rendering never raises for text content.
QR codes are native `GS ( k` by default (`qr="image"` prints them as a bit image), the
job ends with a partial cut, and a Drawer op sends `ESC p` (pin 2).
"""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import qrcode
from escpos.constants import QR_ECLEVEL_M
from escpos.printer import Dummy
from PIL import Image, ImageDraw, ImageFont

from devices.receipt import PAPER_DOTS, QR, Cut, Drawer, Op, Rule, Text, char_cols, text_cols

Encoding = Literal["big5", "gb18030", "utf-8", "raster"]
QrMode = Literal["native", "image"]

_CODECS = {"big5": "cp950", "gb18030": "gb18030", "utf-8": "utf-8"}
_FS_KANJI_ON = b"\x1c\x26"
_FS_KANJI_OFF = b"\x1c\x2e"
_GS = b"\x1d"

_QR_MODULE_DOTS = 6
# Printers buffer a limited number of raster rows; python-escpos splits at the same height.
_RASTER_BAND_ROWS = 960

# Defence in depth: ops not built by layout_receipt still never carry C0/C1 controls.
_STRIP_CONTROLS = dict.fromkeys([*range(0x20), *range(0x7F, 0xA0)])

# PIL's "1" images store white as 1; ESC/POS raster wants 1 for a printed (black) dot.
_INVERT = bytes(b ^ 0xFF for b in range(256))


class CJKFontNotFound(RuntimeError):
    """No CJK font is installed, so a raster receipt cannot be drawn."""


def _dots(width_cols: int) -> int:
    try:
        return PAPER_DOTS[width_cols]
    except KeyError:
        raise ValueError(
            f"width_cols must be one of {sorted(PAPER_DOTS)}, not {width_cols}"
        ) from None


def render(
    ops: Sequence[Op],
    encoding: Encoding = "big5",
    *,
    width_cols: int,
    profile: str = "TM-T88V",
    qr: QrMode = "native",
) -> bytes:
    """ESC/POS bytes for `ops` on paper `width_cols` columns wide (32 or 48).

    Raises ValueError for an unknown encoding, QR mode or width, and CJKFontNotFound
    for "raster" when no CJK font is installed.
    """
    dots = _dots(width_cols)
    if encoding != "raster" and encoding not in _CODECS:
        raise ValueError(f"unknown encoding {encoding!r}")
    if qr not in ("native", "image"):
        raise ValueError(f"unknown QR mode {qr!r}")
    p = Dummy(profile=profile)
    p.hw("INIT")

    if encoding == "raster":
        _raw_raster(p, draw_receipt(ops, width_cols))
        for op in ops:
            if isinstance(op, Cut):
                p.cut(mode="PART")
            elif isinstance(op, Drawer):
                p.cashdraw(2)
        return p.output

    codec = _CODECS[encoding]
    framed = encoding != "utf-8"
    style: tuple[str, bool, bool] | None = None
    for op in ops:
        if isinstance(op, Text):
            if style != (op.align, op.bold, op.double):
                style = (op.align, op.bold, op.double)
                p.set(
                    align=op.align,
                    bold=op.bold,
                    normal_textsize=not op.double,
                    double_width=op.double,
                    double_height=op.double,
                )
            data = op.text.translate(_STRIP_CONTROLS).encode(codec, "replace")
            p._raw((_FS_KANJI_ON + data + _FS_KANJI_OFF if framed else data) + b"\n")
        elif isinstance(op, Rule):
            if style != ("left", False, False):
                style = ("left", False, False)
                p.set(align="left", bold=False, normal_textsize=True)
            p._raw(b"-" * width_cols + b"\n")
        elif isinstance(op, QR):
            if qr == "native":
                p.set(align="center")
                p.qr(op.data, ec=QR_ECLEVEL_M, size=_QR_MODULE_DOTS, native=True)
                p._raw(b"\n")
            else:
                _raw_raster(p, _centered_on_paper(qr_image(op.data, _QR_MODULE_DOTS), dots))
            style = None
        elif isinstance(op, Cut):
            p.cut(mode="PART")
        elif isinstance(op, Drawer):
            p.cashdraw(2)
    return p.output


def render_raster_png(ops: Sequence[Op], width_cols: int) -> bytes:
    """A PNG of the receipt exactly as the "raster" encoding prints it (for previews)."""
    buf = io.BytesIO()
    draw_receipt(ops, width_cols).save(buf, format="PNG", optimize=False)
    return buf.getvalue()


# --- bit images ------------------------------------------------------------------------


def _raw_raster(p: Dummy, img: Image.Image) -> None:
    """Send a 1-bit image as `GS v 0` bands.

    Written directly rather than through `Escpos.image()`, which checks the width against
    the profile (TM-T88V: 512 dots) and would refuse 576-dot 80 mm paper.
    """
    width, height = img.size
    width_bytes = (width + 7) // 8
    for top in range(0, height, _RASTER_BAND_ROWS):
        band = img.crop((0, top, width, min(top + _RASTER_BAND_ROWS, height)))
        rows = band.size[1]
        header = (
            _GS + b"v0\x00"
            + width_bytes.to_bytes(2, "little")
            + rows.to_bytes(2, "little")
        )
        p._raw(header + band.tobytes().translate(_INVERT))


def qr_image(data: str, module_dots: int) -> Image.Image:
    """A 1-bit QR code (black on white, 4-module quiet zone), `module_dots` per module."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()
    n = len(matrix)
    img = Image.new("1", (n, n), 1)
    img.putdata([0 if dark else 1 for row in matrix for dark in row])
    return img.resize((n * module_dots, n * module_dots), Image.Resampling.NEAREST)


def _centered_on_paper(img: Image.Image, dots: int) -> Image.Image:
    if img.size[0] > dots:
        img = img.resize((dots, dots * img.size[1] // img.size[0]), Image.Resampling.NEAREST)
    canvas = Image.new("1", (dots, img.size[1]), 1)
    canvas.paste(img, ((dots - img.size[0]) // 2, 0))
    return canvas


# --- drawing the receipt ----------------------------------------------------------------

_CELL = 12  # dots per column: 384 / 32 and 576 / 48
_FONT_PX = 2 * _CELL  # a CJK glyph is two columns wide
_LINE_PX = 30
_RULE_PX = 16
_MARGIN_PX = 12


@dataclass(frozen=True, slots=True)
class _FontFace:
    path: str
    index: int


_KNOWN_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.otc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/arphic/ukai.ttc",
)
_FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", str(Path.home() / ".fonts"))
_CJK_NAME_HINTS = (
    "cjk", "wqy", "zenhei", "microhei", "uming", "ukai", "sourcehan", "droidsansfallback",
)


def _font_files() -> Iterator[str]:
    """Candidate CJK font files, most preferred first."""
    yield from _KNOWN_FONTS
    if shutil.which("fc-list"):
        try:
            out = subprocess.run(
                ["fc-list", ":lang=zh-tw", "file"], capture_output=True, text=True, timeout=5
            ).stdout
        except (OSError, subprocess.SubprocessError):
            out = ""
        yield from sorted(line.strip().rstrip(":") for line in out.splitlines() if line.strip())
    for root in _FONT_DIRS:
        base = Path(root)
        if base.is_dir():
            for path in sorted(base.rglob("*")):
                name = path.name.lower()
                if path.suffix.lower() in (".ttc", ".otc", ".ttf", ".otf") and any(
                    hint in name for hint in _CJK_NAME_HINTS
                ):
                    yield str(path)


def _best_face(path: str) -> int:
    """The face index to use in a font collection: Mono TC, then any TC, then the first."""
    names = []
    for index in range(64):
        try:
            family, _ = ImageFont.truetype(path, 12, index=index).getname()
        except OSError:
            break
        names.append(family or "")
    for wanted in ("Mono CJK TC", " TC"):
        for index, family in enumerate(names):
            if wanted in family:
                return index
    return 0


@lru_cache(maxsize=1)
def find_cjk_font() -> tuple[_FontFace, _FontFace | None]:
    """The regular CJK face and, if installed, its bold sibling.

    Raises CJKFontNotFound when none is installed.
    """
    return pick_cjk_font(_font_files())


def pick_cjk_font(candidates: Iterable[str]) -> tuple[_FontFace, _FontFace | None]:
    """The first usable CJK font among ``candidates`` (paths). Raises CJKFontNotFound."""
    for path in candidates:
        if not Path(path).is_file():
            continue
        try:
            index = _best_face(path)
            ImageFont.truetype(path, _FONT_PX, index=index)
        except OSError:
            continue
        bold = None
        for bold_path in (path.replace("Regular", "Bold"), path.replace("regular", "bold")):
            if bold_path != path and Path(bold_path).is_file():
                bold = _FontFace(bold_path, _best_face(bold_path))
                break
        return _FontFace(path, index), bold
    raise CJKFontNotFound(
        "no CJK font found for raster receipts: install fonts-noto-cjk "
        "(apt-get install fonts-noto-cjk) or fonts-wqy-zenhei"
    )


@lru_cache(maxsize=8)
def _font(bold: bool, scale: int) -> ImageFont.FreeTypeFont:
    regular, bold_face = find_cjk_font()
    face = bold_face if bold and bold_face else regular
    return ImageFont.truetype(face.path, _FONT_PX * scale, index=face.index)


@lru_cache(maxsize=8192)
def _fits_cell(font: ImageFont.FreeTypeFont, ch: str, cell: int) -> bool:
    return font.getlength(ch) == char_cols(ch) * cell


def _runs(text: str, font: ImageFont.FreeTypeFont, cell: int) -> Iterable[tuple[int, str]]:
    """(column, run) pieces that the font can draw in one go and stay on the column grid."""
    col, start, run = 0, 0, ""
    for ch in text:
        if ch == " ":
            if run:
                yield start, run
                run = ""
        elif _fits_cell(font, ch, cell):
            if not run:
                start = col
            run += ch
        else:
            if run:
                yield start, run
                run = ""
            yield col, ch
        col += char_cols(ch)
    if run:
        yield start, run


def _op_height(op: Op, qr_px: dict[str, int]) -> int:
    if isinstance(op, Text):
        return _LINE_PX * (2 if op.double else 1)
    if isinstance(op, Rule):
        return _RULE_PX
    if isinstance(op, QR):
        return qr_px[op.data] + _MARGIN_PX
    return 0


def draw_receipt(ops: Sequence[Op], width_cols: int) -> Image.Image:
    """The receipt as a 1-bit image `PAPER_DOTS[width_cols]` dots wide, black on white.

    Each character is placed on the column grid that layout_receipt measured, so columns
    line up whatever the font. Raises CJKFontNotFound when no CJK font is installed.
    """
    dots = _dots(width_cols)
    find_cjk_font()
    qrs = {op.data: _centered_on_paper(qr_image(op.data, _QR_MODULE_DOTS), dots)
           for op in ops if isinstance(op, QR)}
    qr_px = {data: img.size[1] for data, img in qrs.items()}
    height = _MARGIN_PX * 2 + sum(_op_height(op, qr_px) for op in ops)
    img = Image.new("1", (dots, height), 1)
    draw = ImageDraw.Draw(img)

    y = _MARGIN_PX
    for op in ops:
        if isinstance(op, Text):
            scale = 2 if op.double else 1
            cell = _CELL * scale
            text = op.text.translate(_STRIP_CONTROLS)
            used = text_cols(text) * cell
            x0 = {"left": 0, "center": (dots - used) // 2, "right": dots - used}[op.align]
            x0 = max(x0 // _CELL * _CELL, 0)
            font = _font(op.bold, scale)
            baseline = y + _LINE_PX * scale - 6 * scale
            for col, run in _runs(text, font, cell):
                draw.text((x0 + col * cell, baseline), run, font=font, fill=0, anchor="ls")
        elif isinstance(op, Rule):
            mid = y + _RULE_PX // 2
            draw.rectangle((0, mid - 1, dots - 1, mid), fill=0)
        elif isinstance(op, QR):
            img.paste(qrs[op.data], (0, y))
        y += _op_height(op, qr_px)
    return img
