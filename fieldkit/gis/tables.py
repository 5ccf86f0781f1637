"""GeoJSON and CSV: one file per layer, streamed a feature (a row) at a time."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from fieldkit.gis.layers import Layer
from fieldkit.gis.sinks import Sink
from fieldkit.progress import check_cancel

# Features are encoded a batch at a time: one json.dumps per feature is C-accelerated,
# one write per batch keeps the file calls few, and memory stays flat.
BATCH = 1000


def geojson_geometry(layer: Layer, geometry: Any) -> dict[str, Any] | None:
    if geometry is None:
        return None
    if layer.geometry_type == "Point":
        return {"type": "Point", "coordinates": [geometry[0], geometry[1]]}
    return {"type": "Polygon", "coordinates": [[[x, y] for x, y in ring] for ring in geometry]}


def write_geojson(sink: Sink, layers: list[Layer], meta: dict[str, Any], ctx: Any) -> None:
    """RFC 7946: WGS 84 lon/lat, no ``crs`` member; ``fieldkit`` is a foreign member (§6.1)."""
    tag = ctx.view.audience.tag
    for layer in layers:
        check_cancel(ctx.cancel)
        head = {
            "type": "FeatureCollection",
            "name": layer.name,
            "fieldkit": {**meta, "layer": layer.name},
        }
        columns = layer.column_names
        with sink.open(f"{layer.name}-{tag}.geojson") as f:
            text = json.dumps(head, ensure_ascii=False, separators=(",", ":"))
            f.write(text[:-1].encode("utf-8") + b',"features":[')
            batch: list[str] = []
            first = True
            for values, geometry in layer.rows:
                feature = {
                    "type": "Feature",
                    "geometry": geojson_geometry(layer, geometry),
                    "properties": {c: values.get(c) for c in columns},
                }
                batch.append(json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
                if len(batch) == BATCH:
                    f.write((b"" if first else b",") + ",".join(batch).encode("utf-8"))
                    first = False
                    batch = []
                    check_cancel(ctx.cancel)
            if batch:
                f.write((b"" if first else b",") + ",".join(batch).encode("utf-8"))
            f.write(b"]}")


def wkt(rings: list[list[tuple[float, float]]]) -> str:
    return (
        "POLYGON ("
        + ", ".join("(" + ", ".join(f"{x!r} {y!r}" for x, y in ring) + ")" for ring in rings)
        + ")"
    )


def _cell(value: Any) -> Any:
    return "" if value is None else value


def write_csv(sink: Sink, layers: list[Layer], meta: dict[str, Any], ctx: Any) -> None:
    """RFC 4180 with CRLF row ends, UTF-8 with a BOM so Excel picks the right encoding."""
    tag = ctx.view.audience.tag
    for layer in layers:
        check_cancel(ctx.cancel)
        polygon = layer.geometry_type == "Polygon"
        columns = layer.column_names + (["wkt"] if polygon else [])
        with (
            sink.open(f"{layer.name}-{tag}.csv") as raw,
            io.TextIOWrapper(raw, encoding="utf-8-sig", newline="", write_through=False) as f,
        ):
            w = csv.writer(f)
            w.writerow(columns)
            names = layer.column_names
            for values, geometry in layer.rows:
                row = [_cell(values.get(c)) for c in names]
                if polygon:
                    row.append(wkt(geometry) if geometry else "")
                w.writerow(row)
    about = "\n".join(f"{k}: {v}" for k, v in meta.items() if v is not None)
    with sink.open(f"README-{tag}.txt") as f:
        f.write((about + "\n").encode("utf-8"))
