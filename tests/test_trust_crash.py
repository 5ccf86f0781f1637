"""Issue 9, crash safety extended: SIGKILL during a bundle import while another process
reads the store, 20 runs. Each time: the store is sound (SQLite integrity, the chain, no
stored original without its record), it holds either nothing or everything of the bundle,
the reader never failed and never removed the importer's temporary files, and importing
again completes."""

from __future__ import annotations

import os
import random
import shutil
import time
from pathlib import Path

import pytest

from fieldkit.bundle import export_bundle, import_bundle
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
from tests.zygote import Zygote

IMPORTER = r"""
import os, sys
from pathlib import Path
from fieldkit.bundle import import_bundle
from fieldkit.store import Store
store = Store.open(sys.argv[1], passphrase=os.environ["FIELDKIT_PASSPHRASE"].encode())
print("ready", flush=True)
report = import_bundle(store, Path(sys.argv[2]))
print("done", report.ok, flush=True)
"""

# Another FieldKit process (say `fieldkit site list` in a second window), over and over,
# until the importer is dead and then twice more (so it also opens the store after the kill).
READER = r"""
import os, sys
from pathlib import Path
from fieldkit.store import Store
PASSPHRASE = os.environ["FIELDKIT_PASSPHRASE"].encode()
stop = Path(sys.argv[2])
reads = after = 0
while after < 2:
    after += stop.exists()
    store = Store.open(sys.argv[1], passphrase=PASSPHRASE)
    store.find("site"); store.find("remnant", limit=50); store.count("media")
    store.close()
    reads += 1
print(reads, flush=True)
"""


def _sound(home: Path) -> Store:
    store = Store.open(home)
    assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert store.verify_chain() == []
    return store


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_sigkill_during_import_while_another_process_reads(
    templates: dict[str, Path],  # noqa: F811
    tmp_path: Path,
) -> None:
    anna = copy_store(templates, "anna", tmp_path / "anna")
    base = populate(anna, media=0)
    with anna.transaction():
        for i in range(400):
            anna.create("remnant", {"site_id": base["site"]["id"], "category": "fragment",
                                    "notes": f"fragment {i}"})  # fmt: skip
    for i in range(6):
        add_media(anna, os.urandom(1 << 20), f"big{i}.jpg", base["site"]["id"])
    bundle = Path(
        export_bundle(anna, tmp_path / "big", passphrase=PASS, zip=True, plaintext=True).path
    )
    pristine = tmp_path / "pristine"
    carol = copy_store(templates, "carol", pristine)
    trust(carol, anna)
    anna.close()
    before = snapshot(carol)
    carol.close()
    reference = tmp_path / "reference"
    shutil.copytree(pristine, reference)
    with Store.open(reference) as merged:
        started = time.monotonic()
        assert import_bundle(merged, bundle).ok
        duration = time.monotonic() - started
        after = snapshot(merged, skip=("custody",))

    env = {"FIELDKIT_PASSPHRASE": PASS.decode()}
    rng = random.Random(9)
    outcomes = {"before": 0, "after": 0}
    # Importer and reader are fresh processes forked from one that has imported FieldKit
    # (the import is not what a kill tests); each opens the store itself.
    with Zygote(["fieldkit.store", "fieldkit.bundle"]) as fieldkit:
        for n in range(20):
            home = tmp_path / f"run{n}"
            stop = tmp_path / f"stop{n}"
            shutil.copytree(pristine, home)
            importer = fieldkit.script(IMPORTER, str(home), str(bundle), env=env)
            assert importer.stdout.readline().strip() == "ready"
            reader = fieldkit.script(READER, str(home), str(stop), env=env)
            time.sleep(rng.uniform(0, duration * 1.3))
            importer.kill()
            importer.wait()
            importer.close()
            stop.touch()
            out, err = reader.communicate()
            assert reader.returncode == 0, err
            assert int(out.strip()) > 0
            store = _sound(home)
            try:
                recorded = {
                    store.media.path_of(r["sha256"]).name
                    for r in store.find("media", include_retracted=True)
                }
                on_disk = {p.name for p in store.media.root.glob("??/*")}  # keyed when sealed
                assert recorded <= on_disk  # every record has its original
                if snapshot(store) == before:
                    outcomes["before"] += 1
                else:
                    assert snapshot(store, skip=("custody",)) == after
                    outcomes["after"] += 1
                again = import_bundle(store, bundle)  # whatever happened, it completes
                assert again.ok, [str(p) for p in again.problems]
                assert snapshot(store, skip=("custody",)) == after
            finally:
                store.close()
            shutil.rmtree(home)
    assert outcomes["before"] > 0, outcomes
