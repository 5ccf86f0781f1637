"""An import killed with SIGKILL at random moments leaves a whole, consistent store.

After each kill: SQLite's integrity check passes, every media record has its file and the
file hashes to its name, no temp file survives the next open, the journal chain verifies.
A final uninterrupted run records every file.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fieldkit.store import Store
from tests.test_ingest import jpeg_bytes

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
    script = tmp_path / "importer.py"
    script.write_text(IMPORTER)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    rng = random.Random(20201009)
    # How long an uninterrupted import takes on this machine right now (it varies with the
    # load by several times): the kills are spread over that, not over a fixed guess.
    calibration = tmp_path / "calibration"
    shutil.copytree(pristine, calibration)
    duration = _timed_run(script, calibration, folder, site, env)
    shutil.rmtree(calibration)
    recorded = 0
    progress: list[int] = []
    for _ in range(KILLS):
        proc = subprocess.Popen(
            [sys.executable, str(script), str(home), str(folder), site],
            stdout=subprocess.PIPE,
            env=env,
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == b"ready"
        time.sleep(rng.uniform(0.0, duration * 0.9))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
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
    out = subprocess.run(
        [sys.executable, str(script), str(home), str(folder), site],
        capture_output=True,
        env=env,
        check=True,
        timeout=120,
    )
    assert out.stdout.splitlines()[-1].startswith(b"done")
    assert _check(home) == COUNT
    final = Store.open(home)
    try:
        assert len(final.find("link", where={"target_id": site})) == COUNT
    finally:
        final.close()


def _timed_run(script: Path, home: Path, folder: Path, site: str, env: dict[str, str]) -> float:
    """Seconds from the importer's "ready" to its exit, for one run to the end."""
    proc = subprocess.Popen(
        [sys.executable, str(script), str(home), str(folder), site],
        stdout=subprocess.PIPE,
        env=env,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == b"ready"
    started = time.monotonic()
    rest = proc.stdout.read()
    assert proc.wait(timeout=120) == 0
    proc.stdout.close()
    assert rest.startswith(b"done")
    return time.monotonic() - started
