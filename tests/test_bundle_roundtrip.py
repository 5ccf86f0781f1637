"""Two investigators and a coordinator exchange bundles; the merge is order-independent,
idempotent, keeps both sides of a conflict, and the result verifies with real tools."""

from __future__ import annotations

import os
import random
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from fieldkit.bundle import export_bundle, import_bundle, verify_bundle
from fieldkit.store import Store
from tests.test_bundle_support import (  # noqa: F401 - templates is a fixture
    PASS,
    add_media,
    allowed_signers_file,
    check_with_tools,
    copy_store,
    event_hashes,
    populate,
    snapshot,
    templates,
    trust,
)
from tests.zygote import Zygote


def _imported(store: Store, path: Path) -> Any:
    report = import_bundle(store, path)
    assert report.ok, [str(p) for p in report.problems]
    return report


@pytest.fixture(scope="module")
def world(templates: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Any:  # noqa: F811
    root = tmp_path_factory.mktemp("world")
    a = copy_store(templates, "anna", root / "anna")
    b = copy_store(templates, "bob", root / "bob")
    trust(b, a)
    trust(a, b)
    base = populate(a, media=2, seed=1)
    files = dict(base["files"])
    a1 = Path(export_bundle(a, root / "a1", passphrase=PASS, zip=True, plaintext=True).path)
    _imported(b, a1)
    site = base["site"]["id"]
    # Concurrent edits of the same field, from the same base.
    a.update(site, {"description": "crater 1.2 m, fins found"})
    b.update(site, {"description": "crater 1.4 m, no fins"})
    a.create("remnant", {"site_id": site, "category": "fuze"})
    files[add_media(a, b"anna photo " * 5000, "a.jpg", site)["sha256"]] = b"anna photo " * 5000
    b.create(
        "statement",
        {
            "case_id": base["case"]["id"],
            "witness_code": "W-2",
            "consent": "anonymous",
            "sensitivity": "restricted",
        },
    )
    files[add_media(b, b"bob video " * 7000, "b.mp4", site)["sha256"]] = b"bob video " * 7000
    a2 = Path(export_bundle(a, root / "a2", passphrase=PASS, plaintext=True).path)
    b1 = Path(export_bundle(b, root / "b1", passphrase=PASS, zip=True, plaintext=True).path)
    yield {"root": root, "a": a, "b": b, "a1": a1, "a2": a2, "b1": b1, "site": site, "files": files}
    a.close()
    b.close()


def _coordinator(templates: dict[str, Path], world: Any, dest: Path) -> Store:  # noqa: F811
    c = copy_store(templates, "carol", dest)
    trust(c, world["a"])
    trust(c, world["b"])
    return c


def test_three_stores_merge_in_any_order(
    templates: dict[str, Path],  # noqa: F811
    world: Any,
    tmp_path: Path,
) -> None:
    c1 = _coordinator(templates, world, tmp_path / "c1")
    c2 = _coordinator(templates, world, tmp_path / "c2")
    for path in (world["a1"], world["a2"], world["b1"]):
        _imported(c1, path)
    for path in (world["b1"], world["a2"], world["a1"]):
        import_bundle(c2, path)  # a1 after b1 is all already present
    assert snapshot(c1, skip=("custody",)) == snapshot(c2, skip=("custody",))
    assert event_hashes(c1) - event_hashes(c2) == {
        e.hash for e in c1.iter_events(device=c1.device_id)
    } - event_hashes(c2)

    site = c1.get(world["site"])
    assert site["conflict"]
    values = {c["value"] for c in site["conflicts"]["description"]}
    assert values == {"crater 1.2 m, fins found", "crater 1.4 m, no fins"}
    resolved = c1.resolve(world["site"], "description", "crater 1.2-1.4 m; fins disputed")
    assert not resolved["conflict"]

    for sha, data in world["files"].items():
        assert c1.media.read_original(sha) == data
        assert c2.media.read_original(sha) == data

    # The coordinator's full re-export: other devices' chains with their checkpoints.
    full = export_bundle(c1, tmp_path / "combined", passphrase=PASS, full=True, plaintext=True)
    assert set(full.devices) == {world["a"].device_id, world["b"].device_id, c1.device_id}
    report = verify_bundle(Path(full.path), keys_dir=c1.keys_dir)
    assert report.ok, [str(p) for p in report.problems]
    assert not [w for w in report.warnings if w.code == "device-key-unknown"]
    signers = allowed_signers_file(c1, tmp_path / "allowed_signers")
    check_with_tools(Path(full.path), signers, "carol@example.org")
    # ... and it re-imports into a fresh coordinator as the same tables.
    # (another person's store: copies of one template share a device id)
    c3 = copy_store(templates, "mallory", tmp_path / "c3")
    trust(c3, c1)
    # Issue 9: a relay carries anna's and bob's chains but cannot vouch for them; each
    # chain's own key must be trusted too (or accepted explicitly).
    trust(c3, world["a"])
    trust(c3, world["b"])
    _imported(c3, Path(full.path))
    skip = ("custody", "person", "device")  # c3 also holds its own person and device
    assert snapshot(c3, skip=skip) == snapshot(c1, skip=skip)
    for kind in ("person", "device"):
        theirs = {r["id"]: r for r in c3.find(kind, include_retracted=True)}
        assert all(theirs[r["id"]] == r for r in c1.find(kind, include_retracted=True))
    for store in (c1, c2, c3):
        assert store.verify_chain() == []
        store.close()


def test_importing_twice_changes_nothing(
    templates: dict[str, Path],  # noqa: F811
    world: Any,
    tmp_path: Path,
) -> None:
    c = _coordinator(templates, world, tmp_path / "c")
    _imported(c, world["a1"])
    before = (snapshot(c), event_hashes(c), c.checkpoints())
    again = _imported(c, world["a1"])
    assert again.new_events == 0 and again.already_present > 0 and again.media_new == 0
    assert (snapshot(c), event_hashes(c), c.checkpoints()) == before  # custody included
    c.close()


def test_incremental_exports_chain_and_a_missing_one_is_a_gap(
    templates: dict[str, Path],  # noqa: F811
    world: Any,
    tmp_path: Path,
) -> None:
    a1 = verify_bundle(world["a1"], keys_dir=world["a"].keys_dir)
    a2 = verify_bundle(world["a2"], keys_dir=world["a"].keys_dir)
    assert a1.ok and a2.ok
    assert a2.previous_bundle == a1.bundle_id
    (dev,) = a2.devices
    assert a2.devices[dev]["first"] == a1.devices[dev]["last"] + 1
    assert a2.devices[dev]["continues_from"]["hash"] == a1.devices[dev]["head"]

    c = _coordinator(templates, world, tmp_path / "c")
    before = snapshot(c)
    gap = import_bundle(c, world["a2"])
    assert not gap.ok and not gap.merged
    assert any("gap" in p.message for p in gap.problems)
    assert snapshot(c) == before
    _imported(c, world["a1"])
    _imported(c, world["a2"])
    c.close()


# --- crash during import ------------------------------------------------------------------

_CHILD = """
import os
import sys
from pathlib import Path
from fieldkit.store import Store
from fieldkit.bundle import import_bundle
PASSWORD = os.environ.get("FIELDKIT_PASSPHRASE", "").encode() or None
store = Store.open(Path(sys.argv[1]), passphrase=PASSWORD)
print("ready", flush=True)
report = import_bundle(store, Path(sys.argv[2]))
print("done", report.ok, flush=True)
"""


@pytest.mark.slow
def test_kill_during_import_leaves_before_or_after(
    templates: dict[str, Path],  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FIELDKIT_PASSPHRASE", PASS.decode())  # for the child's Store.open
    a = copy_store(templates, "anna", tmp_path / "anna")
    base = populate(a, media=0)
    with a.transaction():
        for i in range(600):
            a.create(
                "remnant",
                {"site_id": base["site"]["id"], "category": "fragment", "notes": f"fragment {i}"},
            )
    for i in range(6):
        add_media(a, os.urandom(1 << 20), f"big{i}.jpg", base["site"]["id"])
    bundle = Path(
        export_bundle(a, tmp_path / "big", passphrase=PASS, zip=True, plaintext=True).path
    )
    pristine = tmp_path / "pristine"
    c = copy_store(templates, "carol", pristine)
    trust(c, a)
    a.close()
    before = snapshot(c)
    c.close()
    merged_home = tmp_path / "merged"
    shutil.copytree(pristine, merged_home)
    merged = Store.open(merged_home)
    started = time.monotonic()
    _imported(merged, bundle)
    duration = time.monotonic() - started
    after = snapshot(merged, skip=("custody",))
    merged.close()

    rng = random.Random(20)
    outcomes = {"before": 0, "after": 0}
    # Each importer is a fresh process forked from one that has imported FieldKit (the
    # import is not what a kill tests); it opens the store itself.
    with Zygote(["fieldkit.store", "fieldkit.bundle"]) as fieldkit:
        for n in range(20):
            home = tmp_path / f"run{n}"
            shutil.copytree(pristine, home)
            child = fieldkit.script(_CHILD, str(home), str(bundle))
            assert child.stdout.readline().strip() == "ready"
            time.sleep(rng.uniform(0, duration * 1.3))
            child.kill()
            child.wait()
            child.close()
            store = Store.open(home)
            assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert store.verify_chain() == []
            state = snapshot(store)
            if state == before:
                outcomes["before"] += 1
            else:
                assert snapshot(store, skip=("custody",)) == after
                outcomes["after"] += 1
            # Whatever happened, importing again completes the merge.
            import_bundle(store, bundle)
            assert snapshot(store, skip=("custody",)) == after
            store.close()
            shutil.rmtree(home)
    assert outcomes["before"] > 0, outcomes


def test_log_of_a_record_shows_the_bundles_that_carried_it(make_store, tmp_path):  # type: ignore[no-untyped-def]
    from fieldkit.bundle import export_bundle, import_bundle
    from fieldkit.crypto.trustlist import export_public, trust
    from tests.conftest import PASSPHRASE

    a, c = make_store("A"), make_store("C")
    case = a.create("case", {"title": "Custody"})
    site = a.create("site", {"case_id": case["id"], "name": "Bus stop"})
    exported = export_bundle(a, tmp_path / "b1", passphrase=PASSPHRASE, plaintext=True)
    trust(c.keys_dir, export_public(a.keys_dir))
    import_bundle(c, exported.path)
    other = a.create("case", {"title": "Not carried by b1"})

    def custody(store, record_id):  # type: ignore[no-untyped-def]
        return [
            (e["fields"]["action"], e["fields"]["bundle_id"])
            for e in store.history(record_id)
            if e["kind"] == "custody"
        ]

    assert custody(a, site["id"]) == [("export", exported.bundle_id)]
    assert custody(c, site["id"]) == [("import", exported.bundle_id)]
    assert custody(a, other["id"]) == []


def test_dry_run_shows_the_merge_and_writes_nothing(
    templates: dict[str, Path],  # noqa: F811
    world: Any,
    tmp_path: Path,
) -> None:
    import hashlib

    c = _coordinator(templates, world, tmp_path / "c")
    _imported(c, world["a1"])
    _imported(c, world["a2"])  # Anna's edit; Bob's concurrent one is in b1

    def files() -> dict[str, str]:
        c.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return {
            str(p.relative_to(c.home)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(c.home.rglob("*"))
            if p.is_file() and not p.name.endswith("-shm")  # SQLite's index, not data
        }

    before = (files(), snapshot(c), event_hashes(c))
    preview = import_bundle(c, world["b1"], dry_run=True)
    assert preview.ok and preview.preview and not preview.merged
    assert (files(), snapshot(c), event_hashes(c)) == before  # nothing written at all
    assert preview.media_new == 1
    assert [x["field"] for x in preview.conflicts] == ["description"]
    real = _imported(c, world["b1"])
    assert real.merged and not real.preview
    assert (real.new_events, real.new_records, real.changed_records, real.conflicts) == (
        preview.new_events,
        preview.new_records,
        preview.changed_records,
        preview.conflicts,
    )
    c.close()


@pytest.mark.skipif(sys.platform != "linux", reason="a non-UTF-8 file name")
def test_an_out_path_that_cannot_be_recorded_is_refused_before_writing(store, tmp_path):
    """The export's path goes into its custody record (UTF-8 JSON) after the bundle is
    in place: a name that is not UTF-8 is refused first, so no bundle is left unrecorded."""
    from fieldkit.errors import BundleError
    from tests.conftest import PASSPHRASE

    folder = tmp_path / "out"
    folder.mkdir()
    out = Path(os.fsdecode(bytes(folder) + b"/bundle-\xff"))
    with pytest.raises(BundleError, match="not a UTF-8 path"):
        export_bundle(store, out, passphrase=PASSPHRASE, full=True)
    assert list(folder.iterdir()) == []
    assert store.conn.execute("SELECT count(*) FROM exports").fetchone()[0] == 0


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM")
def test_sigterm_during_an_export_leaves_nothing_behind(store, tmp_path, passphrase_env):
    """A shutdown or `kill` (SIGTERM) mid-export unwinds like Ctrl+C: exit 143, the
    partial bundle removed, the store's exports unchanged."""
    import signal
    import subprocess

    for i in range(30):  # 120 MB: the export runs long enough to be caught in the middle
        stored = store.media.put_bytes(os.urandom((4 << 20) - i))
        store.create("media", {"sha256": stored.sha256, "size": stored.size, "mime": "video/mp4"})
    home = store.home
    store.close()
    folder = tmp_path / "out"
    folder.mkdir()
    command = ["export", "--full", "--out", str(folder / "bundle")]
    proc = subprocess.Popen(
        [sys.executable, "-m", "fieldkit", "--home", str(home), *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while not any(folder.glob("bundle.partial-*/data/media")) and proc.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert b"fieldkit: terminated" in err
    assert list(folder.iterdir()) == []
    with Store.open(home, passphrase=passphrase_env) as again:
        assert again.conn.execute("SELECT count(*) FROM exports").fetchone()[0] == 0
