"""Importing photos and other files: byte-identical originals, per-file reasons, cancel."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import piexif
import pytest
from PIL import Image

from fieldkit.ingest import MediaImportReport, collect_files, import_media
from fieldkit.progress import CancelToken
from fieldkit.store import Store

DATA = Path(__file__).parent / "data" / "ingest"


def _rational(value: float, den: int = 10000) -> tuple[int, int]:
    return (round(abs(value) * den), den)


def _dms(value: float) -> tuple[tuple[int, int], ...]:
    value = abs(value)
    d = int(value)
    m = int((value - d) * 60)
    s = (value - d - m / 60) * 3600
    return ((d, 1), (m, 1), _rational(s, 1000))


def jpeg_bytes(
    *,
    size: tuple[int, int] = (64, 48),
    lat: float | None = None,
    lon: float | None = None,
    when: str | None = None,
    offset: str | None = None,
    orientation: int | None = None,
    make: str = "FieldCam",
    model: str = "FC-1",
    tag: str = "",
    color: tuple[int, int, int] = (200, 30, 30),
) -> bytes:
    """A small JPEG with EXIF made by Pillow + piexif (independent of FieldKit's reader)."""
    zeroth: dict[int, Any] = {piexif.ImageIFD.Make: make, piexif.ImageIFD.Model: model}
    if orientation is not None:
        zeroth[piexif.ImageIFD.Orientation] = orientation
    if tag:
        zeroth[piexif.ImageIFD.ImageDescription] = tag
    exif: dict[int, Any] = {}
    if when:
        exif[piexif.ExifIFD.DateTimeOriginal] = when
    if offset:
        exif[piexif.ExifIFD.OffsetTimeOriginal] = offset
    gps: dict[int, Any] = {}
    if lat is not None and lon is not None:
        gps = {
            piexif.GPSIFD.GPSLatitudeRef: "N" if lat >= 0 else "S",
            piexif.GPSIFD.GPSLatitude: _dms(lat),
            piexif.GPSIFD.GPSLongitudeRef: "E" if lon >= 0 else "W",
            piexif.GPSIFD.GPSLongitude: _dms(lon),
        }
    raw = piexif.dump({"0th": zeroth, "Exif": exif, "GPS": gps})
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG", exif=raw, quality=85)
    return out.getvalue()


def make_photos(folder: Path, count: int, **kwargs: Any) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        p = folder / f"IMG_{i:04d}.jpg"
        p.write_bytes(jpeg_bytes(tag=f"photo {i}", **kwargs))
        paths.append(p)
    return paths


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_consistent(store: Store) -> None:
    """Every media row has its file, hashing to its name; the journal chain verifies."""
    for row in store.find("media", include_retracted=True):
        assert store.media.path_of(row["sha256"]).is_file(), row
        data = store.media.read_original(row["sha256"])  # decrypted in an encrypted store
        assert hashlib.sha256(data).hexdigest() == row["sha256"]
    assert store.verify_chain() == []


@pytest.fixture
def site(store: Store) -> str:
    case = store.create("case", {"title": "Test case"})
    return str(
        store.create("site", {"case_id": case["id"], "name": "Market", "lat": 39.8, "lon": 46.75})[
            "id"
        ]
    )


# --- the happy path ----------------------------------------------------------------------


@pytest.mark.parametrize("serial", [True, False])
def test_originals_are_byte_identical(store: Store, tmp_path: Path, serial: bool) -> None:
    photos = make_photos(
        tmp_path / "card", 5, lat=39.81, lon=46.75, when="2020:10:09 14:02:00", offset="+04:00"
    )
    report = import_media(store, [tmp_path / "card"], serial=serial)
    assert len(report.imported) == 5 and not report.rejected and not report.duplicates
    for photo, entry in zip(photos, report.imported, strict=True):
        assert store.media.read_original(entry["sha256"]) == photo.read_bytes()
        assert entry["sha256"] == sha(photo)
        assert entry["path"] == str(photo)
    record = store.get(report.imported[0]["id"], "media")
    assert record["file_name"] == "IMG_0000.jpg"
    assert record["mime"] == "image/jpeg"
    assert (record["width"], record["height"]) == (64, 48)
    assert record["lat"] == pytest.approx(39.81, abs=1e-4)
    assert record["lon"] == pytest.approx(46.75, abs=1e-4)
    assert record["position_source"] == "exif"
    assert record["captured_utc"] == "2020-10-09T10:02:00Z"
    assert record["captured_local"] == "2020-10-09T14:02:00"
    assert record["utc_offset"] == "+04:00"
    assert record["time_source"] == "exif-offset"
    assert (record["make"], record["model"]) == ("FieldCam", "FC-1")
    assert_consistent(store)


def test_matches_sha256sum(store: Store, tmp_path: Path) -> None:
    if shutil.which("sha256sum") is None:
        pytest.skip("sha256sum not installed")
    photos = make_photos(tmp_path / "p", 2)
    report = import_media(store, photos, serial=True)
    for photo, entry in zip(photos, report.imported, strict=True):
        out = subprocess.run(
            ["sha256sum", str(photo)], capture_output=True, text=True, check=True
        ).stdout.split()[0]
        assert out == entry["sha256"]


def test_real_photos_from_the_corpus(store: Store) -> None:
    if not DATA.is_dir():
        pytest.skip("tests/data/ingest is absent")
    photos = sorted(DATA.glob("*.jpg"))  # the folder also holds a README of their sources
    report = import_media(store, photos, serial=True)
    assert len(report.imported) == len(photos) == 3
    by_name = {Path(i["path"]).name: store.get(i["id"]) for i in report.imported}
    oneplus = by_name["corrupt_exif_2.jpg"]
    assert oneplus["lat"] == pytest.approx(48.0810453)
    assert oneplus["lon"] == pytest.approx(-1.6678411)
    assert oneplus["time_source"] == "coordinates-tz"
    assert by_name["orientation6.jpg"]["orientation"] == 6


def test_camera_correction_is_applied(store: Store, tmp_path: Path) -> None:
    store.create(
        "camera", {"make": "FieldCam", "model": "FC-1", "clock_error_s": 60, "utc_offset": "+04:00"}
    )
    photo = make_photos(tmp_path, 1, when="2020:10:09 14:02:00")[0]
    report = import_media(store, [photo], serial=True)
    record = store.get(report.imported[0]["id"])
    assert record["time_source"] == "camera-correction"
    assert record["captured_utc"] == "2020-10-09T10:01:00Z"


def test_any_file_type_is_evidence(store: Store, tmp_path: Path) -> None:
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    wav = tmp_path / "interview.wav"
    wav.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 40)
    real = tmp_path / "recording.wav"
    real.write_bytes((Path(__file__).parent / "data" / "av" / "bwf_bext.wav").read_bytes())
    report = import_media(store, [pdf, wav, real], serial=True)
    warnings = [i["warnings"] for i in report.imported]
    assert warnings[0] == [] and warnings[2] == [
        "no UTC offset known for the camera time: UTC unknown"
    ]
    # A WAV header with no audio in it is kept, and the user is told it cannot be played.
    assert warnings[1] == [
        "the video/audio container cannot be read: Invalid data found when processing input"
    ]
    records = [store.get(i["id"]) for i in report.imported]
    assert [r["mime"] for r in records] == ["application/pdf", "audio/wav", "audio/wav"]
    assert records[2]["duration_s"] == 1.0
    assert records[2]["captured_local"] == "2020-10-09T14:05:30"
    assert records[1].get("duration_s") is None


# --- bad input: a reason per file, the rest of the batch imports ---------------------------


def _truncated(tmp: Path) -> Path:
    p = tmp / "truncated.jpg"
    data = jpeg_bytes(size=(320, 240), lat=1.0, lon=2.0)
    p.write_bytes(data[: len(data) * 2 // 3])
    return p


def _corrupt_exif(tmp: Path) -> Path:
    clean = io.BytesIO()
    Image.new("RGB", (64, 48), "blue").save(clean, "JPEG")
    data = clean.getvalue()
    # A TIFF header whose IFD0 offset points far past the end of the EXIF block.
    segment = b"Exif\x00\x00II*\x00" + (0x7FFFFF00).to_bytes(4, "little") + b"\x00" * 20
    p = tmp / "corrupt_exif.jpg"
    p.write_bytes(
        data[:2] + b"\xff\xe1" + (len(segment) + 2).to_bytes(2, "big") + segment + data[2:]
    )
    return p


def test_bad_files_each_get_a_reason(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = tmp_path / "batch"
    good = make_photos(batch, 3)
    truncated = _truncated(batch)
    empty = batch / "empty.jpg"
    empty.write_bytes(b"")
    text = batch / "notes.jpg"
    text.write_text("this is not a photo\n" * 20)
    corrupt = _corrupt_exif(batch)
    # Unreadable, three ways that stop root too: a FIFO (never opened, so no hang), a
    # broken symbolic link, and open() failing with EACCES for one path (monkeypatched,
    # since chmod 000 does not stop root).
    fifo = batch / "pipe.jpg"
    os.mkfifo(fifo)
    broken = batch / "gone.jpg"
    broken.symlink_to(tmp_path / "nowhere.jpg")
    denied = batch / "denied.jpg"
    denied.write_bytes(jpeg_bytes(tag="denied"))
    real_open = os.open

    def fake_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if Path(path) == denied:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", fake_open)
    report = import_media(store, [batch], serial=True)

    imported = {Path(i["path"]).name: i for i in report.imported}
    rejected = {Path(r.path).name: r.message for r in report.rejected}
    assert {p.name for p in good} <= set(imported)
    assert rejected == {
        "empty.jpg": "empty file (0 bytes): nothing to keep",
        "pipe.jpg": "not a regular file (a FIFO)",
        "gone.jpg": "broken symbolic link",
        "denied.jpg": "permission denied",
    }
    # Kept as evidence, with a warning that says what is wrong.
    assert any("cannot be decoded" in w for w in imported["truncated.jpg"]["warnings"])
    assert any("not an image" in w and "text/plain" in w for w in imported["notes.jpg"]["warnings"])
    assert any("IFD0" in w for w in imported["corrupt_exif.jpg"]["warnings"])
    for p in good:
        assert imported[p.name]["warnings"] == []
    for name in ("truncated.jpg", "notes.jpg", "corrupt_exif.jpg"):
        entry = imported[name]
        assert store.media.read_original(entry["sha256"]) == (batch / name).read_bytes()
        assert store.get(entry["id"])["warnings"] == entry["warnings"]
    assert truncated.exists() and corrupt.exists()
    assert_consistent(store)


@pytest.mark.parametrize("serial", [True, False])
def test_unreadable_in_parallel_too(store: Store, tmp_path: Path, serial: bool) -> None:
    folder = tmp_path / "f"
    make_photos(folder, 4)
    os.mkfifo(folder / "fifo.jpg")
    (folder / "empty.jpg").write_bytes(b"")
    report = import_media(store, [folder], serial=serial, workers=3)
    assert len(report.imported) == 4
    assert sorted(Path(r.path).name for r in report.rejected) == ["empty.jpg", "fifo.jpg"]


def test_missing_path_raises_before_anything(store: Store, tmp_path: Path) -> None:
    from fieldkit.errors import MediaError

    photos = make_photos(tmp_path, 1)
    with pytest.raises(MediaError) as e:
        import_media(store, [photos[0], tmp_path / "absent.jpg"], serial=True)
    assert "absent.jpg" in str(e.value)
    assert store.count("media") == 0


def test_junk_and_symlinks_out_of_the_tree(tmp_path: Path) -> None:
    root = tmp_path / "card"
    make_photos(root / "DCIM", 2)
    (root / ".DS_Store").write_bytes(b"junk")
    (root / "DCIM" / "._IMG_0000.jpg").write_bytes(b"appledouble")
    (root / "Thumbs.db").write_bytes(b"junk")
    (root / ".Trashes").mkdir()
    (root / ".Trashes" / "x.jpg").write_bytes(b"x")
    outside = tmp_path / "secret.txt"
    outside.write_text("outside")
    (root / "link.txt").symlink_to(outside)
    (root / "inside.jpg").symlink_to(root / "DCIM" / "IMG_0000.jpg")
    (root / "loop").symlink_to(root, target_is_directory=True)
    files, rejected, skipped = collect_files([root])
    assert sorted(p.relative_to(root).as_posix() for p in files) == [
        "DCIM/IMG_0000.jpg",
        "DCIM/IMG_0001.jpg",
        "inside.jpg",
    ]
    assert rejected == []
    reasons = {Path(s.path).name: s.message for s in skipped}
    assert set(reasons) == {
        ".DS_Store",
        "._IMG_0000.jpg",
        "Thumbs.db",
        ".Trashes",
        "link.txt",
        "loop",
    }
    assert "outside" in reasons["link.txt"]
    # Named one by one, a hidden file is imported: the user chose it.
    files, _, _ = collect_files([root / ".DS_Store"])
    assert files == [root / ".DS_Store"]


# --- duplicates, sites -------------------------------------------------------------------


def test_importing_twice_imports_nothing_the_second_time(store: Store, tmp_path: Path) -> None:
    make_photos(tmp_path / "card", 4)
    first = import_media(store, [tmp_path / "card"])
    events = store.event_count()
    second = import_media(store, [tmp_path / "card"])
    assert len(first.imported) == 4
    assert second.imported == [] and second.rejected == []
    assert sorted(d["id"] for d in second.duplicates) == sorted(i["id"] for i in first.imported)
    assert store.event_count() == events
    assert store.count("media") == 4


def test_same_bytes_twice_in_one_batch(store: Store, tmp_path: Path) -> None:
    a = make_photos(tmp_path / "a", 1)[0]
    b = tmp_path / "copy.jpg"
    shutil.copy(a, b)
    report = import_media(store, [a, b], serial=True)
    assert len(report.imported) == 1 and len(report.duplicates) == 1
    assert report.duplicates[0]["id"] == report.imported[0]["id"]


def test_link_to_site_and_duplicates_are_linked(store: Store, site: str, tmp_path: Path) -> None:
    make_photos(tmp_path / "card", 3)
    first = import_media(store, [tmp_path / "card"], site_id=site)
    links = store.find("link", where={"target_id": site})
    assert sorted(lk["media_id"] for lk in links) == sorted(i["id"] for i in first.imported)
    # A second site: the duplicates are linked to it as well, not stored again.
    case = store.get(site)["case_id"]
    other = store.create("site", {"case_id": case, "name": "School"})["id"]
    second = import_media(store, [tmp_path / "card"], site_id=other)
    assert len(second.duplicates) == 3
    assert len(store.find("link", where={"target_id": other})) == 3
    # Linking is idempotent: importing again to the first site adds no link.
    before = store.event_count()
    import_media(store, [tmp_path / "card"], site_id=site)
    assert store.event_count() == before


def test_unknown_site_is_refused(store: Store, tmp_path: Path) -> None:
    from fieldkit.errors import NotFound
    from fieldkit.ids import new_id

    photos = make_photos(tmp_path, 1)
    with pytest.raises(NotFound):
        import_media(store, photos, site_id=new_id())
    assert store.count("media") == 0


# --- cancellation ------------------------------------------------------------------------


@pytest.mark.parametrize("serial", [True, False])
def test_cancel_half_way_then_resume(
    store: Store, tmp_path: Path, serial: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_photos(tmp_path / "card", 30)
    token = CancelToken()
    seen: list[int] = []

    def progress(done: int, total: int, message: str) -> None:
        seen.append(done)
        if done >= 10:
            token.cancel()

    class NoThrottle:
        """Every step reaches the callback (the real throttle may skip some)."""

        def __init__(self, fn: Callable[..., None] | None, interval: float = 0) -> None:
            self.fn = fn

        def __call__(self, done: int, total: int, message: str = "") -> None:
            if self.fn:
                self.fn(done, total, message)

    monkeypatch.setattr("fieldkit.ingest.operation.Throttle", NoThrottle)
    report = import_media(
        store, [tmp_path / "card"], progress=progress, cancel=token, serial=serial, workers=2
    )
    assert report.cancelled
    assert 10 <= len(report.imported) < 30
    if serial:
        assert len(report.imported) == 10
    assert store.count("media") == len(report.imported)
    assert_consistent(store)
    rest = import_media(store, [tmp_path / "card"], serial=serial)
    assert not rest.cancelled
    assert len(rest.imported) == 30 - len(report.imported)
    assert len(rest.duplicates) == len(report.imported)
    assert store.count("media") == 30
    assert_consistent(store)


def test_cancel_before_start_imports_nothing(store: Store, tmp_path: Path) -> None:
    make_photos(tmp_path / "card", 3)
    token = CancelToken()
    token.cancel()
    report = import_media(store, [tmp_path / "card"], cancel=token)
    assert report.cancelled and report.imported == []
    assert store.count("media") == 0


def test_bytes_stored_without_a_record_are_recorded_on_reimport(
    store: Store, tmp_path: Path
) -> None:
    """What a crash between storing the file and committing its row leaves behind."""
    photo = make_photos(tmp_path, 1)[0]
    store.media.put_file(photo)
    report = import_media(store, [photo], serial=True)
    assert len(report.imported) == 1
    assert_consistent(store)


def test_report_json_is_plain(store: Store, tmp_path: Path) -> None:
    make_photos(tmp_path / "c", 2)
    (tmp_path / "c" / "zero.jpg").write_bytes(b"")
    report = import_media(store, [tmp_path / "c"], serial=True)
    doc = json.loads(json.dumps(report.to_json()))
    assert doc["counts"] == {
        "imported": 2,
        "duplicates": 0,
        "rejected": 1,
        "skipped": 0,
        "with_warnings": 0,
    }
    assert set(doc["imported"][0]) == {"path", "id", "sha256", "warnings"}
    assert isinstance(report, MediaImportReport)


def test_thumbnails_made_during_import(store: Store, tmp_path: Path) -> None:
    from fieldkit.thumbnails import load_thumbnail, thumbnail_path

    photos = make_photos(tmp_path, 2, orientation=6, size=(80, 40))
    report = import_media(store, photos)
    for entry in report.imported:
        thumb = thumbnail_path(store, entry["sha256"])
        data = load_thumbnail(thumb, store.media.cipher)  # sealed in an encrypted store
        assert data is not None
        with Image.open(io.BytesIO(data)) as im:
            assert im.size == (40, 80)


# --- the command line --------------------------------------------------------------------


def _cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "FIELDKIT_HOME": str(home),
        "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
    }
    return subprocess.run(
        [sys.executable, "-m", "fieldkit", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_cli_import_list_show_link(
    store: Store, site: str, tmp_path: Path, passphrase_env: bytes
) -> None:
    make_photos(
        tmp_path / "card", 2, lat=39.8001, lon=46.7501, when="2020:10:09 14:02:00", offset="+04:00"
    )
    (tmp_path / "card" / "empty.jpg").write_bytes(b"")
    make_photos(tmp_path / "later", 1, lat=39.8002, lon=46.7502, color=(0, 0, 0))
    home = store.home
    store.close()
    r = _cli(home, "media", "import", str(tmp_path / "card"), "--site", site, "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert len(doc["imported"]) == 2 and len(doc["rejected"]) == 1
    media_id = doc["imported"][0]["id"]

    r = _cli(home, "media", "list", "--site", site, "--json")
    assert r.returncode == 0, r.stderr
    assert sorted(m["id"] for m in json.loads(r.stdout)["media"]) == sorted(
        i["id"] for i in doc["imported"]
    )

    r = _cli(home, "media", "show", media_id, "--json")
    assert r.returncode == 0, r.stderr
    shown = json.loads(r.stdout)
    assert shown["id"] == media_id and shown["utc_offset"] == "+04:00"
    assert [lk["target_id"] for lk in shown["links"]] == [site]

    # A photo imported without --site is suggested for the site it was taken at.
    r = _cli(home, "media", "import", str(tmp_path / "later"))
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("imported 1 (0 with warnings), duplicates 0")
    r = _cli(home, "media", "suggest", "--json")
    assert r.returncode == 0, r.stderr
    sugg = json.loads(r.stdout)
    assert [m["site_id"] for m in sugg["matches"]] == [site]
    assert sugg["matches"][0]["distance_m"] < 30
    assert sugg["proposals"] == []
    later = sugg["matches"][0]["media_id"]

    r = _cli(home, "media", "link", later, "--site", site, "--caption", "crater", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["caption"] == "crater"
    r = _cli(home, "media", "suggest", "--json")
    assert json.loads(r.stdout)["matches"] == []

    r = _cli(home, "media", "thumbnails", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["kept"] == 3

    r = _cli(home, "media", "import", str(tmp_path / "absent"))
    assert r.returncode != 0 and "absent" in r.stderr


def test_cli_missing_store(tmp_path: Path) -> None:
    r = _cli(tmp_path / "nostore", "media", "list")
    assert r.returncode != 0 and "fieldkit init" in r.stderr


def test_every_media_command_has_help() -> None:
    import argparse

    from fieldkit.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    media = sub.choices["media"]
    assert media.description
    verbs = next(a for a in media._actions if isinstance(a, argparse._SubParsersAction))
    assert set(verbs.choices) >= {"import", "list", "show", "link", "suggest", "thumbnails"}
    for name, p in verbs.choices.items():
        assert p.description, name
        for action in p._actions:
            assert action.help, (name, action.dest)


def test_cli_import_without_thumbnails(store: Store, tmp_path: Path, passphrase_env: bytes) -> None:
    import json
    import os
    import sys

    photos = make_photos(tmp_path / "nothumbs", 2)
    env = {**os.environ}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "fieldkit",
            "--home",
            str(store.home),
            "media",
            "import",
            "--no-thumbnails",
            "--json",
            *map(str, photos),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    report = json.loads(result.stdout)
    assert len(report["imported"]) == 2
    from fieldkit.thumbnails import thumbnail_path

    assert not any(thumbnail_path(store, i["sha256"]).exists() for i in report["imported"])


def test_exif_after_the_pixels_of_a_large_webp_is_read(store: Store, tmp_path: Path) -> None:
    photo = tmp_path / "big.webp"
    noise = Image.frombytes("RGB", (1200, 1200), os.urandom(1200 * 1200 * 3))
    exif = Image.Exif()
    exif[0x010F] = "TestMake"
    exif[0x0110] = "TestModel"
    noise.save(photo, "WEBP", lossless=True, exif=exif.tobytes())
    data = photo.read_bytes()
    assert len(data) > 2 << 20 and data.rfind(b"EXIF") > 2 << 20  # past the kept head
    report = import_media(store, [photo], serial=True)
    record = store.get(report.imported[0]["id"])
    assert (record["make"], record["model"]) == ("TestMake", "TestModel")
