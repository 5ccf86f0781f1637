"""The fast paths of verify and import give the same answers as the plain ones.

Folder payloads are hashed by a thread pool unless ``serial=True``; the two must give
identical reports, good or tampered. Import streams each journal twice (verify, then
merge) instead of holding the events; a journal swapped between the two reads undoes
the merge. ``Store.merge_events`` takes a stream in device and sequence order.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from fieldkit.bundle import export_bundle, import_bundle, verify_bundle
from fieldkit.bundle import importer as importer_module
from fieldkit.bundle import payload as payload_module
from fieldkit.bundle import verify as verify_module
from fieldkit.errors import Cancelled, StoreError
from fieldkit.progress import CancelToken
from fieldkit.store import Store
from tests.test_bundle_support import (  # noqa: F401 - templates is a fixture
    PASS,
    add_media,
    copy_store,
    populate,
    snapshot,
    templates,
    trust,
)


@pytest.fixture(autouse=True)
def two_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    # The pool is used even on a one-CPU test machine.
    monkeypatch.setattr(payload_module, "hash_workers", lambda: 3)


@pytest.fixture(scope="module")
def made(templates: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Any:  # noqa: F811
    root = tmp_path_factory.mktemp("perf")
    store = copy_store(templates, "anna", root / "anna")
    base = populate(store, media=6)
    for i in range(4):
        add_media(store, bytes([i]) * (3 * (1 << 20) + 17 * i), f"big{i}.mp4", base["site"]["id"])
    store.checkpoint(passphrase=PASS)
    with store.transaction():
        for i in range(300):
            store.create(
                "remnant",
                {"site_id": base["site"]["id"], "category": "fragment", "notes": f"piece {i}"},
            )
    folder = Path(
        export_bundle(store, root / "bundle", passphrase=PASS, full=True, plaintext=True).path
    )
    store.close()
    return {"root": root, "folder": folder, "anna": store.home}


def _both(path: Path, keys_dir: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    parallel = verify_bundle(path, keys_dir=keys_dir).to_json()
    serial = verify_bundle(path, keys_dir=keys_dir, serial=True).to_json()
    return parallel, serial


def test_parallel_and_serial_reports_are_identical(made: Any, tmp_path: Path) -> None:
    keys_dir = made["anna"] / "keys"
    parallel, serial = _both(made["folder"], keys_dir)
    assert parallel == serial
    assert parallel["ok"], parallel["problems"]
    assert parallel["media_files"] == 10 and parallel["events"] > 300

    bad = tmp_path / "bad"
    import shutil

    shutil.copytree(made["folder"], bad)
    media = sorted((bad / "data" / "media").rglob("*"))
    files = [m for m in media if m.is_file()]
    big = max(files[1:], key=lambda m: m.stat().st_size)
    data = bytearray(big.read_bytes())
    data[len(data) // 2] ^= 1
    big.write_bytes(bytes(data))  # a changed byte mid-file
    files[0].unlink()  # a missing file
    (files[1].parent / ("0" * 64)).write_bytes(b"not listed")  # an unlisted, misnamed file
    (bad / "data" / "export" / "README.txt").write_bytes(b"changed")
    journal = next((bad / "data" / "journal").glob("*.jsonl"))
    lines = journal.read_bytes().split(b"\n")
    lines[5], lines[6] = lines[6], lines[5]  # two events swapped
    journal.write_bytes(b"\n".join(lines))
    parallel, serial = _both(bad, keys_dir)
    assert parallel == serial
    checks = {p["code"] for p in parallel["problems"]}
    assert {"checksum", "missing", "unlisted", "chain", "media"} <= checks, checks


def test_progress_comes_from_the_calling_thread_and_ends_at_the_total(made: Any) -> None:
    seen: list[tuple[int, int, str, threading.Thread]] = []
    report = verify_bundle(
        made["folder"],
        keys_dir=made["anna"] / "keys",
        progress=lambda d, t, m: seen.append((d, t, m, threading.current_thread())),
    )
    assert report.ok
    assert {s[3] for s in seen} == {threading.current_thread()}
    assert seen[-1][0] == seen[-1][1]
    assert [s[0] for s in seen] == sorted(s[0] for s in seen)


@pytest.mark.parametrize("serial", [False, True])
def test_cancel_stops_the_hashing(made: Any, serial: bool) -> None:
    token = CancelToken()
    before = {t.name for t in threading.enumerate()}

    def progress(done: int, total: int, message: str) -> None:
        if done > 0:
            token.cancel()

    with pytest.raises(Cancelled):
        verify_bundle(
            made["folder"],
            keys_dir=made["anna"] / "keys",
            progress=progress,
            cancel=token,
            serial=serial,
        )
    leaked = {t.name for t in threading.enumerate()} - before
    assert not [n for n in leaked if n.startswith("fieldkit-verify")]


def test_journal_hashes_kept_only_for_checkpointed_events(made: Any) -> None:
    source = verify_module.FolderSource(made["folder"])
    (rel,) = [r for r in source.files if r.endswith(".jsonl")]
    cps = rel.replace(".jsonl", ".checkpoints.json")
    outcomes: dict[str, Any] = {}
    outcomes[cps] = payload_module.read_parsed(source, cps, outcomes, lambda n: None)
    jf = payload_module.read_parsed(source, rel, outcomes, lambda n: None).journal
    assert jf is not None
    jf.finish()
    assert jf.count > 300
    wanted = payload_module.wanted_seqs(outcomes[cps].held)
    assert wanted and set(jf.hashes) == wanted


def test_import_streams_and_matches_a_list_merge(
    templates: dict[str, Path],  # noqa: F811
    made: Any,
    tmp_path: Path,
) -> None:
    anna = Store.open(made["anna"])
    c = copy_store(templates, "carol", tmp_path / "c")
    d = copy_store(templates, "bob", tmp_path / "d")
    trust(c, anna)
    report = import_bundle(c, made["folder"])
    assert report.ok, [str(p) for p in report.problems]
    ((device, (_, last)),) = report.devices.items()
    carried = [e for e in anna.iter_events() if e.device == device and e.seq <= last]
    assert len(carried) == anna.event_count() - 1  # the export's own custody event
    cps = [cp for cp in anna.checkpoints() if cp["seq"] <= last]
    listed = d.merge_events(list(carried), checkpoints=cps)
    assert listed.problems == []
    assert (report.new_events, report.devices) == (listed.new_events, listed.devices)
    assert report.new_records == listed.new_records
    assert snapshot(c, skip=("custody", "person", "device")) == snapshot(
        d, skip=("custody", "person", "device")
    )
    # A stream (a generator) in device and seq order gives the same as a list.
    e = copy_store(templates, "mallory", tmp_path / "e")
    streamed = e.merge_events(iter(carried), checkpoints=cps)
    assert streamed.to_json() == listed.to_json()
    again = e.merge_events(anna.iter_events())  # a generator
    assert (again.new_events, again.already_present) == (1, len(carried))
    for store in (anna, c, d, e):
        store.close()


def test_a_stream_out_of_order_merges_nothing(
    templates: dict[str, Path],  # noqa: F811
    made: Any,
    tmp_path: Path,
) -> None:
    anna = Store.open(made["anna"])
    events = list(anna.iter_events())
    anna.close()
    c = copy_store(templates, "carol", tmp_path / "c")
    before = (snapshot(c), c.event_count())
    swapped = [*events[:3], events[4], events[3], *events[5:]]
    with pytest.raises(StoreError) as err:
        c.merge_events(iter(swapped))
    assert "sequence order" in str(err.value)
    assert (snapshot(c), c.event_count()) == before
    # The same events as a list are sorted first and merge.
    assert c.merge_events(swapped).problems == []
    c.close()


def test_a_journal_changed_between_verify_and_merge_undoes_the_merge(
    templates: dict[str, Path],  # noqa: F811
    made: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import shutil

    bundle = tmp_path / "bundle"
    shutil.copytree(made["folder"], bundle)
    anna = Store.open(made["anna"])
    c = copy_store(templates, "carol", tmp_path / "c")
    trust(c, anna)
    anna.close()
    before = (snapshot(c), c.event_count())
    real = importer_module._journal_events

    def swap_then_read(source: Any, contents: Any, cancel: Any) -> Any:
        # After verification: the journal loses its last event (still a valid chain).
        for rel, _ in contents.journals.values():
            path = bundle / rel
            path.write_bytes(b"".join(path.read_bytes().splitlines(keepends=True)[:-1]))
        return real(source, contents, cancel)

    monkeypatch.setattr(importer_module, "_journal_events", swap_then_read)
    report = import_bundle(c, bundle)
    assert not report.ok and not report.merged
    assert any(p.code == "changed" for p in report.problems), report.problems
    assert (snapshot(c), c.event_count()) == before
    c.close()
