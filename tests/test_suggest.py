"""Suggested sites: nearest site within a distance, and new sites from groups of photos."""

from __future__ import annotations

from typing import Any

import pytest

from fieldkit.store import Store
from fieldkit.suggest import (
    ProposedSite,
    Suggestion,
    haversine_m,
    match,
    match_sites,
    propose,
    propose_sites,
)

# One degree of latitude is ~111,195 m on the sphere used; 0.001° ≈ 111 m.
DEG = 111_195.0


def m(i: str, lat: float | None, lon: float | None, when: str | None = None) -> dict[str, Any]:
    return {"id": i, "lat": lat, "lon": lon, "captured_utc": when, "retracted": False}


def s(i: str, lat: float | None, lon: float | None, retracted: bool = False) -> dict[str, Any]:
    return {"id": i, "lat": lat, "lon": lon, "retracted": retracted}


def test_haversine_known_values() -> None:
    assert haversine_m(0, 0, 1, 0) == pytest.approx(DEG, rel=1e-4)
    assert haversine_m(0, 0, 0, 1) == pytest.approx(DEG, rel=1e-4)
    assert haversine_m(60, 10, 60, 11) == pytest.approx(DEG / 2, rel=1e-3)  # cos 60° = 0.5
    assert haversine_m(0, 179.9995, 0, -179.9995) == pytest.approx(111.2, abs=0.5)  # antimeridian
    assert haversine_m(39.8, 46.75, 39.8, 46.75) == 0.0


def test_match_nearest_within_distance() -> None:
    sites = [s("s1", 39.800, 46.750), s("s2", 39.802, 46.750), s("far", 40.0, 47.0)]
    media = [
        m("a", 39.8005, 46.750),  # 55 m from s1, 167 m from s2
        m("b", 39.8016, 46.750),  # 178 m from s1, 44 m from s2
        m("c", 39.810, 46.750),  # 1 km from everything
        m("d", None, None),  # no position
    ]
    got = match(media, sites, 250)
    assert [(g.media_id, g.site_id) for g in got] == [("a", "s1"), ("b", "s2")]
    assert got[0].distance_m == pytest.approx(0.0005 * DEG, rel=1e-3)
    (only,) = match(media, sites, 50)
    assert (only.media_id, only.site_id) == ("b", "s2")
    assert only.distance_m == pytest.approx(0.0004 * DEG, rel=1e-3)
    assert isinstance(only, Suggestion)


def test_match_ignores_retracted_and_unplaced_sites_and_existing_links() -> None:
    sites = [
        s("gone", 39.8, 46.75, retracted=True),
        s("unplaced", None, None),
        s("ok", 39.801, 46.75),
    ]
    media = [m("a", 39.8, 46.75)]
    assert [g.site_id for g in match(media, sites)] == ["ok"]
    assert match(media, sites, linked=frozenset({("a", "ok")})) == []


def test_match_is_order_independent() -> None:
    sites = [s("s2", 39.8, 46.751), s("s1", 39.8, 46.749)]  # equidistant: smaller id wins
    media = [m("b", 39.8, 46.75), m("a", 39.8, 46.75)]
    one = match(media, sites)
    two = match(list(reversed(media)), list(reversed(sites)))
    assert one == two
    assert [(g.media_id, g.site_id) for g in one] == [("a", "s1"), ("b", "s1")]


def test_propose_groups_by_place_and_time() -> None:
    sites = [s("known", 39.80, 46.75)]
    media = [
        m("near-known", 39.8001, 46.75, "2020-10-09T10:00:00Z"),  # matched, not proposed
        # Group A: three photos within ~100 m over an hour.
        m("a1", 39.820, 46.770, "2020-10-09T10:00:00Z"),
        m("a2", 39.8205, 46.7705, "2020-10-09T10:30:00Z"),
        m("a3", 39.8199, 46.7701, "2020-10-09T11:00:00Z"),
        # Same place, two days later: a separate visit (gap > 6 h).
        m("a4", 39.820, 46.770, "2020-10-11T09:00:00Z"),
        # Group B: 2 km away, same morning.
        m("b1", 39.838, 46.770, "2020-10-09T10:15:00Z"),
        # No time: joins by place only.
        m("n1", 39.8202, 46.7702, None),
    ]
    got = propose(media, sites, 250, 6)
    assert [p.media_ids for p in got] == [("a1", "a2", "a3", "n1"), ("b1",), ("a4",)]
    first = got[0]
    assert (first.start, first.end) == ("2020-10-09T10:00:00Z", "2020-10-09T11:00:00Z")
    assert first.lat == pytest.approx((39.820 + 39.8205 + 39.8199 + 39.8202) / 4)
    assert first.radius_m < 100
    assert isinstance(first, ProposedSite)
    assert first.to_json()["media_ids"] == ["a1", "a2", "a3", "n1"]
    # Deterministic whatever the input order.
    assert propose(list(reversed(media)), sites, 250, 6) == got


def test_propose_with_no_sites_and_no_positions() -> None:
    assert propose([m("x", None, None)], []) == []
    assert [p.media_ids for p in propose([m("x", 1.0, 1.0)], [])] == [("x",)]


def test_over_the_store(store: Store) -> None:
    case = store.create("case", {"title": "c"})["id"]
    site = store.create("site", {"case_id": case, "name": "Market", "lat": 39.8, "lon": 46.75})
    store.create("site", {"case_id": case, "name": "Unplaced"})
    digits = "0" * 63
    near = store.create(
        "media",
        {
            "sha256": digits + "1",
            "lat": 39.8005,
            "lon": 46.75,
            "captured_utc": "2020-10-09T10:00:00Z",
        },
    )
    far1 = store.create(
        "media",
        {
            "sha256": digits + "2",
            "lat": 39.83,
            "lon": 46.75,
            "captured_utc": "2020-10-09T10:00:00Z",
        },
    )
    far2 = store.create(
        "media",
        {
            "sha256": digits + "3",
            "lat": 39.8301,
            "lon": 46.7501,
            "captured_utc": "2020-10-09T10:20:00Z",
        },
    )
    matches = match_sites(store)
    assert [(g.media_id, g.site_id) for g in matches] == [(near["id"], site["id"])]
    proposals = propose_sites(store)
    assert [p.media_ids for p in proposals] == [tuple(sorted((far1["id"], far2["id"])))]
    assert match_sites(store, media_ids=[far1["id"]]) == []
    # Linking the far photos to the site removes them from proposals.
    store.link(far1["id"], site["id"])
    store.link(far2["id"], site["id"])
    assert propose_sites(store) == []
    store.link(near["id"], site["id"])
    assert match_sites(store) == []
