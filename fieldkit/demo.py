"""A demo store a new user can open at once (``fieldkit gui --demo``). No Qt here.

The case, places and people are invented and marked as demo data: a fictional city with
two names in two languages, three neighbourhoods hit by cluster munitions, remnants from
the shipped catalogue, two witness statements and a few generated photos with GPS and
capture time in their EXIF.
"""

from __future__ import annotations

import math
import shutil
import tempfile
from pathlib import Path
from typing import Any

from fieldkit.store import Store

DEMO_PASSPHRASE = b"demo passphrase"
CITY = "Veravan"
CITY_OTHER = {"name": "Verakend", "lang": "az"}

# (name, other names, neighbourhood, lat, lon, local incident time, kind)
SITES = [
    (
        "Market crossroads",
        [{"name": "Շուկայի խաչմերուկ", "lang": "hy"}, {"name": "Bazar yolayrıcı", "lang": "az"}],
        "Old Town",
        39.8153,
        46.7519,
        "2020-10-04T09:10:00+04:00",
        "strike",
    ),
    (
        "School No. 7 yard",
        [
            {"name": "Թիվ 7 դպրոցի բակ", "lang": "hy"},
            {"name": "7 nömrəli məktəbin həyəti", "lang": "az"},
        ],
        "Kirov district",
        39.8201,
        46.7608,
        "2020-10-04T09:12:00+04:00",
        "strike",
    ),
    (
        "Gas station on the north road",
        [{"name": "Հյուսիսային ճանապարհի բենզալցակայան", "lang": "hy"}],
        "Northern outskirts",
        39.8312,
        46.7455,
        "2020-10-08T14:30:00+04:00",
        "vehicle",
    ),
    (
        "Bakery on Tumanyan street",
        [{"name": "Թումանյան փողոցի հացատուն", "lang": "hy"}],
        "Old Town",
        39.8139,
        46.7547,
        "2020-10-04T09:11:00+04:00",
        "damaged_building",
    ),
    (
        "Old Town bus stop",
        [{"name": "Hin kaghaki kangar", "lang": "hy-Latn"}],
        "Old Town",
        39.8167,
        46.7496,
        "2020-10-04T09:10:00+04:00",
        "impact",
    ),
    (
        "Church square",
        [{"name": "Եկեղեցու հրապարակ", "lang": "hy"}, {"name": "Kilsə meydanı", "lang": "az"}],
        "Old Town",
        39.8128,
        46.7502,
        "2020-10-06T17:45:00+04:00",
        "strike",
    ),
    (
        "Kirov apartment block 12",
        [{"name": "Կիրովի 12 շենք", "lang": "hy"}],
        "Kirov district",
        39.8218,
        46.7631,
        "2020-10-04T09:12:00+04:00",
        "damaged_building",
    ),
    (
        "Maternity hospital car park",
        [{"name": "Ծննդատան ավտոկայանատեղի", "lang": "hy"}],
        "Kirov district",
        39.8189,
        46.7652,
        "2020-10-06T17:50:00+04:00",
        "vehicle",
    ),
    (
        "Kirov garages",
        [{"name": "Kirov qarajları", "lang": "az"}],
        "Kirov district",
        39.8236,
        46.7589,
        "2020-10-06T17:48:00+04:00",
        "crater",
    ),
    (
        "Orchard by the ring road",
        [{"name": "Օղակաձև ճանապարհի այգի", "lang": "hy"}],
        "Northern outskirts",
        39.8347,
        46.7421,
        "2020-10-08T14:31:00+04:00",
        "impact",
    ),
    (
        "Water pumping station",
        [{"name": "Ջրապոմպակայան", "lang": "hy"}, {"name": "Su nasos stansiyası", "lang": "az"}],
        "Northern outskirts",
        39.8293,
        46.7399,
        "2020-10-08T14:32:00+04:00",
        "damaged_building",
    ),
    (
        "Northern cemetery",
        [{"name": "Հյուսիսային գերեզմանոց", "lang": "hy"}],
        "Northern outskirts",
        39.8368,
        46.7480,
        "2020-10-08T14:29:00+04:00",
        "impact",
    ),
]

# (site index, category, munition type, condition, hazard, markings, notes)
REMNANTS = [
    (0, "cargo_section", "9M55K", "exploded", "no", "9М55К  ЛОТ 3-84", "rear cargo section"),
    (0, "submunition", "9N235", "dud", "yes", "", "unexploded, fins deployed"),
    (0, "submunition", "9N235", "exploded", "no", "", "fragments and fuze well"),
    (0, "crater", None, None, "no", "", "shallow crater, splash towards north"),
    (0, "fragment", "9N235", "exploded", "no", "", "preformed fragments in a stall roof"),
    (1, "submunition", "9N235", "dud", "yes", "", "in the yard near the fence"),
    (1, "crater", None, None, "no", "", "impact on the asphalt, 40 cm"),
    (1, "fuze", "9N235", "partly_functioned", "yes", "", "fuze separated, body intact"),
    (2, "rocket_motor", "9M55K", "exploded", "no", "9М55К  1988", "motor section in a field"),
    (2, "submunition", "9N235", "exploded", "no", "", "by the pumps"),
    (2, "fragment", None, "exploded", "no", "", "fragments in a burned car"),
    (3, "submunition", "9N210", "dud", "yes", "", "on the bakery roof"),
    (3, "fragment", "9N210", "exploded", "no", "", "window frames pierced"),
    (3, "crater", None, None, "no", "", "two small craters at the door"),
    (4, "submunition", "9N235", "exploded", "no", "", "shelter glass broken"),
    (4, "crater", None, None, "no", "", "splash pattern on the pavement"),
    (4, "submunition", "9N235", "dud", "yes", "", "in the gutter"),
    (
        5,
        "cargo_section",
        "9M27K",
        "exploded",
        "no",
        "9М27К  ЛОТ 7-87",
        "lodged in the church fence",
    ),
    (5, "submunition", "9N210", "exploded", "no", "", "fragments on the steps"),
    (5, "submunition", "9N210", "dud", "yes", "", "under a bench"),
    (5, "crater", None, None, "no", "", "three craters in the square"),
    (6, "submunition", "9N235", "exploded", "no", "", "fourth-floor balcony"),
    (6, "fragment", "9N235", "exploded", "no", "", "fragments in a flat"),
    (6, "submunition", "9N235", "dud", "yes", "", "in the stairwell"),
    (7, "submunition", "9N210", "exploded", "no", "", "two cars burned"),
    (7, "fragment", "9N210", "exploded", "no", "", "fragments in an ambulance"),
    (7, "fuze", "9N210", "unknown", "unknown", "", "fuze found by a nurse"),
    (8, "cargo_section", "9M27K", "exploded", "no", "", "cargo section among garages"),
    (8, "crater", None, None, "no", "", "crater 60 cm"),
    (8, "submunition", "9N210", "dud", "yes", "", "on a garage roof"),
    (9, "submunition", "9N235", "dud", "yes", "", "among apple trees"),
    (9, "submunition", "9N235", "dud", "yes", "", "second dud, 20 m east"),
    (9, "crater", None, None, "no", "", "craters in the orchard"),
    (10, "rocket_motor", "9M55K", "exploded", "no", "9М55К  ЛОТ 2-89", "motor against the wall"),
    (10, "submunition", "9N235", "exploded", "no", "", "pump house roof pierced"),
    (10, "fragment", None, "exploded", "no", "", "fragments in the tank"),
    (11, "submunition", "9N235", "dud", "yes", "", "between graves"),
    (11, "crater", None, None, "no", "", "craters along the path"),
    (11, "fragment", "9N235", "exploded", "no", "", "headstones chipped"),
    (11, "other", None, None, "unknown", "", "stabiliser ribbon in a tree"),
]

# (witness, site index, age, gender, role, language, consent, sensitivity, summary)
STATEMENTS = [
    (
        "W-001",
        0,
        69,
        "female",
        "resident, a 69-year-old woman",
        "hy",
        "anonymous",
        "confidential",
        "Heard a series of explosions around nine while buying bread; saw small "
        "grey objects falling across the market.",
    ),
    (
        "W-002",
        1,
        None,
        "male",
        "doctor at the city hospital",
        "en",
        "named",
        "restricted",
        "Treated six civilians from the market and the school on 4 October; wounds typical of "
        "small fragments.",
    ),
    (
        "W-003",
        1,
        41,
        "female",
        "teacher at School No. 7",
        "hy",
        "named",
        "public",
        "Children were in the basement; the yard was hit minutes later.",
    ),
    (
        "W-004",
        3,
        55,
        "male",
        "baker",
        "hy",
        "anonymous",
        "restricted",
        "The roof shook; he found a small object with a ribbon the next morning.",
    ),
    (
        "W-005",
        5,
        34,
        "female",
        "resident of the square",
        "az",
        "internal_only",
        "confidential",
        "Saw two rockets pass overhead from the south-east before the square was hit.",
    ),
    (
        "W-006",
        7,
        29,
        "female",
        "nurse",
        "hy",
        "named",
        "public",
        "Cars in the car park burned; a fuze was picked up and handed to the police.",
    ),
    (
        "W-007",
        9,
        62,
        "male",
        "orchard keeper",
        "hy",
        "anonymous",
        "public",
        "Found several unexploded bomblets among the trees and kept people away.",
    ),
    (
        "W-008",
        10,
        None,
        None,
        "engineer at the pumping station",
        "ru",
        "internal_only",
        "restricted",
        "Water was cut for three days after the pump house was hit.",
    ),
]


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
