"""Named operations: every write the app makes, and what it changed.

Like Anki's ``aqt/operations``: each operation is a plain function ``op(store, …)`` that
runs on the writer thread (no Qt here) and returns an :class:`OpResult` — its value, the
:class:`Changes` it made (record kinds and ids) and the inverse steps that take it back
(:mod:`fieldkit.undo`). The window emits ``changes_applied(changes)`` once the result is
back on the UI thread, and each view refreshes only what depends on it (the site list
one row, the photo grid on a link, the case tree on a case or a site's name...).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fieldkit import linking, sitemerge
from fieldkit.undo import Step, apply_steps, update_step

if TYPE_CHECKING:
    from fieldkit.store import Store


@dataclass(frozen=True)
class Changes:
    """What a write changed: the record kinds and the ids of the records touched."""

    kinds: frozenset[str] = frozenset()
    ids: frozenset[str] = frozenset()

    @classmethod
    def of(cls, *recs: Mapping[str, Any]) -> Changes:
        return cls(frozenset(str(r["kind"]) for r in recs), frozenset(str(r["id"]) for r in recs))

    def __or__(self, other: Changes) -> Changes:
        return Changes(self.kinds | other.kinds, self.ids | other.ids)

    def touches(self, *kinds: str) -> bool:
        return bool(self.kinds.intersection(kinds))

    def __bool__(self) -> bool:
        return bool(self.kinds or self.ids)


@dataclass(frozen=True)
class OpResult:
    """The outcome of an operation: ``label`` (said in Edit → Undo), ``value`` (what the
    caller wants back, e.g. the saved record), ``changes``, and ``undo`` (inverse steps,
    oldest first; empty when it cannot be taken back)."""

    label: str
    value: Any = None
    changes: Changes = field(default_factory=Changes)
    undo: tuple[Step, ...] = ()


def _title(rec: Mapping[str, Any]) -> str:
    for key in ("name", "title", "witness_code", "munition_type", "file_name", "caption"):
        if rec.get(key):
            return str(rec[key])
    return str(rec.get("category") or rec["kind"]).replace("_", " ")


# --- records ------------------------------------------------------------------------------


def save_record(
    store: Store, kind: str, record_id: str | None, values: Mapping[str, Any]
) -> OpResult:
    """Create a record of ``kind`` (``record_id`` None) or update one with ``values``."""
    if record_id is None:
        rec = store.create(kind, dict(values))
        return OpResult(
            f"create {kind} “{_title(rec)}”",
            rec,
            Changes.of(rec),
            (Step("retract", rec["id"], reason="creation undone"),),
        )
    before = store.get(record_id)
    rec = store.update(record_id, dict(values))
    names = [n for n in values if before.get(n) != rec.get(n)]
    changes = Changes.of(rec)
    if "site_id" in names and before.get("site_id"):  # moved: both sites' lists change
        changes = changes | Changes(frozenset({"site"}), frozenset({before["site_id"]}))
    undo = (update_step(before, rec, names),) if names else ()
    return OpResult(f"edit {kind} “{_title(rec)}”", rec, changes, undo)


def retract_record(store: Store, record_id: str, reason: str) -> OpResult:
    rec = store.retract(record_id, reason)
    return OpResult(
        f"retract {rec['kind']} “{_title(rec)}”",
        rec,
        Changes.of(rec),
        (Step("reinstate", record_id, reason="retraction undone"),),
    )


def reinstate_record(store: Store, record_id: str, reason: str) -> OpResult:
    rec = store.reinstate(record_id, reason)
    return OpResult(
        f"reinstate {rec['kind']} “{_title(rec)}”",
        rec,
        Changes.of(rec),
        (Step("retract", record_id, reason="reinstatement undone"),),
    )


def resolve_conflict(store: Store, record_id: str, field_name: str, value: Any) -> OpResult:
    before = store.get(record_id)
    rec = store.resolve(record_id, field_name, value)
    undo: tuple[Step, ...] = ()
    if _norm(before.get(field_name)) != _norm(rec.get(field_name)):
        undo = (update_step(before, rec, [field_name]),)
    return OpResult(f"resolve {field_name} of “{_title(rec)}”", rec, Changes.of(rec), undo)


def set_position(store: Store, record_id: str, position: Mapping[str, Any]) -> OpResult:
    """Replace a record's position as one: lat, lon, alt, source and accuracy together
    (a value missing from ``position`` is cleared, never left from the old position)."""
    names = ("lat", "lon", "alt", "position_source", "position_accuracy_m")
    values = {n: position.get(n) for n in names}
    return save_record(store, store.kind_of_id(record_id), record_id, values)


def move_remnant(store: Store, remnant_id: str, site_id: str) -> OpResult:
    return save_record(store, "remnant", remnant_id, {"site_id": site_id})


def merge_sites(store: Store, keep_id: str, other_id: str) -> OpResult:
    report = sitemerge.merge_sites(store, keep_id, other_id)
    keep = store.get(keep_id)
    ids = {keep_id, other_id, *report.remnants, *report.statements, *report.media}
    return OpResult(
        f"merge sites into “{keep['name']}”",
        report,
        Changes(frozenset({"site", "remnant", "statement", "link"}), frozenset(ids)),
        tuple(report.undo),
    )


# --- photos -------------------------------------------------------------------------------


def link_photos(
    store: Store, media_ids: Sequence[str], target_id: str, caption: str | None = None
) -> OpResult:
    """Link photos to a site, remnant or statement (already linked ones are kept)."""
    undo: list[Step] = []
    with store.transaction():
        for mid in media_ids:
            before = linking.active_link(store, mid, target_id)
            link, created = linking.link_media(store, mid, target_id, caption)
            if created:
                undo.append(Step("retract", link["id"], reason="link undone"))
            elif before is not None and before.get("caption") != link.get("caption"):
                undo.append(update_step(before, link, ["caption"]))
    n = len(media_ids)
    return OpResult(
        f"link {n} photo(s)",
        n,
        Changes(frozenset({"link", "media"}), frozenset([*media_ids, target_id])),
        tuple(undo),
    )


def place_photos(store: Store, placement: Mapping[str, Iterable[str]]) -> OpResult:
    """Link photos to sites as chosen at import: ``{site_id: [media ids]}``."""
    undo: list[Step] = []
    ids: set[str] = set()
    with store.transaction():
        for site_id, media_ids in placement.items():
            result = link_photos(store, list(media_ids), site_id)
            undo.extend(result.undo)
            ids |= result.changes.ids
    n = sum(len(list(v)) for v in placement.values())
    return OpResult(
        f"file {n} photo(s)",
        n,
        Changes(frozenset({"link", "media", "site"}), frozenset(ids)),
        tuple(undo),
    )


def file_photos(
    store: Store,
    placement: Mapping[str, Sequence[str]],
    new_sites: Sequence[tuple[Mapping[str, Any], Sequence[str]]] = (),
) -> OpResult:
    """File photos as the person chose at import: into existing sites, and into new
    sites created here (from a name, or from a proposal of position and time)."""
    undo: list[Step] = []
    ids: set[str] = set()
    with store.transaction():
        for values, media_ids in new_sites:
            site = store.create("site", dict(values))
            undo.append(Step("retract", site["id"], reason="filing undone"))
            result = link_photos(store, list(media_ids), site["id"])
            undo.extend(result.undo)
            ids |= result.changes.ids | {site["id"]}
        for site_id, media_ids in placement.items():
            result = link_photos(store, list(media_ids), site_id)
            undo.extend(result.undo)
            ids |= result.changes.ids
    n = sum(len(v) for v in placement.values()) + sum(len(m) for _v, m in new_sites)
    return OpResult(
        f"file {n} photo(s)",
        n,
        Changes(frozenset({"link", "media", "site"}), frozenset(ids)),
        tuple(undo),
    )


def unlink_photo(store: Store, media_id: str, target_id: str, reason: str = "unlinked") -> OpResult:
    link = linking.unlink_media(store, media_id, target_id, reason)
    return OpResult(
        "unlink a photo",
        link,
        Changes(frozenset({"link", "media"}), frozenset({media_id, target_id, link["id"]})),
        (Step("reinstate", link["id"], reason="unlink undone"),),
    )


def set_caption(store: Store, media_id: str, target_id: str, caption: str | None) -> OpResult:
    before = linking.active_link(store, media_id, target_id)
    if before is None:
        return link_photos(store, [media_id], target_id, caption)
    after = linking.set_caption(store, before["id"], caption)
    return OpResult(
        "change a caption",
        after,
        Changes(frozenset({"link"}), frozenset({media_id, target_id, after["id"]})),
        (update_step(before, after, ["caption"]),),
    )


def move_photo(store: Store, media_id: str, from_site: str, to_site: str) -> OpResult:
    """File a photo under another site: linked there (caption kept), unlinked here."""
    with store.transaction():
        old = linking.active_link(store, media_id, from_site)
        caption = old.get("caption") if old else None
        link, created = linking.link_media(store, media_id, to_site, caption)
        undo = [Step("retract", link["id"], reason="move undone")] if created else []
        if old is not None:
            store.retract(old["id"], f"moved to site {to_site}")
            undo.append(Step("reinstate", old["id"], reason="move undone"))
    return OpResult(
        "move a photo",
        link,
        Changes(frozenset({"link", "media", "site"}), frozenset({media_id, from_site, to_site})),
        tuple(undo),
    )


# --- public release -----------------------------------------------------------------------


def set_release(store: Store, record_ids: Sequence[str], value: str) -> OpResult:
    """Mark sites, remnants, statements or photos for the public release (``value``
    ``yes``) or not (``no``): their ``release`` field, one update event per record that
    changes, in one transaction (issue 16: nothing is public by default)."""
    undo: list[Step] = []
    recs: list[dict[str, Any]] = []
    with store.transaction():
        for rid in record_ids:
            before = store.get(rid)
            rec = store.update(rid, {"release": value})
            if before.get("release") != rec.get("release"):
                undo.append(update_step(before, rec, ["release"]))
                recs.append(rec)
    n = len(recs)
    what = "for release" if value == "yes" else "not for release"
    return OpResult(f"mark {n} item(s) {what}", n, Changes.of(*recs), tuple(undo))


def geotag_photos(store: Store, track_path: str, max_gap_s: float) -> OpResult:
    """Positions from a GPS track for photos without one (:func:`fieldkit.geotag.geotag`);
    the value is its report. Undo takes back exactly the positions this run gave."""
    from pathlib import Path

    from fieldkit.geotag import geotag, read_gpx

    names = ("lat", "lon", "alt", "position_source", "position_accuracy_m")
    track = read_gpx(Path(track_path))
    with store.transaction():
        ids = [r["id"] for r in store.find("media") if r.get("lat") is None]
        before = {i: store.get(i) for i in ids}
        report = geotag(store, track, max_gap_s=max_gap_s)
        tagged = [item["id"] for item in report["tagged"]]
        after = [store.get(i) for i in tagged]
    undo = tuple(update_step(before[r["id"]], r, names) for r in after)
    return OpResult(f"geotag {len(tagged)} photo(s) from a track", report, Changes.of(*after), undo)


def mark_reviewed(store: Store, record_id: str, note: str | None = None) -> OpResult:
    """This store's person has seen a record's changes flagged for review
    (:meth:`fieldkit.store.Store.mark_reviewed`); the value is the reviews cleared. Not
    undone: the mark is a note in the history, and a later change is flagged afresh."""
    cleared = store.mark_reviewed(record_id, note or None)
    rec = store.get(record_id)
    return OpResult(f"mark “{_title(rec)}” reviewed", cleared, Changes.of(rec))


# --- undo ---------------------------------------------------------------------------------


def undo(store: Store, steps: Sequence[Step], label: str) -> OpResult:
    """Take back an earlier operation with new events (see :mod:`fieldkit.undo`)."""
    ids = apply_steps(store, steps, f"undo: {label}")
    recs = [store.get(i) for i in ids]
    touched = {str(r.get("site_id")) for r in recs if r.get("site_id")}
    touched |= {str(r.get("target_id")) for r in recs if r.get("target_id")}
    touched |= {str(r.get("media_id")) for r in recs if r.get("media_id")}
    kinds = {str(r["kind"]) for r in recs}
    if "link" in kinds:
        kinds.add("media")
    return OpResult(f"undo {label}", ids, Changes(frozenset(kinds), frozenset(ids) | touched))


def _norm(value: Any) -> Any:
    return None if value in ("", []) else value


__all__ = [
    "Changes",
    "OpResult",
    "geotag_photos",
    "link_photos",
    "mark_reviewed",
    "merge_sites",
    "move_photo",
    "move_remnant",
    "place_photos",
    "reinstate_record",
    "resolve_conflict",
    "retract_record",
    "save_record",
    "set_caption",
    "set_position",
    "set_release",
    "undo",
    "unlink_photo",
]
