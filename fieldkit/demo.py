"""A demo store a new user can open at once (``fieldkit gui --demo``). No Qt here.

The case, places and people are invented and marked as demo data: a fictional city with
two names in two languages, three neighbourhoods hit by cluster munitions, remnants from
the shipped catalogue, two witness statements and a few generated photos with GPS and
capture time in their EXIF.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import Any

from fieldkit.store import Store

DEMO_PASSPHRASE = b"demo passphrase"
CITY = "Veravan"
CITY_OTHER = {"name": "Verakend", "lang": "az"}

# (name, name_lang, other names, neighbourhood, lat, lon, local incident time)
SITES = [
    (
        "Market crossroads",
        "en",
        [{"name": "Շուկայի խաչմերուկ", "lang": "hy"}, {"name": "Bazar yolayrıcı", "lang": "az"}],
        "Old Town",
        39.8153,
        46.7519,
        "2020-10-04T09:10:00+04:00",
    ),
    (
        "School No. 7 yard",
        "en",
        [
            {"name": "Թիվ 7 դպրոցի բակ", "lang": "hy"},
            {"name": "7 nömrəli məktəbin həyəti", "lang": "az"},
        ],
        "Kirov district",
        39.8201,
        46.7608,
        "2020-10-04T09:12:00+04:00",
    ),
    (
        "Gas station on the north road",
        "en",
        [{"name": "Հյուսիսային ճանապարհի բենզալցակայան", "lang": "hy"}],
        "Northern outskirts",
        39.8312,
        46.7455,
        "2020-10-08T14:30:00+04:00",
    ),
]


def _photo(path: Path, title: str, colour: tuple[int, int, int], when: str, gps: Any) -> None:
    """A JPEG placeholder marked as generated, with EXIF camera, time, offset and GPS."""
    from PIL import Image, ImageDraw, ImageFont
    from PIL.TiffImagePlugin import IFDRational

    w, h = 960, 640
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
    exif[0x010F] = "DemoCam"  # Make
    exif[0x0110] = "Field 1"  # Model
    exif[0x0112] = 1  # Orientation
    sub = exif.get_ifd(0x8769)  # Exif IFD
    sub[0x9003] = local.replace("-", ":").replace("T", " ")  # DateTimeOriginal
    sub[0x9011] = offset  # OffsetTimeOriginal
    sub[0xA431] = "DC-0001"  # BodySerialNumber
    gps_ifd = exif.get_ifd(0x8825)
    gps_ifd[1] = "N" if lat >= 0 else "S"
    gps_ifd[2] = dms(lat)
    gps_ifd[3] = "E" if lon >= 0 else "W"
    gps_ifd[4] = dms(lon)
    gps_ifd[16] = "T"  # GPSImgDirectionRef: true north
    gps_ifd[17] = IFDRational(271, 1)  # GPSImgDirection
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


def make_demo_store(home: Path | str, passphrase: bytes = DEMO_PASSPHRASE) -> Store:
    """A new store at ``home`` filled with the demo case; returns it open."""
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
            "submunitions. Invented for the demo; not a real investigation.",
            "region": f"{CITY} / {CITY_OTHER['name']}",
            "period_start": "2020-10-01",
            "period_end": "2020-10-10",
            "status": "open",
        },
    )
    site_ids = []
    for i, (name, lang, others, hood, lat, lon, when) in enumerate(SITES):
        values: dict[str, Any] = {
            "case_id": case["id"],
            "name": name,
            "name_lang": lang,
            "other_names": others,
            "site_type": "strike",
            "lat": lat,
            "lon": lon,
            "position_source": "device",
            "position_accuracy_m": 5.0,
            "neighbourhood": hood,
            "address": f"{hood}, {CITY}",
            "incident_start": when,
            "incident_time_source": "witness",
            "visited_on": "2020-10-09",
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
            )
            values.pop("visited_on")
            values["position_source"] = "map"
        site_ids.append(store.create("site", values)["id"])

    market, school, station = site_ids
    # (site, category, type, condition, hazard, notes, metres north and east of the site)
    remnants = [
        (
            market,
            "cargo_section",
            "9M55K",
            "exploded",
            "no",
            "rear cargo section, 300 mm",
            (-160, -95),
        ),
        (market, "submunition", "9N235", "dud", "yes", "unexploded, fins deployed", (50, 81)),
        (market, "submunition", "9N235", "exploded", "no", "fragments and fuze well", (-24, -65)),
        (
            market,
            "crater",
            None,
            None,
            "no",
            "shallow crater, splash pattern towards north",
            (0, 0),
        ),
        (market, "crater", None, None, "no", "crater in the market lane", (108, 58)),
        (market, "fragment", "9N235", None, "no", "fragments in a stall's awning", (-97, -55)),
        (market, "submunition", "9N235", "exploded", "no", "tail fins in the road", (-20, 55)),
        (market, "submunition", "9N235", "exploded", "no", "fuze in a courtyard", (17, -51)),
        (school, "submunition", "9N235", "dud", "yes", "in the yard near the fence", (25, -15)),
        (school, "crater", None, None, "no", "impact on the asphalt, 40 cm", (-10, 20)),
    ]
    positions = dict(zip(site_ids, [(s[4], s[5]) for s in SITES], strict=True))
    for site, category, mtype, condition, hazard, notes, (north, east) in remnants:
        values = {"site_id": site, "category": category, "hazard": hazard, "notes": notes}
        lat0, lon0 = positions[site]
        values["lat"] = round(lat0 + north / 111_320, 6)
        values["lon"] = round(lon0 + east / (111_320 * math.cos(math.radians(lat0))), 6)
        values["position_source"] = "device"
        values["position_accuracy_m"] = 4.0
        if mtype:
            values["munition_type"] = mtype
        if condition:
            values["condition"] = condition
        if category == "cargo_section":
            values.update(markings_text="9М55К  ЛОТ 3-84", size="length 1.9 m, Ø 300 mm")
            values["disposition"] = "left_in_place"
        if condition == "dud":
            values["disposition"] = "left_in_place"
            values["disposition_by"] = "marked for the clearance team"
        store.create("remnant", values)

    store.create(
        "statement",
        {
            "case_id": case["id"],
            "site_id": market,
            "witness_code": "W-001",
            "age": 69,
            "gender": "female",
            "role": "resident, a 69-year-old woman",
            "language": "hy",
            "interviewed_at": "2020-10-09T11:00:00+04:00",
            "interviewer": "Demo Investigator",
            "consent": "anonymous",
            "sensitivity": "confidential",
            "summary": "Heard a series of explosions around nine in the morning while "
            "buying bread; saw small grey objects falling across the market.",
            "quotes": ["It sounded like a hundred firecrackers at once."],
        },
    )
    store.create(
        "statement",
        {
            "case_id": case["id"],
            "site_id": school,
            "witness_code": "W-002",
            "gender": "male",
            "role": "doctor at the city hospital",
            "language": "en",
            "interviewed_at": "2020-10-09T15:30:00+04:00",
            "interviewer": "Demo Investigator",
            "consent": "named",
            "sensitivity": "restricted",
            "summary": "Treated six civilians from the market and the school on 4 October; "
            "wounds typical of small fragments.",
        },
    )

    with tempfile.TemporaryDirectory(prefix="fieldkit-demo-photos-") as tmp:
        folder = Path(tmp)
        shots = [
            (market, "9M55K cargo section", (96, 104, 88), 0),
            (market, "9N235 dud", (150, 140, 80), 1),
            (market, "crater", (90, 90, 90), 2),
            (school, "9N235 in the yard", (150, 140, 80), 0),
            (school, "impact on asphalt", (80, 80, 80), 1),
            (station, "from the road", (160, 60, 50), 0),
        ]
        by_site: dict[str, list[Path]] = {}
        for n, (site, title, colour, k) in enumerate(shots):
            info = SITES[site_ids.index(site)]
            when = info[6][:14] + f"{20 + k:02d}" + info[6][16:]
            path = folder / f"IMG_{1001 + n}.jpg"
            _photo(path, title, colour, when, (info[4] + 0.0001 * k, info[5] - 0.0001 * k))
            by_site.setdefault(site, []).append(path)
        for site, paths in by_site.items():
            _import_photos(store, paths, site)
    return store
