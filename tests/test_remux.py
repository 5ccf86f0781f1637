"""Metadata-free remuxes of video and audio (fieldkit.remux), on real files of the corpus.

ExifTool (``-a -G1 -ee``) reads the copy as an auditor would; PyAV reads its streams and
duration; ``av_ground_truth.jsonl`` says what the originals carried (GPS, ``mvhd`` time).
The release tests (tests/test_release.py) cover the phone-tagged files of tests/data/av.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import av
import pytest

from fieldkit.remux import RemuxError, strip_av
from tests.conftest import CORPUS, IN_CI

AV_CORPUS = CORPUS / "files" / "metadata-extractor-images-av"
needs_exiftool = pytest.mark.skipif(not shutil.which("exiftool"), reason="needs exiftool")


def _truth(rel: str) -> dict[str, Any]:
    for line in (CORPUS / "av_ground_truth.jsonl").read_text().splitlines():
        row = json.loads(line)
        if row["path"] == f"metadata-extractor-images-av/{rel}":
            return dict(row)
    raise AssertionError(rel)


def _need(path: Path) -> Path:
    if not path.is_file():
        if IN_CI:
            pytest.fail(f"corpus file missing: {path}")
        pytest.skip(f"corpus file missing: {path}")
    return path


@needs_exiftool
@pytest.mark.parametrize(
    ("rel", "mime"),
    [
        ("mp4/with-gps.mp4", "video/mp4"),  # ©xyz position, mvhd 2017-02-22
        ("mov/sample_iTunes.mov", "video/quicktime"),  # mvhd 2005-10-17, iTunes tags
        ("avi/MVI_4823.AVI", "video/x-msvideo"),  # a Canon camera's AVI
    ],
)
def test_a_corpus_video_loses_its_metadata_and_keeps_its_streams(
    rel: str, mime: str, tmp_path: Path
) -> None:
    original = _need(AV_CORPUS / rel)
    before = hashlib.sha256(original.read_bytes()).hexdigest()
    copy = tmp_path / f"copy{original.suffix}"
    with open(copy, "w+b") as out:
        done = strip_av(original, out, mime)
    assert done.kept and done.duration_s is not None
    truth = _truth(rel)
    assert abs(done.duration_s - truth["Duration"]) <= 0.05
    tags = json.loads(
        subprocess.run(
            ["exiftool", "-a", "-G1", "-ee", "-j", "-n", str(copy)], capture_output=True, check=True
        ).stdout
    )[0]
    for tag, value in tags.items():
        if tag.startswith(("System:", "ExifTool:", "SourceFile")):
            continue
        assert not any(k in tag for k in ("GPS", "Make", "Model", "Serial", "Software")), tag
        if tag.endswith("Date") or "DateTime" in tag:
            assert str(value).startswith("0000:00:00"), (tag, value)
    with av.open(str(original)) as a, av.open(str(copy)) as b:
        assert [(s.type, s.codec_context.name) for s in a.streams] == [
            (s.type, s.codec_context.name) for s in b.streams
        ]
        assert abs(a.duration - b.duration) <= 50_000  # microseconds
    assert hashlib.sha256(original.read_bytes()).hexdigest() == before  # read only


def test_what_cannot_be_copied_safely_is_refused_with_a_reason(tmp_path: Path) -> None:
    # 3GP with AMR audio: several frames per packet, which the muxer refuses unparsed.
    with (
        open(tmp_path / "a.3gp", "w+b") as out,
        pytest.raises(RemuxError, match=r"audio amrnb.*cannot be copied into a new 3gp"),
    ):
        strip_av(_need(AV_CORPUS / "3gp/sample.3gp"), out, "video/3gpp")
    # Ogg keeps its tags in the stream headers: not remuxed at all.
    with open(tmp_path / "a.ogg", "w+b") as out, pytest.raises(RemuxError, match="audio/ogg"):
        strip_av(b"OggS" + bytes(64), out, "audio/ogg")
    # A damaged file: a clear error, never a crash.
    with open(tmp_path / "b.mp4", "w+b") as out, pytest.raises(RemuxError, match="cannot be"):
        strip_av(b"\x00\x00\x00\x18ftypmp42" + bytes(64), out, "video/mp4")
