"""Two sites that are one place (two investigators recorded it): merge them into one.

The kept site gets the other's names as other names; the other's remnants and statements
move to it (updates of their ``site_id``); its photos are linked to the kept site with
their captions and unlinked from the other; the other site is retracted with a reason
naming the kept one. Every step is a journal event, all in one transaction, and the
report carries the inverse steps (:mod:`fieldkit.undo`) that take the merge back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fieldkit import linking
from fieldkit.errors import ValidationError
from fieldkit.undo import Step, update_step

if TYPE_CHECKING:
    from fieldkit.store import Store


@dataclass
class SiteMerge:
    """What a merge did: the kept and retracted site, the ids moved, the names added."""

    kept: str
    retracted: str
    names_added: list[dict[str, str]] = field(default_factory=list)
    remnants: list[str] = field(default_factory=list)
    statements: list[str] = field(default_factory=list)
    media: list[str] = field(default_factory=list)
    undo: list[Step] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "kept": self.kept,
            "retracted": self.retracted,
            "names_added": self.names_added,
            "remnants": self.remnants,
            "statements": self.statements,
            "media": self.media,
        }


def _names(site: dict[str, Any]) -> list[dict[str, str]]:
    first = {"name": site["name"], **({"lang": site["name_lang"]} if site.get("name_lang") else {})}
    return [first, *(site.get("other_names") or [])]


def merge_sites(store: Store, keep_id: str, other_id: str, reason: str | None = None) -> SiteMerge:
    """Merge site ``other_id`` into ``keep_id``; returns the :class:`SiteMerge` report.

    Raises ValidationError when the two are the same site or either is retracted.
    """
    if keep_id == other_id:
        raise ValidationError("a site cannot be merged into itself")
    with store.transaction():
        keep = store.get(keep_id, "site")
        other = store.get(other_id, "site")
        for s in (keep, other):
            if s["retracted"]:
                raise ValidationError(f"site “{s['name']}” is retracted; reinstate it first")
        report = SiteMerge(kept=keep_id, retracted=other_id)
        have = {(n["name"].casefold(), n.get("lang")) for n in _names(keep)}
        have |= {(n["name"].casefold(), None) for n in _names(keep)}
        added = []
        for n in _names(other):
            if (n["name"].casefold(), n.get("lang")) not in have:
                added.append(n)
                have.add((n["name"].casefold(), n.get("lang")))
        if added:
            after = store.update(
                keep_id, {"other_names": [*(keep.get("other_names") or []), *added]}
            )
            report.undo.append(update_step(keep, after, ["other_names"]))
            report.names_added = added
        for kind, bucket in (("remnant", report.remnants), ("statement", report.statements)):
            for rec in store.find(kind, where={"site_id": other_id}):
                after = store.update(rec["id"], {"site_id": keep_id})
                report.undo.append(update_step(rec, after, ["site_id"]))
                bucket.append(rec["id"])
        why = (reason or "").strip() or f"merged into site “{keep['name']}” ({keep_id})"
        for lk in store.find("link", where={"target_id": other_id}):
            new, created = linking.link_media(store, lk["media_id"], keep_id, lk.get("caption"))
            if created:
                report.undo.append(Step("retract", new["id"], reason="merge taken back"))
            store.retract(lk["id"], why)
            report.undo.append(Step("reinstate", lk["id"], reason="merge taken back"))
            report.media.append(lk["media_id"])
        store.retract(other_id, why)
        report.undo.append(Step("reinstate", other_id, reason="merge taken back"))
    return report


__all__ = ["SiteMerge", "merge_sites"]
