"""What encryption at rest costs: the same work on an encrypted and an unencrypted store.

    python tests/benchmarks/bench_encryption.py [--photos 300] [--export-mb 400] [--rounds 2]

In one run, on the same inputs:

  (a) import of N real photos (the JPEGs of ../shared/corpus, cycled; a copy beyond the
      first gets a unique trailer after its end-of-image marker, so every file is a
      distinct, still valid photo), thumbnails included, into a fresh store of each kind;
  (b) a full export (a folder bundle) of a store holding ``--export-mb`` of originals, and
      ``fieldkit verify`` of that bundle, for each kind;
  (c) unlocking: Argon2id with the default (memory-hard) parameters, then opening the
      database, as ``fieldkit`` does for every command.

Each timing is the best of ``--rounds``; the kinds alternate so that load on the machine
hits both. Prints seconds and the encrypted/unencrypted ratio (goal: ≤ 1.15 for (a) and
(b); unlock ≤ 1 s). Not collected by pytest.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
CORPUS = Path(os.environ.get("FIELDKIT_CORPUS") or REPO.parent / "shared" / "corpus")
PASSPHRASE = b"bench passphrase"
HELPER_USED: dict[bool, bool] = {}


def photos(n: int, folder: Path) -> list[Path]:
    sources = sorted(
        p
        for p in (CORPUS / "files").rglob("*")
        if p.suffix.lower() in (".jpg", ".jpeg") and p.is_file() and p.stat().st_size > 50_000
    )
    if not sources:
        sys.exit(f"no photos under {CORPUS}")
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        src = sources[i % len(sources)]
        data = src.read_bytes()
        if i >= len(sources):
            data += f"fieldkit-bench copy {i}".encode()  # after the EOI: still the same photo
        path = folder / f"{i:04d}-{src.name}"
        path.write_bytes(data)
        out.append(path)
    return out


def make_store(home: Path, encrypted: bool):  # type: ignore[no-untyped-def]
    from fieldkit.store import Store

    return Store.init(
        home, name="Bench", email="bench@example.org", passphrase=PASSPHRASE, encrypted=encrypted
    )


def time_import(root: Path, files: list[Path], encrypted: bool) -> float:
    from fieldkit.ingest import import_media

    home = root / f"import-{'enc' if encrypted else 'plain'}"
    shutil.rmtree(home, ignore_errors=True)
    store = make_store(home, encrypted)
    started = time.perf_counter()
    report = import_media(store, files)
    elapsed = time.perf_counter() - started
    assert len(report.imported) == len(files), (len(report.imported), report.rejected[:3])
    store.close()
    shutil.rmtree(home)
    return elapsed


def filled_store(root: Path, megabytes: int, encrypted: bool) -> Path:
    home = root / f"export-{'enc' if encrypted else 'plain'}"
    if home.exists():
        return home
    store = make_store(home, encrypted)
    rng = __import__("random").Random(7)
    size = 4 << 20
    for i in range(megabytes // 4):
        data = rng.randbytes(size - 64) + f"{i:064d}".encode()
        stored = store.media.put_bytes(data)
        store.create("media", {"sha256": stored.sha256, "size": stored.size, "mime": "video/mp4"})
    store.close()
    return home


def time_export_verify(root: Path, home: Path, encrypted: bool) -> tuple[float, float]:
    from fieldkit.atrest import keyring
    from fieldkit.bundle import export_bundle, verify_bundle
    from fieldkit.store import Store

    out = root / f"bundle-{'enc' if encrypted else 'plain'}"
    shutil.rmtree(out, ignore_errors=True)
    keyring.forget(home)
    store = Store.open(home, passphrase=PASSPHRASE) if encrypted else Store.open(home)
    # Export again from the start each round: forget earlier exports.
    store.conn.execute("DELETE FROM exports")
    from fieldkit.atrest.unseal import Unsealer

    real_ready = Unsealer.ready

    def ready(self: Unsealer, *args: Any, **kwargs: Any) -> bool:  # did the helper run?
        HELPER_USED[encrypted] = real_ready(self, *args, **kwargs)
        return HELPER_USED[encrypted]

    Unsealer.ready = ready  # type: ignore[method-assign]
    started = time.perf_counter()
    export_bundle(store, out, passphrase=PASSPHRASE, full=True)
    exported = time.perf_counter() - started
    Unsealer.ready = real_ready  # type: ignore[method-assign]
    store.close()
    keyring.forget(home)
    started = time.perf_counter()
    report = verify_bundle(out, trust=home / "keys")
    verified = time.perf_counter() - started
    assert report.ok, report.problems[:3]
    shutil.rmtree(out)
    return exported, verified


def time_unlock(root: Path) -> list[float]:
    from fieldkit.atrest import keyfile, keyring
    from fieldkit.store import Store

    os.environ.pop(keyfile.TEST_KDF_ENV, None)
    home = root / "unlock"
    shutil.rmtree(home, ignore_errors=True)
    make_store(home, True).close()
    doc = (home / "keys" / keyfile.STORE_KEY_FILE).read_text()
    assert '"memory_kib": 65536' in doc, "the store key was not made with the default KDF"
    times = []
    for _ in range(5):
        keyring.forget(home)
        started = time.perf_counter()
        Store.open(home, passphrase=PASSPHRASE).close()
        times.append(time.perf_counter() - started)
    keyring.forget(home)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--photos", type=int, default=300)
    parser.add_argument("--export-mb", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    load_at_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="fieldkit-bench-enc-") as tmp:
        root = Path(tmp)
        files = photos(args.photos, root / "photos")
        total_mb = sum(p.stat().st_size for p in files) / 1e6
        results: dict[str, dict[bool, list[float]]] = {
            k: {True: [], False: []} for k in ("import", "export", "verify")
        }
        homes = {kind: filled_store(root, args.export_mb, kind) for kind in (False, True)}
        for _ in range(args.rounds):
            for kind in (False, True):
                results["import"][kind].append(time_import(root, files, kind))
                exported, verified = time_export_verify(root, homes[kind], kind)
                results["export"][kind].append(exported)
                results["verify"][kind].append(verified)
        unlock = time_unlock(root)
    print(
        f"load average at the start: {load_at_start:.1f}, at the end: "
        f"{os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)"
    )
    labels = {
        "import": f"import {args.photos} real photos ({total_mb:.0f} MB), thumbnails included",
        "export": f"export {args.export_mb} MB of originals (full, folder bundle)",
        "verify": f"verify that {args.export_mb} MB bundle",
    }
    print(f"{'what':<62} {'unencrypted':>12} {'encrypted':>10} {'ratio':>6}")
    for key, label in labels.items():
        plain, enc = min(results[key][False]), min(results[key][True])
        print(f"{label:<62} {plain:>11.2f}s {enc:>9.2f}s {enc / plain:>5.2f}x")
    print(
        "the encrypted export decrypted its originals in "
        + ("the unsealing helper process" if HELPER_USED.get(True) else "the exporting process")
    )
    print(
        f"unlock (Argon2id t=3, 64 MiB, p=4, then open the database): best {min(unlock):.2f} s, "
        f"median {statistics.median(unlock):.2f} s of {len(unlock)}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
