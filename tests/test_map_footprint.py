"""The footprint of a strike, against rectangles of known size and orientation."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import shapely
from pyproj import Geod

from fieldkit.cli import main
from fieldkit.map.footprint import compute_footprint, site_footprint
from tests.maphelpers import offset, rotated_rectangle

GEOD = Geod(ellps="WGS84")


def geodesic_area(geometry: dict[str, Any]) -> float:
    """Area on the ellipsoid of a GeoJSON (Multi)Polygon, independently of our code."""
    polys = (
        geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    )
    total = 0.0
    for poly in polys:
        lons, lats = zip(*poly[0], strict=True)
        area, _perimeter = GEOD.polygon_area_perimeter(lons, lats)
        total += abs(area)
    return total


@pytest.mark.parametrize(
    ("lat", "lon"),
    [(39.8, 46.75), (60.0, 24.9), (-33.9, 18.4), (10.0, 179.9995), (-17.0, -179.9992)],
)
def test_rectangle_400_by_150_rotated_35_degrees(lat: float, lon: float) -> None:
    fp = compute_footprint(rotated_rectangle(lat, lon, 400, 150, 35))
    assert fp["points"] == 7
    assert fp["area_m2"] == pytest.approx(60_000, rel=0.005)
    assert fp["length_m"] == pytest.approx(400, abs=1)
    assert fp["width_m"] == pytest.approx(150, abs=1)
    assert fp["axis_bearing_deg"] == pytest.approx(35, abs=0.5)
    assert fp["centroid"]["lat"] == pytest.approx(lat, abs=1e-5)
    assert (fp["centroid"]["lon"] - lon + 180) % 360 - 180 == pytest.approx(0, abs=1e-5)
    # the written polygon has the same area on the ellipsoid (pyproj.Geod, not our code)
    assert geodesic_area(fp["polygon"]) == pytest.approx(60_000, rel=0.005)
    assert fp["message"] is None


def test_across_the_antimeridian_is_a_multipolygon_cut_at_180() -> None:
    fp = compute_footprint(rotated_rectangle(10.0, 179.9995, 400, 150, 35))
    geom = fp["polygon"]
    assert geom["type"] == "MultiPolygon" and len(geom["coordinates"]) == 2
    lons = [p[0] for poly in geom["coordinates"] for p in poly[0]]
    assert all(-180 <= v <= 180 for v in lons)
    assert 180.0 in lons and -180.0 in lons  # RFC 7946 3.1.9: cut at the antimeridian
    # each part is a closed ring, counter-clockwise (RFC 7946 3.1.6)
    for poly in geom["coordinates"]:
        ring = poly[0]
        assert ring[0] == ring[-1]
        assert shapely.Polygon(ring).exterior.is_ccw
    assert fp["area_m2"] == pytest.approx(60_000, rel=0.005)


def test_bearing_is_folded_into_0_to_180() -> None:
    for bearing, expected in ((0, 0), (90, 90), (135, 135), (215, 35), (350, 170)):
        fp = compute_footprint(rotated_rectangle(45.0, 7.0, 300, 100, bearing))
        got = fp["axis_bearing_deg"]
        assert 0 <= got < 180
        assert min(abs(got - expected), 180 - abs(got - expected)) < 0.5


def test_two_points_have_no_area_but_a_length() -> None:
    a = (39.8, 46.75)
    b = offset(*a, 0, 250)  # 250 m east
    fp = compute_footprint([a, b])
    assert fp["area_m2"] == 0 and fp["width_m"] == 0
    assert fp["length_m"] == pytest.approx(250, abs=0.01)
    assert fp["axis_bearing_deg"] == pytest.approx(90, abs=0.1)
    assert "fewer than three points" in fp["message"]
    assert fp["polygon"]["type"] == "LineString"


def test_points_on_one_line_have_no_area() -> None:
    a = (39.8, 46.75)
    pts = [a, offset(*a, 100, 0), offset(*a, 200, 0), offset(*a, 300, 0)]
    fp = compute_footprint(pts)
    assert fp["area_m2"] == 0
    assert fp["length_m"] == pytest.approx(300, abs=0.01)
    assert fp["axis_bearing_deg"] == pytest.approx(0, abs=0.1) or fp[
        "axis_bearing_deg"
    ] == pytest.approx(180, abs=0.1)
    assert "one line" in fp["message"]


def test_one_point_and_no_point() -> None:
    fp = compute_footprint([(39.8, 46.75), (39.8, 46.75)])
    assert fp["points"] == 1 and fp["area_m2"] == 0 and fp["axis_bearing_deg"] is None
    assert fp["polygon"] == {"type": "Point", "coordinates": [46.75, 39.8]}
    empty = compute_footprint([])
    assert empty["points"] == 0 and empty["polygon"] is None and "no footprint" in empty["message"]


def _site_with_remnants(store: Any, points: list[tuple[float, float]], **extra: Any) -> str:
    case = store.create("case", {"title": "Footprints"})
    site = store.create(
        "site", {"case_id": case["id"], "name": "Strike", "lat": points[0][0], "lon": points[0][1]}
    )
    for n, (lat, lon) in enumerate(points):
        values = {"site_id": site["id"], "category": ("submunition", "crater", "fragment")[n % 3]}
        values.update(lat=lat, lon=lon)
        store.create("remnant", values)
    return site["id"]


def test_site_footprint_counts_each_position_once(store: Any) -> None:
    pts = rotated_rectangle(39.8, 46.75, 400, 150, 35)
    sid = _site_with_remnants(store, pts)
    # 12 duds at one corner: one point, counted in total_count
    store.create(
        "remnant",
        {
            "site_id": sid,
            "category": "submunition",
            "count": 12,
            "lat": pts[0][0],
            "lon": pts[0][1],
        },
    )
    # a rocket motor 2 km away is not part of the footprint
    far = offset(39.8, 46.75, 2000, 0)
    store.create(
        "remnant", {"site_id": sid, "category": "rocket_motor", "lat": far[0], "lon": far[1]}
    )
    # a crater without a position is reported, not used
    store.create("remnant", {"site_id": sid, "category": "crater"})
    fp = site_footprint(store, sid)
    assert fp["points"] == 7 and fp["remnants"] == 8
    assert fp["total_count"] == 7 + 12
    assert fp["without_position"] == 1
    assert fp["area_m2"] == pytest.approx(60_000, rel=0.005)


def test_cli_site_footprint_json(store: Any, capsys: pytest.CaptureFixture[str]) -> None:
    sid = _site_with_remnants(store, rotated_rectangle(60.0, 24.9, 400, 150, 35))
    assert main(["--home", str(store.home), "site", "footprint", sid, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    for key in (
        "site",
        "points",
        "area_m2",
        "length_m",
        "width_m",
        "axis_bearing_deg",
        "centroid",
        "polygon",
        "method",
    ):
        assert key in doc
    assert doc["site"] == sid and doc["points"] == 7
    assert doc["polygon"]["type"] == "Polygon"
    assert set(doc["centroid"]) == {"lat", "lon"}
    assert doc["length_m"] == pytest.approx(400, abs=1)
    assert "azimuthal equidistant" in doc["method"]
    assert main(["--home", str(store.home), "site", "footprint", sid]) == 0
    text = capsys.readouterr().out
    assert "not a conclusion" in text and "60,000 m²" in text


def test_cli_footprint_of_an_unknown_site(store: Any, capsys: pytest.CaptureFixture[str]) -> None:
    case = store.create("case", {"title": "x"})
    assert main(["--home", str(store.home), "site", "footprint", case["id"], "--json"]) != 0
    assert "not a site" in capsys.readouterr().err


def test_bundle_sites_geojson_carries_the_footprint(store: Any, tmp_path: Path) -> None:
    """The bundle's sites.geojson: sites plus one footprint Feature, read by ogrinfo."""
    from fieldkit.bundle import export_bundle
    from tests.conftest import PASSPHRASE

    sid = _site_with_remnants(store, rotated_rectangle(39.8, 46.75, 400, 150, 35))
    folder = export_bundle(store, tmp_path / "bundle", passphrase=PASSPHRASE, full=True)
    path = Path(folder.path) / "data" / "export" / "sites.geojson"
    doc = json.loads(path.read_text(encoding="utf-8"))
    kinds = {f["properties"]["feature_type"]: f for f in doc["features"]}
    assert set(kinds) == {"site", "footprint"}
    fp = kinds["footprint"]
    assert fp["id"] == f"{sid}/footprint" and fp["properties"]["site_id"] == sid
    assert fp["geometry"]["type"] == "Polygon"
    assert fp["properties"]["area_m2"] == pytest.approx(60_000, rel=0.005)
    assert fp["properties"]["axis_bearing_deg"] == pytest.approx(35, abs=0.5)
    if shutil.which("ogrinfo"):
        r = subprocess.run(
            ["ogrinfo", "-ro", "-al", "-so", str(path)], capture_output=True, text=True, check=False
        )
        assert r.returncode == 0, r.stderr
        assert "Feature Count: 2" in r.stdout


def test_gis_export_carries_footprints_with_an_area(store: Any, tmp_path: Path) -> None:
    """Colleague H's GIS export gets footprints from site_footprint; one with no area
    (two points: a LineString) is left out of the Polygon layer, not a crash."""
    from fieldkit.gis import export_gis

    sid = _site_with_remnants(store, rotated_rectangle(39.8, 46.75, 400, 150, 35))
    line_site = _site_with_remnants(store, [(39.9, 46.8), offset(39.9, 46.8, 0, 80)])
    export_gis(store, "geojson", tmp_path / "out")
    (folder,) = list(tmp_path.glob("out-*"))
    layer = json.loads(next(folder.glob("*footprints*")).read_text(encoding="utf-8"))
    (feature,) = layer["features"]
    assert feature["geometry"]["type"] == "Polygon"
    assert feature["properties"]["area_m2"] == pytest.approx(60_000, rel=0.005)
    assert line_site != sid
