"""Times ``inspect_file`` over the shared corpus against ``exiftool -n -json`` (best of N).

Not a pytest test (the name does not start with ``test_``). Run from the repository root:

    .venv/bin/python tests/benchmarks/bench_inspect.py [--repeats 5]

Both sides read every file in the same run: FieldKit in-process (hashing every file in full
as well, which exiftool does not do), exiftool as one process for all files.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from fieldkit.metadata import inspect_file  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "files"


def _files() -> list[Path]:
    return sorted(p for p in CORPUS.rglob("*") if p.is_file())


def _time_fieldkit(files: list[Path]) -> float:
    start = time.perf_counter()
    for path in files:
        inspect_file(path)
    return time.perf_counter() - start


def _time_exiftool(files: list[Path]) -> float:
    start = time.perf_counter()
    subprocess.run(
        ["exiftool", "-n", "-json", *map(str, files)],
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    if not CORPUS.is_dir():
        print(f"no corpus at {CORPUS}", file=sys.stderr)
        return 1
    if shutil.which("exiftool") is None:
        print("exiftool is not installed", file=sys.stderr)
        return 1
    files = _files()
    total = sum(p.stat().st_size for p in files)
    ours = min(_time_fieldkit(files) for _ in range(args.repeats))
    theirs = min(_time_exiftool(files) for _ in range(args.repeats))
    print(f"files: {len(files)} ({total / 1e6:.1f} MB), best of {args.repeats}")
    print(f"fieldkit inspect_file (incl. full sha256): {ours:.3f} s")
    print(f"exiftool -n -json:                         {theirs:.3f} s")
    print(f"ratio fieldkit/exiftool: {ours / theirs:.2f}x (goal <= 0.25x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
