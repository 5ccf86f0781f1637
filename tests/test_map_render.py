"""Basemaps and the static map: real MBTiles from GDAL, PMTiles from the pmtiles
package, pixel positions checked against the tile math, with every socket refused."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import mercantile
import numpy as np
import pytest
from PIL import Image

from fieldkit.cli import main
from fieldkit.errors import MapError
from fieldkit.map import style
from fieldkit.map.basemaps import open_basemap
from fieldkit.map.geo import View, fit_view, to_pixel, to_pixels
from fieldkit.map.layers import MapData, MapFilter, Points, cluster, load_map_data
from fieldkit.map.render import render_map, render_view
from tests.conftest import NetworkRefused
from tests.maphelpers import offset, png, write_pmtiles

LAT, LON = 39.8153, 46.7519
RED, BLUE = (230, 20, 20), (20, 40, 220)


def empty() -> MapData:
    return MapData(Points(), Points(), Points(), [])


def cli(home: Path, *args: str) -> int:
    return main(["--home", str(home), *args])


# --- tile math --------------------------------------------------------------------------


def test_pixels_agree_with_mercantile() -> None:
    for lat, lon, z in ((LAT, LON, 17), (-33.9, 18.4, 9), (60.0, -179.9, 3), (0, 0, 0)):
        tile = mercantile.tile(lon, lat, z)
        x, y = to_pixel(lat, lon, z)
        assert (int(x // 256), int(y // 256)) == (tile.x, tile.y)
        b = mercantile.bounds(tile)
        assert to_pixel(b.north, b.west, z) == pytest.approx((tile.x * 256, tile.y * 256), abs=1e-6)
        vx, vy = to_pixels(np.array([lat]), np.array([lon]), z)
        assert (vx[0], vy[0]) == pytest.approx((x, y), abs=1e-6)


def test_view_centre_and_antimeridian_copy() -> None:
    v = View(10.0, 179.99, 12, 400, 300)
    assert v.pixel(10.0, 179.99) == pytest.approx((200, 150))
    x, _y = v.pixel(10.0, -179.99)  # just across the antimeridian: to the right, not 2**20 px away
    assert 200 < x < 400
    west, _s, east, _n = v.bounds()
    assert west > 0 > east  # the view spans the antimeridian


def test_fit_view_contains_every_point() -> None:
    pts = [(LAT, LON), offset(LAT, LON, 900, 1200), offset(LAT, LON, -300, -700)]
    v = fit_view(pts, 800, 600)
    for lat, lon in pts:
        x, y = v.pixel(lat, lon)
        assert 0 <= x <= 800 and 0 <= y <= 600
    assert fit_view(pts, 800, 600, max_zoom=14).zoom <= 14


# --- basemaps ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gdal_mbtiles(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """GDAL makes a GeoTIFF in EPSG:3857 at zoom-12 resolution, red with a blue east part
    starting at a known easting, and writes it as MBTiles with ``gdal_translate``."""
    for tool in ("gdal_create", "gdal_rasterize", "gdal_translate"):
        if not shutil.which(tool):
            pytest.skip(f"{tool} (gdal-bin) is not installed")
    root = tmp_path_factory.mktemp("gdal")
    tile = mercantile.tile(46.75, 39.8, 12)
    b = mercantile.xy_bounds(tile)
    size = b.right - b.left
    left, top, right, bottom = b.left, b.top + size, b.right + size, b.bottom
    boundary = left + size * 300 / 256  # 300 pixels in, not on a tile edge
    tif = root / "colours.tif"
    subprocess.run(
        ["gdal_create", "-q", "-of", "GTiff", "-outsize", "512", "512", "-bands", "3",
         "-ot", "Byte", "-burn", "230", "-burn", "20", "-burn", "20", "-a_srs", "EPSG:3857",
         "-a_ullr", repr(left), repr(top), repr(right), repr(bottom), str(tif)],
        check=True,
    )  # fmt: skip
    east = root / "east.geojson"
    east.write_text(json.dumps({
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}},
        "features": [{"type": "Feature", "properties": {}, "geometry": {"type": "Polygon",
            "coordinates": [[[boundary, bottom], [right, bottom], [right, top],
                             [boundary, top], [boundary, bottom]]]}}],
    }))  # fmt: skip
    subprocess.run(
        ["gdal_rasterize", "-q", "-b", "1", "-b", "2", "-b", "3", "-burn", "20", "-burn", "40",
         "-burn", "220", str(east), str(tif)],
        check=True,
    )  # fmt: skip
    out = root / "city.mbtiles"
    subprocess.run(["gdal_translate", "-q", "-of", "MBTILES", str(tif), str(out)], check=True)
    lon_b, lat_mid = mercantile.lnglat(boundary, b.top)
    return {"path": out, "boundary_lon": lon_b, "lat": lat_mid}


def test_gdal_mbtiles_renders_its_colours_where_the_tile_math_says(
    gdal_mbtiles: dict[str, Any],
) -> None:
    source = open_basemap(gdal_mbtiles["path"])
    assert source.info.format == "mbtiles" and source.info.tile_format == "png"
    assert source.info.min_zoom == source.info.max_zoom == 12
    # the colour boundary is at the centre column: red left of it, blue right (±1 px)
    view = View(gdal_mbtiles["lat"], gdal_mbtiles["boundary_lon"], 12, 200, 160)
    img, _ = render_view(view, empty(), source, legend=False)
    source.close()
    for y in (5, 79, 80, 155):
        assert img.getpixel((98, y)) == RED
        assert img.getpixel((101, y)) == BLUE
    # one zoom deeper, the deepest tiles are enlarged: the boundary stays at the centre
    source = open_basemap(gdal_mbtiles["path"])
    img, _ = render_view(
        view.__class__(view.lat, view.lon, 13, 200, 160), empty(), source, legend=False
    )
    source.close()
    assert img.getpixel((97, 80)) == RED and img.getpixel((102, 80)) == BLUE


def test_pmtiles_from_the_pmtiles_package_renders_each_tile_in_place(tmp_path: Path) -> None:
    z, x, y = 10, 605, 388
    colours = {
        (z, x, y): (200, 30, 30),
        (z, x + 1, y): (30, 160, 30),
        (z, x, y + 1): (30, 30, 200),
        (z, x + 1, y + 1): (220, 200, 20),
    }
    path = tmp_path / "area.pmtiles"
    write_pmtiles(path, {k: png(c) for k, c in colours.items()})
    source = open_basemap(path)
    assert source.info.format == "pmtiles" and source.info.tile_format == "png"
    assert source.info.attribution == "Test tiles © nobody"
    corner = mercantile.bounds(x + 1, y + 1, z)  # the point shared by the four tiles
    view = View(corner.north, corner.west, z, 120, 100)
    img, _ = render_view(view, empty(), source, legend=False)
    source.close()
    assert img.getpixel((58, 48)) == (200, 30, 30)  # north-west of the centre
    assert img.getpixel((61, 48)) == (30, 160, 30)  # north-east
    assert img.getpixel((58, 51)) == (30, 30, 200)  # south-west
    assert img.getpixel((61, 51)) == (220, 200, 20)  # south-east
    # outside the archive, the shipped base is drawn (no hole, no error)
    far = View(corner.north, corner.west + 3, z, 64, 64)
    source = open_basemap(path)
    img, _ = render_view(far, empty(), source, legend=False)
    source.close()
    assert img.getpixel((32, 32)) not in colours.values()


def test_vector_basemaps_are_refused_clearly(tmp_path: Path) -> None:
    mb = tmp_path / "vector.mbtiles"
    with sqlite3.connect(mb) as conn:
        conn.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
        conn.execute(
            "CREATE TABLE tiles (zoom_level INT, tile_column INT, tile_row INT, tile_data BLOB)"
        )
        conn.execute("INSERT INTO metadata VALUES ('format', 'pbf')")
    conn.close()
    with pytest.raises(MapError) as e:
        open_basemap(mb)
    assert "out of scope this round" in str(e.value)
    pm = tmp_path / "vector.pmtiles"
    write_pmtiles(pm, {(0, 0, 0): b"\x1a\x00"}, tile_type="MVT")
    with pytest.raises(MapError) as e:
        open_basemap(pm)
    assert "out of scope this round" in str(e.value) and "MVT" in str(e.value)
    junk = tmp_path / "junk.mbtiles"
    junk.write_bytes(b"not a database at all")
    with pytest.raises(MapError) as e:
        open_basemap(junk)
    assert "neither an MBTiles" in str(e.value)


def test_basemap_commands(
    store: Any, gdal_mbtiles: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = store.home
    pm = tmp_path / "area.pmtiles"
    write_pmtiles(pm, {(3, 4, 2): png((1, 2, 3))})
    assert cli(home, "basemap", "add", str(gdal_mbtiles["path"]), "--name", "city", "--json") == 0
    added = json.loads(capsys.readouterr().out)
    assert added["name"] == "city" and added["path"] == str(gdal_mbtiles["path"])
    assert cli(home, "basemap", "add", str(pm)) == 0
    capsys.readouterr()
    assert cli(home, "basemap", "add", str(pm)) != 0  # the same name twice
    assert "exists" in capsys.readouterr().err
    assert cli(home, "basemap", "list", "--json") == 0
    listed = {b["name"]: b for b in json.loads(capsys.readouterr().out)["basemaps"]}
    assert set(listed) == {"natural-earth", "city", "area"}
    city = listed["city"]
    assert (city["format"], city["tile_format"], city["min_zoom"], city["max_zoom"]) == (
        "mbtiles",
        "png",
        12,
        12,
    )
    assert city["bounds"][0] == pytest.approx(46.669921875)
    assert listed["area"]["format"] == "pmtiles"
    assert listed["natural-earth"]["tile_format"] == "vector"
    assert not (home / "city.mbtiles").exists()  # referenced, never copied
    # a file that went away is a notice, and the map still renders on the shipped base
    pm.rename(tmp_path / "elsewhere.pmtiles")
    assert cli(home, "basemap", "list", "--json") == 0
    area = {b["name"]: b for b in json.loads(capsys.readouterr().out)["basemaps"]}["area"]
    assert area["missing"] is True and "not there" in area["notice"]
    out = tmp_path / "m.png"
    args = ("map", "render", "--out", str(out), "--center", "39.8,46.75", "--zoom", "12")
    assert cli(home, *args, "--basemap", "area", "--json") == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["basemap"] == "natural-earth" and "not there" in doc["notices"][0]
    assert cli(home, "basemap", "remove", "area") == 0
    assert cli(home, "basemap", "remove", "area") != 0
    assert "no basemap named 'area'" in capsys.readouterr().err
    assert (tmp_path / "elsewhere.pmtiles").exists()  # remove never deletes the file


# --- layers on the map --------------------------------------------------------------------


def colour_centroid(img: Image.Image, colour: tuple[int, int, int]) -> tuple[float, float]:
    a = np.asarray(img)
    ys, xs = np.nonzero(np.all(a == colour, axis=2))
    assert len(xs), f"no pixel of colour {colour}"
    return float(xs.mean()), float(ys.mean())


@pytest.mark.parametrize("size", ["400x300", "401x301"])
def test_centre_pixel_and_a_remnant_100_m_east(
    store: Any, tmp_path: Path, size: str, capsys: pytest.CaptureFixture[str]
) -> None:
    case = store.create("case", {"title": "Pixels"})
    site = store.create(
        "site", {"case_id": case["id"], "name": "S", "site_type": "strike", "lat": LAT, "lon": LON}
    )
    lat2, lon2 = offset(LAT, LON, 0, 100)
    store.create(
        "remnant",
        {"site_id": site["id"], "category": "submunition", "condition": "exploded",
         "lat": lat2, "lon": lon2},
    )  # fmt: skip
    out = tmp_path / "centre.png"
    zoom = 17
    assert cli(
        store.home, "map", "render", "--out", str(out), "--center", f"{LAT},{LON}",
        "--zoom", str(zoom), "--size", size, "--layers", "sites,remnants", "--json",
    ) == 0  # fmt: skip
    doc = json.loads(capsys.readouterr().out)
    w, h = (int(v) for v in size.split("x"))
    assert doc["view"]["size"] == {"width": w, "height": h} and doc["view"]["zoom"] == zoom
    img = Image.open(out).convert("RGB")
    assert img.size == (w, h)
    site_colour = style.site_symbol("strike")[1]
    assert img.getpixel((w // 2, h // 2)) == site_colour
    # the remnant: the offset the zoom implies, from the longitudes alone (±1 px)
    expected_dx = (lon2 - LON) / 360 * 256 * 2**zoom
    expected_dy = to_pixel(lat2, lon2, zoom)[1] - to_pixel(LAT, LON, zoom)[1]
    # (a band around the centre row: the legend in the corner has the same colour)
    top = h // 2 - 30
    band = img.crop((w // 2 + 20, top, w, h // 2 + 30))
    cx, cy = colour_centroid(band, style.REMNANT_COLOURS["submunition"])
    assert cx + w // 2 + 20 + 0.5 - w / 2 == pytest.approx(expected_dx, abs=1)
    assert cy + top + 0.5 - h / 2 == pytest.approx(expected_dy, abs=1)
    assert 100 / (2 * np.pi * 6378137 * np.cos(np.radians(LAT)) / (256 * 2**zoom)) == pytest.approx(
        expected_dx, rel=0.01
    )


def _demo_like(store: Any) -> dict[str, str]:
    case = store.create("case", {"title": "City"})
    other = store.create("case", {"title": "Elsewhere"})
    a = store.create(
        "site",
        {
            "case_id": case["id"],
            "name": "A",
            "site_type": "strike",
            "lat": LAT,
            "lon": LON,
            "incident_start": "2020-10-04T05:10:00Z",
        },
    )
    b = store.create(
        "site",
        {
            "case_id": case["id"],
            "name": "B",
            "site_type": "impact",
            "lat": LAT + 0.01,
            "lon": LON + 0.01,
            "incident_start": "2020-10-08T10:30:00Z",
        },
    )
    c = store.create("site", {"case_id": other["id"], "name": "C", "lat": -1.0, "lon": 30.0})
    for n, (north, east) in enumerate([(0, 0), (80, 40), (-30, 120), (60, -50)]):
        lat, lon = offset(LAT, LON, north, east)
        store.create(
            "remnant",
            {
                "site_id": a["id"],
                "category": "submunition",
                "condition": "dud" if n == 1 else "exploded",
                "lat": lat,
                "lon": lon,
            },
        )
    return {"case": case["id"], "other": other["id"], "a": a["id"], "b": b["id"], "c": c["id"]}


def test_filters_by_case_site_and_incident_window(store: Any) -> None:
    ids = _demo_like(store)
    everything = load_map_data(store)
    assert len(everything.sites) == 3 and len(everything.remnants) == 4
    by_case = load_map_data(store, MapFilter(case_id=ids["case"]))
    assert set(by_case.sites.ids) == {ids["a"], ids["b"]}
    assert len(by_case.footprints) == 1 and by_case.footprints[0]["site"] == ids["a"]
    by_site = load_map_data(store, MapFilter(site_id=ids["b"]))
    assert by_site.sites.ids == [ids["b"]] and len(by_site.remnants) == 0
    window = load_map_data(
        store, MapFilter(start="2020-10-07T00:00:00Z", end="2020-10-09T00:00:00Z")
    )
    assert window.sites.ids == [ids["b"]]
    assert window.unknown_time == 1  # C has no incident time: counted, not shown


def test_render_whole_case_with_footprint_legend_and_furniture(store: Any, tmp_path: Path) -> None:
    ids = _demo_like(store)
    r = render_map(store, case_id=ids["case"], size=(800, 600))
    assert r.counts["sites"] == 2 and r.counts["remnants"] == 4 and r.counts["footprints"] == 1
    assert "Natural Earth" in r.attribution
    img = r.image
    # hazard yellow (the dud), footprint edge, legend frame: each is somewhere in the image
    for colour in (style.HAZARD_FILL, style.FOOTPRINT_EDGE, style.SITE_SYMBOLS["impact"][1]):
        colour_centroid(img, colour)
    # the scale bar is black on white at the bottom left
    a = np.asarray(img.crop((0, 560, 200, 600)))
    assert (np.all(a == (0, 0, 0), axis=2)).sum() > 60
    out = r.save(tmp_path / "case.png")
    assert Image.open(out).size == (800, 600)


def test_clusters_at_low_zoom(store: Any) -> None:
    case = store.create("case", {"title": "Many"})
    rng = np.random.default_rng(7)
    for n in range(60):
        store.create("site", {"case_id": case["id"], "name": f"s{n}",
                              "lat": float(LAT + rng.normal(0, 0.01)),
                              "lon": float(LON + rng.normal(0, 0.01))})  # fmt: skip
    data = load_map_data(store, MapFilter(case_id=case["id"]))
    img, counts = render_view(View(LAT, LON, 9, 300, 300), data, legend=False)
    assert counts["sites"] == 60
    # one cluster mark near the centre carrying the count, in the cluster colour
    x, y = colour_centroid(img, style.CLUSTER["sites"])
    assert abs(x - 150) < 20 and abs(y - 150) < 20
    _cx, _cy, counts_, _first = cluster(
        np.array([1.0, 2.0, 100.0]), np.array([1.0, 3.0, 100.0]), 44
    )
    assert sorted(counts_.tolist()) == [1, 2]


def test_render_errors_are_clear(
    store: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = str(tmp_path / "x.png")
    for args, message in (
        (("--size", "10x10"), "64 to 8192"),
        (("--center", "95,10"), "latitude -90..90"),
        (("--layers", "sites,roads"), "unknown layer 'roads'"),
        (("--basemap", "nope"), "no basemap named 'nope'"),
        (("--center", "1,1", "--zoom", "30"), "zoom levels are 0 to 22"),
    ):
        assert cli(store.home, "map", "render", "--out", out, *args) != 0
        assert message in capsys.readouterr().err


def test_map_tests_run_with_sockets_refused() -> None:
    """conftest's autouse ``no_network`` covers every test here, the renders included."""
    import socket

    with pytest.raises(NetworkRefused):
        socket.socket(socket.AF_INET, socket.SOCK_STREAM)


def test_shipped_populated_places_are_named_from_zoom_4() -> None:
    """Natural Earth's populated places (from geopandas' packaged copy): Paris gets its
    dot (white, grey outline) at zoom 5, and nothing at zoom 3."""
    from fieldkit.map.geo import to_pixel
    from fieldkit.map.naturalearth import LAND, PLACE, PLACES_FROM_ZOOM, NaturalEarth

    ne = NaturalEarth()
    names, _x, _y = ne.places()
    assert len(names) == 243 and "Paris" in names and "Chișinău" in names
    assert PLACES_FROM_ZOOM == 4
    lat, lon = 48.85809, 2.35299
    for z, named in ((5, True), (3, False)):
        x, y = to_pixel(lat, lon, z)
        tile = ne.render_tile(z, int(x // 256), int(y // 256))
        px, py = int(x % 256), int(y % 256)
        if named:
            assert tile.getpixel((px, py)) == (255, 255, 255)
            ring = [tile.getpixel((px + dx, py)) for dx in range(-4, 5)]
            assert PLACE in ring
            # the name is written to the right of the dot (dark text on the land)
            text = np.asarray(tile.crop((px + 6, py - 6, min(256, px + 40), py + 6)))
            assert (text.sum(axis=2) < 300).sum() > 10
        else:
            assert tile.getpixel((px, py)) == LAND
