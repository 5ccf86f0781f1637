"""Issue 16 in the app: File → Public release… and redaction rectangles drawn in the viewer.

The real widgets are driven (mouse drags on the photo, ticks, keys, the File menu), the
real core writes the release, and Pillow reads the published pixels back.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import piexif
from PIL import Image
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QDialogButtonBox

from fieldkit.gui import operations
from fieldkit.gui.redaction import RedactionDialog, open_redactions
from fieldkit.gui.release import ReleaseDialog, WithdrawnNotice, release_flow
from fieldkit.ingest import import_media

GREEN, RED = (20, 200, 40), (210, 30, 30)
# The person sees the photo upright, 300 × 400; they hide its top-left 150 × 200 (green).
HIDE = (0, 0, 150, 200)


def _turned_photo(path: Path) -> Path:
    """A JPEG stored 400 × 300 with EXIF Orientation 6 (shown turned 90° clockwise)."""
    upright = Image.new("RGB", (300, 400), RED)
    upright.paste(GREEN, (0, 0, 150, 200))
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # Orientation 6 turns it back
    exif = piexif.dump({"0th": {piexif.ImageIFD.Orientation: 6}})
    stored.save(path, "JPEG", quality=95, exif=exif)
    return path


def _add_photo(win, tmp_path: Path, site_id: str) -> str:
    report = import_media(win.store, [_turned_photo(tmp_path / "turned.jpg")], serial=True)
    media_id = report.imported[0]["id"] if hasattr(report, "imported") else None
    if media_id is None:
        media_id = next(m["id"] for m in win.store.find("media") if m["file_name"] == "turned.jpg")
    win.store.link(media_id, site_id)
    win.after_write()
    return media_id


def _close(a: tuple[int, ...], b: tuple[int, ...], tol: int = 12) -> bool:
    return all(abs(x - y) <= tol for x, y in zip(a, b, strict=False))


def _drag(qtbot, canvas, a: QPoint, b: QPoint) -> None:
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=a)
    qtbot.mouseMove(canvas, pos=(a + b) / 2)
    qtbot.mouseMove(canvas, pos=b)
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=b)


def test_rectangle_drawn_on_a_turned_photo_lands_upright_and_the_release_burns_it(
    window, qtbot, tmp_path: Path
) -> None:
    win = window
    site = win.store.find("site")[0]
    media_id = _add_photo(win, tmp_path, site["id"])
    assert win.store.get(media_id)["orientation"] == 6

    dlg = open_redactions(win, media_id)
    dlg.resize(900, 700)
    qtbot.waitExposed(dlg)
    canvas = dlg.canvas
    assert (canvas.full_w, canvas.full_h) == (300, 400)  # upright, as the person sees it
    box = canvas.to_widget(HIDE)
    _drag(qtbot, canvas, box.topLeft().toPoint(), box.bottomRight().toPoint())
    (rect,) = canvas.rects
    assert all(abs(v - e) <= 2 for v, e in zip(rect, HIDE, strict=True)), rect
    assert rect[2] >= 149 and rect[3] >= 199  # widened, never narrowed, by rounding
    # A second, stray rectangle is removed from the list with the Delete key.
    _drag(qtbot, canvas, QPoint(int(box.right()) + 40, 300), QPoint(int(box.right()) + 90, 380))
    assert len(canvas.rects) == 2 and dlg.list.count() == 2
    dlg.list.setCurrentRow(1)
    dlg.list.setFocus()
    qtbot.keyClick(dlg.list, Qt.Key.Key_Delete)
    assert canvas.rects == [rect]
    dlg.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    stored = win.store.get(media_id)["redactions"]
    assert stored == ["{},{},{},{}".format(*rect)]  # as `fieldkit media edit --redact` stores

    # The rectangle covers, in the original file's own pixels, exactly what the person saw:
    # Orientation 6 maps upright (u, v) to stored (v, H - 1 - u); the green block is there.
    with Image.open(tmp_path / "turned.jpg") as original:
        x, y, w, h = rect
        region = original.crop((y, 300 - (x + w), y + h, 300 - x)).convert("RGB")
        inner = region.crop((4, 4, region.width - 4, region.height - 4))
        colours = {c for _n, c in inner.getcolors(1 << 16) or []}
    assert all(_close(c, GREEN, 30) for c in colours)

    # File → Public release… (the real menu): tick the photo and its site, write it.
    win.file_menu.setActiveAction(win.actions_by_name["public_release"])
    win.actions_by_name["public_release"].trigger()
    rel = win.dialogs["release"]
    assert isinstance(rel, ReleaseDialog)
    rel.case.setCurrentIndex(rel.case.findData(site["case_id"]))
    rel.set_marked(site["id"], True)
    rel.set_marked(media_id, True)
    qtbot.waitUntil(lambda: win.store.get(media_id)["release"] == "yes")
    photos = rel.preview_group("photos")
    assert [n for t, n in photos if "turned.jpg" in t] == ["1 black rectangle(s) burned in"]
    rel.out.setText(str(tmp_path / "rel"))
    rel.as_zip.setChecked(True)
    rel.write()
    assert "Release written and signed" in rel.message.text()
    with zipfile.ZipFile(tmp_path / "rel.zip") as z:
        name = next(n for n in z.namelist() if n.startswith("rel/data/photos/"))
        published = Image.open(io.BytesIO(z.read(name))).convert("RGB")
    assert published.size == (300, 400)  # upright
    x, y, w, h = rect
    inside = published.crop((x + 2, y + 2, x + w - 2, y + h - 2))
    assert all(max(c) <= 8 for _n, c in inside.getcolors(1 << 16) or [])  # solid black
    assert _close(published.getpixel((x + w + 20, y + 20)), RED, 30)  # the rest is kept
    rel.close()


def test_ticks_preview_held_back_and_undo(window, qtbot) -> None:
    win = window
    case_id = win.store.find("case")[0]["id"]
    dlg = release_flow(win)
    dlg.case.setCurrentIndex(dlg.case.findData(case_id))
    statements = win.store.find("statement", where={"case_id": case_id})
    secret = next(s for s in statements if s["sensitivity"] == "confidential")
    open_ = next(
        s
        for s in statements
        if s["sensitivity"] == "public" and s["consent"] in ("named", "anonymous") and s["site_id"]
    )
    # A group's tick marks every site of the case in one operation.
    sites_group = dlg.marks.topLevelItem(0)
    sites_group.setCheckState(0, Qt.CheckState.Checked)
    qtbot.waitUntil(
        lambda: all(
            s.get("release") == "yes" for s in win.store.find("site", where={"case_id": case_id})
        )
    )
    assert win.undo_stack[-1][0].startswith("mark ")
    dlg.set_marked(secret["id"], True)
    dlg.set_marked(open_["id"], True)
    qtbot.waitUntil(lambda: win.store.get(open_["id"])["release"] == "yes")
    held = dlg.preview_group("held_back")
    assert any(secret["witness_code"] in t and "confidential" in n for t, n in held), held
    shown = dlg.preview_group("statements")
    assert [t for t, _n in shown] == [f"Witness 1  ←  {open_['witness_code']}"]
    sites = dlg.preview_group("sites")
    assert len(sites) == len(win.store.find("site", where={"case_id": case_id}))
    # Ctrl+Z in the dialog takes back the last ticks, and the boxes follow.
    qtbot.keyClick(dlg.marks, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert win.store.get(open_["id"])["release"] != "yes"
    assert dlg.items[open_["id"]].checkState(0) == Qt.CheckState.Unchecked
    assert dlg.preview_group("statements") == []
    dlg.close()


def test_release_runs_on_the_worker_and_cancel_leaves_nothing(
    threaded_window, qtbot, tmp_path: Path
) -> None:
    win = threaded_window
    case_id = win.store.find("case")[0]["id"]
    dlg = release_flow(win)
    dlg.case.setCurrentIndex(dlg.case.findData(case_id))
    media_group = dlg.marks.topLevelItem(3)
    sites_group = dlg.marks.topLevelItem(0)
    sites_group.setCheckState(0, Qt.CheckState.Checked)
    media_group.setCheckState(0, Qt.CheckState.Checked)
    qtbot.waitUntil(lambda: len(dlg.preview_group("photos")) > 10, timeout=60000)
    published_before = len(win.store.find("publication"))
    cancelled: list[int] = []

    def cancel_at_first(done: int, total: int, _m: str) -> None:
        if not cancelled:
            cancelled.append(done)
            dlg.cancel_button.click()

    dlg.out.setText(str(tmp_path / "cancelled"))
    task = dlg.write()
    assert task is not None and dlg.cancel_button.isVisible()
    task.on_progress = lambda d, t, m, f=task.on_progress: (f(d, t, m), cancel_at_first(d, t, m))
    qtbot.waitUntil(lambda: dlg.task is None, timeout=120000)
    assert "cancelled" in dlg.message.text()
    assert not (tmp_path / "cancelled").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".cancelled")] == []
    assert len(win.store.find("publication")) == published_before
    dlg.close()


def test_withdrawn_consent_names_the_releases_that_carried_it(
    window, qtbot, tmp_path: Path
) -> None:
    win = window
    st = next(
        s
        for s in win.store.find("statement")
        if s["sensitivity"] == "public" and s["consent"] in ("named", "anonymous") and s["site_id"]
    )
    win.store.update(st["site_id"], {"release": "yes"})
    win.store.update(st["id"], {"release": "yes"})
    dlg = release_flow(win)
    dlg.case.setCurrentIndex(dlg.case.findData(st["case_id"]))
    dlg.out.setText(str(tmp_path / "first"))
    dlg.write()
    release_id = win.last_output["release_id"]
    dlg.close()
    win.run_op(operations.save_record, "statement", st["id"], {"consent": "withdrawn"})
    notice = win.dialogs["withdrawn"]
    assert isinstance(notice, WithdrawnNotice) and notice.isVisible()
    assert notice.list.topLevelItem(0).text(1) == f"urn:uuid:{release_id}"
    notice.close()
    # The dialog now lists that release, naming the withdrawn statement, and holds it back.
    again = release_flow(win)
    again.case.setCurrentIndex(again.case.findData(st["case_id"]))
    (earlier,) = again.preview_group("earlier")
    assert st["witness_code"] in earlier[1] and "withdrawn" in earlier[1]
    held = again.preview_group("held_back")
    assert any("withdrew consent" in n for _t, n in held)
    # Another edit of the same statement does not ask again.
    win.run_op(operations.save_record, "statement", st["id"], {"release": "no"})
    assert not win.dialogs["withdrawn"].isVisible() if "withdrawn" in win.dialogs else True
    again.close()


def test_redaction_dialog_cancel_changes_nothing(window, qtbot, tmp_path: Path) -> None:
    win = window
    site = win.store.find("site")[0]
    media_id = _add_photo(win, tmp_path, site["id"])
    saved: list[list[str]] = []
    dlg = RedactionDialog(win, win.store, media_id, saved.append)
    qtbot.addWidget(dlg)
    dlg.resize(800, 600)
    dlg.show()
    qtbot.waitExposed(dlg)
    save = dlg.buttons.button(QDialogButtonBox.StandardButton.Save)
    assert not save.isEnabled()
    _drag(qtbot, dlg.canvas, QPoint(300, 200), QPoint(302, 201))  # a click, not a rectangle
    assert dlg.canvas.rects == [] and not save.isEnabled()
    _drag(qtbot, dlg.canvas, QPoint(300, 200), QPoint(400, 300))
    assert len(dlg.canvas.rects) == 1 and save.isEnabled()
    dlg.reject()
    assert saved == [] and not win.store.get(media_id).get("redactions")
