"""Who an output is for, and so what it may carry: the one place that decides.

Every output that leaves the store as a file for people to read (GIS files, the case
report, the public release) is written for an *audience* and takes its records from
:func:`build_view`, never from the store directly, so the rules below hold for all of
them at once:

``internal`` (the default)
    Everything the store holds (retracted records excepted), except the *text*
    (summary, quotes) of statements whose sensitivity is above what ``include`` allows,
    and media whose sensitivity is above it (``include`` is ``None``, ``"restricted"``
    or ``"confidential"``; including confidential includes restricted). Witness codes,
    interviewers and camera serials stay: it is the team's own view.

``public``
    Exactly what the public release publishes (issue 16), nothing is public by default:

    - only sites, remnants, statements and media whose ``release`` is ``yes``; a remnant
      only with its site, a statement only if its site (when it has one) is published;
    - a statement only if its sensitivity is ``public`` *and* its consent allows
      publication (``named`` or ``anonymous``); ``withdrawn`` never;
    - witness codes replaced by release labels ("Witness 1", "Witness 2"…) that never
      equal an internal code; no interviewer;
    - positions of records marked ``sensitive_position`` (and of what lies at them:
      their remnants, their photos) snapped to the nearest node of an N-metre grid in
      the point's UTM zone (default 100 m), so the published point is within N·√2/2 of
      the real one; the address of such a site is left out;
    - no camera make, model, lens or serial; no original file name, no evidence
      SHA-256 and no internal record id (the link from a published item back to the
      evidence stays private, in the journal);
    - what was marked for release but held back is listed with the reason, so a person
      sees it before anything leaves.

Records in the view are plain dicts; each has a ``ref`` (the record id internally, a
public reference such as ``S1`` in public) and refers to others by those refs. ``_id``
holds the internal id for the code that builds an output (e.g. to find a photo's pixels);
no writer may put a key starting with ``_`` into a file.

Why one module over 500 lines: it is the one place that decides what an output may carry,
and its rules are meant to be read and reviewed together (a reviewer asking "can a
witness code reach a public file?" reads this file and no other); :func:`build_view`
applies them all in one pass over the store. The position rules it depends on (UTM zone,
grid snapping) are 40 lines here rather than a module of their own for the same reason.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fieldkit import catalogue
from fieldkit.errors import FieldkitError, ValidationError
from fieldkit.progress import CancelToken, ProgressFn, check_cancel

if TYPE_CHECKING:
    from fieldkit.store import Store

INTERNAL = "internal"
PUBLIC = "public"
AUDIENCES = (INTERNAL, PUBLIC)
SENSITIVITIES = ("public", "restricted", "confidential")  # in rising order
INCLUDE_CHOICES = ("restricted", "confidential")
PUBLISHABLE_CONSENTS = ("named", "anonymous")
DEFAULT_GRID_M = 100
RELEASE_LABEL = "Witness {n}"

# Statement fields that carry what a witness said: withheld below the audience's level.
STATEMENT_TEXT = ("summary", "quotes")
# Never in a public output (issue 16: no interviewer, no witness code, no camera serial).
PUBLIC_DROP = {
    "site": ("id", "case_id", "release", "sensitive_position", "conflict"),
    "remnant": ("id", "site_id", "release", "sensitive_position", "conflict"),
    "statement": ("id", "case_id", "site_id", "witness_code", "interviewer", "release", "consent"),
    "media": (
        "id",
        "sha256",
        "file_name",
        "serial",
        "make",
        "model",
        "lens",
        "warnings",
        "release",
        "clock_error_s",
        "gps_utc",
        "captured_local",
        "utc_offset",
        "size",
        "conflict",
        "sensitivity",
        "redactions",
    ),
}
# Bookkeeping columns of the projection that no output needs.
META = frozenset(
    {
        "kind",
        "retracted",
        "retract_reason",
        "heads",
        "conflicts",
        "events",
        "created_at",
        "updated_at",
        "created_by_device",
    }
)


class AudienceError(FieldkitError):
    """An output request that breaks the audience rules (e.g. public with --include)."""

    exit_code = 2


@dataclass(frozen=True)
class Audience:
    """Whom an output is for: ``name`` (internal or public), ``include`` and the grid.

    ``include`` is the highest statement/media sensitivity whose content is carried
    (internal only); ``grid_m`` the generalisation grid in metres (public only).
    """

    name: str = INTERNAL
    include: str | None = None
    grid_m: int = DEFAULT_GRID_M

    def __post_init__(self) -> None:
        if self.name not in AUDIENCES:
            raise AudienceError(f"unknown audience {self.name!r}; one of {', '.join(AUDIENCES)}")
        if self.include is not None and self.include not in INCLUDE_CHOICES:
            raise AudienceError(f"--include {self.include!r}: one of {', '.join(INCLUDE_CHOICES)}")
        if self.name == PUBLIC and self.include is not None:
            raise AudienceError(
                "a public output never carries restricted or confidential content; "
                "--include works only with --audience internal"
            )
        if not (1 <= self.grid_m <= 100_000):
            raise AudienceError(f"grid {self.grid_m} m: choose 1 to 100000 metres")

    @property
    def public(self) -> bool:
        return self.name == PUBLIC

    def allows(self, sensitivity: str | None) -> bool:
        """Whether content of this sensitivity (None counts as public) may be carried."""
        level = SENSITIVITIES.index(sensitivity) if sensitivity in SENSITIVITIES else 0
        ceiling = SENSITIVITIES.index(self.include) if self.include else 0
        return level <= ceiling

    @property
    def tag(self) -> str:
        """The audience as it appears in file names: ``internal``, ``public``,
        ``internal-restricted``, ``internal-confidential``."""
        return self.name + (f"-{self.include}" if self.include else "")

    def describe(self) -> str:
        if self.public:
            return (
                "PUBLIC: only what was marked for release; witness codes replaced, "
                f"sensitive positions generalised to a {self.grid_m} m grid"
            )
        if self.include:
            return f"INTERNAL, including {self.include} content: do not share"
        return "INTERNAL: restricted and confidential statement text left out"

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"audience": self.name, "include": self.include}
        if self.public:
            doc["generalise_m"] = self.grid_m
        return doc


@dataclass
class OutputView:
    """The records an output may carry, already filtered and redacted for its audience."""

    audience: Audience
    cases: list[dict[str, Any]] = field(default_factory=list)
    sites: list[dict[str, Any]] = field(default_factory=list)
    remnants: list[dict[str, Any]] = field(default_factory=list)
    statements: list[dict[str, Any]] = field(default_factory=list)
    media: list[dict[str, Any]] = field(default_factory=list)
    # Marked release: yes (or asked for) but held back, with the reason: {kind, id, reason}.
    held_back: list[dict[str, Any]] = field(default_factory=list)
    withheld_text: int = 0  # statements whose text was left out for this audience
    withheld_media: int = 0  # media left out for their sensitivity
    # The highest sensitivity of content actually carried: public, restricted, confidential.
    carries: str = "public"
    # The newest journal time (UTC, ISO 8601) among the records carried: an output's date.
    as_of: str | None = None

    def counts(self) -> dict[str, int]:
        return {
            "cases": len(self.cases),
            "sites": len(self.sites),
            "remnants": len(self.remnants),
            "statements": len(self.statements),
            "media": len(self.media),
        }

    def summary(self) -> dict[str, Any]:
        return {
            **self.audience.to_json(),
            "counts": self.counts(),
            "carries": self.carries,
            "withheld_text": self.withheld_text,
            "withheld_media": self.withheld_media,
            "held_back": self.held_back,
        }


def tagged_path(out: Path, audience: Audience, suffix: str = "", folder: str = "") -> Path:
    """``out`` with the audience in its name: ``case.pdf`` → ``case-internal.pdf``.

    A name that already says its audience (``case-public.pdf``) is kept; a missing
    ``suffix`` is added; a folder output gets ``-<folder>`` (``case-internal-csv``).
    """
    name = out.name
    stem = name[: -len(suffix)] if suffix and name.lower().endswith(suffix) else name
    if not re.search(rf"(^|[-_. ]){re.escape(audience.tag)}($|[-_. ])", stem.lower()):
        stem = f"{stem}-{audience.tag}"
    if folder and not re.search(rf"(^|[-_. ]){folder}$", stem.lower()):
        stem = f"{stem}-{folder}"
    return out.with_name(stem + suffix)


# --- positions ---------------------------------------------------------------------------


def utm_epsg(lat: float, lon: float) -> int:
    """The EPSG code of the WGS 84 / UTM zone of a point (326zz north, 327zz south).

    Zones are 6° wide from 180° W (the standard numbering; the Norway and Svalbard
    exceptions are not applied: any zone gives a valid grid, this one is reproducible).
    """
    zone = min(60, max(1, math.floor((lon + 180.0) / 6.0) + 1))
    return (32600 if lat >= 0 else 32700) + zone


@lru_cache(maxsize=16)
def _transformers(epsg: int) -> tuple[Any, Any]:
    from pyproj import Transformer

    forward = Transformer.from_crs("EPSG:4326", f"EPSG:{epsg}", always_xy=True)
    back = Transformer.from_crs(f"EPSG:{epsg}", "EPSG:4326", always_xy=True)
    return forward, back


def generalise(lat: float, lon: float, grid_m: int = DEFAULT_GRID_M) -> tuple[float, float]:
    """``(lat, lon)`` snapped to the nearest node of a ``grid_m``-metre grid in its UTM zone.

    The node is at most grid_m·√2/2 metres (in UTM grid distance) from the point. Same
    input, same output, so a published position cannot be averaged back over releases.
    """
    forward, back = _transformers(utm_epsg(lat, lon))
    easting, northing = forward.transform(lon, lat)
    easting = round(easting / grid_m) * grid_m
    northing = round(northing / grid_m) * grid_m
    out_lon, out_lat = back.transform(easting, northing)
    return float(out_lat), float(out_lon)


# --- release labels ----------------------------------------------------------------------


def _fold(code: str) -> str:
    return " ".join(str(code).split()).casefold()


def release_labels(ordered_ids: Iterable[str], internal_codes: Iterable[str]) -> dict[str, str]:
    """ "Witness 1", "Witness 2"… for statements in the given order, skipping any label
    that equals (ignoring case and spacing) a witness code used anywhere in the store,
    so a published label can never be mistaken for, or reveal, an internal code."""
    taken = {_fold(c) for c in internal_codes if c}
    labels: dict[str, str] = {}
    n = 0
    for sid in ordered_ids:
        n += 1
        while _fold(RELEASE_LABEL.format(n=n)) in taken:
            n += 1
        labels[sid] = RELEASE_LABEL.format(n=n)
    return labels


# --- the view ----------------------------------------------------------------------------


def _is_yes(value: Any) -> bool:
    return value == "yes"


def _clean(record: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in META}


def _newest(view: OutputView, record: Mapping[str, Any]) -> None:
    when = record.get("updated_at")
    if when and (view.as_of is None or when > view.as_of):
        view.as_of = when


def _designations(store: Store) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for m in catalogue.entries(store):
        for name in (m["designation"], *(m.get("aliases") or [])):
            found.setdefault(" ".join(name.split()).casefold(), m)
    return found


def catalogue_entry(
    designations: Mapping[str, Mapping[str, Any]], munition_type: str | None
) -> Mapping[str, Any] | None:
    """The catalogue entry a remnant's munition type names, or None for free text."""
    if not munition_type:
        return None
    return designations.get(" ".join(munition_type.split()).casefold())


def build_view(
    store: Store,
    audience: Audience,
    *,
    case_id: str | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> OutputView:
    """The records of one case (or all cases) as ``audience`` may see them.

    Raises :class:`~fieldkit.errors.NotFound` for an unknown case id. Order is stable
    (the journal's order), so the same store state gives the same output.
    """
    if case_id is not None:
        store.get(case_id, "case")
    view = OutputView(audience)
    pub = audience.public
    where = {"id": case_id} if case_id else None
    cases = store.find("case", where=where)
    case_ids = {c["id"] for c in cases}
    check_cancel(cancel)
    if progress:
        progress(0, 4, "sites")

    # Sites -------------------------------------------------------------------------
    all_sites = [s for s in store.find("site") if s["case_id"] in case_ids]
    site_by_id: dict[str, dict[str, Any]] = {}
    site_ref: dict[str, str] = {}
    sensitive_sites: set[str] = set()
    for s in all_sites:
        if _is_yes(s.get("sensitive_position")):
            sensitive_sites.add(s["id"])
        if pub and not _is_yes(s.get("release")):
            continue
        site_by_id[s["id"]] = s
    for n, s in enumerate(site_by_id.values(), 1):
        site_ref[s["id"]] = f"S{n}" if pub else s["id"]
    case_ref = {c["id"]: (f"C{n}" if pub else c["id"]) for n, c in enumerate(cases, 1)}
    for c in cases:
        out = _clean(c)
        _newest(view, c)
        out["_id"] = c["id"]
        out["ref"] = case_ref[c["id"]]
        if pub:
            out.pop("id", None)
        view.cases.append(out)
    for s in site_by_id.values():
        out = _clean(s)
        _newest(view, s)
        out["_id"] = s["id"]
        out["ref"] = site_ref[s["id"]]
        out["case_ref"] = case_ref[s["case_id"]]
        if pub:
            _generalise_record(out, audience, s["id"] in sensitive_sites)
            if s["id"] in sensitive_sites:
                out.pop("address", None)
            for name in PUBLIC_DROP["site"]:
                out.pop(name, None)
        view.sites.append(out)
    if pub:
        view.held_back += [
            _held("site", s, "its case is not in this output")
            for s in store.find("site")
            if _is_yes(s.get("release")) and s["case_id"] not in case_ids and case_id is None
        ]

    # Remnants ------------------------------------------------------------------------
    check_cancel(cancel)
    if progress:
        progress(1, 4, "remnants")
    designations = _designations(store)
    remnant_ref: dict[str, str] = {}
    sensitive_remnants: set[str] = set()
    all_site_ids = {s["id"] for s in all_sites}
    for r in store.find("remnant"):
        if r["site_id"] not in all_site_ids:
            continue
        sensitive = _is_yes(r.get("sensitive_position")) or r["site_id"] in sensitive_sites
        if sensitive:
            sensitive_remnants.add(r["id"])
        if pub:
            if not _is_yes(r.get("release")):
                continue
            if r["site_id"] not in site_by_id:
                view.held_back.append(_held("remnant", r, "its site is not marked for release"))
                continue
        ref = f"R{len(remnant_ref) + 1}" if pub else r["id"]
        remnant_ref[r["id"]] = ref
        out = _clean(r)
        _newest(view, r)
        out["_id"] = r["id"]
        out["ref"] = ref
        out["site_ref"] = site_ref[r["site_id"]]
        out["site_name"] = site_by_id[r["site_id"]]["name"]
        entry = catalogue_entry(designations, r.get("munition_type"))
        out["designation"] = entry["designation"] if entry else None
        out["catalogue_category"] = entry.get("category") if entry else None
        out["catalogue_description"] = _describe_munition(entry) if entry else None
        if pub:
            _generalise_record(out, audience, sensitive)
            for name in PUBLIC_DROP["remnant"]:
                out.pop(name, None)
        view.remnants.append(out)

    # Statements ------------------------------------------------------------------------
    check_cancel(cancel)
    if progress:
        progress(2, 4, "statements")
    all_statements = store.find("statement", include_retracted=True)
    chosen = []
    statement_ref: dict[str, str] = {}
    for st in all_statements:
        if st["retracted"] or st["case_id"] not in case_ids:
            continue
        if pub:
            if not _is_yes(st.get("release")):
                continue
            reason = _statement_hold_reason(st, site_by_id)
            if reason:
                view.held_back.append(_held("statement", st, reason))
                continue
        chosen.append(st)
    labels: dict[str, str] = {}
    if pub:
        position = {st["id"]: n for n, st in enumerate(chosen)}  # journal order
        ordered = sorted(chosen, key=lambda s: (s.get("interviewed_at") or "", position[s["id"]]))
        labels = release_labels(
            [s["id"] for s in ordered], [s["witness_code"] for s in all_statements]
        )
        chosen = ordered
    levels = ["public"]
    for st in chosen:
        out = _clean(st)
        _newest(view, st)
        out["_id"] = st["id"]
        out["ref"] = labels.get(st["id"], st["id"])
        out["site_ref"] = site_ref.get(st["site_id"]) if st.get("site_id") else None
        if pub:
            out["label"] = labels[st["id"]]
            for name in PUBLIC_DROP["statement"]:
                out.pop(name, None)
        elif not audience.allows(st.get("sensitivity")):
            for name in STATEMENT_TEXT:
                out[name] = None
            out["text_withheld"] = st.get("sensitivity")
            view.withheld_text += 1
        else:
            levels.append(st.get("sensitivity") or "public")
        statement_ref[st["id"]] = out["ref"]
        view.statements.append(out)

    # Media -----------------------------------------------------------------------------
    check_cancel(cancel)
    if progress:
        progress(3, 4, "media")
    remnant_site = {
        r["id"]: r["site_id"] for r in store.find("remnant") if r["site_id"] in all_site_ids
    }
    in_case = all_site_ids | set(remnant_site) | case_ids | {st["id"] for st in all_statements}
    links_of: dict[str, list[dict[str, Any]]] = {}
    for lk in store.find("link"):
        if lk["target_id"] in in_case:
            links_of.setdefault(lk["media_id"], []).append(lk)
    photo_n = 0
    for m in store.find("media"):
        links = links_of.get(m["id"])
        if case_id is not None and not links:
            continue  # a case's output carries the media linked into that case
        links = links or []
        sensitivity = m.get("sensitivity")
        if pub:
            if not _is_yes(m.get("release")):
                continue
            reason = _media_hold_reason(m, links, site_by_id, remnant_ref, statement_ref)
            if reason:
                view.held_back.append(_held("media", m, reason))
                continue
        elif not audience.allows(sensitivity):
            view.withheld_media += 1
            continue
        elif sensitivity in ("restricted", "confidential"):
            levels.append(sensitivity)
        out = _clean(m)
        _newest(view, m)
        out["_id"] = m["id"]
        out["_sha256"] = m["sha256"]
        out["_redactions"] = list(m.get("redactions") or [])
        targets = []
        for lk in links:
            ref = _ref_of(lk, case_ref, site_ref, remnant_ref, statement_ref)
            if ref is None:
                continue  # linked to something this audience does not see
            targets.append(
                {"target_kind": lk["target_kind"], "target_ref": ref, "caption": lk["caption"]}
            )
        out["links"] = targets
        sites_here = {
            lk["target_id"] if lk["target_kind"] == "site" else remnant_site.get(lk["target_id"])
            for lk in links
            if lk["target_kind"] in ("site", "remnant")
        }
        near_sensitive = bool(
            sites_here & sensitive_sites or {lk["target_id"] for lk in links} & sensitive_remnants
        )
        if pub:
            photo_n += 1
            out["ref"] = f"P{photo_n}"
            _generalise_record(out, audience, near_sensitive)
            for name in PUBLIC_DROP["media"]:
                out.pop(name, None)
        else:
            out["ref"] = m["id"]
        view.media.append(out)
    view.carries = max(levels, key=SENSITIVITIES.index)
    if progress:
        progress(4, 4, "done")
    return view


def _describe_munition(entry: Mapping[str, Any]) -> str:
    parts = [
        entry.get("notes"),
        f"calibre {entry['calibre_mm']:g} mm" if entry.get("calibre_mm") else None,
        entry.get("delivery"),
        f"origin {entry['origin']}" if entry.get("origin") else None,
    ]
    return "; ".join(str(p) for p in parts if p)


def _generalise_record(out: dict[str, Any], audience: Audience, sensitive: bool) -> None:
    out["position_generalised_m"] = None
    if not sensitive or out.get("lat") is None or out.get("lon") is None:
        return
    out["lat"], out["lon"] = generalise(out["lat"], out["lon"], audience.grid_m)
    out["position_generalised_m"] = audience.grid_m
    out["position_accuracy_m"] = None
    out["alt"] = None


def _held(kind: str, record: Mapping[str, Any], reason: str) -> dict[str, Any]:
    return {"kind": kind, "id": record["id"], "reason": reason}


def _statement_hold_reason(st: Mapping[str, Any], published_sites: Mapping[str, Any]) -> str | None:
    """Why a statement marked for release is still held back, or None if it may go."""
    if st.get("consent") == "withdrawn":
        return "the witness withdrew consent"
    if st.get("sensitivity") != "public":
        return f"its sensitivity is {st.get('sensitivity')}"
    if st.get("consent") not in PUBLISHABLE_CONSENTS:
        return f"its consent is {st.get('consent')}"
    if st.get("site_id") and st["site_id"] not in published_sites:
        return "its site is not marked for release"
    return None


def _media_hold_reason(
    m: Mapping[str, Any],
    links: Sequence[Mapping[str, Any]],
    published_sites: Mapping[str, Any],
    published_remnants: Mapping[str, str],
    published_statements: Mapping[str, str],
) -> str | None:
    if m.get("sensitivity") in ("restricted", "confidential"):
        return f"its sensitivity is {m['sensitivity']}"
    for lk in links:
        if lk["target_kind"] == "statement" and lk["target_id"] not in published_statements:
            return "it is attached to a statement that is not published"
    if (
        links
        and not any(
            lk["target_id"] in published_sites or lk["target_id"] in published_remnants
            for lk in links
            if lk["target_kind"] in ("site", "remnant")
        )
        and any(lk["target_kind"] in ("site", "remnant") for lk in links)
    ):
        return "its site or remnant is not marked for release"
    return None


def _ref_of(
    link: Mapping[str, Any],
    case_ref: Mapping[str, str],
    site_ref: Mapping[str, str],
    remnant_ref: Mapping[str, str],
    statement_ref: Mapping[str, str],
) -> str | None:
    table = {
        "case": case_ref,
        "site": site_ref,
        "remnant": remnant_ref,
        "statement": statement_ref,
    }[link["target_kind"]]
    return table.get(link["target_id"])


def parse_include(value: str | None) -> str | None:
    if value in (None, "", "none"):
        return None
    if value not in INCLUDE_CHOICES:
        raise ValidationError(f"--include: {value!r} is not one of {', '.join(INCLUDE_CHOICES)}")
    return value
