"""Geotagging from a GPX track: interpolated positions, never guessed, reversible events.

``tests/data/geotag/walk.gpx`` is a hand-written walk: a fix every 10 s from 10:00:00Z to
10:10:00Z (about 1.2 m/s), the logger paused for 15 minutes, then 10:25:00Z to 10:30:00Z.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from fieldkit.geotag import (
    BASE_ACCURACY_M,
    TrackError,
    geotag,
    position_at,
    read_gpx,
    untag,
)
from fieldkit.ingest import import_media
from fieldkit.store import Store
from tests.test_cli import fk
from tests.test_ingest import jpeg_bytes

WALK = Path(__file__).parent / "data" / "geotag" / "walk.gpx"


def _photo(folder: Path, name: str, when: str, offset: str | None = "+04:00", **kw: object) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(jpeg_bytes(when=when, offset=offset, tag=name, **kw))  # type: ignore[arg-type]
    return path


def test_track_is_read_in_time_order() -> None:
    track = read_gpx(WALK)
    assert len(track.fixes) == 92
    assert track.to_json()["start"] == "2020-10-09T10:00:00Z"
    assert track.to_json()["end"] == "2020-10-09T10:30:00Z"


def test_interpolation_and_accuracy() -> None:
    track = read_gpx(WALK)
    at_fix = position_at(track, datetime(2020, 10, 9, 10, 0, 10, tzinfo=UTC))
    assert (at_fix.lat, at_fix.lon, at_fix.accuracy_m) == (39.8153764, 46.751999, BASE_ACCURACY_M)
    middle = position_at(track, datetime(2020, 10, 9, 10, 0, 15, tzinfo=UTC))
    # Half way between the fixes at 10:00:10 and 10:00:20.
    assert middle.lat == pytest.approx(39.8153764 + 0.0000382, abs=1e-7)
    assert middle.lon == pytest.approx(46.751999 + 0.0000495, abs=1e-7)
    assert middle.alt == pytest.approx(812.15)
    # 5 s from the nearer fix at walking pace (1.5 m/s > the track's 1.2 m/s).
    assert middle.accuracy_m == pytest.approx(BASE_ACCURACY_M + 1.5 * 5)
    closer = position_at(track, datetime(2020, 10, 9, 10, 0, 12, tzinfo=UTC))
    assert closer.accuracy_m is not None and closer.accuracy_m < middle.accuracy_m
    gap = position_at(track, datetime(2020, 10, 9, 10, 15, tzinfo=UTC))
    assert gap.lat is None and gap.kind == "beyond_gap" and gap.gap_s == 900
    # With a gap allowed, the same instant is placed, far less precisely.
    loose = position_at(track, datetime(2020, 10, 9, 10, 15, tzinfo=UTC), max_gap_s=1000)
    assert loose.lat is not None and loose.accuracy_m is not None and loose.accuracy_m > 300
    before = position_at(track, datetime(2020, 10, 9, 9, 59, 59, tzinfo=UTC))
    assert before.lat is None and before.kind == "outside_track"


def test_antimeridian_is_crossed_the_short_way(tmp_path: Path) -> None:
    gpx = tmp_path / "boat.gpx"
    gpx.write_text(
        '<gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>'
        '<trkpt lat="-17.0" lon="179.9990"><time>2021-01-01T00:00:00Z</time></trkpt>'
        '<trkpt lat="-17.0" lon="-179.9990"><time>2021-01-01T00:01:00Z</time></trkpt>'
        "</trkseg></trk></gpx>",
        encoding="utf-8",
    )
    middle = position_at(read_gpx(gpx), datetime(2021, 1, 1, 0, 0, 30, tzinfo=UTC))
    assert middle.lon is not None and abs(abs(middle.lon) - 180) < 1e-6


def test_hostile_or_useless_gpx_is_refused(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.gpx"
    bomb.write_text(
        '<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><gpx>&b;</gpx>',
        encoding="utf-8",
    )
    with pytest.raises(TrackError, match="not a usable GPX file"):
        read_gpx(bomb)
    untimed = tmp_path / "route.gpx"
    untimed.write_text(
        '<gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>'
        '<trkpt lat="1" lon="2"/></trkseg></trk></gpx>',
        encoding="utf-8",
    )
    with pytest.raises(TrackError, match="no track point has a time"):
        read_gpx(untimed)
    text = tmp_path / "notes.gpx"
    text.write_text("not xml at all", encoding="utf-8")
    with pytest.raises(TrackError):
        read_gpx(text)


def test_geotag_store_report_and_undo(store: Store, tmp_path: Path) -> None:
    cam = tmp_path / "card"
    paths = [
        _photo(cam, "a_on_track.jpg", "2020:10:09 14:00:15"),  # 10:00:15Z
        _photo(cam, "b_in_pause.jpg", "2020:10:09 14:15:00"),  # 10:15:00Z: 900 s gap
        _photo(cam, "c_before.jpg", "2020:10:09 13:30:00"),  # 09:30:00Z
        _photo(cam, "d_no_offset.jpg", "2020:10:09 14:05:00", offset=None, make="OldCam"),
        _photo(cam, "e_has_gps.jpg", "2020:10:09 14:01:00", lat=1.0, lon=2.0),
    ]
    report = import_media(store, paths, serial=True)
    ids = {Path(i["path"]).name: i["id"] for i in report.imported}
    track = read_gpx(WALK)

    dry = geotag(store, track, dry_run=True)
    assert [t["file_name"] for t in dry["tagged"]] == ["a_on_track.jpg"]
    assert store.get(ids["a_on_track.jpg"]).get("lat") is None  # nothing written

    done = geotag(store, track)
    assert [t["file_name"] for t in done["tagged"]] == ["a_on_track.jpg"]
    assert [t["file_name"] for t in done["beyond_gap"]] == ["b_in_pause.jpg"]
    assert [t["file_name"] for t in done["outside_track"]] == ["c_before.jpg"]
    assert [t["file_name"] for t in done["no_time"]] == ["d_no_offset.jpg"]
    assert done["already_positioned"] == 1
    a = store.get(ids["a_on_track.jpg"])
    assert a["position_source"] == "track"
    assert a["lat"] == pytest.approx(39.8153764 + 0.0000382, abs=1e-6)
    assert a["position_accuracy_m"] == pytest.approx(12.5)
    for name in ("b_in_pause.jpg", "c_before.jpg", "d_no_offset.jpg"):
        assert store.get(ids[name]).get("lat") is None  # reported, never guessed
    assert store.get(ids["e_has_gps.jpg"])["lat"] == pytest.approx(1.0)

    # The camera without an offset: its zone entered later, and its clock 5 s fast.
    store.create(
        "camera", {"make": "OldCam", "model": "FC-1", "utc_offset": "+04:00", "clock_error_s": 5}
    )
    again = geotag(store, track)
    assert [t["file_name"] for t in again["tagged"]] == ["d_no_offset.jpg"]
    assert again["tagged"][0]["captured_utc"] == "2020-10-09T10:04:55Z"
    d = store.get(ids["d_no_offset.jpg"])
    fix = position_at(track, datetime(2020, 10, 9, 10, 4, 55, tzinfo=UTC))
    assert d["lat"] == pytest.approx(fix.lat, abs=1e-7)

    # Each position is an ordinary event in the record's history, and can be taken back.
    history = store.history(ids["a_on_track.jpg"])
    assert any("lat" in (h.get("fields") or h.get("changes") or {}) for h in history)
    undone = untag(store)
    assert sorted(c["file_name"] for c in undone["cleared"]) == [
        "a_on_track.jpg",
        "d_no_offset.jpg",
    ]
    assert store.get(ids["a_on_track.jpg"]).get("lat") is None
    assert store.get(ids["e_has_gps.jpg"])["lat"] == pytest.approx(1.0)  # EXIF stays


def test_cli_geotag(store: Store, tmp_path: Path) -> None:
    photo = _photo(tmp_path / "card", "walk.jpg", "2020:10:09 14:00:20")
    import_media(store, [photo], serial=True)
    home = store.home
    out = fk(home, "media", "geotag", "--track", str(WALK), "--max-gap-s", "60", "--json")
    doc = json.loads(out.stdout)
    assert doc["tagged"][0]["lat"] == pytest.approx(39.8154528, abs=1e-7)
    assert doc["tagged"][0]["accuracy_m"] == BASE_ACCURACY_M
    bad = fk(home, "media", "geotag", "--track", str(tmp_path / "missing.gpx"), check=False)
    assert bad.returncode != 0 and "missing.gpx" in bad.stderr
    assert json.loads(fk(home, "media", "geotag", "--track", "x", "--undo", "--json").stdout)[
        "cleared"
    ]
