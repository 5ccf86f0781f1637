"""The History tab: a site's journal events, newest first, as lines a person reads (who,
when, what changed from what to what). Read with the UI thread's Store."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fieldkit.gui.i18n import tr

if TYPE_CHECKING:
    from fieldkit.store import Store

Submit = Callable[..., Any]
DESIGNATION_ROLE = Qt.ItemDataRole.UserRole + 5


class HistoryPane(QWidget):
    """The journal of the site and what belongs to it (remnants, statements, linked
    photos): when, who, on which laptop, which record, and each field before → after."""

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self.tree = QTreeWidget()
        self.tree.setObjectName("historyTree")
        self.tree.setHeaderLabels([tr("When (UTC)"), tr("Who"), tr("Record"), tr("What changed")])
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tree)
        self.rows: list[dict[str, str]] = []

    def load(self, record_id: str | None) -> None:
        self.tree.clear()
        self.rows = history_rows(self.store, record_id) if record_id else []
        for row in reversed(self.rows):  # newest first
            item = QTreeWidgetItem([row["when"][:16], row["who"], row["record"], row["what"]])
            item.setToolTip(1, tr("{who} on {device}").format(who=row["who"], device=row["device"]))
            item.setToolTip(3, row["what"].replace("; ", "\n"))
            item.setToolTip(0, row["when"])
            self.tree.addTopLevelItem(item)
        for c, width in enumerate((118, 130, 170)):
            self.tree.setColumnWidth(c, width)


def _value_text(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list):
        text = ", ".join(
            (f"{v['name']}@{v['lang']}" if v.get("lang") else v["name"])
            if isinstance(v, dict)
            else str(v)
            for v in value
        )
    elif isinstance(value, str):
        text = value.replace("_", " ") if value.islower() and " " not in value else value
    else:
        text = str(value)
    return text if len(text) <= 60 else text[:59] + "…"


def _field_label(kind: str, name: str) -> str:
    from fieldkit import records

    k = records.KINDS.get(kind)
    f = k.by_name.get(name) if k else None
    return tr(f.label) if f else name


def _record_label(kind: str, values: dict[str, Any], media_names: dict[str, str]) -> str:
    if kind == "link":
        return tr("Photo {name}").format(name=media_names.get(values.get("media_id", ""), "?"))
    title = {
        "site": values.get("name"),
        "remnant": " ".join(
            str(x).replace("_", " ")
            for x in (
                values.get("munition_type") or values.get("category"),
                values.get("condition"),
            )
            if x
        ),
        "statement": values.get("witness_code"),
        "case": values.get("title"),
    }.get(kind)
    labels = {"site": tr("Site"), "remnant": tr("Remnant"), "statement": tr("Statement")}
    return f"{labels.get(kind, tr(kind))} “{title or '?'}”"


def history_rows(store: Store, site_id: str) -> list[dict[str, str]]:
    """The site's history as rows to read (oldest first): when, who, device, which record,
    what changed (each field "Label: before → after"; a link names its photo)."""
    ids = [site_id]
    for kind in ("remnant", "statement"):
        ids += [
            r["id"] for r in store.find(kind, where={"site_id": site_id}, include_retracted=True)
        ]
    marks = ", ".join("?" for _ in ids)
    link_rows = store.conn.execute(
        f"SELECT id, media_id FROM links WHERE target_id IN ({marks})", ids
    ).fetchall()
    ids += [lid for lid, _m in link_rows]
    media_names = {
        mid: name
        for mid, name in store.conn.execute(
            f"SELECT id, file_name FROM media WHERE id IN ({', '.join('?' for _ in link_rows)})",
            [m for _l, m in link_rows],
        )
    }
    devices = {d["id"]: d.get("name") or d["id"][:8] for d in store.find("device")}
    seen: set[str] = set()
    events = []
    for rid in ids:
        for ev in store.history(rid):
            if ev["hash"] not in seen:
                seen.add(ev["hash"])
                events.append(ev)
    events.sort(key=lambda e: e["hlc"])
    values: dict[str, dict[str, Any]] = {}
    out = []
    for ev in events:
        kind, entity, op = ev["kind"], ev["entity"], ev["op"]
        if kind == "custody":
            what = tr("custody: {action}").format(action=ev["fields"].get("action", ""))
            record = tr("Bundle {id}").format(id=str(ev["fields"].get("bundle_id") or "")[-12:])
        else:
            before = values.setdefault(entity, {})
            record = _record_label(kind, {**before, **ev["fields"]}, media_names)
            if kind == "link" and op in ("link", "create"):
                caption = ev["fields"].get("caption")
                target = ev["fields"].get("target_kind", "")
                what = tr("photo linked to this {target}").format(target=tr(target))
                if caption:
                    what += f" — “{caption}”"
            elif kind == "link" and op == "retract":
                what = tr("photo unlinked: {reason}").format(reason=ev.get("reason") or "")
            elif op == "retract":
                what = tr("retracted: {reason}").format(reason=ev.get("reason") or "")
            elif op == "reinstate":
                what = tr("reinstated: {reason}").format(reason=ev.get("reason") or "")
            elif op == "create":
                shown = [
                    f"{_field_label(kind, k)}: {_value_text(v)}"
                    for k, v in ev["fields"].items()
                    if not k.endswith("_id")
                ]
                what = tr("created") + (" — " + "; ".join(shown) if shown else "")
            else:
                changes = [
                    f"{_field_label(kind, k)}: {_value_text(before.get(k))} → {_value_text(v)}"
                    for k, v in ev["fields"].items()
                ]
                head = tr("conflict resolved") if op == "resolve" else tr("changed")
                what = head + " — " + "; ".join(changes)
            before.update(ev["fields"])
        out.append(
            {
                "when": (ev["at"] or "").replace("T", " ")[:19],
                "who": ev.get("author_name") or ev["author"][:16],
                "device": devices.get(ev["device"], ev["device"][:8]),
                "record": record,
                "what": what,
            }
        )
    return out
