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
    """(key, stamp) of each entry's head row (its parts are rows of their own)."""
    return store.conn.execute(
        f"SELECT key, stamp FROM {cache.TABLE} WHERE instr(key, char(31)) = 0"
    ).fetchall()


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
    (rows,) = store.conn.execute(f"SELECT count(*) FROM {cache.TABLE}").fetchone()
    assert rows == cache.KEEP * (1 + len(cache.PARTS))  # no part outlives its entry
    keys = {k for k, _s in _entries(store)}
    assert cache.cache_key(filters[-1], {"sites", "remnants", "photos", "footprints"}) in keys


def test_updated_from_the_journal_the_cache_equals_a_full_read(
    make_store: Any, tmp_path: Any, monkeypatch: Any
) -> None:
    """Create, move, re-parent, re-case, retract, import: after each, every cached filter
    is updated from the journal (no full read) and equals a full read."""
    from fieldkit.bundle import export_bundle, import_bundle
    from fieldkit.crypto import trustlist
    from tests.conftest import PASSPHRASE

    store = make_store("A")
    ids = _demo_like(store)
    remnant = store.find("remnant")[0]["id"]

    def photo(n: int, target: str | None, kind: str = "site") -> str:
        stored = store.media.put_bytes(b"photo %d" % n)  # a bundle carries its file
        media = store.create(
            "media",
            {"sha256": stored.sha256, "file_name": f"{n}.jpg", "size": stored.size,
             "lat": 39.8 + n / 1000, "lon": 46.75, "direction": 10.0 * n,
             "captured_utc": f"2020-10-0{n}T12:00:00Z"},
        )  # fmt: skip
        if target:
            store.create(
                "link", {"media_id": media["id"], "target_kind": kind, "target_id": target}
            )
        return str(media["id"])

    photos = [photo(1, ids["a"]), photo(2, remnant, "remnant"), photo(3, ids["case"], "case")]
    photos.append(photo(4, None))
    filters = [
        MapFilter(),
        MapFilter(case_id=ids["case"]),
        MapFilter(site_id=ids["a"]),
        MapFilter(start="2020-10-01T00:00:00Z", end="2020-10-06T00:00:00Z"),
    ]
    full_reads: list[MapFilter] = []
    real = cache.read_map_data

    def spy(conn: Any, flt: MapFilter, **kw: Any) -> MapData:
        if not any(kw.get(k) is not None for k in ("only_sites", "only_remnants", "only_media")):
            full_reads.append(flt)
        return real(conn, flt, **kw)

    monkeypatch.setattr(cache, "read_map_data", spy)

    def check(step: str) -> None:
        full_reads.clear()
        for flt in filters:
            got = cache.load_map_data_cached(store, flt)
            want = load_map_data(store, flt)
            _same(got, want)
            assert got.footprints == want.footprints, (step, flt)
            assert np.array_equal(got.footprint_rowid, want.footprint_rowid)
            for name in ("sites", "remnants", "photos"):
                assert np.array_equal(getattr(got, name).rowid, getattr(want, name).rowid)
        assert full_reads == [], step

    for flt in filters:
        cache.load_map_data_cached(store, flt)
    new_site = store.create(
        "site", {"case_id": ids["case"], "name": "D", "lat": 39.81, "lon": 46.76,
                 "incident_start": "2020-10-05T00:00:00Z"},
    )  # fmt: skip
    store.create(
        "remnant",
        {"site_id": new_site["id"], "category": "crater", "lat": 39.811, "lon": 46.761},
    )
    check("created")

    def tokens(flt: MapFilter) -> dict[str, str]:
        key = cache.cache_key(flt, {"sites", "remnants", "photos", "footprints"})
        rows = store.conn.execute(
            f"SELECT key, stamp FROM {cache.TABLE} WHERE key > ? AND key < ?",
            (key + "\x1f", key + "\x20"),
        ).fetchall()
        return {k.rsplit("\x1f", 1)[1]: stamp for k, stamp in rows}

    before = tokens(filters[1])
    store.update(ids["a"], {"lat": 39.805, "lon": 46.755})
    check("a site moved")
    after = tokens(filters[1])  # its photos and remnants were read again, the same rows:
    assert after["sites"] != before["sites"]  # only the sites are written again
    assert after["photos"] == before["photos"] and after["footprints"] == before["footprints"]
    store.update(remnant, {"lat": 39.8005, "lon": 46.7502})
    check("a remnant moved")
    store.update(remnant, {"site_id": new_site["id"]})  # its footprint moves with it
    check("re-parented")
    store.update(new_site["id"], {"case_id": ids["other"], "incident_start": None})
    check("another case, no incident time")
    store.retract(photos[0], "test")
    links = store.conn.execute("SELECT id FROM links WHERE media_id = ?", (photos[2],)).fetchall()
    store.retract(links[0][0], "test")
    store.update(photos[3], {"captured_utc": "2020-10-09T00:00:00Z"})
    check("photo, link retracted; a capture time changed")
    store.retract(ids["a"], "test")
    check("site retracted")

    # a bundle from a colleague: a site and a photo linked to an existing site
    other = make_store("B")
    trustlist.trust(store.keys_dir, trustlist.export_public(other.keys_dir))
    mine = export_bundle(store, tmp_path / "mine", passphrase=PASSPHRASE, full=True, plaintext=True)
    trustlist.trust(other.keys_dir, trustlist.export_public(store.keys_dir))
    assert import_bundle(other, mine.path).ok  # their store starts from ours
    theirs_site = other.create(
        "site", {"case_id": ids["case"], "name": "E", "lat": 39.79, "lon": 46.74}
    )
    stored = other.media.put_bytes(b"their photo")
    theirs_photo = other.create(
        "media",
        {"sha256": stored.sha256, "file_name": "e.jpg", "size": stored.size, "lat": 39.79,
         "lon": 46.74},
    )  # fmt: skip
    other.create(
        "link", {"media_id": theirs_photo["id"], "target_kind": "site", "target_id": ids["b"]}
    )
    other.update(ids["b"], {"lat": 39.811, "lon": 46.761})
    bundle = export_bundle(other, tmp_path / "theirs", passphrase=PASSPHRASE, plaintext=True)
    report = import_bundle(store, bundle.path)
    assert report.ok, [str(p) for p in report.problems]
    check("imported")
    assert theirs_site["id"] in cache.load_map_data_cached(store, filters[1]).sites.ids
