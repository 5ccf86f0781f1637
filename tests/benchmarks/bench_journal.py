"""Journal figures: events appended per second, projection rebuild time, growth.

Run:  .venv/bin/python tests/benchmarks/bench_journal.py [--events 100000]

Reference in the same run: inserting the same event bytes into a bare SQLite table with
the same durability settings (WAL, synchronous=FULL) - the floor any journal on SQLite
pays. Not a pytest test: figures go in the closing note, not in assertions.
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from pathlib import Path

from fieldkit.store import Store


def make_store(root: Path, name: str) -> Store:
    return Store.init(root / name, name="Bench", email="bench@example.org", passphrase=b"pw")


def fill(store: Store, n: int, *, batch: int) -> float:
    """Append about ``n`` events (creates and updates of sites), ``batch`` per transaction."""
    case = store.create("case", {"title": "bench"})["id"]
    t0 = time.perf_counter()
    made = 0
    site = None
    while made < n:
        with store.transaction():
            for _ in range(min(batch, n - made)):
                if site is None or made % 4 == 0:
                    site = store.create(
                        "site", {"case_id": case, "name": f"site {made}", "lat": 39.8, "lon": 46.7}
                    )["id"]
                else:
                    store.update(site, {"killed": made % 13, "description": f"d{made}"})
                made += 1
    return time.perf_counter() - t0


def reference_inserts(root: Path, store: Store) -> float:
    rows = [(h, bytes(d)) for h, d in store.conn.execute("SELECT hash, data FROM events")]
    conn = sqlite3.connect(root / "ref.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE e (hash TEXT PRIMARY KEY, data BLOB)")
    t0 = time.perf_counter()
    for h, d in rows[:2000]:
        conn.execute("BEGIN")
        conn.execute("INSERT INTO e VALUES (?, ?)", (h, d))
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - t0
    conn.close()
    return 2000 / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        single = make_store(root, "single")
        dt = fill(single, 2000, batch=1)
        per_s_single = 2000 / dt
        ref = reference_inserts(root, single)
        print(
            f"append, one event per transaction (fsync each): {per_s_single:8.0f} events/s"
            f"   bare SQLite same settings: {ref:8.0f} rows/s   ratio {ref / per_s_single:.2f}x"
        )
        single.close()

        sizes = sorted({10_000, args.events})
        rebuild: dict[int, float] = {}
        for n in sizes:
            s = make_store(root, f"s{n}")
            dt = fill(s, n, batch=1000)
            total = s.event_count()
            print(f"append, 1000 per transaction ({total} events): {total / dt:8.0f} events/s")
            t0 = time.perf_counter()
            s.rebuild_projection()
            rebuild[n] = time.perf_counter() - t0
            print(
                f"rebuild projection from {total} events: {rebuild[n]:.2f} s"
                f"  ({total / rebuild[n]:.0f} events/s)"
            )
            problems = s.verify_chain()
            assert not problems, problems[:3]
            s.close()
        if len(sizes) == 2:
            small, big = sizes
            print(
                f"growth: {big // small}x the events took {rebuild[big] / rebuild[small]:.1f}x "
                "the rebuild time (linear would be the same factor)"
            )


if __name__ == "__main__":
    main()
