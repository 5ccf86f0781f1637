"""Why FieldKit reads EXIF itself: exifread against the corpus's exiftool ground truth.

Run:  .venv/bin/pip install exifread && .venv/bin/python tests/benchmarks/compare_exifread.py

Prints how many files crash exifread and its per-field agreement with exiftool, with the
same tolerances as tests/test_corpus.py (the bar for our own reader is 99.5 %).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"


def _ratio(value: Any) -> float | None:
    try:
        return float(value.num) / float(value.den)
    except (AttributeError, ZeroDivisionError, TypeError, ValueError):
        return None


def _degrees(tag: Any, ref: Any) -> float | None:
    try:
        d, m, s = (_ratio(x) for x in tag.values)
        assert d is not None and m is not None and s is not None
        value = d + m / 60 + s / 3600
    except (AttributeError, AssertionError, ValueError, TypeError):
        return None
    return -value if str(ref).strip() in ("S", "W") else value


def read(path: Path) -> dict[str, Any]:
    import exifread

    with open(path, "rb") as f:
        tags = exifread.process_file(f, details=False)
    out: dict[str, Any] = {}
    if "GPS GPSLatitude" in tags:
        out["lat"] = _degrees(tags["GPS GPSLatitude"], tags.get("GPS GPSLatitudeRef"))
    if "GPS GPSLongitude" in tags:
        out["lon"] = _degrees(tags["GPS GPSLongitude"], tags.get("GPS GPSLongitudeRef"))
    if "GPS GPSAltitude" in tags:
        alt = _ratio(tags["GPS GPSAltitude"].values[0])
        below = str(tags.get("GPS GPSAltitudeRef", "0")) == "1"
        out["alt"] = -alt if (alt is not None and below) else alt
    for key, tag in (
        ("dto", "EXIF DateTimeOriginal"),
        ("make", "Image Make"),
        ("model", "Image Model"),
    ):
        if tag in tags:
            out[key] = str(tags[tag]).strip()
    return out


def close(tolerance: float) -> Callable[[Any, Any], bool]:
    def agrees(a: Any, b: Any) -> bool:
        return a is not None and abs(a - b) < tolerance

    return agrees


def main() -> None:
    logging.disable(logging.CRITICAL)
    if not CORPUS.is_dir():
        raise SystemExit(f"no corpus at {CORPUS}")
    with open(CORPUS / "ground_truth.jsonl") as f:
        truth = [json.loads(line) for line in f]
    checks: dict[str, tuple[str, Callable[[Any, Any], bool]]] = {
        "lat": ("GPSLatitude", close(1e-6)),
        "lon": ("GPSLongitude", close(1e-6)),
        "alt": ("GPSAltitude", close(0.1)),
        "dto": ("DateTimeOriginal", lambda a, b: a is not None and a[:19] == str(b)[:19]),
        "make": ("Make", lambda a, b: a == str(b).strip()),
        "model": ("Model", lambda a, b: a == str(b).strip()),
    }
    stats = {k: [0, 0] for k in checks}
    crashes = 0
    for row in truth:
        try:
            got = read(CORPUS / "files" / row["path"])
        except Exception:  # counting crashes is the point
            crashes += 1
            got = {}
        for key, (field, agrees) in checks.items():
            expected = row[field]
            if expected is None or (key in ("lat", "lon", "alt") and row.get("gps_invalid")):
                continue
            stats[key][0] += 1
            stats[key][1] += bool(agrees(got.get(key), expected))
    print(f"exifread on {len(truth)} files: {crashes} raised an exception")
    for key, (n, agree) in stats.items():
        print(f"{checks[key][0]:18} {agree:4}/{n:<4} {100 * agree / n:5.1f} %")


if __name__ == "__main__":
    main()
