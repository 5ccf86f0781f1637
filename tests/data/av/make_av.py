"""Re-creates the small video and audio test files in this folder (run by hand, not by pytest).

    .venv/bin/python tests/data/av/make_av.py

Each file is encoded with PyAV (FFmpeg in its wheel), then tagged with ExifTool the way
phones tag theirs, so the readings come from two independent writers. The files are
committed (a few KiB each); the tests compare FieldKit with ``exiftool -n -json`` at run
time, so a regenerated file is checked the same way.

- ``iphone_keys_rot90.mov``: an iPhone video: Apple keys (creation date with +04:00,
  ISO 6709 location with altitude, make, model), ``mvhd`` in UTC, rotated 90°;
- ``android_xyz_rot270.mp4``: an Android video: ``©xyz`` south and west of Greenwich,
  ``mvhd`` in UTC, rotated 270°;
- ``noon_180.mp4``: a camera video with only ``mvhd`` and a 180° turn;
- ``bwf_bext.wav``: a Broadcast Wave recording with ``bext`` origination date and time;
- ``id3_tdrc.mp3``: an MP3 with an ID3v2.4 recording time (TDRC), constant bit rate,
  no Xing header;
- ``truncated_moov.mp4``: ``android_xyz_rot270.mp4`` cut inside its ``moov``: damaged on
  purpose.
"""

from __future__ import annotations

import math
import shutil
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import av

HERE = Path(__file__).resolve().parent


def _video(path: Path, fmt: str, *, frames: int = 12, rotation: int | None = None) -> None:
    with av.open(str(path), "w", format=fmt) as out:
        stream = out.add_stream("mpeg4", rate=12)
        stream.width, stream.height = 64, 48
        stream.pix_fmt = "yuv420p"
        if rotation is not None:
            stream.set_display_rotation(rotation)
        for i in range(frames):
            frame = av.VideoFrame(64, 48, "rgb24")
            row = bytes([(i * 20) % 256, 90, 200 - i * 10] * 64)
            frame.planes[0].update(row * 48)
            for packet in stream.encode(frame.reformat(format="yuv420p")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def _audio(path: Path, fmt: str, codec: str, metadata: dict[str, str], **options: str) -> None:
    with av.open(str(path), "w", format=fmt, options=options) as out:
        out.metadata.update(metadata)
        stream = out.add_stream(codec, rate=44100)
        stream.layout = "mono"
        stream.bit_rate = 128_000  # constant bit rate: ExifTool estimates MP3 durations from it
        samples = 44100  # one second of a 440 Hz tone
        fmt_name = "s16p"
        frame_size = stream.codec_context.frame_size or 1024
        pts = 0
        while pts < samples:
            n = min(frame_size, samples - pts)
            frame = av.AudioFrame(format=fmt_name, layout="mono", samples=n)
            pcm = b"".join(
                int(8000 * math.sin(2 * math.pi * 440 * (pts + k) / 44100)).to_bytes(
                    2, "little", signed=True
                )
                for k in range(n)
            )
            frame.planes[0].update(pcm)
            frame.sample_rate = 44100
            frame.pts = pts
            frame.time_base = Fraction(1, 44100)
            for packet in stream.encode(frame):
                out.mux(packet)
            pts += n
        for packet in stream.encode():
            out.mux(packet)


def _exiftool(path: Path, *args: str) -> None:
    subprocess.run(
        ["exiftool", "-q", "-overwrite_original", "-api", "QuickTimeUTC", *args, str(path)],
        check=True,
    )


def main() -> int:
    if shutil.which("exiftool") is None:
        print("exiftool is needed", file=sys.stderr)
        return 1
    mov = HERE / "iphone_keys_rot90.mov"
    _video(mov, "mov", rotation=-90)
    _exiftool(
        mov,
        "-QuickTime:CreateDate=2020:10:09 10:02:11Z",
        "-Keys:CreationDate=2020:10:09 14:02:11+04:00",
        "-Keys:GPSCoordinates#=39.8153 46.7519 812.4",
        "-Keys:Make=Apple",
        "-Keys:Model=iPhone 12 Pro",
    )
    mp4 = HERE / "android_xyz_rot270.mp4"
    _video(mp4, "mp4", rotation=90)
    _exiftool(
        mp4,
        "-QuickTime:CreateDate=2021:03:14 06:30:05Z",
        "-UserData:GPSCoordinates#=-22.9068 -43.1729",
    )
    cam = HERE / "noon_180.mp4"
    _video(cam, "mp4", rotation=180)
    _exiftool(cam, "-QuickTime:CreateDate=2019:07:01 12:00:00Z")
    _audio(
        HERE / "bwf_bext.wav",
        "wav",
        "pcm_s16le",
        {"origination_date": "2020-10-09", "origination_time": "14:05:30", "originator": "Zoom"},
        write_bext="1",
    )
    # No Xing/LAME header, like a hardware dictaphone: with one, FFmpeg removes the encoder
    # delay and padding (gapless length) and ExifTool counts them (up to ~0.07 s more).
    _audio(
        HERE / "id3_tdrc.mp3",
        "mp3",
        "libmp3lame",
        {"date": "2020-10-09T14:07:45"},
        write_xing="0",
    )
    data = mp4.read_bytes()
    moov = data.find(b"moov")
    (HERE / "truncated_moov.mp4").write_bytes(data[: moov + 120])
    return 0


if __name__ == "__main__":
    sys.exit(main())
