"""The public release (issue 16): what leaves, how photos are cleaned, and the private link.

Real tools check what is written: exiftool lists every metadata tag of each published
photo, pdftotext reads the public report, sha256sum and ssh-keygen verify the bag, and
`fieldkit verify` and `fieldkit log` run as a person would run them.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import piexif
import pytest
from PIL import Image, PngImagePlugin

from fieldkit.audience import utm_epsg
from fieldkit.bundle.export import export_bundle
from fieldkit.bundle.importer import import_bundle
from fieldkit.bundle.verify import verify_bundle
from fieldkit.crypto import namespaces, trustlist
from fieldkit.errors import ValidationError
from fieldkit.ingest import import_media
from fieldkit.release import ReleaseError, releases_carrying, write_release
from fieldkit.store import Store
from tests import outputs_case as oc
from tests.conftest import PASSPHRASE, table_dump
from tests.test_bad_input import run_cli

needs_tools = pytest.mark.skipif(
    not (shutil.which("exiftool") and shutil.which("pdftotext")),
    reason="needs exiftool and poppler-utils (make system-deps)",
)
RED = (220, 30, 30)
# Upright 300 x 400 after Orientation 6 (stored 400 x 300): a face-sized block to hide.
RECT = (50, 60, 100, 120)
GRID = 100


def _turned_jpeg(path: Path) -> None:
    """A red JPEG stored landscape with Orientation 6, and every metadata block we know."""
    im = Image.new("RGB", (400, 300), RED)
    thumb = io.BytesIO()
    im.resize((80, 60)).save(thumb, "JPEG")
    exif = {
        "0th": {
            piexif.ImageIFD.Make: b"LeakCam",
            piexif.ImageIFD.Model: b"Model Secret",
            piexif.ImageIFD.Orientation: 6,
        },
        "Exif": {
            piexif.ExifIFD.DateTimeOriginal: b"2020:10:09 11:00:00",
            piexif.ExifIFD.OffsetTimeOriginal: b"+04:00",
            piexif.ExifIFD.BodySerialNumber: b"SERIAL-LEAK-42",
            piexif.ExifIFD.MakerNote: b"maker note secret",
        },
        "GPS": {
            piexif.GPSIFD.GPSLatitudeRef: b"N",
            piexif.GPSIFD.GPSLatitude: ((39, 1), (48, 1), (5500, 100)),
            piexif.GPSIFD.GPSLongitudeRef: b"E",
            piexif.GPSIFD.GPSLongitude: ((46, 1), (45, 1), (700, 100)),
        },
        "1st": {piexif.ImageIFD.Compression: 6},
        "thumbnail": thumb.getvalue(),
    }
    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
        b'xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreatorTool="XMPLEAK"/>'
        b"</rdf:RDF></x:xmpmeta>"
    )
    im.save(path, "JPEG", quality=95, exif=piexif.dump(exif), comment=b"COMMENTLEAK", xmp=xmp)


def _png(path: Path) -> None:
    im = Image.new("RGB", (200, 100), RED)
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "PNGTEXTLEAK")
    exif = piexif.dump({"0th": {piexif.ImageIFD.Make: b"LeakCam"}})
    im.save(path, "PNG", pnginfo=info, exif=exif)


@pytest.fixture(scope="module")
def released(
    store_templates: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("release")
    home = root / "home"
    shutil.copytree(store_templates["A"], home)
    store = Store.open(home)
    case = oc.build_case(store, root, photos=2)
    extra = root / "extra"
    extra.mkdir()
    _turned_jpeg(extra / "turned.jpg")
    _png(extra / "plate.png")
    (extra / "clip.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(64))
    report = import_media(store, sorted(extra.iterdir()), site_id=case.market, serial=True)
    assert not report.rejected
    by_name = {m["file_name"]: m for m in store.find("media")}
    turned, plate, clip = by_name["turned.jpg"], by_name["plate.png"], by_name["clip.mp4"]
    store.update(turned["id"], {"release": "yes", "redactions": [",".join(map(str, RECT))]})
    store.update(plate["id"], {"release": "yes", "redactions": ["20,10,60,40"]})
    store.update(clip["id"], {"release": "yes"})
    originals = {
        m["sha256"]: hashlib.sha256(store.media.read_original(m["sha256"])).hexdigest()
        for m in store.find("media")
    }
    result = write_release(
        store, root / "release", case_id=case.case_id, passphrase=PASSPHRASE, grid_m=GRID
    )
    zipped = write_release(
        store, root / "release-z", case_id=case.case_id, passphrase=PASSPHRASE, zipped=True
    )
    identity = store.identity()
    allowed = root / "allowed_signers"
    allowed.write_text(trustlist.export_public(store.keys_dir))
    state = {
        "root": root,
        "home": home,
        "case": case,
        "result": result,
        "zipped": zipped,
        "turned": turned,
        "plate": plate,
        "clip": clip,
        "originals": originals,
        "identity": identity,
        "allowed": allowed,
    }
    store.close()
    return state


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _photo_of(released: dict[str, Any], media: dict[str, Any]) -> Path:
    """The published copy of ``media`` in the folder release, found by its derivation."""
    release_id = released["result"].release_id
    home = Store.open(released["home"])
    try:
        (d,) = home.find(
            "derivation", where={"media_id": media["id"], "publication_id": release_id}
        )
    finally:
        home.close()
    return released["result"].path / d["derived_path"]


@needs_tools
def test_published_photos_carry_no_metadata(released: dict[str, Any]) -> None:
    photos = sorted((released["result"].path / "data" / "photos").iterdir())
    assert len(photos) == 4  # two case photos, the turned JPEG and the PNG; not the video
    forbidden = ("GPS", "Serial", "MakerNote", "XMP", "IPTC", "ThumbnailImage", "PreviewImage")
    for photo in photos:
        out = subprocess.run(
            ["exiftool", "-a", "-G1", "-j", str(photo)], capture_output=True, check=True
        )
        (tags,) = json.loads(out.stdout)
        for tag in tags:
            group, _, name = tag.partition(":")
            assert not any(f in tag for f in forbidden), (photo.name, tag)
            assert not name.startswith("OffsetTime"), (photo.name, tag)
            assert name not in ("Make", "Model", "Comment", "CreatorTool"), (photo.name, tag)
            assert group not in ("[ExifIFD]", "[IFD0]", "[GPS]", "[XMP-x]", "[IPTC]")
        data = photo.read_bytes()
        for leak in (b"Exif\0\0", b"LeakCam", b"SERIAL-LEAK", b"COMMENTLEAK", b"XMPLEAK"):
            assert leak not in data, (photo.name, leak)
        assert b"PNGTEXTLEAK" not in data


def test_redaction_is_a_solid_block_where_the_person_drew_it(released: dict[str, Any]) -> None:
    turned = Image.open(_photo_of(released, released["turned"])).convert("RGB")
    assert turned.size == (300, 400)  # upright: Orientation 6 applied
    x, y, w, h = RECT
    inside = [
        turned.getpixel((i, j)) for i in range(x + 4, x + w - 4) for j in range(y + 4, y + h - 4)
    ]
    # JPEG re-encoding: within 12 of black per channel, and none of the hidden red.
    assert max(max(p) for p in inside) <= 12
    for i, j in ((x - 10, y + h // 2), (x + w + 10, y + h // 2), (x + w // 2, y - 10)):
        r, g, b = turned.getpixel((i, j))
        assert r > 180 and g < 80 and b < 80, "the block is not where it was drawn"
    plate = Image.open(_photo_of(released, released["plate"])).convert("RGB")
    block = {plate.getpixel((i, j)) for i in range(20, 80) for j in range(10, 50)}
    assert block == {(0, 0, 0)}  # PNG: exactly one colour
    assert plate.getpixel((85, 55)) == RED


def test_originals_unchanged(released: dict[str, Any]) -> None:
    store = Store.open(released["home"])
    try:
        now = {
            sha: hashlib.sha256(store.media.read_original(sha)).hexdigest()
            for sha in released["originals"]
        }
    finally:
        store.close()
    assert now == released["originals"]
    assert all(sha == digest for sha, digest in now.items())


@needs_tools
def test_nothing_private_anywhere_in_the_release(released: dict[str, Any]) -> None:
    case = released["case"]
    forbidden = [
        oc.CONFIDENTIAL_QUOTE,
        oc.RESTRICTED_QUOTE,
        oc.WITHDRAWN_QUOTE,
        oc.INTERVIEWER,
        "W-001",
        "W-002",
        "W-003",
        oc.SERIAL,
        "SERIAL-LEAK",
        *released["originals"],  # no evidence hash: the link stays private
        case.market,
        case.school,
    ]
    texts = []
    for path in released["result"].path.rglob("*"):
        if path.is_file():
            texts.append(path.read_bytes().decode("utf-8", "replace"))
            if path.suffix == ".pdf":
                texts.append(
                    subprocess.run(
                        ["pdftotext", "-enc", "UTF-8", str(path), "-"],
                        capture_output=True,
                        check=True,
                        text=True,
                    ).stdout
                )
    with zipfile.ZipFile(released["zipped"].path) as z:
        texts += [z.read(n).decode("utf-8", "replace") for n in z.namelist()]
    blob = "\n".join(texts)
    for item in forbidden:
        assert item not in blob, item
    doc = json.loads((released["result"].path / "data" / "release.json").read_text())
    assert oc.PUBLIC_QUOTE in json.dumps(doc, ensure_ascii=False)
    labels = [s["label"] for s in doc["statements"]]
    assert labels and "Witness 1" not in labels  # an internal code is never a label
    assert {p["file"] for p in doc["photos"]} == {
        p["file"][len("data/") :] for p in released["result"].photos
    }


def test_video_left_out_with_a_reason(released: dict[str, Any]) -> None:
    left = released["result"].left_out
    assert [item["ref"] for item in left] and all("video" in item["reason"] for item in left)
    readme = (released["result"].path / "data" / "README.txt").read_text()
    assert "Not published here" in readme


def test_sensitive_position_on_the_grid(released: dict[str, Any]) -> None:
    from pyproj import Transformer

    doc = json.loads((released["result"].path / "data" / "release.json").read_text())
    school = next(s for s in doc["sites"] if s["name"] == oc.SCHOOL_AZ)
    market = next(s for s in doc["sites"] if s["name"] == oc.HY_NAME)
    assert (market["lat"], market["lon"]) == pytest.approx(oc.MARKET, abs=1e-9)
    epsg = utm_epsg(*oc.SCHOOL)
    to_utm = Transformer.from_crs("EPSG:4326", f"EPSG:{epsg}", always_xy=True)
    x, y = to_utm.transform(school["lon"], school["lat"])
    assert abs(x / GRID - round(x / GRID)) * GRID < 0.01
    assert abs(y / GRID - round(y / GRID)) * GRID < 0.01
    rx, ry = to_utm.transform(oc.SCHOOL[1], oc.SCHOOL[0])
    assert math.hypot(x - rx, y - ry) <= GRID * math.sqrt(2) / 2
    assert "address" not in school


def test_verify_passes_and_any_flipped_byte_fails(released: dict[str, Any], tmp_path: Path) -> None:
    for result in (released["result"], released["zipped"]):
        report = verify_bundle(result.path, trust=released["allowed"])
        assert report.ok, [p.message for p in report.problems]
    copy = tmp_path / "copy"
    shutil.copytree(released["result"].path, copy)
    for path in sorted(p for p in copy.rglob("*") if p.is_file()):
        data = path.read_bytes()
        for at in (0, len(data) // 2, len(data) - 1):
            flipped = bytearray(data)
            flipped[at] ^= 0x01
            path.write_bytes(bytes(flipped))
            report = verify_bundle(copy, trust=released["allowed"])
            assert not report.ok, (path.name, at)
            path.write_bytes(data)
    report = verify_bundle(copy, trust=released["allowed"])
    assert report.ok


def test_standard_tools_verify_the_release(released: dict[str, Any]) -> None:
    bag = released["result"].path
    for manifest in ("tagmanifest-sha256.txt", "manifest-sha256.txt"):
        ok = subprocess.run(["sha256sum", "-c", manifest], cwd=bag, capture_output=True)
        assert ok.returncode == 0, ok.stdout
    email = released["identity"]["email"]
    cmd = ["ssh-keygen", "-Y", "verify", "-f", str(released["allowed"]), "-I", email]
    sig = ["-s", "tagmanifest-sha256.txt.sig"]
    tagmanifest = (bag / "tagmanifest-sha256.txt").read_bytes()
    ok = subprocess.run(
        [*cmd, "-n", namespaces.RELEASE_NAMESPACE, *sig],
        cwd=bag,
        input=tagmanifest,
        capture_output=True,
    )
    assert ok.returncode == 0, ok.stderr
    # A release signature never passes for a bundle's.
    bad = subprocess.run(
        [*cmd, "-n", namespaces.BUNDLE_NAMESPACE, *sig],
        cwd=bag,
        input=tagmanifest,
        capture_output=True,
    )
    assert bad.returncode != 0
    cli = run_cli(released["home"], "verify", str(bag), "--trust", str(released["allowed"]))
    assert cli.returncode == 0, cli.stderr


def test_a_release_is_not_a_bundle(released: dict[str, Any], make_store: Any) -> None:
    coordinator = make_store("C")
    before = table_dump(coordinator)
    report = import_bundle(coordinator, released["result"].path, accept_untrusted=True)
    assert not report.ok
    assert any(p.code == "not-a-bundle" for p in report.problems)
    assert table_dump(coordinator) == before


def test_derivations_replay_travel_and_show_in_the_log(
    released: dict[str, Any], make_store: Any, tmp_path: Path
) -> None:
    store = Store.open(released["home"])
    try:
        derivations = store.find("derivation")
        (publication,) = [
            p
            for p in store.find("publication")
            if p["identifier"] == f"urn:uuid:{released['result'].release_id}"
        ]
        assert {d["publication_id"] for d in derivations} >= {publication["id"]}
        turned = next(
            d
            for d in derivations
            if d["media_id"] == released["turned"]["id"]
            and d["publication_id"] == publication["id"]
        )
        assert turned["source_sha256"] == released["turned"]["sha256"]
        published = released["result"].path / turned["derived_path"]
        assert turned["derived_sha256"] == _sha(published)
        assert "orientation-6-applied" in turned["transformations"]
        assert turned["redactions"] == [",".join(map(str, RECT))]
        before = table_dump(store)
        store.rebuild_projection()
        assert table_dump(store) == before
        export = export_bundle(
            store, tmp_path / "out", full=True, passphrase=PASSPHRASE, plaintext=True
        )
    finally:
        store.close()
    show = run_cli(released["home"], "media", "show", released["turned"]["id"], "--json")
    assert show.returncode == 0, show.stderr
    shown = json.loads(show.stdout)["derivatives"]
    assert turned["derived_sha256"] in {d["derived_sha256"] for d in shown}
    coordinator = make_store("C")
    result = import_bundle(coordinator, export.path, accept_untrusted=True)
    assert not result.problems, result.problems
    assert coordinator.get(turned["id"])["derived_sha256"] == turned["derived_sha256"]
    home = coordinator.home
    coordinator.close()
    log = run_cli(home, "log", turned["id"])
    assert log.returncode == 0, log.stderr
    assert "derivation" in log.stdout


def test_withdrawn_consent_lists_releases_and_stays_out_later(
    released: dict[str, Any], tmp_path: Path
) -> None:
    home = tmp_path / "home"
    shutil.copytree(released["home"], home)
    public = released["case"].statements["public"]
    edit = run_cli(home, "statement", "edit", public, "--consent", "withdrawn", "--json")
    assert edit.returncode == 0, edit.stderr
    carried = json.loads(edit.stdout)["published_in"]
    assert f"urn:uuid:{released['result'].release_id}" in {p["identifier"] for p in carried}
    assert "already carried this statement" in edit.stderr
    store = Store.open(home)
    try:
        later = write_release(
            store, tmp_path / "later", case_id=released["case"].case_id, passphrase=PASSPHRASE
        )
        assert later.counts["statements"] == 0
        assert public not in releases_carrying(store, public)[-1]["statement_ids"] or (
            releases_carrying(store, public)[-1]["identifier"] != f"urn:uuid:{later.release_id}"
        )
    finally:
        store.close()
    blob = b"".join(p.read_bytes() for p in later.path.rglob("*") if p.is_file())
    assert oc.PUBLIC_QUOTE.encode() not in blob


def test_refusals_leave_nothing(released: dict[str, Any], tmp_path: Path) -> None:
    store = Store.open(released["home"])
    try:
        events = store.event_count()
        existing = tmp_path / "exists"
        existing.mkdir()
        with pytest.raises(ReleaseError):
            write_release(store, existing, case_id=released["case"].case_id, passphrase=PASSPHRASE)
        from fieldkit.errors import WrongPassphrase

        with pytest.raises(WrongPassphrase):
            write_release(
                store, tmp_path / "new", case_id=released["case"].case_id, passphrase=b"nope"
            )
        with pytest.raises(ValidationError):
            store.update(released["turned"]["id"], {"redactions": ["10,10,0,5"]})
        with pytest.raises(ValidationError):
            store.update(released["turned"]["id"], {"redactions": ["a face"]})
        assert store.event_count() == events
    finally:
        store.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exists"]
