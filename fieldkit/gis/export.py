"""``export_gis``: the layers of a case, for an audience, in one format, plain or encrypted."""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fieldkit import __version__, disclosure
from fieldkit.audience import Audience, OutputView, build_view, tagged_path
from fieldkit.errors import FieldkitError
from fieldkit.gis.gpkg import write_gpkg
from fieldkit.gis.gpx import write_gpx
from fieldkit.gis.kml import write_kml, write_kmz
from fieldkit.gis.layers import Layer, all_layers, view_footprints
from fieldkit.gis.sinks import FileSink, FolderSink, Sink, StreamSink, ZipSink
from fieldkit.gis.tables import write_csv, write_geojson
from fieldkit.progress import CancelToken, ProgressFn, check_cancel

if TYPE_CHECKING:
    from fieldkit.store import Store

FORMATS = ("geojson", "kml", "kmz", "gpx", "gpkg", "csv")
SUFFIX = {"kml": ".kml", "kmz": ".kmz", "gpx": ".gpx", "gpkg": ".gpkg"}
FOLDER_FORMATS = ("geojson", "csv")
AGE_SUFFIX = ".age"

#: format -> writer(sink, layers, metadata, context)
WRITERS: dict[str, Callable[[Sink, list[Layer], dict[str, Any], WriteContext], None]] = {
    "geojson": write_geojson,
    "csv": write_csv,
    "kml": write_kml,
    "kmz": write_kmz,
    "gpx": write_gpx,
    "gpkg": write_gpkg,
}


class GisError(FieldkitError):
    """A GIS export that cannot be written (bad format, unwritable path)."""


@dataclass
class GisReport:
    """What an export wrote; ``carries`` is :meth:`fieldkit.disclosure.Disclosure.to_json`."""

    format: str
    path: Path
    audience: dict[str, Any]
    layers: dict[str, int] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    held_back: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    carries: dict[str, Any] = field(default_factory=dict)
    #: age recipients (age1…) the output is encrypted to; empty for a plain output.
    recipients: list[str] = field(default_factory=list)

    @property
    def encrypted(self) -> bool:
        return bool(self.recipients)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "path": str(self.path),
            **self.audience,
            "layers": self.layers,
            "files": self.files,
            "encrypted": self.encrypted,
            "recipients": self.recipients,
            "carries": self.carries,
            "held_back": self.held_back,
            "notes": self.notes,
        }


@dataclass
class WriteContext:
    """What a writer may need besides the layers (``stem``: the output's plain name)."""

    store: Store
    view: OutputView
    report: GisReport
    stem: str
    cancel: CancelToken | None = None
    progress: ProgressFn | None = None


def _strip(name: str, *suffixes: str) -> str:
    for suffix in suffixes:
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
    return name


def audience_path(out: Path, audience: Audience, fmt: str, *, encrypted: bool = False) -> Path:
    """``out`` with the audience in its name (``case.gpkg`` → ``case-internal.gpkg``);
    folder formats end in the format (``case-internal-csv``). Encrypted, ``.age`` is
    added, and a folder format becomes a zip first (``case-internal-csv.zip.age``)."""
    folder = fmt if fmt in FOLDER_FORMATS else ""
    out = out.with_name(_strip(out.name, AGE_SUFFIX, ".zip")) if out.name else out
    plain = tagged_path(out, audience, SUFFIX.get(fmt, ""), folder)
    if not encrypted:
        return plain
    return plain.with_name(plain.name + (".zip" if folder else "") + AGE_SUFFIX)


def footprint_function() -> Callable[..., Any] | None:
    """The map package's ``site_footprint(store, site_id)``, or None without the map package.

    Shared by the GIS footprints layer and the report's footprints table.
    """
    try:
        import importlib

        fp_module = importlib.import_module("fieldkit.map.footprint")
    except ImportError:
        return None
    fn = getattr(fp_module, "site_footprint", None)
    return fn if callable(fn) else None


def carried_by_layers(view: OutputView, layers: list[Layer]) -> disclosure.Disclosure:
    """The restricted/confidential content the layers hold: statements whose text is in
    the statements layer, media in the photos layer (a KMZ embeds their thumbnails)."""
    present = {
        str(values.get("id") or values.get("ref"))
        for layer in layers
        if layer.name in ("statements", "photos")
        for values, _g in layer.rows
    }
    return disclosure.carried_by_view(
        (st for st in view.statements if str(st["ref"]) in present),
        (m for m in view.media if str(m["ref"]) in present),
    )


def export_gis(
    store: Store,
    fmt: str,
    out: Path,
    *,
    audience: Audience | None = None,
    case_id: str | None = None,
    recipients: Sequence[str] = (),
    plaintext: bool = False,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> GisReport:
    """Write the GIS layers of a case (or of all cases) in ``fmt`` for ``audience``.

    ``recipients`` (trusted colleagues' key fingerprints or identities, or ``age1…``
    recipients) encrypt the output with age: ``FILE.age``, a folder format as
    ``FOLDER.zip.age``. The store's rule for outputs (:mod:`fieldkit.disclosure`): when
    the layers carry restricted or confidential content (``--include``), the output must
    be encrypted to a trusted colleague or ``plaintext`` asked for; ``report.carries``
    says what it carries either way.

    Raises :class:`GisError` for an unknown format or a target that exists,
    :class:`~fieldkit.disclosure.DisclosureRefused` (nothing written),
    :class:`~fieldkit.disclosure.RecipientError`, :class:`~fieldkit.errors.Cancelled`.
    """
    if fmt not in FORMATS:
        raise GisError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    audience = audience or Audience()
    age = disclosure.resolve_recipients(store.keys_dir, recipients)
    target = audience_path(Path(out), audience, fmt, encrypted=bool(age))
    if target.exists() or target.is_symlink():
        raise GisError(f"{target} already exists; choose another --out or remove it")
    if not target.parent.is_dir():
        raise GisError(f"{target.parent} is not a folder")
    view = build_view(store, audience, case_id=case_id, cancel=cancel)
    layers = all_layers(view, view_footprints(view))
    carried = carried_by_layers(view, layers)
    disclosure.check_output(
        carried,
        trusted_recipients=len(disclosure.trusted_recipients(store.keys_dir, [r for r, _ in age])),
        plaintext=plaintext,
        output=f"the {fmt} export",
        encrypt_hint="--to FINGERPRINT of a trusted colleague",
    )
    report = GisReport(
        fmt,
        target,
        audience.to_json(),
        layers={layer.name: len(layer.rows) for layer in layers},
        held_back=view.held_back,
        carries=carried.to_json(),
        recipients=[r for r, _ in age],
    )
    if "footprints" not in report.layers and footprint_function() is None:
        report.notes.append("no footprints layer: the map package is not installed")
    plain = audience_path(Path(out), audience, fmt)
    ctx = WriteContext(store, view, report, plain.name, cancel, progress)
    _write(WRITERS[fmt], target, fmt, layers, _metadata(view, case_id), ctx, age)
    if target.is_dir():
        report.files = sorted(p.name for p in target.iterdir())
    else:
        report.files = [target.name]
    return report


def _write(
    writer: Callable[..., None],
    target: Path,
    fmt: str,
    layers: list[Layer],
    meta: dict[str, Any],
    ctx: WriteContext,
    age: list[tuple[str, Any]],
) -> None:
    """Write under a temporary name, rename into place when complete; on any failure
    remove what was written (a half-written file must never look finished)."""
    from fieldkit.fsutil import fsync_dir

    temp = target.with_name(f".{target.name}.partial-{secrets.token_hex(4)}")
    try:
        if age:
            with open(temp, "xb") as f:
                with disclosure.encrypting(f, [r for _, r in age]) as stream:
                    sink: Sink = (
                        ZipSink(stream, ctx.stem) if fmt in FOLDER_FORMATS else StreamSink(stream)
                    )
                    writer(sink, layers, meta, ctx)
                    sink.close()
                f.flush()
                os.fsync(f.fileno())
        else:
            sink = FolderSink(temp) if fmt in FOLDER_FORMATS else FileSink(temp)
            writer(sink, layers, meta, ctx)
            sink.close()
        check_cancel(ctx.cancel)
        os.replace(temp, target)
        fsync_dir(target.parent)
    except BaseException as exc:
        if temp.is_dir():
            shutil.rmtree(temp, ignore_errors=True)
        else:
            temp.unlink(missing_ok=True)
        if isinstance(exc, OSError):  # a full disk, a read-only folder: say which, keep nothing
            raise GisError(f"cannot write {target}: {exc.strerror or exc}") from exc
        raise


def _metadata(view: OutputView, case_id: str | None) -> dict[str, Any]:
    case = view.cases[0] if case_id and view.cases else None
    title = (case or {}).get("title") or "all cases"
    return {
        "title": f"{title} — FieldKit GIS export ({view.audience.tag})",
        "audience": view.audience.name,
        "include": view.audience.include,
        "audience_note": view.audience.describe(),
        "generalise_m": view.audience.grid_m if view.audience.public else None,
        "case": title,
        "generator": f"FieldKit {__version__}",
        "crs": "EPSG:4326 (WGS 84, decimal degrees)",
    }
