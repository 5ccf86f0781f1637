"""An import killed with SIGKILL at random moments leaves a whole, consistent store.

After each kill: SQLite's integrity check passes, every media record has its file and the
file hashes to its name, no temp file survives the next open, the journal chain verifies.
A final uninterrupted run records every file.
"""

from __future__ import annotations

import hashlib
import random
import shutil
import time
from pathlib import Path

import pytest

from fieldkit.store import Store
from tests.test_ingest import jpeg_bytes
from tests.zygote import Zygote

COUNT = 200
KILLS = 20

IMPORTER = r"""
import os
import sys
from pathlib import Path
from fieldkit.ingest import import_media
from fieldkit.store import Store
PASSWORD = os.environ.get("FIELDKIT_PASSPHRASE", "").encode() or None
store = Store.open(sys.argv[1], passphrase=PASSWORD)
print("ready", flush=True)
report = import_media(store, [Path(sys.argv[2])], site_id=sys.argv[3], workers=4)
print("done", len(report.imported), len(report.duplicates), flush=True)
"""


def _check(home: Path) -> int:
    store = Store.open(home)  # removes temp files left by the kill
    try:
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert not [p for p in store.media.tmp.iterdir() if p.name.startswith(".incoming-")]
        rows = store.find("media", include_retracted=True)
        for row in rows:
            path = store.media.path_of(row["sha256"])
            assert path.is_file(), f"media {row['id']} has no file"
            data = store.media.read_original(row["sha256"])  # decrypted when encrypted
            assert hashlib.sha256(data).hexdigest() == row["sha256"]
        shas = [r["sha256"] for r in rows]
        assert len(shas) == len(set(shas)), "a file recorded twice"
        assert store.verify_chain() == []
        for link in store.find("link"):
            store.get(link["media_id"], "media")
        return len(rows)
    finally:
        store.close()


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_sigkill_during_import(store: Store, tmp_path: Path, passphrase_env: bytes) -> None:
    case = store.create("case", {"title": "crash"})["id"]
    site = store.create("site", {"case_id": case, "name": "s"})["id"]
    home = store.home
    store.close()
    pristine = tmp_path / "pristine"
    shutil.copytree(home, pristine)
    folder = tmp_path / "card"
    folder.mkdir()
    for i in range(COUNT):
        (folder / f"IMG_{i:04d}.jpg").write_bytes(
            jpeg_bytes(size=(480, 360), tag=f"crash {i}", color=(i % 256, 90, 160))
        )
    rng = random.Random(20201009)
    # Each importer is a fresh process forked from one that has imported FieldKit (the
    # import is not what a kill tests); it opens the store itself and is killed with SIGKILL.
    with Zygote(["fieldkit.store", "fieldkit.ingest"]) as importers:
        # How long an uninterrupted import takes on this machine right now (it varies with
        # the load by several times): the kills are spread over that, not a fixed guess.
        calibration = tmp_path / "calibration"
        shutil.copytree(pristine, calibration)
        duration = _timed_run(importers, calibration, folder, site)
        shutil.rmtree(calibration)
        recorded = 0
        progress: list[int] = []
        for _ in range(KILLS):
            proc = importers.script(IMPORTER, str(home), str(folder), site)
            assert proc.stdout.readline().strip() == "ready"
            time.sleep(rng.uniform(0.0, duration * 0.9))
            proc.kill()
            proc.wait()
            proc.close()
            now = _check(home)
            assert now >= recorded  # committed work is never lost
            progress.append(now)
            recorded = now
            if now == COUNT:  # finished before the kill: start again from an empty store
                shutil.rmtree(home)
                shutil.copytree(pristine, home)
                recorded = 0
        # The kills landed before, during and after the import (not all at one moment).
        print("records after each kill:", progress)
        assert len([n for n in progress if 0 < n < COUNT]) >= KILLS // 2
        # One run to the end records everything, each file once.
        final_run = importers.script(IMPORTER, str(home), str(folder), site)
        out, err = final_run.communicate()
        assert final_run.returncode == 0, err
    assert out.splitlines()[-1].startswith("done")
    assert _check(home) == COUNT
    final = Store.open(home)
    try:
        assert len(final.find("link", where={"target_id": site})) == COUNT
    finally:
        final.close()


def _timed_run(importers: Zygote, home: Path, folder: Path, site: str) -> float:
    """Seconds from the importer's "ready" to its exit, for one run to the end."""
    proc = importers.script(IMPORTER, str(home), str(folder), site)
    assert proc.stdout.readline().strip() == "ready"
    started = time.monotonic()
    rest, err = proc.communicate()
    assert proc.returncode == 0, err
    assert rest.startswith("done")
    return time.monotonic() - started
