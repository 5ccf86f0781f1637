"""OGC GeoPackage for QGIS: one table per layer, EPSG:4326, through GDAL (pyogrio).

Each layer goes to GDAL in one vectorised call (WKB geometries from shapely and one
NumPy array per column), not a feature at a time.
"""

from __future__ import annotations

from typing import Any

from fieldkit.gis.layers import Layer
from fieldkit.gis.sinks import Sink
from fieldkit.progress import check_cancel


def _column(raw: list[Any], typ: str) -> tuple[Any, Any]:
    """(values, null mask) for one column, as GDAL wants them."""
    import numpy as np

    mask = np.fromiter((x is None or x == "" for x in raw), dtype=bool, count=len(raw))
    if typ == "int":
        arr = np.fromiter(
            (0 if m else int(x) for x, m in zip(raw, mask, strict=True)),
            dtype="int64",
            count=len(raw),
        )
    elif typ == "float":
        arr = np.fromiter(
            (0.0 if m else float(x) for x, m in zip(raw, mask, strict=True)),
            dtype="float64",
            count=len(raw),
        )
    else:
        arr = np.array(
            [None if m else str(x) for x, m in zip(raw, mask, strict=True)], dtype=object
        )
    return arr, mask


def write_gpkg(sink: Sink, layers: list[Layer], meta: dict[str, Any], ctx: Any) -> None:
    """One table per layer, EPSG:4326; metadata in gpkg_metadata (GeoPackage 1.2)."""
    import numpy as np
    import pyogrio.raw
    import shapely

    with sink.file(ctx.stem + ("" if ctx.stem.endswith(".gpkg") else ".gpkg")) as path:
        for n, layer in enumerate(layers):
            check_cancel(ctx.cancel)
            rows = [(v, g) for v, g in layer.rows if g is not None]
            if not rows:
                wkb = np.array([], dtype=object)
            elif layer.geometry_type == "Point":
                xy = np.array([g for _v, g in rows], dtype="float64").reshape(-1, 2)
                wkb = shapely.to_wkb(shapely.points(xy[:, 0], xy[:, 1]))
            else:
                polygons = np.array([shapely.Polygon(g[0], g[1:]) for _v, g in rows], dtype=object)
                wkb = shapely.to_wkb(polygons)
            field_data, masks = [], []
            for name, typ in layer.columns:
                arr, mask = _column([v.get(name) for v, _g in rows], typ)
                field_data.append(arr)
                masks.append(mask)
            pyogrio.raw.write(
                str(path),
                wkb,
                field_data,
                layer.column_names,
                field_mask=masks,
                layer=layer.name,
                driver="GPKG",
                geometry_type=layer.geometry_type,
                crs="EPSG:4326",
                encoding="UTF-8",
                append=n > 0,
                # GeoPackage 1.2: what QGIS and GDAL releases of recent years all read fully.
                dataset_options={"VERSION": "1.2"} if n == 0 else None,
                dataset_metadata={k: str(v) for k, v in meta.items() if v is not None}
                if n == 0
                else None,
                layer_metadata={"audience": meta["audience"], "title": meta["title"]},
            )
