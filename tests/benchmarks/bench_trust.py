"""Import of a coordinator's relayed bundle: time and peak memory (issue 9's figure).

    .venv/bin/python tests/benchmarks/bench_trust.py                 # 100k events
    .venv/bin/python tests/benchmarks/bench_trust.py --events 10000

An investigator (anna) writes N events; the coordinator (carol) imports her full bundle
and re-exports a full combined bundle (a relay: anna's chain with anna's own signed
checkpoints, signed as a whole by carol). A third store (dan), trusting both keys,
imports carol's bundle: that import (verify + every event's checkpoint, author and
field validation + merge) is what is timed, in a child process so its peak RSS
(VmHWM) is its own. The same script measured before and after the trust change gives
the ratio; the goal is <= 1.3x. The reference in the same run is a plain verify of the
same bundle (signature and hashes only), so a loaded machine shows in both.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.bench_bundle import PASS, child, make_store  # noqa: E402


def bench_relay(work: Path, events: int) -> dict[str, float]:
    from fieldkit.bundle import export_bundle, import_bundle
    from fieldkit.crypto import trustlist
    from fieldkit.ids import new_id
    from fieldkit.store import Store

    a_home, c_home, d_home = work / "anna", work / "carol", work / "dan"
    for home, name in ((a_home, "anna"), (c_home, "carol"), (d_home, "dan")):
        make_store(home, name)
    a = Store.open(a_home)
    case = a.create("case", {"title": "bench"})
    site = a.create("site", {"case_id": case["id"], "name": "bench"})
    t = time.perf_counter()
    with a.transaction():
        for i in range(events):
            a._append(  # direct: generating, not measuring, events
                "remnant",
                new_id(),
                "create",
                {"site_id": site["id"], "category": "fragment", "notes": f"fragment {i}"},
                reproject=False,
            )
    a.rebuild_projection()
    gen = time.perf_counter() - t
    a_bundle = Path(export_bundle(a, work / "from-anna", passphrase=PASS.encode(), full=True).path)
    c = Store.open(c_home)
    d = Store.open(d_home)
    trustlist.trust(c.keys_dir, trustlist.export_public(a.keys_dir))
    trustlist.trust(d.keys_dir, trustlist.export_public(a.keys_dir))
    trustlist.trust(d.keys_dir, trustlist.export_public(c.keys_dir))
    t = time.perf_counter()
    report = import_bundle(c, a_bundle)
    assert report.ok, report.to_json()
    relay_import = time.perf_counter() - t
    relay = Path(export_bundle(c, work / "relay", passphrase=PASS.encode(), full=True).path)
    a.close()
    c.close()
    d.close()
    ver = child("verify", str(d_home), str(relay))
    imp = child("import", str(d_home), str(relay))
    return {
        "events": events,
        "generate_s": round(gen, 2),
        "coordinator_import_s": round(relay_import, 2),
        "verify_relay_s": round(ver["seconds"], 2),
        "import_relay_s": round(imp["seconds"], 2),
        "import_relay_rss_mb": round(imp["rss_mb"], 1),
        "ratio_import_vs_verify": round(imp["seconds"] / ver["seconds"], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--work", default=tempfile.gettempdir())
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="fk-bench-trust-", dir=args.work))
    try:
        print(json.dumps(bench_relay(work, args.events), indent=1))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
