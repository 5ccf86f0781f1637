"""A writer killed with SIGKILL at random moments leaves a whole, consistent store."""

from __future__ import annotations

import random
import signal
import time
from pathlib import Path

import pytest

from fieldkit.store import Store
from tests.zygote import Zygote

WRITER = r"""
import os
import sys
from fieldkit.store import Store
PASSWORD = os.environ.get("FIELDKIT_PASSPHRASE", "").encode() or None
store = Store.open(sys.argv[1], passphrase=PASSWORD)
case = store.find("case")[0]["id"]
print("ready", flush=True)
i = 0
while True:
    i += 1
    # One record made of several fields that must always agree; updates change both.
    site = store.create("site", {"case_id": case, "name": f"site {i}", "killed": i,
                                 "injured": 2 * i, "description": "x" * (i % 500)})
    store.update(site["id"], {"killed": i + 1, "injured": 2 * (i + 1)})
    if i % 3 == 0:
        with store.transaction():
            # Several records in one transaction: all or none.
            tag = f"pair {os.getpid()} {i}"
            store.create("remnant", {"site_id": site["id"], "category": "submunition",
                                     "munition_type": "9N235", "notes": tag})
            store.create("remnant", {"site_id": site["id"], "category": "fuze",
                                     "munition_type": "9N235", "notes": tag})
    if i % 7 == 0:
        store.retract(site["id"], reason=f"test {i}")
"""


@pytest.mark.slow
def test_sigkill_at_random_moments(store: Store, tmp_path: Path, passphrase_env: bytes) -> None:
    store.create("case", {"title": "crash test"})
    home = store.home
    store.close()
    rng = random.Random(1234)
    kills = 0
    # Each writer is a fresh process (forked from one that has imported FieldKit: the
    # import is not what a kill tests), opening the store itself and killed with SIGKILL.
    with Zygote(["fieldkit.store"]) as writers:
        while kills < 50:
            proc = writers.script(WRITER, str(home))
            assert proc.stdout.readline().strip() == "ready"
            time.sleep(rng.uniform(0.0, 0.25))
            proc.kill()
            assert proc.wait() == -signal.SIGKILL
            proc.close()
            kills += 1
            check_store(home)
    s = Store.open(home)
    try:
        assert s.count("site", include_retracted=True) > 50
    finally:
        s.close()


def check_store(home: Path) -> None:
    s = Store.open(home)
    try:
        assert s.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert s.verify_chain() == []
        for site in s.find("site", include_retracted=True):
            assert site["injured"] == 2 * site["killed"], site
        pairs: dict[str, int] = {}
        for r in s.find("remnant", include_retracted=True):
            pairs[r["notes"]] = pairs.get(r["notes"], 0) + 1
        assert all(n == 2 for n in pairs.values()), pairs
        # The projection is exactly what the journal says.
        from tests.conftest import table_dump

        before = table_dump(s)
        s.rebuild_projection()
        assert table_dump(s) == before
    finally:
        s.close()
