"""Issue 9 in the app: revoke a seized laptop's key; review colleagues' changes."""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from fieldkit.crypto import allowed_signers, trustlist
from fieldkit.gui import dialogs
from fieldkit.gui.trust import ReviewsDialog, RevokeDialog


def _colleague_key(win) -> allowed_signers.TrustedSigner:
    pub = (
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        .decode()
    )
    return trustlist.trust(win.store.keys_dir, f"seized@example.org {pub}")


def _answer_revoke(qtbot, local: str, offset: str, reason: str, seen: list[str]) -> None:
    """Fill the modal Revoke dialog once it is open, as a person would, and press Revoke."""

    def fill() -> None:
        dlg = QApplication.activeModalWidget()
        assert isinstance(dlg, RevokeDialog)
        ok = dlg.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.click()  # no reason yet: refused, said in the dialog
        seen.append(dlg.message.text())
        dlg.when.local.setText(local)
        dlg.when.offset.setCurrentText(offset)
        qtbot.keyClicks(dlg.reason, reason)
        ok.click()

    QTimer.singleShot(0, fill)


def test_revoke_a_key_from_the_trusted_keys_dialog(window, qtbot) -> None:
    win = window
    signer = _colleague_key(win)
    win.actions_by_name["settings"].trigger()
    settings = win.dialogs["settings"]
    rows = [settings.list.item(i) for i in range(settings.list.count())]
    row = next(i for i, it in enumerate(rows) if signer.fingerprint in it.text())
    settings.list.setCurrentRow(row)
    seen: list[str] = []
    _answer_revoke(qtbot, "2026-11-28 09:00", "+03:00", "laptop seized at a checkpoint", seen)
    settings.revoke_button.click()
    assert seen and "Say why" in seen[0]
    qtbot.waitUntil(lambda: bool(win.store.find("revocation")))
    (rev,) = win.store.find("revocation")
    assert rev["fingerprint"] == signer.fingerprint
    assert rev["revoked_from"].startswith("2026-11-28T06:00")  # the UTC instant
    assert rev["reason"] == "laptop seized at a checkpoint"
    assert signer.fingerprint not in {
        s.fingerprint for s in trustlist.list_trusted(win.store.keys_dir)
    }
    texts = [settings.list.item(i).text() for i in range(settings.list.count())]
    assert not any(signer.fingerprint in t and "revoked" not in t for t in texts)
    assert any("revoked from 2026-11-28T06:00" in t for t in settings.revocations_text())
    # The event is in the journal, signed by this store's key, like `fieldkit keys revoke`.
    (event,) = [e for e in win.store.history(rev["id"]) if e["entity"] == rev["id"]]
    assert event["op"] == "create" and event["author"] == win.store.fingerprint
    settings.close()


def test_own_key_cannot_be_revoked(window, qtbot) -> None:
    win = window
    win.actions_by_name["settings"].trigger()
    settings = win.dialogs["settings"]
    settings.list.setCurrentRow(0)  # this store's own key
    assert not settings.revoke_button.isEnabled()
    settings.close()


def _flag_a_review(win) -> str:
    """A colleague's edit of our site, as an import would bring it: the event is written
    with another key's fingerprint as author, then projected as this store sees it."""
    site = win.store.find("site")[0]
    real = win.store.fingerprint
    win.store.fingerprint = "SHA256:" + "Q" * 43
    try:
        win.store.update(site["id"], {"injured": 7})
    finally:
        win.store.fingerprint = real
    with win.store.transaction():
        win.store._reproject([site["id"]])
    assert [r["op"] for r in win.store.reviews(site["id"])] == ["update"]
    return site["id"]


def test_changes_to_review_are_listed_and_marked_reviewed(window, qtbot, monkeypatch) -> None:
    win = window
    site_id = _flag_a_review(win)
    win.edit_menu.setActiveAction(win.actions_by_name["reviews"])
    win.actions_by_name["reviews"].trigger()
    dlg = win.dialogs["reviews"]
    assert isinstance(dlg, ReviewsDialog)
    ((title, op, by, _creator, _when, _reason),) = dlg.rows()
    assert title and op == "update" and by == "SHA256:" + "Q" * 43
    monkeypatch.setattr(
        dialogs.Prompts, "text", classmethod(lambda cls, *a, **k: "phoned the colleague")
    )
    dlg.mark_button.click()
    assert win.store.reviews() == [] and dlg.rows() == []
    assert "Marked 1 change(s)" in dlg.message.text()
    last = win.store.history(site_id)[-1]
    assert last["reason"] == "reviewed: phoned the colleague" and last["fields"] == {}
    assert win.store.get(site_id)["injured"] == 7  # the change itself stays
    dlg.close()
