"""A demo store a new user can open at once (``fieldkit gui --demo``). No Qt here.

The case, places and people are invented and marked as demo data: a fictional city with
two names in two languages, three neighbourhoods hit by cluster munitions, remnants from
the shipped catalogue, two witness statements and a few generated photos with GPS and
capture time in their EXIF. The content itself is data in :mod:`fieldkit.demo_content`;
this module records it, makes the photos and a colleague's bundle.
"""

from __future__ import annotations

import math
import shutil
import tempfile
from pathlib import Path
from typing import Any

from fieldkit.demo_content import CITY, CITY_OTHER, REMNANTS, SITES, STATEMENTS
from fieldkit.store import Store

DEMO_PASSPHRASE = b"demo passphrase"


def _photo(
    path: Path,
    title: str,
    colour: tuple[int, int, int],
    when: str,
    gps: Any,
    *,
    alt: float | None = None,
    direction: float = 271.0,
    camera: tuple[str, str, str] = ("DemoCam", "Field 1", "DC-0001"),
    size: tuple[int, int] = (960, 640),
) -> None:
    """A JPEG placeholder marked as generated, with EXIF camera, time, offset, GPS
    position (altitude too, when given) and the direction the camera faced."""
    from PIL import Image, ImageDraw, ImageFont
    from PIL.TiffImagePlugin import IFDRational

    w, h = size
    im = Image.new("RGB", (w, h), (200, 210, 220))
    d = ImageDraw.Draw(im)
    for y in range(h // 2):
        shade = 170 + y * 60 // (h // 2)
        d.line([(0, y), (w, y)], fill=(shade - 40, shade - 20, shade))
    d.rectangle([0, h // 2, w, h], fill=(120, 112, 98))
    d.ellipse([w // 2 - 170, h // 2 + 60, w // 2 + 170, h // 2 + 170], fill=(70, 64, 58))
    d.rounded_rectangle([w // 2 - 140, h // 2 - 10, w // 2 + 150, h // 2 + 60], 25, fill=colour)
    d.rectangle([20, 20, 560, 110], fill=(255, 255, 255))
    d.text((36, 32), f"DEMO - {title}", fill=(20, 20, 20), font=ImageFont.load_default(28))
    d.text(
        (36, 72),
        "generated image, not evidence",
        fill=(90, 90, 90),
        font=ImageFont.load_default(20),
    )

    local, offset = when[:19], when[19:]
    lat, lon = gps

    def dms(value: float) -> tuple[IFDRational, IFDRational, IFDRational]:
        value = abs(value)
        deg = int(value)
        minutes = int((value - deg) * 60)
        sec = round(((value - deg) * 60 - minutes) * 60 * 100)
        return (IFDRational(deg, 1), IFDRational(minutes, 1), IFDRational(sec, 100))

    # Pillow writes EXIF itself; no extra dependency for the demo.
    exif = Image.Exif()
    exif[0x010F] = camera[0]  # Make
    exif[0x0110] = camera[1]  # Model
    exif[0x0112] = 1  # Orientation
    sub = exif.get_ifd(0x8769)  # Exif IFD
    sub[0x9003] = local.replace("-", ":").replace("T", " ")  # DateTimeOriginal
    sub[0x9011] = offset  # OffsetTimeOriginal
    sub[0xA431] = camera[2]  # BodySerialNumber
    gps_ifd = exif.get_ifd(0x8825)
    gps_ifd[1] = "N" if lat >= 0 else "S"
    gps_ifd[2] = dms(lat)
    gps_ifd[3] = "E" if lon >= 0 else "W"
    gps_ifd[4] = dms(lon)
    gps_ifd[16] = "T"  # GPSImgDirectionRef: true north
    gps_ifd[17] = IFDRational(round(direction * 10), 10)  # GPSImgDirection
    if alt is not None:
        gps_ifd[5] = 0 if alt >= 0 else 1  # GPSAltitudeRef: above sea level
        gps_ifd[6] = IFDRational(round(abs(alt) * 10), 10)  # GPSAltitude
    im.save(path, "JPEG", quality=80, exif=exif.tobytes())


def _import_photos(store: Store, paths: list[Path], site_id: str) -> None:
    try:
        from fieldkit.ingest import import_media
    except ImportError:
        import_media = None  # type: ignore[assignment]
    if import_media is not None:
        import_media(store, paths, site_id=site_id)
        return
    for p in paths:  # before the importer exists: store the bytes and a minimal record
        stored = store.media.put_file(p)
        media = store.create(
            "media",
            {
                "sha256": stored.sha256,
                "file_name": p.name,
                "size": stored.size,
                "mime": "image/jpeg",
            },
        )
        store.link(media["id"], site_id)


def make_demo_store(
    home: Path | str, passphrase: bytes = DEMO_PASSPHRASE, *, colleague: bool = False
) -> Store:
    """A new store at ``home`` filled with the demo case; returns it open.

    With ``colleague``, a second investigator (another store beside it, ``colleague/``)
    also recorded the city: one of her bundles is already merged, with one conflicting
    field to resolve, and another waits beside the store to be imported
    (:func:`colleague_bundle_path`).
    """
    home = Path(home)
    store = Store.init(
        home,
        name="Demo Investigator",
        email="demo@fieldkit.example",
        organisation="FieldKit demo",
        passphrase=passphrase,
        device_name="demo laptop",
    )
    case = store.create(
        "case",
        {
            "title": f"Cluster munition strikes on {CITY} (demo)",
            "summary": "Sample data: three neighbourhoods hit by rockets carrying "
            "submunitions on 4, 6 and 8 October. Invented for the demo; not a real "
            "investigation.",
            "region": f"{CITY} / {CITY_OTHER['name']}",
            "period_start": "2020-10-01",
            "period_end": "2020-10-10",
            "status": "open",
        },
    )
    site_ids = []
    for i, (name, others, hood, lat, lon, when, kind) in enumerate(SITES):
        values: dict[str, Any] = {
            "case_id": case["id"],
            "name": name,
            "name_lang": "en",
            "other_names": others,
            "site_type": kind,
            "lat": lat,
            "lon": lon,
            "alt": 780.0 + i * 3,
            "position_source": "device",
            "position_accuracy_m": 5.0,
            "neighbourhood": hood,
            "address": f"{hood}, {CITY}",
            "incident_start": when,
            "incident_start_offset": when[-6:],
            "incident_time_source": "witness" if i % 3 else "physical_evidence",
            "visited_on": f"2020-10-{9 + i % 2:02d}",
            "military_objects": "none_observed",
            "military_notes": "No military equipment, positions or personnel seen "
            "within 500 m; residents said none had been there.",
            "civilian_objects": ["homes", "parked cars"],
            "access": "granted",
        }
        if i == 0:
            values.update(killed=1, injured=4, casualties_source="hospital records")
            values["civilian_objects"] = ["market stalls", "homes", "burned car"]
        if i == 1:
            values.update(killed=0, injured=2, casualties_source="witnesses")
            values["civilian_objects"] = ["school", "homes"]
        if i == 2:
            values.update(
                access="refused",
                access_notes="Armed guards refused the team access to the forecourt; "
                "photographed from the road.",
                military_objects="not_assessed",
                position_source="map",
                position_accuracy_m=50.0,
            )
            values.pop("visited_on")
            values.pop("alt")
        if i == 7:
            values.update(killed=2, injured=9, casualties_source="hospital records")
            values["civilian_objects"] = ["maternity hospital", "ambulance", "cars"]
        site_ids.append(store.create("site", values)["id"])

    for n, (site_i, category, mtype, condition, hazard, markings, notes) in enumerate(REMNANTS):
        values = {"site_id": site_ids[site_i], "category": category, "hazard": hazard}
        values["notes"] = notes
        lat0, lon0 = SITES[site_i][3], SITES[site_i][4]
        north, east = ((n * 37) % 200) - 100, ((n * 53) % 160) - 80  # metres, spread
        values["lat"] = round(lat0 + north / 111_320, 6)
        values["lon"] = round(lon0 + east / (111_320 * math.cos(math.radians(lat0))), 6)
        values["position_source"] = "device"
        values["position_accuracy_m"] = 4.0
        if mtype:
            values["munition_type"] = mtype
        if condition:
            values["condition"] = condition
        if markings:
            values["markings_text"] = markings
            lot = markings.split("ЛОТ ")[-1] if "ЛОТ" in markings else None
            if lot:
                values["markings_lot"] = lot
        if category in ("cargo_section", "rocket_motor"):
            values.update(size="length 1.9 m, Ø 300 mm", disposition="left_in_place")
        if condition == "dud":
            values["disposition"] = "left_in_place"
            values["disposition_by"] = "marked for the clearance team"
        store.create("remnant", values)

    for code, site_i, age, gender, role, lang, consent, sensitivity, summary in STATEMENTS:
        values = {
            "case_id": case["id"],
            "site_id": site_ids[site_i],
            "witness_code": code,
            "role": role,
            "language": lang,
            "interviewed_at": "2020-10-09T11:00:00+04:00",
            "interviewed_at_offset": "+04:00",
            "interviewer": "Demo Investigator",
            "consent": consent,
            "sensitivity": sensitivity,
            "summary": summary,
        }
        if age is not None:
            values["age"] = age
        if gender:
            values["gender"] = gender
        if code == "W-001":
            values["quotes"] = ["It sounded like a hundred firecrackers at once."]
        store.create("statement", values)

    with tempfile.TemporaryDirectory(prefix="fieldkit-demo-photos-") as tmp:
        folder = Path(tmp)
        titles = ("overview", "remnant close-up", "markings", "crater", "damage")
        cameras = (("DemoCam", "Field 1", "DC-0001"), ("DemoPhone", "Pocket 12", "DP-7781"))
        by_site: dict[str, list[Path]] = {}
        n = 0
        # 60 photos: three at the market (as the first demo had), six at the school,
        # five at most other sites, two from the road at the gas station.
        per_site = [3, 6, 2, 5, 5, 6, 5, 6, 5, 6, 5, 6]
        for i, count in enumerate(per_site):
            name, _o, _h, lat, lon, when, _k = SITES[i]
            for k in range(count):
                local = when[:14] + f"{20 + k:02d}" + when[16:]
                local = local[:11] + f"{int(when[11:13]) + 1:02d}" + local[13:]  # an hour later
                path = folder / f"IMG_{1001 + n}.jpg"
                _photo(
                    path,
                    f"{name}: {titles[k % len(titles)]}",
                    (90 + 13 * i % 90, 80 + 7 * k % 90, 70 + 11 * (i + k) % 80),
                    local,
                    (lat + 0.00012 * (k - 2), lon - 0.0001 * (k % 3)),
                    alt=780.0 + i * 3 + k * 0.5,
                    direction=float((40 * i + 67 * k) % 360),
                    camera=cameras[(i + k) % 2],
                    size=(640, 427),
                )
                by_site.setdefault(site_ids[i], []).append(path)
                n += 1
        for site, paths in by_site.items():
            _import_photos(store, paths, site)
    if colleague:
        _colleague(store, home, passphrase, site_ids)
    return store


def colleague_bundle_path(home: Path | str) -> Path:
    """Where the demo leaves the second investigator's bundle, ready to import."""
    return Path(home).parent / "colleague-bundle.zip"


def _colleague(store: Store, home: Path, passphrase: bytes, site_ids: list[str]) -> None:
    """A second investigator: she imports our bundle, edits the same field as we do
    (a conflict once merged back), then records two more sites in a second bundle."""
    from fieldkit.bundle import export_bundle, import_bundle
    from fieldkit.crypto import trustlist

    work = home.parent / "colleague"
    other = Store.init(
        work,
        name="Second Investigator",
        email="second@fieldkit.example",
        organisation="FieldKit demo",
        passphrase=passphrase,
        device_name="colleague laptop",
    )
    try:
        trustlist.trust(other.keys_dir, trustlist.export_public(store.keys_dir))
        trustlist.trust(store.keys_dir, trustlist.export_public(other.keys_dir))
        # The demo's people and statements are fictional: its bundles may be plain.
        ours = export_bundle(
            store, work.parent / "demo-ours", passphrase=passphrase, full=True, plaintext=True
        )
        import_bundle(other, Path(ours.path), passphrase=passphrase)
        school = site_ids[1]
        other.update(school, {"injured": 3, "casualties_source": "hospital registry"})
        store.update(school, {"injured": 5})  # the same field, from the same base
        first = export_bundle(
            other, work.parent / "demo-colleague-1", passphrase=passphrase, plaintext=True
        )
        import_bundle(store, Path(first.path), passphrase=passphrase)
        case_id = store.get(school)["case_id"]
        for name, hood, lat, lon in (
            ("Kindergarten No. 3", "Kirov district", 39.8226, 46.7664),
            ("Tumanyan street, house 40", "Old Town", 39.8142, 46.7552),  # the bakery's block
        ):
            other.create(
                "site",
                {
                    "case_id": case_id,
                    "name": name,
                    "neighbourhood": hood,
                    "lat": lat,
                    "lon": lon,
                    "position_source": "device",
                    "site_type": "damaged_building",
                    "visited_on": "2020-10-10",
                },
            )
        export_bundle(
            other,
            colleague_bundle_path(home).with_suffix(""),
            passphrase=passphrase,
            zip=True,
            plaintext=True,
        )
    finally:
        other.close()
        for tmp in (work, work.parent / "demo-ours", work.parent / "demo-colleague-1"):
            shutil.rmtree(tmp, ignore_errors=True)
