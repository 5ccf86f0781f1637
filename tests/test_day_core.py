"""Core pieces of the app's day: search, links, reinstate, site merge and undo,
positions in three forms, fingerprints read aloud, times with their typed offset."""

from __future__ import annotations

import json
from typing import Any

import pytest

from fieldkit import coords, records, search, sitemerge, undo
from fieldkit.crypto import fingerprints
from fieldkit.errors import NotFound, ValidationError
from fieldkit.journal import project
from fieldkit.linking import link_media, unlink_media
from fieldkit.store import Store
from tests.conftest import table_dump
from tests.test_cli import fk


def _media(store: Store, name: str, lat: float | None = None) -> dict[str, Any]:
    import hashlib

    sha = hashlib.sha256(name.encode()).hexdigest()
    values: dict[str, Any] = {"sha256": sha, "file_name": name, "mime": "image/jpeg"}
    if lat is not None:
        values.update(lat=lat, lon=46.75)
    return store.create("media", values)


def _case_sites(store: Store) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    case = store.create("case", {"title": "Strikes on Veravan"})
    a = store.create(
        "site",
        {
            "case_id": case["id"],
            "name": "Market crossroads",
            "name_lang": "en",
            "other_names": [{"name": "Bazar yolayrıcı", "lang": "az"}],
            "address": "Place de l'Église",
            "lat": 39.8,
            "lon": 46.7,
        },
    )
    b = store.create(
        "site",
        {
            "case_id": case["id"],
            "name": "Central market",
            "other_names": [
                {"name": "Շուկա", "lang": "hy"},
                {"name": "Market crossroads", "lang": "en"},
            ],
        },
    )
    return case, a, b


def test_search_finds_markings_captions_and_file_names(store: Store) -> None:
    case, a, _b = _case_sites(store)
    rem = store.create(
        "remnant", {"site_id": a["id"], "category": "submunition", "markings_lot": "ЛОТ 3-84"}
    )
    photo = _media(store, "IMG_2044.JPG")
    link_media(store, photo["id"], rem["id"], "fuze well with lot number")
    st = store.create(
        "statement",
        {
            "case_id": case["id"],
            "site_id": a["id"],
            "witness_code": "W-017",
            "consent": "anonymous",
            "sensitivity": "confidential",
            "quotes": ["We heard whistling, then many small explosions."],
        },
    )
    hits = search.search(store, "лот")
    assert [(h.kind, h.id, h.site_id) for h in hits] == [("remnant", rem["id"], a["id"])]
    assert "[ЛОТ]" in hits[0].snippet
    caption = search.search(store, "fuze well")
    assert [(h.kind, h.media_id, h.site_id) for h in caption] == [("link", photo["id"], a["id"])]
    assert [h.id for h in search.search(store, "img_204")] == [photo["id"]]
    assert [h.id for h in search.search(store, "whistl")] == [st["id"]]
    assert [h.id for h in search.search(store, "eglise")] == [a["id"]]  # diacritics
    # The index follows writes; FTS syntax typed by a person is only text.
    store.update(rem["id"], {"markings_lot": "12-88"})
    assert search.search(store, "лот") == []
    assert search.search(store, 'NEAR("x" OR') == []
    assert search.search(store, "   ") == []
    store.retract(st["id"], "duplicate interview")
    assert search.search(store, "whistling") == []


def test_search_cli_json(store: Store) -> None:
    _case_sites(store)
    out = fk(store.home, "search", "market", "--json")
    results = json.loads(out.stdout)["results"]
    assert {r["title"] for r in results} == {"Market crossroads", "Central market"}
    assert set(results[0]) == {"kind", "id", "title", "snippet", "site_id", "media_id"}


def test_link_unlink_with_captions_and_cli_parity(store: Store) -> None:
    case, a, _b = _case_sites(store)
    rem = store.create("remnant", {"site_id": a["id"], "category": "fuze"})
    st = store.create(
        "statement",
        {"case_id": case["id"], "witness_code": "W-1", "consent": "named", "sensitivity": "public"},
    )
    photo = _media(store, "P1.jpg")
    link, created = link_media(store, photo["id"], a["id"], "north side")
    assert created and link["caption"] == "north side"
    again, created = link_media(store, photo["id"], a["id"], "north-east side")
    assert not created and again["id"] == link["id"] and again["caption"] == "north-east side"
    with pytest.raises(ValidationError):
        link_media(store, photo["id"], case["id"])
    home = store.home
    for flag, target in (("--remnant", rem["id"]), ("--statement", st["id"])):
        doc = json.loads(
            fk(
                home, "media", "link", photo["id"], flag, target, "--caption", "seen here", "--json"
            ).stdout
        )
        assert doc["target_id"] == target and doc["caption"] == "seen here"
    doc = json.loads(
        fk(
            home,
            "media",
            "unlink",
            photo["id"],
            "--remnant",
            rem["id"],
            "--reason",
            "wrong fuze",
            "--json",
        ).stdout
    )
    assert doc["retracted"] and doc["retract_reason"] == "wrong fuze"
    failed = fk(home, "media", "unlink", photo["id"], "--remnant", rem["id"], check=False)
    assert failed.returncode != 0 and "not linked" in failed.stderr
    shown = json.loads(fk(home, "media", "show", photo["id"], "--json").stdout)
    assert {lk["target_id"] for lk in shown["links"]} == {a["id"], st["id"]}
    unlink_media(store, photo["id"], a["id"])
    with pytest.raises(NotFound):
        unlink_media(store, photo["id"], a["id"])


def test_reinstate_is_an_event_and_replays(store: Store) -> None:
    _case, a, _b = _case_sites(store)
    store.retract(a["id"], "typed twice")
    back = store.reinstate(a["id"], "it was not a duplicate")
    assert not back["retracted"] and back["retract_reason"] is None
    ops = [e["op"] for e in store.history(a["id"])]
    assert ops[-2:] == ["retract", "reinstate"]
    with pytest.raises(ValidationError):
        store.reinstate(a["id"], "again")
    before = table_dump(store)
    store.rebuild_projection()
    assert table_dump(store) == before
    state = project(store.events_of(a["id"]))
    assert state is not None and not state.retracted
    out = fk(store.home, "site", "retract", a["id"], "--reason", "x", "--json")
    assert json.loads(out.stdout)["retracted"]
    out = fk(store.home, "site", "reinstate", a["id"], "--reason", "y", "--json")
    assert not json.loads(out.stdout)["retracted"]


def test_merge_sites_moves_everything_and_is_reversible(store: Store) -> None:
    case, keep, other = _case_sites(store)
    rem = store.create("remnant", {"site_id": other["id"], "category": "crater"})
    st = store.create(
        "statement",
        {
            "case_id": case["id"],
            "site_id": other["id"],
            "witness_code": "W-2",
            "consent": "anonymous",
            "sensitivity": "restricted",
        },
    )
    photo = _media(store, "P2.jpg")
    link_media(store, photo["id"], other["id"], "the stalls")
    before = table_dump(store)
    report = sitemerge.merge_sites(store, keep["id"], other["id"])
    kept = store.get(keep["id"])
    names = [(n["name"], n.get("lang")) for n in kept["other_names"]]
    assert names == [("Bazar yolayrıcı", "az"), ("Central market", None), ("Շուկա", "hy")]
    assert store.get(rem["id"])["site_id"] == keep["id"]
    assert store.get(st["id"])["site_id"] == keep["id"]
    links = store.find("link", where={"media_id": photo["id"]})
    assert [(lk["target_id"], lk["caption"]) for lk in links] == [(keep["id"], "the stalls")]
    gone = store.get(other["id"])
    assert gone["retracted"] and keep["id"] in gone["retract_reason"]
    assert report.to_json()["remnants"] == [rem["id"]]
    with pytest.raises(ValidationError):
        sitemerge.merge_sites(store, keep["id"], keep["id"])
    undo.apply_steps(store, report.undo, "merge taken back")
    after = table_dump(store)
    # Same records, same values; only the journal meta (heads, counts, times) moved on.
    for table in ("sites", "remnants", "statements", "links"):
        strip = lambda rows: sorted(r[:-9] for r in rows)  # noqa: E731
        assert len(after[table]) == len(before[table]) + (1 if table == "links" else 0)
    assert not store.get(other["id"])["retracted"]
    assert store.get(rem["id"])["site_id"] == other["id"]
    assert store.get(keep["id"])["other_names"] == keep["other_names"]
    links = store.find("link", where={"media_id": photo["id"]})
    assert [lk["target_id"] for lk in links] == [other["id"]]
    del strip


def test_undo_refuses_to_overwrite_a_later_edit(store: Store) -> None:
    _case, a, _b = _case_sites(store)
    after = store.update(a["id"], {"name": "Market square"})
    step = undo.update_step(a, after, ["name"])
    store.update(a["id"], {"name": "Market square (north)"})
    with pytest.raises(ValidationError, match="changed since"):
        undo.apply_steps(store, [step], "undo")
    assert store.get(a["id"])["name"] == "Market square (north)"


@pytest.mark.parametrize(
    ("text", "lat", "lon"),
    [
        ("39.8153, 46.7519", 39.8153, 46.7519),
        ("-33.9 18,4", -33.9, 18.4),
        ("33.9 S, 18.4 W", -33.9, -18.4),
        ("39°48′55.08″N 46°45′06.84″E", 39.8153, 46.7519),
        ("39 48 55.08 N, 46 45 6.84 E", 39.8153, 46.7519),
        ("N39°48.918 E46°45.114", 39.8153, 46.7519),
        ("38S PK 49948 08725", 39.8153, 46.7519),
        ("38SPK4994808725", 39.8153, 46.7519),
    ],
)
def test_positions_typed_three_ways(text: str, lat: float, lon: float) -> None:
    got = coords.parse_position(text)
    assert got == pytest.approx((lat, lon), abs=2e-5)


def test_positions_shown_back_and_refused() -> None:
    for form in coords.FORMATS:
        text = coords.format_position(-12.5, -77.03, form)
        assert coords.parse_position(text) == pytest.approx((-12.5, -77.03), abs=2e-5)
    assert coords.format_position(39.8153, 46.7519, "mgrs") == "38S PK 49948 08725"
    assert coords.format_position(39.8153, 46.7519, "dms") == "39°48′55.08″N 46°45′06.84″E"
    for bad in ("12", "hello", "100, 20", "38S ZZ 1"):
        with pytest.raises(ValidationError):
            coords.parse_position(bad)


def test_fingerprints_labelled_and_spoken() -> None:
    key = "SHA256:" + "uB1f2b+S8x3n0nHcZc0C9g6Tq7M2Qq2v0p3QmXx5o0E"
    fp = fingerprints.of_key(key)
    assert fp.label == "Signing key fingerprint" and fp.full == key
    groups = fp.spoken.split("-")
    assert len(groups) == 8 and all(len(g) == 4 for g in groups)
    assert len(fp.spoken.replace("-", "")) * 5 >= 128  # base32: 5 bits a character
    b = fingerprints.of_bundle("ab" * 32)
    assert b.label == "Bundle fingerprint" and b.spoken != fp.spoken
    # one bit flipped in the first 160 changes what is read aloud
    flipped = "ab" * 19 + "aa" + "ab" * 12
    assert fingerprints.of_bundle(flipped).spoken != b.spoken
    with pytest.raises(ValidationError):
        fingerprints.spoken("SHA256:short")


def test_the_typed_offset_is_kept_beside_utc(store: Store) -> None:
    case = store.create("case", {"title": "c"})
    values = records.with_typed_offsets(
        records.SITE,
        {"case_id": case["id"], "name": "s", "incident_start": "2020-10-04T09:10:00+04:00"},
    )
    site = store.create("site", values)
    assert site["incident_start"] == "2020-10-04T05:10:00Z"
    assert site["incident_start_offset"] == "+04:00"
    with pytest.raises(ValidationError) as err:
        store.update(site["id"], {"incident_start_offset": "4h"})
    assert err.value.fields == ("incident_start_offset",)
    out = fk(
        store.home,
        "site",
        "add",
        "--case",
        case["id"],
        "--name",
        "t",
        "--incident-start",
        "2020-10-04T09:10:00-03:30",
        "--json",
    )
    assert json.loads(out.stdout)["incident_start_offset"] == "-03:30"
