"""Right-click menus and the actions they offer: retract and reinstate with a reason,
move a remnant, statement or photo to another site, merge duplicate sites, caption, link
and unlink photos. Every action is a named operation (:mod:`fieldkit.gui.operations`),
so Edit → Undo takes it back."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QMenu

from fieldkit.gui import operations
from fieldkit.gui.dialogs import Prompts
from fieldkit.gui.i18n import tr
from fieldkit.gui.models import ID_ROLE
from fieldkit.gui.redaction import open_redactions

if TYPE_CHECKING:
    from fieldkit.gui.mainwindow import MainWindow
    from fieldkit.gui.panels import ListFormPane


def _show(win: MainWindow, menu: QMenu, pos: QPoint) -> QMenu:
    win.last_menu = menu
    menu.exec(pos)
    return menu


def _add(menu: QMenu, text: str, slot: Callable[[], Any], name: str) -> None:
    act = menu.addAction(text)
    act.setObjectName(name)
    act.triggered.connect(lambda _c=False: slot())


def _title(rec: dict[str, Any]) -> str:
    return str(
        rec.get("name")
        or rec.get("witness_code")
        or rec.get("munition_type")
        or str(rec.get("category") or rec["kind"]).replace("_", " ")
    )


def retract(win: MainWindow, record_id: str) -> None:
    rec = win.store.get(record_id)
    reason = Prompts.text(
        win,
        tr("Retract"),
        tr("Why is “{title}” withdrawn? (Kept in its history; it can be reinstated.)").format(
            title=_title(rec)
        ),
    )
    if reason and reason.strip():
        win.run_op(operations.retract_record, record_id, reason.strip(), label=tr("Retracting"))


def reinstate(win: MainWindow, record_id: str) -> None:
    rec = win.store.get(record_id)
    reason = Prompts.text(
        win,
        tr("Reinstate"),
        tr("Why does “{title}” come back? (It was retracted: {why})").format(
            title=_title(rec), why=rec.get("retract_reason") or ""
        ),
    )
    if reason and reason.strip():
        win.run_op(operations.reinstate_record, record_id, reason.strip(), label=tr("Reinstating"))


def _other_sites(
    win: MainWindow, exclude: str | None, case_id: str | None
) -> list[tuple[str, str]]:
    sites = win.store.find("site", where={"case_id": case_id} if case_id else None, order="name")
    return [(s["id"], s["name"]) for s in sites if s["id"] != exclude]


def choose_site(win: MainWindow, title: str, exclude: str | None) -> str | None:
    site = win.store.get(exclude, "site") if exclude else None
    items = _other_sites(win, exclude, site["case_id"] if site else win.current_case_id)
    if not items:
        Prompts.error(win, title, tr("There is no other site in this case."))
        return None
    return Prompts.choose(win, title, tr("Site"), items)


# --- sites --------------------------------------------------------------------------------


def site_menu(win: MainWindow, pos: QPoint) -> QMenu | None:
    index = win.site_view.indexAt(pos)
    if not index.isValid():
        return None
    site_id = index.data(ID_ROLE)
    if not win.select_site(site_id):
        return None
    rec = win.store.get(site_id, "site")
    menu = QMenu(win)
    if rec["retracted"]:
        _add(menu, tr("Reinstate this site…"), lambda: reinstate(win, site_id), "reinstate")
    else:
        _add(menu, tr("Retract this site…"), lambda: retract(win, site_id), "retract")
        _add(menu, tr("Merge into another site…"), lambda: merge_site(win), "merge")
    menu.addSeparator()
    _add(menu, tr("Edit the case…"), win.edit_case, "edit_case")
    return _show(win, menu, win.site_view.viewport().mapToGlobal(pos))


def merge_site(win: MainWindow) -> None:
    """Merge the shown site (a duplicate) into another one the person picks."""
    other_id = win.current_site_id
    if not other_id or not win.maybe_save():
        return
    other = win.store.get(other_id, "site")
    keep_id = choose_site(win, tr("Merge “{name}” into…").format(name=other["name"]), other_id)
    if keep_id is None:
        return
    keep = win.store.get(keep_id, "site")
    n_rem = len(win.store.find("remnant", where={"site_id": other_id}))
    n_st = len(win.store.find("statement", where={"site_id": other_id}))
    n_ph = len(win.store.find("link", where={"target_id": other_id}))
    ok = Prompts.confirm(
        win,
        tr("Merge duplicate sites"),
        tr(
            "“{other}” becomes an other name of “{keep}”; its {r} remnant(s), {s} statement(s) "
            "and {p} photo(s) move there, and “{other}” is retracted with a reason naming "
            "“{keep}”. Edit → Undo takes it back."
        ).format(other=other["name"], keep=keep["name"], r=n_rem, s=n_st, p=n_ph),
    )
    if not ok:
        return

    def done(_report: Any) -> None:
        win.select_site(keep_id)

    win.run_op(operations.merge_sites, keep_id, other_id, label=tr("Merging sites"), on_done=done)


# --- remnants and statements --------------------------------------------------------------


def record_menu(win: MainWindow, pane: ListFormPane, record_id: str, pos: QPoint) -> QMenu:
    rec = win.store.get(record_id)
    menu = QMenu(win)
    if rec["retracted"]:
        _add(menu, tr("Reinstate…"), lambda: reinstate(win, record_id), "reinstate")
    else:
        _add(menu, tr("Retract…"), lambda: retract(win, record_id), "retract")
        _add(menu, tr("Move to another site…"), lambda: move_record(win, record_id), "move")
    return _show(win, menu, pos)


def move_record(win: MainWindow, record_id: str) -> None:
    rec = win.store.get(record_id)
    target = choose_site(win, tr("Move to which site?"), rec.get("site_id"))
    if target is not None:
        win.run_op(
            operations.save_record,
            rec["kind"],
            record_id,
            {"site_id": target},
            label=tr("Moving"),
        )


# --- photos -------------------------------------------------------------------------------


def photo_menu(win: MainWindow, item: dict[str, Any], pos: QPoint) -> QMenu | None:
    site_id = win.current_site_id
    if not site_id:
        return None
    mid = item["id"]
    menu = QMenu(win)
    _add(menu, tr("View"), lambda: win.open_photo(mid), "view")
    _add(menu, tr("Caption…"), lambda: caption(win, mid, site_id, item.get("caption")), "caption")
    _add(menu, tr("Link to a remnant…"), lambda: link_to(win, mid, "remnant"), "link_remnant")
    _add(menu, tr("Link to a statement…"), lambda: link_to(win, mid, "statement"), "link_statement")
    _add(menu, tr("Move to another site…"), lambda: move_photo(win, mid, site_id), "move")
    if str(item.get("mime") or "image/").startswith("image/"):
        _add(menu, tr("Redact for publication…"), lambda: open_redactions(win, mid), "redact")
    menu.addSeparator()
    _add(menu, tr("Unlink from this site…"), lambda: unlink(win, mid, site_id), "unlink")
    return _show(win, menu, pos)


def caption(win: MainWindow, media_id: str, target_id: str, current: str | None) -> None:
    text = Prompts.text(win, tr("Caption"), tr("What does the photo show here?"))
    if text is not None and text.strip() != (current or ""):
        win.run_op(operations.set_caption, media_id, target_id, text, label=tr("Saving"))


def link_to(win: MainWindow, media_id: str, kind: str) -> None:
    site_id = win.current_site_id
    recs = win.store.find(kind, where={"site_id": site_id}) if site_id else []
    if not recs:
        Prompts.error(win, tr("Link"), tr("This site has none yet."))
        return
    target = Prompts.choose(
        win, tr("Link the photo"), tr(kind.capitalize()), [(r["id"], _title(r)) for r in recs]
    )
    if target is None:
        return
    text = Prompts.text(win, tr("Caption"), tr("What does the photo show of it? (optional)"))
    win.run_op(operations.link_photos, [media_id], target, text or None, label=tr("Linking"))


def move_photo(win: MainWindow, media_id: str, site_id: str) -> None:
    target = choose_site(win, tr("Move the photo to which site?"), site_id)
    if target is not None:
        win.run_op(operations.move_photo, media_id, site_id, target, label=tr("Moving"))


def unlink(win: MainWindow, media_id: str, site_id: str) -> None:
    reason = Prompts.text(
        win, tr("Unlink"), tr("Why does this photo not belong here? (The photo stays.)")
    )
    if reason and reason.strip():
        win.run_op(
            operations.unlink_photo, media_id, site_id, reason.strip(), label=tr("Unlinking")
        )
