"""What a merge brings, by name: a coordinator's review before and after merging.

New records are listed by what people call them (a site's name, a remnant's designation
and condition, a statement's witness code, a photo's file name and thumbnail); a changed
record lists each field "Label: before → after"; each conflict names its record and field
with the competing values. The raw report stays one click away (the dialog's other tab).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem

from fieldkit import records
from fieldkit.gui.i18n import tr

SHOWN_KINDS = ("case", "site", "remnant", "statement", "media", "person")
THUMBS = 60  # thumbnails read on the UI thread at most


def kind_label(kind: str, plural: bool = False) -> str:
    return {
        ("case", False): tr("Case"),
        ("case", True): tr("cases"),
        ("site", False): tr("Site"),
        ("site", True): tr("sites"),
        ("remnant", False): tr("Remnant"),
        ("remnant", True): tr("remnants"),
        ("statement", False): tr("Statement"),
        ("statement", True): tr("statements"),
        ("media", False): tr("Photo"),
        ("media", True): tr("photos and files"),
        ("person", False): tr("Investigator"),
        ("person", True): tr("investigators"),
    }.get((kind, plural), kind)


def record_title(rec: dict[str, Any]) -> str:
    """What people call a record: a site's name, a remnant's designation and condition…"""
    kind = rec.get("kind")
    if kind == "remnant":
        parts = [
            rec.get("munition_type") or tr("unidentified"),
            str(rec.get("category") or "").replace("_", " "),
            str(rec.get("condition") or "").replace("_", " "),
        ]
        return " · ".join(p for p in parts if p)
    if kind == "statement":
        badge = str(rec.get("sensitivity") or "").upper()
        return f"{rec.get('witness_code')}" + (f" [{badge}]" if badge else "")
    k = records.KINDS.get(str(kind))
    title = rec.get(k.title_field) if k else None
    return str(title or rec.get("name") or rec.get("id", "")[:8])


def _value(value: Any) -> str:
    if value in (None, "", []):
        return "—"
    if isinstance(value, list):
        return ", ".join(
            (f"{v['name']}@{v['lang']}" if v.get("lang") else v["name"])
            if isinstance(v, dict)
            else str(v)
            for v in value
        )
    text = str(value)
    return text if len(text) <= 80 else text[:79] + "…"


def field_changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """``["Civilians injured: 2 → 3", …]`` for the fields that differ."""
    k = records.KINDS.get(str(after.get("kind")))
    if k is None:
        return []
    out = []
    for f in k.fields:
        if before.get(f.name) != after.get(f.name):
            out.append(f"{tr(f.label)}: {_value(before.get(f.name))} → {_value(after.get(f.name))}")
    return out


class MergeReview(QTreeWidget):
    """The review tree; :meth:`show_merge` fills it."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("mergeReview")
        self.setHeaderLabels([tr("What"), tr("Details")])
        self.setColumnWidth(0, 320)
        self.lines: list[str] = []  # every row's text, for tests and copying

    def _row(self, parent: QTreeWidget | QTreeWidgetItem, a: str, b: str = "") -> QTreeWidgetItem:
        item = QTreeWidgetItem([a, b])
        if isinstance(parent, QTreeWidget):
            parent.addTopLevelItem(item)
        else:
            parent.addChild(item)
        self.lines.append(f"{a}  {b}".strip())
        return item

    def show_merge(
        self,
        doc: dict[str, Any],
        before: dict[str, dict[str, Any]],
        after: dict[str, dict[str, Any]],
        *,
        thumbnail: Any = None,
    ) -> None:
        """``doc``: the import report's JSON; ``before``/``after``: records by id (before
        the merge and as it leaves them). ``thumbnail(rec) -> Path | None`` for photos."""
        self.clear()
        self.lines = []
        inner = doc.get("merge")
        merge: dict[str, Any] = inner if isinstance(inner, dict) else doc
        thumbs = 0
        for bucket, new in (("new_records", True), ("changed_records", False)):
            groups = merge.get(bucket) or {}
            for kind in SHOWN_KINDS:
                ids = groups.get(kind) or []
                if not ids:
                    continue
                head = (tr("New {what} ({n})") if new else tr("Changed {what} ({n})")).format(
                    what=kind_label(kind, plural=True), n=len(ids)
                )
                top = self._row(self, head)
                top.setExpanded(len(ids) <= 30)
                for rid in ids:
                    rec = after.get(rid) or before.get(rid) or {"id": rid, "kind": kind}
                    detail = ""
                    if kind == "site":
                        detail = ", ".join(
                            str(x) for x in (rec.get("neighbourhood"), rec.get("visited_on")) if x
                        )
                    elif kind in ("remnant", "statement") and rec.get("site_id"):
                        site = after.get(rec["site_id"]) or before.get(rec["site_id"])
                        detail = tr("at {site}").format(site=site["name"]) if site else ""
                    item = self._row(top, record_title(rec), detail)
                    if kind == "media" and thumbnail is not None and thumbs < THUMBS:
                        path = thumbnail(rec)
                        if path is not None and Path(path).is_file():
                            item.setIcon(0, QIcon(QPixmap(str(path))))
                            thumbs += 1
                    if not new and rid in before:
                        lines = field_changes(before[rid], rec)
                        for line in lines:
                            self._row(item, line)
                        if not lines:
                            self._row(item, tr("no field shown differently (see the conflicts)"))
                        item.setExpanded(True)
        conflicts = merge.get("conflicts") or []
        if conflicts:
            top = self._row(self, tr("Conflicts to resolve ({n})").format(n=len(conflicts)))
            top.setExpanded(True)
            for c in conflicts:
                rec = (
                    after.get(c["id"]) or before.get(c["id"]) or {"id": c["id"], "kind": c["kind"]}
                )
                k = records.KINDS.get(c["kind"])
                f = k.by_name.get(c["field"]) if k else None
                label = tr(f.label) if f else c["field"]
                values = " | ".join(_value(v) for v in c.get("values", []))
                self._row(
                    top,
                    f"{kind_label(c['kind'])} “{record_title(rec)}” — {label}",
                    values,
                )
        if not self.topLevelItemCount():
            self._row(self, tr("Nothing new: every event is already in this store."))

    def text(self) -> str:
        return "\n".join(self.lines)
