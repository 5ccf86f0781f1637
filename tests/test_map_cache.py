"""The map's layer cache: used only while the store is unchanged, never stale."""

from __future__ import annotations

from typing import Any

import numpy as np

from fieldkit.map import cache
from fieldkit.map.footprint import footprints_from_remnants
from fieldkit.map.layers import MapData, MapFilter, load_map_data
from tests.test_map_render import _demo_like


def _same(a: MapData, b: MapData) -> None:
    for name in ("sites", "remnants", "photos"):
        pa, pb = getattr(a, name), getattr(b, name)
        assert pa.ids == pb.ids
        assert np.array_equal(pa.lat, pb.lat) and np.array_equal(pa.lon, pb.lon)
        assert pa.extra.keys() == pb.extra.keys()
        for key, va in pa.extra.items():
            if isinstance(va, np.ndarray):
                assert np.array_equal(va, pb.extra[key], equal_nan=True), (name, key)
            else:
                assert va == pb.extra[key], (name, key)
    assert a.footprint_input == b.footprint_input and a.unknown_time == b.unknown_time


def _entries(store: Any) -> list[tuple[str, str]]:
    return store.conn.execute(f"SELECT key, stamp FROM {cache.TABLE}").fetchall()


def test_cached_layers_equal_the_tables_and_follow_every_change(store: Any) -> None:
    ids = _demo_like(store)
    photo = store.create(
        "media",
        {"sha256": "ab" * 32, "file_name": "a.jpg", "size": 1, "mime": "image/jpeg",
         "lat": 39.8, "lon": 46.75, "direction": 90.0},
    )  # fmt: skip
    store.create("link", {"media_id": photo["id"], "target_kind": "site", "target_id": ids["a"]})
    flt = MapFilter(case_id=ids["case"])
    first = cache.load_map_data_cached(store, flt)
    _same(first, load_map_data(store, flt))
    assert len(_entries(store)) == 1
    # the footprints were computed with the read and cached with the layers
    expected = footprints_from_remnants(first.footprint_input)
    again = cache.load_map_data_cached(store, flt, compute_footprints=False)
    assert again.footprints_computed and again.footprints == expected
    _same(again, first)
    assert np.isnan(again.photos.extra["position_accuracy_m"][0])
    assert again.photos.extra["direction"][0] == 90.0
    # a change to a site: the stamp moves on, the cache is not used
    (stamp_before,) = [s for _k, s in _entries(store)]
    store.update(ids["a"], {"lat": 39.9, "lon": 46.9})
    moved = cache.load_map_data_cached(store, flt)
    i = moved.sites.index()[ids["a"]]
    assert (moved.sites.lat[i], moved.sites.lon[i]) == (39.9, 46.9)
    assert [s for _k, s in _entries(store)] != [stamp_before]
    # a retracted photo leaves the map at once
    store.retract(photo["id"], "test")
    assert cache.load_map_data_cached(store, flt).photos.ids == []


def test_a_damaged_entry_is_read_past_and_a_transaction_writes_nothing(store: Any) -> None:
    ids = _demo_like(store)
    flt = MapFilter(site_id=ids["a"])
    cache.load_map_data_cached(store, flt)
    store.conn.execute(f"UPDATE {cache.TABLE} SET data = x'00010203'")
    data = cache.load_map_data_cached(store, flt)
    _same(data, load_map_data(store, flt))
    cache.clear(store.conn)
    with store.transaction():  # inside someone's transaction: read, never write
        inside = cache.load_map_data_cached(store, MapFilter(), compute_footprints=False)
    assert _entries(store) == [] and not inside.footprints_computed
    _same(inside, load_map_data(store, MapFilter()))


def test_the_cache_keeps_a_few_entries(store: Any) -> None:
    ids = _demo_like(store)
    filters = [MapFilter(), MapFilter(case_id=ids["case"]), MapFilter(case_id=ids["other"])]
    filters += [MapFilter(site_id=ids[k]) for k in ("a", "b", "c")]
    filters += [MapFilter(start=f"2020-10-0{d}T00:00:00Z") for d in range(1, 6)]
    for flt in filters:
        cache.load_map_data_cached(store, flt)
    assert len(_entries(store)) == cache.KEEP
    keys = {k for k, _s in _entries(store)}
    assert cache.cache_key(filters[-1], {"sites", "remnants", "photos", "footprints"}) in keys
