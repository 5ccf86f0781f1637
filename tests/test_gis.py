"""GIS exports, checked with GDAL's own reader (ogrinfo), byte greps and the formats' specs."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from fieldkit.audience import Audience, utm_epsg
from fieldkit.cli import main
from fieldkit.gis import FORMATS, GisError, export_gis
from fieldkit.store import Store
from tests import outputs_case as oc
from tests.conftest import unlock_copy

pytestmark = pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="needs gdal-bin")

SECRETS = (oc.CONFIDENTIAL_QUOTE, oc.RESTRICTED_QUOTE)


@pytest.fixture(scope="module")
def exported(
    store_templates: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, object]:
    """One store with the case, exported in every format for three audiences."""
    root = tmp_path_factory.mktemp("gis")
    home = root / "home"
    shutil.copytree(store_templates["A"], home)
    unlock_copy(home, store_templates["A"])
    store = Store.open(home)
    case = oc.build_case(store, root)
    (root / "out").mkdir()
    outs: dict[tuple[str, str], Path] = {}
    for audience in (Audience(), Audience(include="confidential"), Audience("public")):
        for fmt in FORMATS:
            report = export_gis(
                store,
                fmt,
                root / "out" / "case",
                audience=audience,
                case_id=case.case_id,
                plaintext=True,
            )
            outs[(audience.tag, fmt)] = report.path
    store.close()
    return {"case": case, "outs": outs, "root": root, "home": home}


def _ogrinfo(path: Path) -> str:
    target = str(path)
    result = subprocess.run(
        ["ogrinfo", "-ro", "-al", target], capture_output=True, text=True, check=True
    )
    return result.stdout


def _layers(text: str) -> dict[str, int]:
    names = re.findall(r"^Layer name: (.+)$", text, re.M)
    counts = [int(n) for n in re.findall(r"^Feature Count: (\d+)$", text, re.M)]
    return dict(zip(names, counts, strict=True))


def _files(path: Path) -> list[Path]:
    return sorted(path.iterdir()) if path.is_dir() else [path]


def _all_text(path: Path) -> str:
    """Every byte an output holds, decoded: folders file by file, KMZ unzipped, GPKG read
    back by GDAL and also as raw bytes."""
    parts = []
    for f in _files(path):
        if f.suffix == ".kmz":
            with zipfile.ZipFile(f) as z:
                parts += [z.read(n).decode("utf-8", "replace") for n in z.namelist()]
        elif f.suffix == ".gpkg":
            parts.append(_ogrinfo(f))
            parts.append(f.read_bytes().decode("utf-8", "replace"))
        else:
            parts.append(f.read_bytes().decode("utf-8-sig"))
    return "\n".join(parts)


EXPECTED = {"sites": 2, "remnants": 3, "photos": 3, "statements": 4}


@pytest.mark.parametrize("fmt", ["gpkg", "kml", "kmz"])
def test_gdal_reads_every_layer_with_its_count(exported: dict, fmt: str) -> None:
    text = _ogrinfo(exported["outs"][("internal", fmt)])
    assert _layers(text) == EXPECTED
    for attribute in ("names", "name_hy", "name_az", "name_ru", "designation", "sha256"):
        assert re.search(rf"^\s*{attribute} \(", text, re.M), attribute


def test_geojson_and_csv_one_file_per_layer(exported: dict) -> None:
    for fmt, suffix in (("geojson", ".geojson"), ("csv", ".csv")):
        folder = exported["outs"][("internal", fmt)]
        assert folder.name == f"case-internal-{fmt}"
        found = {}
        for f in folder.glob(f"*{suffix}"):
            found.update(_layers(_ogrinfo(f)))
        # GDAL names a GeoJSON layer by its "name" member, a CSV layer by its file.
        found = {k.removesuffix("-internal"): v for k, v in found.items()}
        assert found == EXPECTED, fmt


def test_gpx_waypoints_of_sites_and_remnants(exported: dict) -> None:
    path = exported["outs"][("internal", "gpx")]
    text = _ogrinfo(path)
    assert _layers(text)["waypoints"] == 5
    for attribute in ("name", "desc", "cmt", "type", "src"):
        assert re.search(rf"^\s*{attribute} \(", text, re.M)
    assert path.read_text(encoding="utf-8").count('<wpt lat="') == 5
    assert 'xmlns="http://www.topografix.com/GPX/1/1"' in path.read_text(encoding="utf-8")


def _points(text: str) -> list[tuple[float, float]]:
    return [
        (float(x), float(y)) for x, y in re.findall(r"POINT (?:Z )?\(([-\d.]+) ([-\d.]+)", text)
    ]


@pytest.mark.parametrize("fmt", ["gpkg", "kml", "kmz", "gpx"])
def test_coordinates_round_trip(exported: dict, fmt: str) -> None:
    points = _points(_ogrinfo(exported["outs"][("internal", fmt)]))
    lat, lon = oc.MARKET
    assert any(abs(x - lon) < 1e-7 and abs(y - lat) < 1e-7 for x, y in points), points[:3]
    lat, lon = oc.SCHOOL
    assert any(abs(x - lon) < 1e-7 and abs(y - lat) < 1e-7 for x, y in points)


def test_geojson_is_rfc7946_and_csv_round_trips(exported: dict) -> None:
    folder = exported["outs"][("internal", "geojson")]
    doc = json.loads((folder / "sites-internal.geojson").read_text(encoding="utf-8"))
    assert "crs" not in doc  # RFC 7946 §4: WGS 84 only, no crs member
    assert doc["fieldkit"]["audience"] == "internal"
    market = next(f for f in doc["features"] if f["properties"]["name"] == oc.HY_NAME)
    lon, lat = market["geometry"]["coordinates"]  # longitude first (§3.1.1)
    assert abs(lat - oc.MARKET[0]) < 1e-7 and abs(lon - oc.MARKET[1]) < 1e-7

    raw = (exported["outs"][("internal", "csv")] / "sites-internal.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    row = next(r for r in rows if r["name"] == oc.HY_NAME)
    assert abs(float(row["lat"]) - oc.MARKET[0]) < 1e-7
    assert row["name_az"] == oc.AZ_NAME and row["name_ru"] == oc.RU_NAME


@pytest.mark.parametrize("fmt", FORMATS)
def test_names_in_every_script_survive(exported: dict, fmt: str) -> None:
    text = _all_text(exported["outs"][("internal", fmt)])
    for name in (oc.HY_NAME, oc.AZ_NAME, oc.SCHOOL_AZ, oc.SCHOOL_HY):
        assert name in text, (fmt, name)
    if fmt != "gpx":  # GPX carries other names in the waypoint comment
        assert oc.RU_NAME in text and oc.GE_NAME in text and oc.AR_NAME in text
    else:
        assert oc.RU_NAME in text


@pytest.mark.parametrize("fmt", FORMATS)
def test_confidential_text_only_when_included(exported: dict, fmt: str) -> None:
    internal = _all_text(exported["outs"][("internal", fmt)])
    included = _all_text(exported["outs"][("internal-confidential", fmt)])
    public = _all_text(exported["outs"][("public", fmt)])
    for quote in SECRETS:
        assert quote not in internal
        assert quote not in public
    if fmt != "gpx":  # GPX holds sites and remnants only
        assert oc.CONFIDENTIAL_QUOTE in included and oc.RESTRICTED_QUOTE in included
        assert oc.PUBLIC_QUOTE in internal and oc.PUBLIC_QUOTE in public
        assert "audience" in internal


@pytest.mark.parametrize("fmt", FORMATS)
def test_public_output_follows_the_release_rules(exported: dict, fmt: str) -> None:
    case = exported["case"]
    text = _all_text(exported["outs"][("public", fmt)])
    assert oc.WITHDRAWN_QUOTE not in text
    assert oc.INTERVIEWER not in text
    assert oc.SERIAL not in text
    for code in ("W-001", "W-002", "W-003"):
        assert code not in text
    for m in case.media:
        assert m["sha256"] not in text and m["id"] not in text and m["file_name"] not in text
    assert case.market not in text and case.case_id not in text
    if fmt != "gpx":
        # "Witness 1" is an internal code in this store: the label must skip it
        assert "Witness 2" in text and "Witness 1" not in text


def test_sensitive_position_on_the_grid(exported: dict) -> None:
    from pyproj import Transformer

    doc = json.loads(
        (exported["outs"][("public", "geojson")] / "sites-public.geojson").read_text("utf-8")
    )
    school = next(f for f in doc["features"] if f["properties"]["name"] == oc.SCHOOL_AZ)
    lon, lat = school["geometry"]["coordinates"]
    assert school["properties"]["position_generalised_m"] == 100
    epsg = utm_epsg(*oc.SCHOOL)
    to_utm = Transformer.from_crs("EPSG:4326", f"EPSG:{epsg}", always_xy=True)
    e, n = to_utm.transform(lon, lat)
    assert abs(e - round(e / 100) * 100) < 0.01 and abs(n - round(n / 100) * 100) < 0.01
    e0, n0 = to_utm.transform(oc.SCHOOL[1], oc.SCHOOL[0])
    assert 0 < ((e - e0) ** 2 + (n - n0) ** 2) ** 0.5 <= 100 * 2**0.5 / 2
    market = next(f for f in doc["features"] if f["properties"]["name"] == oc.HY_NAME)
    assert market["geometry"]["coordinates"] == [oc.MARKET[1], oc.MARKET[0]]


def test_kmz_holds_thumbnails_and_direction(exported: dict) -> None:
    from PIL import Image

    path = exported["outs"][("internal", "kmz")]
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        assert names[0] == "doc.kml"
        thumbs = [n for n in names if n.startswith("files/") and n.endswith(".jpg")]
        assert len(thumbs) == 3
        doc = z.read("doc.kml").decode("utf-8")
        import io

        im = Image.open(io.BytesIO(z.read(thumbs[0])))
        assert max(im.size) <= 320 and not im.info.get("exif")
    assert "<heading>271.0</heading>" in doc  # the demo photos face 271°
    import html

    assert html.unescape(doc).count('<img src="files/') == 3


def test_audience_in_file_names(exported: dict) -> None:
    names = {k: p.name for k, p in exported["outs"].items()}
    assert names[("internal", "gpkg")] == "case-internal.gpkg"
    assert names[("public", "kmz")] == "case-public.kmz"
    assert names[("internal-confidential", "gpx")] == "case-internal-confidential.gpx"


def test_cli_refuses_sensitive_content_without_consent(
    exported: dict, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = exported["home"]
    out = tmp_path / "x.gpkg"
    args = ["--home", str(home), "gis", "export", "--format", "gpkg", "--out", str(out)]
    assert main([*args, "--include", "confidential"]) == 3  # the disclosure rule
    err = capsys.readouterr().err
    assert "--plaintext" in err and "--to" in err and "confidential statement" in err
    assert not list(tmp_path.iterdir())  # nothing left behind
    assert main([*args, "--audience", "public", "--include", "restricted"]) == 2
    assert main([*args, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["path"].endswith("x-internal.gpkg") and doc["layers"]["sites"] == 2
    assert main([*args]) == 1  # the target exists now: never overwritten
    assert "already exists" in capsys.readouterr().err


def test_unknown_format_and_missing_folder(
    make_store: Callable[..., Store], tmp_path: Path
) -> None:
    store = make_store()
    with pytest.raises(GisError):
        export_gis(store, "shp", tmp_path / "x")
    with pytest.raises(GisError):
        export_gis(store, "kml", tmp_path / "no" / "x")


def test_full_disk_is_a_clear_error_and_leaves_nothing(
    exported: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from fieldkit import gis

    real = gis.WRITERS["kml"]

    def full_disk(*args: object, **kw: object) -> None:
        real(*args, **kw)  # the file is written, then the disk "fills"
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setitem(gis.WRITERS, "kml", full_disk)
    store = Store.open(exported["home"])
    try:
        with pytest.raises(GisError) as e:
            export_gis(store, "kml", tmp_path / "x")
    finally:
        store.close()
    assert "No space left on device" in str(e.value) and "x-internal.kml" in str(e.value)
    assert list(tmp_path.iterdir()) == []
