"""A small case for the output tests: names in Armenian, Azerbaijani and Russian, remnants
from the catalogue, photos with GPS and direction, statements of every sensitivity, some
records marked for release. Quotes are unique strings so a test can grep for them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fieldkit.store import Store

HY_NAME = "Ստեփանակերտի շուկա"
AZ_NAME = "Xankəndi bazarı"
RU_NAME = "Степанакертский рынок"
GE_NAME = "სტეფანაკერტის ბაზარი"
AR_NAME = "سوق ستيباناكيرت"
SCHOOL_HY = "Թիվ 7 դպրոց"
SCHOOL_AZ = "7 nömrəli məktəb"
PUBLIC_QUOTE = "PUBQUOTE grey objects fell like rain"
RESTRICTED_QUOTE = "RESQUOTE the doctor counted six wounded"
CONFIDENTIAL_QUOTE = "CONFQUOTE my neighbour hid in the cellar"
WITHDRAWN_QUOTE = "WDQUOTE I no longer want this published"
INTERVIEWER = "Interviewer Zara Unique"
SERIAL = "DC-0001"  # what fieldkit.demo's photos carry as BodySerialNumber
# Positions with more than 7 decimals, to check that exports do not round them.
MARKET = (39.815312345678, 46.751987654321)
SCHOOL = (39.820112233445, 46.760855667788)


@dataclass
class Case:
    case_id: str
    market: str
    school: str
    remnants: list[str] = field(default_factory=list)
    statements: dict[str, str] = field(default_factory=dict)
    media: list[dict[str, Any]] = field(default_factory=list)


def build_case(store: Store, tmp: Path, *, photos: int = 3) -> Case:
    from fieldkit.demo import _photo
    from fieldkit.ingest import import_media

    case = store.create(
        "case",
        {
            "title": "Strikes on Stepanakert / Xankəndi",
            "summary": "Cluster munition strikes on the market and the school.",
            "region": "Nagorno-Karabakh",
            "period_start": "2020-10-01",
            "period_end": "2020-10-10",
        },
    )
    cid = case["id"]
    market = store.create(
        "site",
        {
            "case_id": cid,
            "name": HY_NAME,
            "name_lang": "hy",
            "other_names": [
                {"name": AZ_NAME, "lang": "az"},
                {"name": RU_NAME, "lang": "ru"},
                {"name": GE_NAME, "lang": "ka"},
                {"name": AR_NAME, "lang": "ar"},
            ],
            "site_type": "strike",
            "lat": MARKET[0],
            "lon": MARKET[1],
            "alt": 812.5,
            "position_source": "device",
            "position_accuracy_m": 5.0,
            "address": "Market street 1",
            "incident_start": "2020-10-04T05:10:00Z",
            "incident_end": "2020-10-04T05:20:00Z",
            "incident_time_source": "witness",
            "military_objects": "none_observed",
            "civilian_objects": ["market stalls", "homes"],
            "killed": 1,
            "injured": 4,
            "casualties_source": "hospital records",
            "access": "granted",
            "release": "yes",
        },
    )
    school = store.create(
        "site",
        {
            "case_id": cid,
            "name": SCHOOL_AZ,
            "name_lang": "az",
            "other_names": [{"name": SCHOOL_HY, "lang": "hy"}],
            "lat": SCHOOL[0],
            "lon": SCHOOL[1],
            "position_source": "map",
            "access": "refused",
            "access_notes": "Armed guards refused access",
            "sensitive_position": "yes",
            "release": "yes",
        },
    )
    out = Case(cid, market["id"], school["id"])
    for site, mtype, cond, lot in (
        (market["id"], "9N235", "dud", "ЛОТ 3-84"),
        (market["id"], "9M55K", "exploded", None),
        (school["id"], "9N235", "dud", None),
    ):
        values: dict[str, Any] = {
            "site_id": site,
            "category": "submunition" if mtype == "9N235" else "cargo_section",
            "munition_type": mtype,
            "condition": cond,
            "hazard": "yes" if cond == "dud" else "no",
            "lat": (MARKET if site == market["id"] else SCHOOL)[0] + 0.0001,
            "lon": (MARKET if site == market["id"] else SCHOOL)[1] + 0.0001,
            "disposition": "left_in_place",
            "release": "yes",
        }
        if lot:
            values["markings_lot"] = lot
        out.remnants.append(store.create("remnant", values)["id"])
    for code, sens, consent, quote, site in (
        ("W-001", "public", "anonymous", PUBLIC_QUOTE, market["id"]),
        ("W-002", "restricted", "named", RESTRICTED_QUOTE, market["id"]),
        ("W-003", "confidential", "anonymous", CONFIDENTIAL_QUOTE, school["id"]),
        ("Witness 1", "public", "withdrawn", WITHDRAWN_QUOTE, market["id"]),
    ):
        st = store.create(
            "statement",
            {
                "case_id": cid,
                "site_id": site,
                "witness_code": code,
                "age": 69,
                "gender": "female",
                "consent": consent,
                "sensitivity": sens,
                "interviewer": INTERVIEWER,
                "interviewed_at": "2020-10-09T07:00:00Z",
                "summary": f"summary of {quote}",
                "quotes": [quote],
                "release": "yes",
            },
        )
        out.statements[sens if consent != "withdrawn" else "withdrawn"] = st["id"]
    folder = tmp / "photos"
    folder.mkdir()
    paths = []
    for n in range(photos):
        p = folder / f"IMG_{2001 + n}.jpg"
        lat, lon = MARKET if n % 2 == 0 else SCHOOL
        when = f"2020-10-09T11:{n % 60:02d}:{n // 60 % 60:02d}+04:00"
        _photo(p, f"photo {n}", (120, 100 + n % 100, 90), when, (lat + 0.0002, lon))
        paths.append(p)
    report = import_media(store, paths, serial=True)
    by_name = {m["file_name"]: m for m in store.find("media")}
    for n, p in enumerate(paths):
        m = by_name[p.name]
        store.link(m["id"], market["id"] if n % 2 == 0 else school["id"], caption=f"caption {n}")
        if n < 2:
            store.update(m["id"], {"release": "yes"})
        out.media.append(store.get(m["id"]))
    assert not report.rejected
    return out
