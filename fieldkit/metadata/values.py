"""EXIF's and XMP's many spellings of a value, as plain values: text (ASCII, UTF-8 or
UCS-2 bytes, NUL-padded), numbers (rationals, ``"12/5"``, ``"1,5"``, lists) and GPS
reference letters (EXIF 2.3 §4.6.6, XMP ``exif:GPSLatitude`` "DD,MM.mmN")."""

from __future__ import annotations

import math
import re
from typing import Any

_NUMBER_RE = re.compile(r"[-+]?\d+(?:[.,]\d+)?(?:/\d+)?")


def first_number(value: Any) -> float | None:
    """The first number of a TIFF value read as a tuple (e.g. ImageWidth), else None."""
    if isinstance(value, tuple) and value and isinstance(value[0], int | float):
        return value[0]
    return None


def as_text(value: Any) -> str | None:
    """An ASCII/UNDEFINED tag as text: cut at the first NUL, trailing spaces removed."""
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.split(b"\x00", 1)[0]
        try:
            text = value.decode("utf-8")
        except UnicodeDecodeError:
            text = value.decode("latin-1")
    elif isinstance(value, tuple):
        if all(isinstance(v, int) and 0 <= v < 256 for v in value):
            return as_text(bytes(value))
        text = " ".join(str(v) for v in value)
    else:
        text = str(value)
    text = text.strip()
    return text or None


def as_numbers(value: Any) -> list[float | None] | None:
    """Numbers from rationals, integers, floats or a string; None for a 0/0 or x/0 part."""
    if value is None:
        return None
    if isinstance(value, bytes):
        text = as_text(value) or ""
        out: list[float | None] = []
        for token in _NUMBER_RE.findall(text):
            token = token.replace(",", ".")
            if "/" in token:
                num, den = token.split("/")
                out.append(float(num) / float(den) if float(den) else None)
            else:
                out.append(float(token))
        return out
    result: list[float | None] = []
    for item in value:
        if isinstance(item, tuple):
            num, den = item
            result.append(num / den if den else None)
        else:
            f = float(item)
            result.append(f if math.isfinite(f) else None)
    return result


def ref_letter(value: Any) -> str | None:
    """A GPS reference tag's letter (GPSLatitudeRef "N"/"S", GPSImgDirectionRef "T"/"M"),
    upper case; None when the tag is absent or not text."""
    text = as_text(value)
    if text:
        return text[0].upper()
    if isinstance(value, tuple) and value and isinstance(value[0], int):
        return None
    return None
