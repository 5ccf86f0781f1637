"""The GIS layers (sites, remnants, photos, footprints) as flat tables, from an audience view.

One table shape feeds every format, so a column means the same in GeoJSON, KML, GPX,
GeoPackage and CSV. Column names are the field names of :mod:`fieldkit.records` (the
GeoJSON/OGC habit of snake_case attribute names); lists are joined with ``"; "``; every
name of a site is kept with its language (``names`` and one ``name_<lang>`` column per
language). Coordinates are WGS 84 decimal degrees, longitude first in geometries.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fieldkit import records
from fieldkit.audience import PUBLIC_DROP, OutputView

_SCALARS = frozenset({str, int, float, bool})
# (lon, lat) for a Point; a list of closed rings of (lon, lat) for a Polygon; or None.
Geometry = Any


@dataclass
class Layer:
    """One layer: ``columns`` (name, type: str|int|float) and rows of (values, geometry).

    ``geometry_type`` is ``Point`` (geometry ``(lon, lat)``) or ``Polygon`` (geometry a
    list of rings, each a closed list of ``(lon, lat)``).
    """

    name: str
    geometry_type: str
    columns: list[tuple[str, str]] = field(default_factory=list)
    rows: list[tuple[dict[str, Any], Geometry]] = field(default_factory=list)
    title_column: str = "name"

    @property
    def column_names(self) -> list[str]:
        return [c for c, _t in self.columns]


def _type_of(f: records.Field) -> str:
    return {"int": "int", "float": "float"}.get(f.type, "str")


def _kind_columns(
    kind: records.Kind, view: OutputView, skip: Sequence[str] = ()
) -> list[tuple[str, str]]:
    dropped = set(PUBLIC_DROP.get(kind.name, ())) if view.audience.public else set()
    return [
        (f.name, _type_of(f))
        for f in kind.fields
        if f.name not in dropped and f.name not in skip and f.type != "ref"
    ]


def flat(value: Any) -> Any:
    """A value as one cell: lists joined with "; ", names as NAME (lang)."""
    if value is None or value.__class__ in _SCALARS:
        return value
    if isinstance(value, list):
        return "; ".join(name_text(v) if isinstance(v, dict) else str(v) for v in value)
    if isinstance(value, dict):
        return name_text(value)
    return value


def name_text(name: dict[str, Any]) -> str:
    return f"{name['name']} ({name['lang']})" if name.get("lang") else str(name["name"])


def site_names(site: dict[str, Any]) -> list[dict[str, str]]:
    """Every name of a site, the main one first: ``[{"name": …, "lang": …}]``."""
    out = [{"name": site["name"], **({"lang": site["name_lang"]} if site.get("name_lang") else {})}]
    return out + list(site.get("other_names") or [])


def _languages(sites: list[dict[str, Any]]) -> list[str]:
    langs: set[str] = set()
    for s in sites:
        langs.update(n["lang"] for n in site_names(s) if n.get("lang"))
    return sorted(langs)


def _id_columns(view: OutputView) -> list[tuple[str, str]]:
    return [("ref", "str")] if view.audience.public else [("id", "str")]


def _ref(row: dict[str, Any], view: OutputView) -> dict[str, Any]:
    return {"ref": row["ref"]} if view.audience.public else {"id": row["ref"]}


def _point(rec: dict[str, Any]) -> Geometry:
    if rec.get("lat") is None or rec.get("lon") is None:
        return None
    return (float(rec["lon"]), float(rec["lat"]))


def sites_layer(view: OutputView) -> Layer:
    langs = _languages(view.sites)
    extra = [("position_generalised_m", "int")] if view.audience.public else []
    columns = [
        *_id_columns(view),
        ("case", "str"),
        ("name", "str"),
        ("name_lang", "str"),
        ("names", "str"),
        *[(f"name_{lang}", "str") for lang in langs],
        *_kind_columns(records.SITE, view, skip=("name", "name_lang", "other_names")),
        *extra,
        ("audience", "str"),
    ]
    if not view.audience.public:
        columns.insert(-1, ("conflict", "str"))
    case_title = {c["ref"]: c.get("title") for c in view.cases}
    layer = Layer("sites", "Point", columns)
    for s in view.sites:
        names = site_names(s)
        values: dict[str, Any] = {
            **_ref(s, view),
            "case": case_title.get(s["case_ref"]),
            "names": " | ".join(name_text(n) for n in names),
            "audience": view.audience.name,
        }
        for lang in langs:
            values[f"name_{lang}"] = "; ".join(n["name"] for n in names if n.get("lang") == lang)
        for name, _t in columns:
            if name not in values:
                values[name] = flat(s.get(name))
        if "conflict" in values:
            values["conflict"] = "yes" if s.get("conflict") else "no"
        layer.rows.append((values, _point(s)))
    return layer


def remnants_layer(view: OutputView) -> Layer:
    extra = [("position_generalised_m", "int")] if view.audience.public else []
    columns = [
        *_id_columns(view),
        ("name", "str"),
        ("site", "str"),
        ("site_ref" if view.audience.public else "site_id", "str"),
        ("designation", "str"),
        ("catalogue_category", "str"),
        ("catalogue_description", "str"),
        *_kind_columns(records.REMNANT, view),
        *extra,
        ("audience", "str"),
    ]
    layer = Layer("remnants", "Point", columns)
    for r in view.remnants:
        label = r.get("designation") or r.get("munition_type") or r.get("category")
        values: dict[str, Any] = {
            **_ref(r, view),
            "name": f"{label} ({r.get('category')})" if label != r.get("category") else label,
            "site": r.get("site_name"),
            ("site_ref" if view.audience.public else "site_id"): r["site_ref"],
            "audience": view.audience.name,
        }
        for name, _t in columns:
            if name not in values:
                values[name] = flat(r.get(name))
        layer.rows.append((values, _point(r)))
    return layer


PHOTO_FIELDS = (
    "file_name",
    "sha256",
    "mime",
    "captured_utc",
    "time_source",
    "captured_local",
    "utc_offset",
    "clock_error_s",
    "lat",
    "lon",
    "alt",
    "direction",
    "position_source",
    "position_accuracy_m",
    "make",
    "model",
    "serial",
    "width",
    "height",
)


def photos_layer(view: OutputView) -> Layer:
    """Media with a position (photos, and videos that carry one)."""
    dropped = set(PUBLIC_DROP["media"]) if view.audience.public else set()
    by_name = records.MEDIA.by_name
    extra = [("position_generalised_m", "int")] if view.audience.public else []
    columns = [
        *_id_columns(view),
        ("name", "str"),
        *[(n, _type_of(by_name[n])) for n in PHOTO_FIELDS if n not in dropped],
        ("caption", "str"),
        ("linked_to", "str"),
        *extra,
        ("audience", "str"),
    ]
    layer = Layer("photos", "Point", columns)
    for m in view.media:
        geometry = _point(m)
        if geometry is None:
            continue
        captions = [m.get("caption")] + [lk.get("caption") for lk in m["links"]]
        values: dict[str, Any] = {
            **_ref(m, view),
            "name": m["ref"] if view.audience.public else (m.get("file_name") or m["ref"]),
            "caption": " / ".join(dict.fromkeys(c for c in captions if c)) or None,
            "linked_to": "; ".join(f"{lk['target_kind']} {lk['target_ref']}" for lk in m["links"])
            or None,
            "audience": view.audience.name,
        }
        for name, _t in columns:
            if name not in values:
                values[name] = flat(m.get(name))
        layer.rows.append((values, geometry))
    return layer


def statements_layer(view: OutputView) -> Layer:
    """Statements placed at their site (statements without a site are not in a GIS file).

    The text columns are empty where the audience may not read them (``text_withheld``
    says at which sensitivity); in public the witness code is the release label.
    """
    dropped = set(PUBLIC_DROP["statement"]) if view.audience.public else set()
    columns = [
        *_id_columns(view),
        ("name", "str"),
        ("site", "str"),
        *_kind_columns(records.STATEMENT, view),
    ]
    if view.audience.public:
        columns.insert(2, ("label", "str"))
    else:
        columns.append(("text_withheld", "str"))
    columns.append(("audience", "str"))
    columns = [c for c in columns if c[0] not in dropped or c[0] == "ref"]
    site_by_ref = {s["ref"]: s for s in view.sites}
    layer = Layer("statements", "Point", columns)
    for st in view.statements:
        site = site_by_ref.get(st.get("site_ref") or "")
        if site is None or _point(site) is None:
            continue
        values: dict[str, Any] = {
            **_ref(st, view),
            "name": st.get("label") or st.get("witness_code"),
            "site": site.get("name"),
            "audience": view.audience.name,
        }
        for name, _t in columns:
            if name not in values:
                values[name] = flat(st.get(name))
        layer.rows.append((values, _point(site)))
    return layer


#: site ref -> the map package's footprint of that site (as ``site_footprint`` gives it)
Footprints = Mapping[str, dict[str, Any]]


def view_footprints(view: OutputView) -> Footprints | None:
    """The footprint of every site of ``view``, from the remnants ``view`` holds, in one
    pass (:func:`fieldkit.map.footprint.footprints_from_remnants`); None without the map
    package.

    From the view, not the store: a public footprint is drawn only from published
    remnants, and one call replaces a query per site.
    """
    try:
        from fieldkit.map.footprint import footprints_from_remnants
    except ImportError:
        return None
    rows = [
        (r["ref"], r["site_ref"], r.get("category"), r.get("lat"), r.get("lon"), r.get("count"))
        for r in view.remnants
    ]
    return {fp["site"]: fp for fp in footprints_from_remnants(rows)}


def footprints_layer(view: OutputView, footprints: Footprints | None) -> Layer | None:
    """Polygons of strike footprints (from the map package) or None when it is not there."""
    if footprints is None:
        return None
    columns = [
        *_id_columns(view),
        ("name", "str"),
        ("area_m2", "float"),
        ("length_m", "float"),
        ("width_m", "float"),
        ("axis_bearing_deg", "float"),
        ("points", "int"),
        ("method", "str"),
        ("audience", "str"),
    ]
    layer = Layer("footprints", "Polygon", columns)
    generalised = {r["site_ref"] for r in view.remnants if r.get("position_generalised_m")}
    for s in view.sites:
        if s.get("position_generalised_m") or s["ref"] in generalised:
            continue  # the outline of remnants at a sensitive place would give it away
        fp = footprints.get(s["ref"])
        # a footprint with no area is a LineString or a Point, one across the antimeridian
        # a MultiPolygon: this layer holds Polygons only
        if not fp or (fp.get("polygon") or {}).get("type") != "Polygon":
            continue
        rings = [
            [(float(x), float(y)) for x, y, *_ in ring] for ring in fp["polygon"]["coordinates"]
        ]
        values = {
            **_ref(s, view),
            "name": s.get("name"),
            "area_m2": fp.get("area_m2"),
            "length_m": fp.get("length_m"),
            "width_m": fp.get("width_m"),
            "axis_bearing_deg": fp.get("axis_bearing_deg"),
            "points": fp.get("points"),
            "method": fp.get("method"),
            "audience": view.audience.name,
        }
        layer.rows.append((values, rings))
    return layer


def all_layers(view: OutputView, footprints: Footprints | None = None) -> list[Layer]:
    layers = [sites_layer(view), remnants_layer(view), photos_layer(view), statements_layer(view)]
    fp = footprints_layer(view, footprints)
    if fp is not None and fp.rows:  # no footprint in the case: no empty layer
        layers.append(fp)
    return layers
