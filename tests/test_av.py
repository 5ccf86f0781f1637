"""Video and audio against ExifTool: the shared AV corpus and our own generated files.

For every value ExifTool has, FieldKit must agree: the time to the second, the position to
1e-4°, the duration to 0.05 s, the frame size exactly, make and model, the rotation. No file
may crash the reader or print on standard error. The generated files
(``tests/data/av/make_av.py``) cover what the corpus lacks: Apple keys with an offset, a
rotated video, ``©xyz`` south-west of Greenwich, Broadcast Wave ``bext``, ID3 TDRC.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldkit.metadata import MediaInfo, inspect_file, read_metadata
from fieldkit.metadata.quicktime import (
    parse_iso6709,
    rotation_from_matrix,
    truncation_problems,
    video_rotation,
)

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("FIELDKIT_CORPUS") or REPO.parent / "shared" / "corpus")
DATA = REPO / "tests" / "data" / "av"
GENERATED = sorted(p for p in DATA.iterdir() if p.suffix in {".mov", ".mp4", ".wav", ".mp3"})
EXIFTOOL = shutil.which("exiftool")

ROTATION_TO_ORIENTATION = {0: 1, 90: 6, 180: 3, 270: 8}


def _corpus_rows() -> list[dict[str, Any]]:
    path = CORPUS / "av_ground_truth.jsonl"
    if not path.is_file():
        return []
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _exiftool_date(text: str) -> datetime:
    """ExifTool's "YYYY:MM:DD HH:MM:SS[+HH:MM]" as a datetime (aware when it has a zone)."""
    text = text.strip()
    if len(text) > 19 and text[19] in "+-Z":
        return datetime.strptime(text.replace("Z", "+00:00"), "%Y:%m:%d %H:%M:%S%z")
    return datetime.strptime(text[:19], "%Y:%m:%d %H:%M:%S")


def _our_utc(info: MediaInfo) -> datetime | None:
    if info.time is None or info.time.utc is None:
        return None
    return datetime.strptime(info.time.utc[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)


def _our_local(info: MediaInfo) -> datetime | None:
    if info.time is None or info.time.local is None:
        return None
    return datetime.strptime(info.time.local[:19], "%Y-%m-%dT%H:%M:%S")


def _check(info: MediaInfo, truth: dict[str, Any]) -> list[str]:
    """Every disagreement between FieldKit's reading and ExifTool's, as text."""
    bad: list[str] = []
    if info.error is not None:
        return [f"error {info.error}"]
    keys_date = truth.get("KeysCreationDate")
    qt_utc = truth.get("QuickTimeCreateDate_UTC")
    riff = truth.get("RIFFDateTimeOriginal")
    if keys_date:
        apple = _exiftool_date(keys_date)
        if _our_local(info) != apple.replace(tzinfo=None) or _our_utc(info) != apple:
            bad.append(f"Apple creation date {keys_date} vs {info.time}")
        if info.time is None or info.time.source != "quicktime-offset":
            bad.append(f"source {info.time and info.time.source} for an Apple date")
    elif qt_utc:
        if _our_utc(info) != _exiftool_date(qt_utc):
            bad.append(f"mvhd {qt_utc} vs {info.time}")
        if info.time is None or info.time.source != "quicktime-utc":
            bad.append(f"source {info.time and info.time.source} for mvhd")
    elif riff and _our_local(info) != _exiftool_date(riff):
        bad.append(f"RIFF date {riff} vs {info.time}")
    for ours, name in (
        (info.position.lat if info.position else None, "GPSLatitude"),
        (info.position.lon if info.position else None, "GPSLongitude"),
    ):
        if truth.get(name) is not None and (ours is None or abs(ours - truth[name]) > 1e-4):
            bad.append(f"{name} {truth[name]} vs {ours}")
    if truth.get("GPSAltitude") is not None:
        alt = info.position.alt if info.position else None
        if alt is None or abs(alt - truth["GPSAltitude"]) > 0.1:
            bad.append(f"GPSAltitude {truth['GPSAltitude']} vs {alt}")
    if info.position is not None and info.position.source != "quicktime":
        bad.append(f"position source {info.position.source}")
    if truth.get("Duration") is not None and (
        info.duration_s is None or abs(info.duration_s - truth["Duration"]) > 0.05
    ):
        bad.append(f"Duration {truth['Duration']} vs {info.duration_s}")
    for ours, name in ((info.width, "ImageWidth"), (info.height, "ImageHeight")):
        if truth.get(name) is not None and ours != truth[name]:
            bad.append(f"{name} {truth[name]} vs {ours}")
    for ours, name in (
        (info.camera.make if info.camera else None, "Make"),
        (info.camera.model if info.camera else None, "Model"),
    ):
        if truth.get(name) is not None and ours != str(truth[name]).strip():
            bad.append(f"{name} {truth[name]!r} vs {ours!r}")
    rotation = truth.get("Rotation")
    wanted = ROTATION_TO_ORIENTATION[int(rotation) % 360] if rotation is not None else None
    if wanted is not None and info.width is not None and info.orientation != wanted:
        bad.append(f"Rotation {rotation} vs orientation {info.orientation}")
    return bad


@pytest.mark.skipif(not _corpus_rows(), reason=f"the shared AV corpus is not at {CORPUS}")
def test_corpus_agrees_with_exiftool() -> None:
    rows = _corpus_rows()
    problems = {}
    checked = {"time": 0, "position": 0, "duration": 0, "frame size": 0}
    for row in rows:
        info = inspect_file(CORPUS / "files" / row["path"])
        bad = _check(info, row)
        if bad:
            problems[row["path"]] = bad
        checked["time"] += bool(
            row["KeysCreationDate"] or row["QuickTimeCreateDate_UTC"] or row["RIFFDateTimeOriginal"]
        )
        checked["position"] += row["GPSLatitude"] is not None
        checked["duration"] += row["Duration"] is not None
        checked["frame size"] += row["ImageWidth"] is not None
    assert problems == {}
    # The corpus has each kind of value: the comparison above was not vacuous.
    assert checked == {"time": 4, "position": 1, "duration": 7, "frame size": 4}


def _exiftool_json(paths: list[Path]) -> dict[str, dict[str, Any]]:
    out = subprocess.run(
        [EXIFTOOL or "exiftool", "-n", "-json", "-a", "-G1", "-api", "QuickTimeUTC"]
        + [str(p) for p in paths],
        capture_output=True,
        check=False,
        text=True,
    )
    rows = json.loads(out.stdout)
    result = {}
    for row in rows:
        flat: dict[str, Any] = {}
        for key, value in row.items():
            group, _, name = key.rpartition(":")
            if name == "CreationDate" and group == "Keys":
                flat["KeysCreationDate"] = value
            elif name == "CreateDate" and group == "QuickTime":
                flat["QuickTimeCreateDate_UTC"] = value
            elif name == "DateTimeOriginal" and group == "RIFF":
                flat["RIFFDateTimeOriginal"] = value
            elif name in {"GPSLatitude", "GPSLongitude", "GPSAltitude", "Rotation", "Duration"} or (
                name in {"Make", "Model"} and group == "Keys"
            ):
                flat[name] = value
            elif name in {"ImageWidth", "ImageHeight"} and group.startswith("Track"):
                flat.setdefault(name, value)
            elif name == "RecordingTime" and group.startswith("ID3"):
                flat["RIFFDateTimeOriginal"] = value  # a local reading, compared the same way
            elif name == "Warning":
                flat["Warning"] = value
        result[Path(row["SourceFile"]).name] = flat
    return result


@pytest.mark.skipif(EXIFTOOL is None, reason="exiftool is not installed")
def test_generated_files_agree_with_exiftool() -> None:
    truth = _exiftool_json(GENERATED)
    problems = {}
    for path in GENERATED:
        bad = _check(inspect_file(path), truth[path.name])
        if bad:
            problems[path.name] = bad
    assert problems == {}
    # Each case the corpus lacks is present in what ExifTool read.
    assert truth["iphone_keys_rot90.mov"]["KeysCreationDate"] == "2020:10:09 14:02:11+04:00"
    assert truth["iphone_keys_rot90.mov"]["Rotation"] == 90
    assert truth["android_xyz_rot270.mp4"]["GPSLatitude"] < 0
    assert truth["android_xyz_rot270.mp4"]["Rotation"] == 270
    assert truth["bwf_bext.wav"]["RIFFDateTimeOriginal"] == "2020:10:09 14:05:30"
    assert truth["id3_tdrc.mp3"]["RIFFDateTimeOriginal"] == "2020:10:09 14:07:45"


def test_generated_files_provenance() -> None:
    mov = inspect_file(DATA / "iphone_keys_rot90.mov").to_json()
    assert mov["time"]["local"] == "2020-10-09T14:02:11"
    assert mov["time"]["offset"] == "+04:00"
    assert mov["time"]["utc"] == "2020-10-09T10:02:11Z"
    assert mov["time"]["source"] == "quicktime-offset"
    assert mov["position"] == {
        "lat": 39.8153,
        "lon": 46.7519,
        "alt": 812.4,
        "direction": None,
        "source": "quicktime",
        "accuracy_m": None,
        "relative_alt": None,
    }
    assert mov["camera"] == {"make": "Apple", "model": "iPhone 12 Pro", "serial": None}
    assert (mov["orientation"], mov["width"], mov["height"]) == (6, 64, 48)
    assert mov["duration_s"] == pytest.approx(1.0, abs=0.01)
    wav = inspect_file(DATA / "bwf_bext.wav")
    assert wav.time is not None and wav.time.local == "2020-10-09T14:05:30"
    assert wav.time.source == "unknown" and wav.time.utc is None  # no offset: none claimed
    assert wav.width is None and wav.orientation is None
    cut = inspect_file(DATA / "truncated_moov.mp4")
    assert cut.error is None
    assert any("truncated" in w for w in cut.warnings)
    assert cut.duration_s is None


def test_still_image_has_null_duration(tmp_path: Path) -> None:
    from PIL import Image

    src = tmp_path / "still.jpg"
    Image.new("RGB", (8, 8)).save(src)
    assert inspect_file(src).to_json()["duration_s"] is None


def test_camera_correction_applies_to_a_video_clock() -> None:
    from fieldkit.metadata import CameraCorrection

    fast = CameraCorrection(clock_error_s=65)
    info = inspect_file(DATA / "noon_180.mp4", corrections=[fast])
    assert info.time is not None
    assert info.time.utc == "2019-07-01T11:58:55Z"
    assert info.time.source == "quicktime-utc"
    assert any("clock error +65 s" in w for w in info.warnings)


def test_apple_date_and_mvhd_disagreeing_is_warned(tmp_path: Path) -> None:
    if EXIFTOOL is None:
        pytest.skip("exiftool is not installed")
    path = tmp_path / "late.mov"
    shutil.copy(DATA / "iphone_keys_rot90.mov", path)
    subprocess.run(
        [
            EXIFTOOL,
            *("-q", "-overwrite_original", "-api", "QuickTimeUTC"),
            *("-QuickTime:CreateDate=2020:10:09 11:02:11Z", str(path)),
        ],
        check=True,
    )
    info = inspect_file(path)
    assert info.time is not None and info.time.utc == "2020-10-09T10:02:11Z"
    assert any("differ by 3600 s" in w for w in info.warnings)


def test_inspect_prints_nothing_on_stderr() -> None:
    paths = [*GENERATED]
    paths += [CORPUS / "files" / r["path"] for r in _corpus_rows()]
    out = subprocess.run(
        [sys.executable, "-m", "fieldkit", "inspect", "--json", *map(str, paths)],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""
    files = json.loads(out.stdout)["files"]
    assert len(files) == len(paths)
    assert all(f["duration_s"] is not None for f in files if "truncated" not in f["path"])


# --- bounded fuzzing of the new parsers ------------------------------------------------------

_FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_FUZZ
@given(st.text(max_size=40))
def test_iso6709_never_raises_anything_but_valueerror(text: str) -> None:
    try:
        lat, lon, _alt = parse_iso6709(text)
    except ValueError:
        return
    assert -90 <= lat <= 90 and -180 <= lon <= 180


@_FUZZ
@given(
    st.floats(-90, 90, allow_nan=False),
    st.floats(-180, 180, allow_nan=False),
    st.one_of(st.none(), st.floats(-500, 9000, allow_nan=False)),
)
def test_iso6709_round_trip(lat: float, lon: float, alt: float | None) -> None:
    text = f"{lat:+08.4f}{lon:+09.4f}" + (f"{alt:+.3f}" if alt is not None else "") + "/"
    got = parse_iso6709(text)
    assert got[0] == pytest.approx(lat, abs=1e-4)
    assert got[1] == pytest.approx(lon, abs=1e-4)
    assert (got[2] is None) == (alt is None)


def test_iso6709_sexagesimal_forms() -> None:
    # ISO 6709 H.2: ±DDMM.M and ±DDMMSS forms.
    assert parse_iso6709("+3948.918+04645.114/")[:2] == pytest.approx((39.8153, 46.7519), abs=1e-5)
    assert parse_iso6709("-225424-0431022/")[:2] == pytest.approx((-22.9067, -43.1728), abs=1e-4)
    with pytest.raises(ValueError):
        parse_iso6709("+9100.0+000.0/")


@_FUZZ
@given(st.sampled_from([0, 90, 180, 270]))
def test_rotation_from_matrix(turn: int) -> None:
    import math

    r = math.radians(turn)
    a, b = round(math.cos(r)), round(math.sin(r))
    assert rotation_from_matrix(a, b, -b, a) == turn
    assert rotation_from_matrix(-1.0, 0.0, 0.0, 1.0) is None  # a mirror is not a turn


_SEEDS = [p.read_bytes() for p in GENERATED if p.suffix in {".mov", ".mp4"}]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_videos_never_crash(data: st.DataObject) -> None:
    seed = bytearray(data.draw(st.sampled_from(_SEEDS)))
    for _ in range(data.draw(st.integers(1, 8))):
        at = data.draw(st.integers(0, len(seed) - 1))
        seed[at] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(8, len(seed)))
    blob = bytes(seed[:cut])
    rotation, problems = video_rotation(io.BytesIO(blob), len(blob))
    assert rotation in (None, 0, 90, 180, 270)
    assert all(isinstance(p, str) for p in problems)
    assert all(isinstance(p, str) for p in truncation_problems(io.BytesIO(blob), len(blob)))
    meta = read_metadata(blob)
    assert meta.duration_s is None or meta.duration_s >= 0
