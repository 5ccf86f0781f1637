"""Which site a photo belongs to, and new sites suggested by photos far from every site.

Suggestions only: nothing is linked or created here; a person confirms. The functions
over the store read records and call the pure functions :func:`match` and :func:`propose`,
which take plain dicts and are deterministic (same input, same output, in the same order).
Distances are great-circle (haversine on a sphere of radius 6,371,008.8 m): plenty for the
hundreds of metres these decisions are about.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fieldkit.store import Store

EARTH_RADIUS_M = 6_371_008.8
DEFAULT_DISTANCE_M = 250.0
DEFAULT_GAP_HOURS = 6.0


@dataclass(frozen=True)
class Suggestion:
    """Photo ``media_id`` was taken ``distance_m`` from site ``site_id`` (its nearest)."""

    media_id: str
    site_id: str
    distance_m: float

    def to_json(self) -> dict[str, Any]:
        return {
            "media_id": self.media_id,
            "site_id": self.site_id,
            "distance_m": round(self.distance_m, 1),
        }


@dataclass(frozen=True)
class ProposedSite:
    """A group of photos near each other in place and time, far from every known site."""

    lat: float
    lon: float
    media_ids: tuple[str, ...]
    start: str | None
    end: str | None
    radius_m: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "lat": round(self.lat, 7),
            "lon": round(self.lon, 7),
            "media_ids": list(self.media_ids),
            "start": self.start,
            "end": self.end,
            "radius_m": round(self.radius_m, 1),
        }


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two WGS84 points (degrees)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def _has_position(r: Mapping[str, Any]) -> bool:
    return r.get("lat") is not None and r.get("lon") is not None and not r.get("retracted")


def _time(r: Mapping[str, Any]) -> datetime | None:
    text = r.get("captured_utc")
    if not text:
        return None
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None


def match(
    media: Iterable[Mapping[str, Any]],
    sites: Iterable[Mapping[str, Any]],
    max_distance_m: float = DEFAULT_DISTANCE_M,
    *,
    linked: frozenset[tuple[str, str]] = frozenset(),
) -> list[Suggestion]:
    """For each photo with a position, its nearest site within ``max_distance_m``.

    Pairs in ``linked`` (media id, site id) are already linked and are not suggested.
    Ties go to the smaller site id, so the answer never depends on input order.
    """
    placed = sorted((s for s in sites if _has_position(s)), key=lambda s: str(s["id"]))
    out = []
    for m in sorted(media, key=lambda m: str(m["id"])):
        if not _has_position(m):
            continue
        best: tuple[float, str] | None = None
        for s in placed:
            d = haversine_m(m["lat"], m["lon"], s["lat"], s["lon"])
            if d <= max_distance_m and (best is None or (d, s["id"]) < best):
                best = (d, s["id"])
        if best is not None and (m["id"], best[1]) not in linked:
            out.append(Suggestion(m["id"], best[1], best[0]))
    return out


@dataclass
class _Cluster:
    lat_sum: float = 0.0
    lon_sum: float = 0.0
    members: list[Mapping[str, Any]] = field(default_factory=list)
    first: datetime | None = None
    last: datetime | None = None

    @property
    def lat(self) -> float:
        return self.lat_sum / len(self.members)

    @property
    def lon(self) -> float:
        return self.lon_sum / len(self.members)

    def add(self, m: Mapping[str, Any], when: datetime | None) -> None:
        self.members.append(m)
        self.lat_sum += m["lat"]
        self.lon_sum += m["lon"]
        if when is not None:
            self.first = when if self.first is None else min(self.first, when)
            self.last = when if self.last is None else max(self.last, when)


def propose(
    media: Iterable[Mapping[str, Any]],
    sites: Iterable[Mapping[str, Any]],
    max_distance_m: float = DEFAULT_DISTANCE_M,
    max_gap_hours: float = DEFAULT_GAP_HOURS,
) -> list[ProposedSite]:
    """Group photos farther than ``max_distance_m`` from every site into proposed sites.

    Greedy and deterministic: photos sorted by capture time (those without one last, then
    by id); each joins the nearest open group whose centroid is within ``max_distance_m``
    and whose latest photo is at most ``max_gap_hours`` earlier (a photo or group without
    a time is not held back by time), else starts a new group. Output sorted by start.
    """
    placed = [s for s in sites if _has_position(s)]
    far = [
        m
        for m in media
        if _has_position(m)
        and all(
            haversine_m(m["lat"], m["lon"], s["lat"], s["lon"]) > max_distance_m for s in placed
        )
    ]
    timed = [(_time(m), m) for m in far]
    timed.sort(key=lambda tm: (tm[0] is None, tm[0] or datetime.min, str(tm[1]["id"])))
    gap = max_gap_hours * 3600
    clusters: list[_Cluster] = []
    for when, m in timed:
        best: tuple[float, int] | None = None
        for i, c in enumerate(clusters):
            if when is not None and c.last is not None and (when - c.last).total_seconds() > gap:
                continue
            d = haversine_m(m["lat"], m["lon"], c.lat, c.lon)
            if d <= max_distance_m and (best is None or (d, i) < best):
                best = (d, i)
        if best is None:
            clusters.append(_Cluster())
            best = (0.0, len(clusters) - 1)
        clusters[best[1]].add(m, when)
    out = []
    for c in clusters:
        radius = max(haversine_m(c.lat, c.lon, m["lat"], m["lon"]) for m in c.members)
        out.append(
            ProposedSite(
                lat=c.lat,
                lon=c.lon,
                media_ids=tuple(sorted(str(m["id"]) for m in c.members)),
                start=_iso(c.first),
                end=_iso(c.last),
                radius_m=radius,
            )
        )
    out.sort(key=lambda p: (p.start is None, p.start or "", p.media_ids))
    return out


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.strftime("%Y-%m-%dT%H:%M:%S") + "Z"


# --- over the store ----------------------------------------------------------------------


def _media(store: Store, media_ids: Sequence[str] | None) -> list[dict[str, Any]]:
    rows = store.find("media")
    if media_ids is None:
        return rows
    wanted = set(media_ids)
    return [r for r in rows if r["id"] in wanted]


def _site_links(store: Store) -> list[dict[str, Any]]:
    return store.find("link", where={"target_kind": "site"})


def suggest_sites(
    store: Store,
    media_ids: Sequence[str] | None = None,
    max_distance_m: float = DEFAULT_DISTANCE_M,
    max_gap_hours: float = DEFAULT_GAP_HOURS,
) -> tuple[list[Suggestion], list[ProposedSite]]:
    """Both suggestions from one read of the store's sites, photos and links."""
    links = _site_links(store)
    media = _media(store, media_ids)
    sites = store.find("site")
    linked = frozenset((lk["media_id"], lk["target_id"]) for lk in links)
    on_a_site = {lk["media_id"] for lk in links}
    return (
        match(media, sites, max_distance_m, linked=linked),
        propose(
            [m for m in media if m["id"] not in on_a_site], sites, max_distance_m, max_gap_hours
        ),
    )


def match_sites(
    store: Store,
    media_ids: Sequence[str] | None = None,
    max_distance_m: float = DEFAULT_DISTANCE_M,
) -> list[Suggestion]:
    """Photos (all, or ``media_ids``) and their nearest site within the distance.

    A photo already linked to that site is left out.
    """
    return suggest_sites(store, media_ids, max_distance_m)[0]


def propose_sites(
    store: Store,
    media_ids: Sequence[str] | None = None,
    max_distance_m: float = DEFAULT_DISTANCE_M,
    max_gap_hours: float = DEFAULT_GAP_HOURS,
) -> list[ProposedSite]:
    """New sites suggested by photos far from every site and linked to none."""
    return suggest_sites(store, media_ids, max_distance_m, max_gap_hours)[1]


__all__ = [
    "ProposedSite",
    "Suggestion",
    "haversine_m",
    "match",
    "match_sites",
    "propose",
    "propose_sites",
    "suggest_sites",
]
