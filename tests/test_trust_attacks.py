"""Issue 9: a trusted colleague attacks the coordinator's store with real signed bundles.

Mallory is trusted by the coordinator (Carol). She crafts events in her own store, signs
checkpoints with her real key and exports with FieldKit's own exporter, as an attacker
with a copy of the code would; each case runs for a folder and a zip. After every case
the coordinator's chain is clean (`fieldkit chain`) and her next export verifies.
Each test fails on the code before the issue.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fieldkit import clock, journal
from fieldkit.bundle import export_bundle, import_bundle, verify_bundle
from fieldkit.crypto import keys, namespaces, sshsig
from fieldkit.ids import new_id
from fieldkit.journal import Event, make_event
from fieldkit.store import Store
from tests.test_bundle_support import (  # noqa: F401 - templates is a fixture
    PASS,
    copy_store,
    templates,
    trust,
)
from tests.test_cli import fk


@pytest.fixture
def team(templates: dict[str, Path], tmp_path: Path) -> Iterator[dict[str, Store]]:  # noqa: F811
    anna = copy_store(templates, "anna", tmp_path / "anna")
    mallory = copy_store(templates, "bob", tmp_path / "mallory")
    carol = copy_store(templates, "carol", tmp_path / "carol")
    for a, b in ((carol, anna), (carol, mallory), (mallory, carol), (anna, carol)):
        trust(a, b)
    yield {"anna": anna, "mallory": mallory, "carol": carol}
    for s in (anna, mallory, carol):
        s.close()


def forge(
    store: Store,
    *,
    kind: str,
    entity: str,
    op: str = "update",
    fields: dict[str, Any] | None = None,
    device: str | None = None,
    author: str | None = None,
    hlc_ms: int | None = None,
    counter: int = 0,
    base: list[str] | None = None,
    reason: str | None = None,
) -> Event:
    """Append a crafted event to ``device``'s chain in ``store`` and sign a checkpoint of
    it with ``store``'s own key: what a colleague with FieldKit's code can do."""
    device = device or store.device_id
    last = store.conn.execute(
        "SELECT seq, hash FROM events WHERE device = ? ORDER BY seq DESC LIMIT 1", (device,)
    ).fetchone()
    seq, prev = (last[0] + 1, last[1]) if last else (1, None)
    stamp = clock.HLC(hlc_ms, counter) if hlc_ms is not None else clock.tick(store._clock())
    body: dict[str, Any] = {
        "v": 1,
        "id": new_id(),
        "device": device,
        "seq": seq,
        "prev": prev,
        "hlc": stamp.text(device),
        "at": "2026-11-30T12:00:00.000Z",
        "author": author or store.fingerprint,
        "op": op,
        "kind": kind,
        "entity": entity,
    }
    if fields is not None:
        body["fields"] = fields
    if base:
        body["base"] = sorted(base)
    if reason:
        body["reason"] = reason
    event = make_event(body)
    key = keys.unlock_signing_key(store.keys_dir, PASS)
    payload = journal.checkpoint_payload(device, seq, event.hash, body["hlc"])
    signature = sshsig.sign(key, payload, namespaces.CHECKPOINT_NAMESPACE)
    with store.transaction():
        store._insert_event(event)
        store.conn.execute(
            "INSERT OR REPLACE INTO checkpoints (device, seq, head, hlc, signature) "
            "VALUES (?, ?, ?, ?, ?)",
            (device, seq, event.hash, body["hlc"], signature),
        )
    return event


def bundle_of(store: Store, dest: Path, zipped: bool) -> Path:
    dest = dest.with_name(f"bundle-{dest.name}")
    return Path(export_bundle(store, dest, passphrase=PASS, full=True, zip=zipped).path)


def assert_sound(store: Store, tmp_path: Path, zipped: bool) -> None:
    """`fieldkit chain` is clean and the store's next export verifies."""
    assert store.verify_chain() == []
    out = fk(store.home, "chain", "--json", check=False)
    assert out.returncode == 0, out.stderr
    nxt = bundle_of(store, tmp_path / f"next-{new_id()[:8]}", zipped)
    report = verify_bundle(nxt, keys_dir=store.keys_dir)
    assert report.ok, [str(p) for p in report.problems]


# Folders in `make quick`; the same attacks as zips in the full `make test` (slow).
FORMS = pytest.mark.parametrize(
    "zipped", [False, pytest.param(True, marks=pytest.mark.slow)], ids=["folder", "zip"]
)


# --- 1. a forged device chain ----------------------------------------------------------


@FORMS
def test_forged_chain_of_a_third_device_is_refused_and_the_genuine_merges(
    team: dict[str, Store], tmp_path: Path, zipped: bool
) -> None:
    anna, mallory, carol = team["anna"], team["mallory"], team["carol"]
    case = anna.create("case", {"title": "Anna's case"})
    anna.create("site", {"case_id": case["id"], "name": "School yard"})
    anna.checkpoint(PASS)
    # Mallory writes a chain for Anna's device from seq 1, with her own key as author.
    fake_case = new_id()
    forge(mallory, kind="case", entity=fake_case, op="create",
          fields={"title": "planted"}, device=anna.device_id)  # fmt: skip
    forge(mallory, kind="case", entity=case["id"], op="retract", device=anna.device_id,
          reason="never happened")  # fmt: skip
    report = import_bundle(carol, bundle_of(mallory, tmp_path / "mallory", zipped))
    assert not report.ok and not report.merged
    text = " ".join(p.message for p in report.problems)
    assert anna.device_id in text and "forged" in text, text
    held = {e.hash for e in anna.iter_events()}
    genuine = import_bundle(carol, bundle_of(anna, tmp_path / "anna", zipped))
    assert genuine.ok, [str(p) for p in genuine.problems]
    assert held <= {e.hash for e in carol.iter_events()}  # her chain merged completely
    assert carol.get(case["id"])["retracted"] is False
    assert_sound(carol, tmp_path, zipped)


# --- 2. forged authorship ----------------------------------------------------------------


@FORMS
def test_event_written_as_someone_else_is_refused(
    team: dict[str, Store], tmp_path: Path, zipped: bool
) -> None:
    anna, mallory, carol = team["anna"], team["mallory"], team["carol"]
    forge(mallory, kind="case", entity=new_id(), op="create",
          fields={"title": "in Anna's name"}, author=anna.fingerprint)  # fmt: skip
    path = bundle_of(mallory, tmp_path / "m", zipped)
    verified = verify_bundle(path, keys_dir=carol.keys_dir)
    assert any(p.code == "author" and anna.fingerprint in p.message for p in verified.problems)
    report = import_bundle(carol, path)
    assert not report.merged
    assert any("author" in p.message for p in report.problems)
    assert all(h["author"] != anna.fingerprint for h in carol.history())
    assert_sound(carol, tmp_path, zipped)


# --- 3. a silent retraction -----------------------------------------------------------------


@FORMS
def test_retraction_of_anothers_record_is_flagged_and_can_be_reinstated(
    team: dict[str, Store], tmp_path: Path, zipped: bool
) -> None:
    mallory, carol = team["mallory"], team["carol"]
    case = carol.create("case", {"title": "Coordinator's case"})
    assert import_bundle(mallory, bundle_of(carol, tmp_path / "c", zipped)).ok
    mallory.retract(case["id"], reason="duplicate")  # through her own API: a real event
    report = import_bundle(carol, bundle_of(mallory, tmp_path / "m", zipped))
    assert report.ok
    flagged = [r for r in report.reviews if r["id"] == case["id"]]
    assert flagged and flagged[0]["op"] == "retract"
    assert flagged[0]["author"] == mallory.fingerprint
    assert flagged[0]["creator"] == carol.fingerprint
    assert carol.get(case["id"])["retracted"] is True  # applied, not hidden
    assert [r["op"] for r in carol.reviews(case["id"])] == ["retract"]
    out = fk(carol.home, "case", "reinstate", case["id"], "--reason", "retracted by mistake")
    assert "reinstated" in out.stdout
    carol.close()
    again = Store.open(carol.home)
    team["carol"] = again
    record = again.get(case["id"])
    assert record["retracted"] is False and again.reviews(case["id"]) == []
    ops = [h["op"] for h in again.history(case["id"]) if h["entity"] == case["id"]]
    assert ops == ["create", "retract", "reinstate"]
    assert_sound(again, tmp_path, zipped)
    # The reinstatement travels (format version 2) and Mallory's store applies it.
    back = import_bundle(mallory, bundle_of(again, tmp_path / "c2", zipped))
    assert back.ok, [str(p) for p in back.problems]
    assert mallory.get(case["id"])["retracted"] is False


def test_update_by_a_non_creator_is_flagged_own_edits_are_not(
    team: dict[str, Store], tmp_path: Path
) -> None:
    anna, mallory, carol = team["anna"], team["mallory"], team["carol"]
    case = anna.create("case", {"title": "Anna's"})
    trust(mallory, anna)
    assert import_bundle(mallory, bundle_of(anna, tmp_path / "a", False)).ok
    assert import_bundle(carol, bundle_of(anna, tmp_path / "a2", False)).ok
    mallory.update(case["id"], {"summary": "rewritten"})
    report = import_bundle(carol, bundle_of(mallory, tmp_path / "m", False))
    assert [(r["op"], r["author"]) for r in report.reviews] == [("update", mallory.fingerprint)]
    carol.update(case["id"], {"summary": "checked with Anna"})  # the coordinator has seen it
    assert carol.reviews(case["id"]) == []


# --- 4. imported values are validated --------------------------------------------------------


@FORMS
def test_invalid_values_are_kept_not_projected_and_reported(
    team: dict[str, Store], tmp_path: Path, zipped: bool
) -> None:
    mallory, carol = team["mallory"], team["carol"]
    case = mallory.create("case", {"title": "T"})
    site = mallory.create("site", {"case_id": case["id"], "name": "Market", "lat": 1.0, "lon": 2.0})
    bad = [
        {"lat": "not-a-number"},
        {"lon": {"x": 1}},
        {"alt": 1e308},
        {"name": None},
        {"killed": 99999999999999999999999},  # case 13: beyond 64 bits
    ]
    for fields in bad:
        forge(mallory, kind="site", entity=site["id"], fields=fields)
    forge(mallory, kind="site", entity=site["id"],
          fields={"description": "ok", "drone_model": "from a newer FieldKit"})  # fmt: skip
    orphan = new_id()
    forge(mallory, kind="site", entity=orphan, op="create",
          fields={"case_id": new_id(), "name": "Waiting for its case"})  # fmt: skip
    sent = {e.hash for e in mallory.iter_events()}
    report = import_bundle(carol, bundle_of(mallory, tmp_path / "m", zipped))
    assert report.ok, [str(p) for p in report.problems]
    assert sorted(i["field"] for i in report.invalid) == ["alt", "killed", "lat", "lon", "name"]
    assert all(i["device"] == mallory.device_id and i["reason"] for i in report.invalid)
    shown = carol.get(site["id"])
    assert (shown["lat"], shown["lon"], shown["alt"], shown["name"]) == (1.0, 2.0, None, "Market")
    assert shown["killed"] is None and shown["description"] == "ok"
    assert len(carol.invalid_events()) == 5
    assert [(w["id"], w["field"]) for w in report.waiting] == [(orphan, "case_id")]
    assert carol.get(orphan)["waiting_for"] == {"case_id": report.waiting[0]["waiting_for"]}
    # The journal keeps every event: the chain stays whole, and exports carry them on.
    assert sent <= {e.hash for e in carol.iter_events()}
    assert_sound(carol, tmp_path, zipped)
    # Replaying from empty gives the same tables.
    before = carol.get(site["id"])
    carol.rebuild_projection()
    assert carol.get(site["id"]) == before


# --- 5 and 8. clocks ----------------------------------------------------------------------


@FORMS
@pytest.mark.parametrize(
    "wall_ms", [99_999_000_000_000, clock.MAX_WALL_MS], ids=["year-5138", "past-9999"]
)
def test_clock_from_the_future_is_held_back_and_does_not_poison_ours(
    team: dict[str, Store], tmp_path: Path, zipped: bool, wall_ms: int
) -> None:
    mallory, carol = team["mallory"], team["carol"]
    case = carol.create("case", {"title": "Shared"})
    assert import_bundle(mallory, bundle_of(carol, tmp_path / "c", zipped)).ok
    forge(mallory, kind="case", entity=case["id"], fields={"summary": "from the future"},
          hlc_ms=wall_ms, counter=clock.MAX_COUNTER)  # fmt: skip
    report = import_bundle(carol, bundle_of(mallory, tmp_path / "m", zipped))
    assert report.ok, [str(p) for p in report.problems]
    assert [h["cause"] for h in report.held_back] == ["clock"]
    assert "24 h ahead" in report.held_back[0]["reason"]
    assert carol.get(case["id"])["summary"] is None
    assert carol._clock().wall_ms < clock.wall_ms() + clock.MAX_AHEAD_MS
    updated = carol.update(case["id"], {"summary": "local, later"})
    assert updated["summary"] == "local, later"
    assert [h["event"] for h in carol.held_back()] == [report.held_back[0]["event"]]
    out = fk(carol.home, "case", "show", case["id"], "--json")
    assert json.loads(out.stdout)["summary"] == "local, later"
    assert_sound(carol, tmp_path, zipped)


# --- 9. JSON nested 100,000 levels deep ---------------------------------------------------


@FORMS
@pytest.mark.parametrize("where", ["journal", "checkpoints"])
def test_deeply_nested_json_is_a_clear_problem(
    team: dict[str, Store], tmp_path: Path, zipped: bool, where: str
) -> None:
    import shutil
    import zipfile

    mallory, carol = team["mallory"], team["carol"]
    mallory.create("case", {"title": "T"})
    folder = bundle_of(mallory, tmp_path / "m", False)
    deep = b"[" * 100_000 + b"]" * 100_000
    name = f"{mallory.device_id}.jsonl" if where == "journal" else (
        f"{mallory.device_id}.checkpoints.json")  # fmt: skip
    target = folder / "data" / "journal" / name
    target.write_bytes(deep + b"\n" if where == "journal" else deep)
    path = folder
    if zipped:
        path = tmp_path / "deep.zip"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
            for f in sorted(folder.rglob("*")):
                if f.is_file():
                    zf.write(f, f"{folder.name}/{f.relative_to(folder)}")
        shutil.rmtree(folder)
    verified = verify_bundle(path, keys_dir=carol.keys_dir)
    assert not verified.ok
    report = import_bundle(carol, path)
    assert not report.merged and report.problems
    if not zipped:
        assert any("nested" in p.message for p in verified.problems), verified.problems
    out = fk(carol.home, "import", str(path), "--json", check=False)
    assert out.returncode != 0 and "RecursionError" not in out.stderr + out.stdout
    assert "Traceback" not in out.stderr
    assert_sound(carol, tmp_path, zipped)


# --- revocation -------------------------------------------------------------------------------


def test_revoked_key_is_held_back_from_its_time_and_the_revocation_travels(
    team: dict[str, Store], tmp_path: Path
) -> None:
    anna, mallory, carol = team["anna"], team["mallory"], team["carol"]
    trust(anna, mallory)
    early = mallory.create("case", {"title": "before the seizure"})
    assert import_bundle(carol, bundle_of(mallory, tmp_path / "m1", False)).ok
    assert import_bundle(anna, bundle_of(mallory, tmp_path / "m1b", False)).ok
    seized_at = clock.wall_ms() + 1
    out = fk(carol.home, "keys", "revoke", mallory.fingerprint, "--from",
             clock.iso_of_ms(seized_at), "--reason", "laptop seized", "--json")  # fmt: skip
    assert json.loads(out.stdout)["fingerprint"] == mallory.fingerprint
    late = mallory.create("case", {"title": "written with the seized laptop"})
    carol.close()
    carol = Store.open(carol.home)
    team["carol"] = carol
    trust(carol, mallory)  # even if someone trusts the key again, the revocation holds
    report = import_bundle(carol, bundle_of(mallory, tmp_path / "m2", False))
    assert report.ok
    assert {h["id"] for h in report.held_back} == {late["id"]}
    assert report.held_back[0]["cause"] == "revoked"
    assert carol.get(early["id"])["title"] == "before the seizure"
    assert [c["id"] for c in carol.find("case")] == [early["id"]]
    # The revocation travels to Anna in Carol's bundle, and applies there too.
    assert import_bundle(anna, bundle_of(mallory, tmp_path / "m3", False)).ok
    assert anna.find("case", where={"id": late["id"]})
    trust(anna, carol)
    relayed = import_bundle(anna, bundle_of(carol, tmp_path / "c", False))
    assert relayed.ok, [str(p) for p in relayed.problems]
    assert not anna.find("case", where={"id": late["id"]})
    held = anna.held_back()  # the case, and her later custody records: all hers, all late
    assert late["id"] in {h["id"] for h in held}
    assert {h["device"] for h in held} == {mallory.device_id}
    assert all(h["cause"] == "revoked" for h in held)
    assert_sound(carol, tmp_path, False)


def test_untrusted_chain_in_a_relay_is_refused_unless_accepted(
    team: dict[str, Store],
    templates: dict[str, Path],  # noqa: F811
    tmp_path: Path,
) -> None:
    anna, carol = team["anna"], team["carol"]
    anna.create("case", {"title": "Anna's"})
    assert import_bundle(carol, bundle_of(anna, tmp_path / "a", False)).ok
    relay = bundle_of(carol, tmp_path / "relay", False)
    dan = copy_store(templates, "mallory", tmp_path / "dan")
    try:
        trust(dan, carol)  # trusts the coordinator, not Anna
        refused = import_bundle(dan, relay)
        assert not refused.merged
        assert any(anna.device_id in p.message and "does not trust" in p.message
                   for p in refused.problems)  # fmt: skip
        accepted = import_bundle(dan, relay, accept_untrusted=True)
        assert accepted.ok and accepted.chain_keys[anna.device_id] == anna.fingerprint
    finally:
        dan.close()


def test_mark_reviewed_clears_the_flag_as_a_journal_event_and_travels(
    team: dict[str, Store], tmp_path: Path
) -> None:
    """`fieldkit review list|done`: the coordinator marks a colleague's change as seen."""
    anna, mallory, carol = team["anna"], team["mallory"], team["carol"]
    case = anna.create("case", {"title": "Anna's"})
    trust(mallory, anna)
    assert import_bundle(mallory, bundle_of(anna, tmp_path / "a", False)).ok
    assert import_bundle(carol, bundle_of(anna, tmp_path / "a2", False)).ok
    mallory.retract(case["id"], reason="duplicate")
    assert import_bundle(carol, bundle_of(mallory, tmp_path / "m", False)).ok
    listed = json.loads(fk(carol.home, "review", "list", "--json").stdout)["reviews"]
    assert [(r["id"], r["op"], r["reason"]) for r in listed] == [
        (case["id"], "retract", "duplicate")
    ]
    plain = fk(carol.home, "review", "list").stdout
    assert case["id"] in plain and "retract" in plain and "duplicate" in plain
    out = fk(carol.home, "review", "done", case["id"], "--note", "asked Anna", "--json")
    assert [r["op"] for r in json.loads(out.stdout)["reviewed"]] == ["retract"]
    carol.close()
    again = Store.open(carol.home)
    team["carol"] = again
    assert again.reviews() == []
    assert again.get(case["id"])["retracted"] is True  # the change itself stays
    last = again.history(case["id"])[-1]
    assert (last["op"], last["fields"], last["reason"]) == ("update", {}, "reviewed: asked Anna")
    assert last["author"] == again.fingerprint
    twice = fk(again.home, "review", "done", case["id"], check=False)
    assert twice.returncode != 0 and "no change waiting for review" in twice.stderr
    again.rebuild_projection()
    assert again.reviews() == []  # the same after a replay of the journal
    # The mark travels; where it arrives it flags nothing itself (it changes no value).
    back = import_bundle(anna, bundle_of(again, tmp_path / "c2", False), accept_untrusted=True)
    assert back.ok, [str(p) for p in back.problems]
    assert [r["author"] for r in anna.reviews(case["id"])] == [mallory.fingerprint]
    assert_sound(again, tmp_path, False)
