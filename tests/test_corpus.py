"""Agreement with ExifTool 12.57 on 261 real photos (the shared corpus), and no crashes.

ExifTool is the independent reference: for every field where it has a value from the EXIF
block, FieldKit must read the same in at least 99.5 % of the files.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from fieldkit.metadata import MediaInfo, inspect_file
from tests.conftest import CORPUS, IN_CI

REQUIRED = 0.995

pytestmark = pytest.mark.skipif(
    not (CORPUS / "ground_truth.jsonl").is_file() and not IN_CI,
    reason=f"the shared photo corpus is not at {CORPUS} (in CI this fails instead)",
)


def test_the_corpus_is_there() -> None:
    """Outside CI a missing corpus skips this module; in CI every test here fails."""
    assert (CORPUS / "ground_truth.jsonl").is_file(), f"the shared photo corpus is not at {CORPUS}"
    assert len(_rows()) >= 250


def _rows() -> list[dict[str, Any]]:
    with open(CORPUS / "ground_truth.jsonl", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


@pytest.fixture(scope="module")
def results() -> list[tuple[dict[str, Any], MediaInfo]]:
    return [(row, inspect_file(CORPUS / "files" / row["path"])) for row in _rows()]


def _strip(text: Any) -> Any:
    return text.rstrip("\x00 ") if isinstance(text, str) else text


def _exif_local(info: MediaInfo) -> str | None:
    if info.time is None or info.time.local is None:
        return None
    return info.time.local.split(".")[0].replace("-", ":", 2).replace("T", " ")


def _close(tolerance: float) -> Callable[[Any, Any], bool]:
    def check(ours: Any, truth: Any) -> bool:
        return ours is not None and abs(ours - truth) <= tolerance

    return check


def _equal(ours: Any, truth: Any) -> bool:
    return bool(ours == _strip(truth))


def _same_second(ours: Any, truth: Any) -> bool:
    # A few writers put sub-seconds into DateTimeOriginal itself ("…:33.847"), which
    # exiftool shows verbatim; the contract compares to the second.
    return bool(ours == truth.strip()[:19])


FIELDS: list[tuple[str, Callable[[MediaInfo], Any], Callable[[Any, Any], bool]]] = [
    ("GPSLatitude", lambda i: i.position.lat if i.position else None, _close(1e-6)),
    ("GPSLongitude", lambda i: i.position.lon if i.position else None, _close(1e-6)),
    ("GPSAltitude", lambda i: i.position.alt if i.position else None, _close(0.1)),
    ("DateTimeOriginal", _exif_local, _same_second),
    ("Make", lambda i: i.camera.make if i.camera else None, _equal),
    ("Model", lambda i: i.camera.model if i.camera else None, _equal),
]


def _agreement(
    results: list[tuple[dict[str, Any], MediaInfo]],
) -> list[tuple[str, int, int, list[str]]]:
    table = []
    for name, ours_of, agrees in FIELDS:
        with_value = agreeing = 0
        misses: list[str] = []
        for row, info in results:
            truth = row.get(name)
            if truth is None or truth == "" or (name.startswith("GPS") and row.get("gps_invalid")):
                continue
            with_value += 1
            ours = ours_of(info)
            if agrees(ours, truth):
                agreeing += 1
            else:
                misses.append(f"{row['path']}: ours {ours!r}, exiftool {truth!r}")
        table.append((name, with_value, agreeing, misses))
    return table


def test_no_file_errors_or_crashes(results: list[tuple[dict[str, Any], MediaInfo]]) -> None:
    crashed = [info.path for _, info in results if info.error and "reader failed" in info.error]
    assert crashed == []
    # Every corpus file is readable, so none may have error set (empty files included).
    assert [info.path for _, info in results if info.error] == []


def test_sha256_and_size_match(results: list[tuple[dict[str, Any], MediaInfo]]) -> None:
    for row, info in results:
        assert (info.sha256, info.size) == (row["sha256"], row["size"]), row["path"]


def test_field_agreement_with_exiftool(
    results: list[tuple[dict[str, Any], MediaInfo]], capsys: pytest.CaptureFixture[str]
) -> None:
    table = _agreement(results)
    lines = [f"{'field':<18} {'with value':>10} {'agreeing':>9} {'%':>7}"]
    for name, with_value, agreeing, _ in table:
        pct = 100.0 * agreeing / with_value if with_value else 100.0
        lines.append(f"{name:<18} {with_value:>10} {agreeing:>9} {pct:>6.1f}%")
    with capsys.disabled():
        print("\nAgreement with ExifTool 12.57 over the shared corpus:")
        print("\n".join(lines))
    failures = {
        name: misses
        for name, with_value, agreeing, misses in table
        if with_value and agreeing / with_value < REQUIRED
    }
    assert failures == {}


def test_gps_invalid_gives_no_position(results: list[tuple[dict[str, Any], MediaInfo]]) -> None:
    for row, info in results:
        if row.get("gps_invalid"):
            assert info.position is None, row["path"]
            assert any("gps_invalid" in w for w in info.warnings), row["path"]


def test_type_by_content_not_extension(results: list[tuple[dict[str, Any], MediaInfo]]) -> None:
    heic_named_jpg = [
        (row, info)
        for row, info in results
        if row["FileType"] == "HEIC" and row["ext"].lower() in ("jpg", "jpeg")
    ]
    for row, info in heic_named_jpg:
        assert info.type == "image/heic", row["path"]
    by_exiftool = {"JPEG": "image/jpeg", "PNG": "image/png", "HEIC": "image/heic"}
    for row, info in results:
        want = by_exiftool.get(row["FileType"] or "")
        if want:
            assert info.type == want, row["path"]


def test_position_from_xmp_where_exif_has_none(
    results: list[tuple[dict[str, Any], MediaInfo]],
) -> None:
    """Files whose only position is in XMP (exiftool's group XMP-exif) get it, source xmp."""
    checked = 0
    for row, info in results:
        anywhere = row.get("exiftool_any") or {}
        if row.get("GPSLatitude") is not None or not str(anywhere.get("gps_group")).startswith(
            "XMP"
        ):
            continue
        checked += 1
        assert info.position is not None, row["path"]
        assert info.position.source == "xmp"
        assert info.position.lat == pytest.approx(anywhere["GPSLatitude"], abs=1e-6)
        assert info.position.lon == pytest.approx(anywhere["GPSLongitude"], abs=1e-6)
    assert checked >= 1


def test_inspect_prints_nothing_on_stderr() -> None:
    """`fieldkit inspect` over every corpus file: all it has to say is in `warnings`."""
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "fieldkit", "inspect", "--json", str(CORPUS / "files")],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""
    assert len(json.loads(out.stdout)["files"]) >= 261
