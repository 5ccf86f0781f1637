"""Import speed and memory: FieldKit against cp + sha256sum + exiftool on the same files.

    python tests/benchmarks/bench_import.py --count 1000 [--unencrypted]

Generates N 12-MP JPEGs with EXIF (GPS, time, camera) and a 320×240 embedded preview in
IFD1, as phones and cameras write them, once, and caches them under /tmp/fieldkit-bench/
(generation is not timed), then times in one run:

  (a) fieldkit.ingest.import_media (parallel) into a fresh store as the app runs it
      (``fast_previews``): copy + SHA-256 + fsync, EXIF, capture time, a record per file in
      the journal, and a thumbnail per photo from its embedded preview; then, separately,
      the background decode check (``thumbnails.check_pending``) the app runs afterwards;
  (a') ``fieldkit media import --fast-previews FILES…`` and ``fieldkit media import
       FILES…`` (every photo decoded during the import, the command line's default) as
       child processes, start-up and unlocking the store included;
  (b) ``cp`` + ``sha256sum`` + ``exiftool -n -json`` of the same files into a fresh folder,
      once before and once after the others (the mean is the reference: the load of a
      shared machine drifts).

and prints the seconds and the ratios (goal for (a): ≤ 1.0). The stores are encrypted, as
``fieldkit init`` makes them (``--unencrypted``: as ``init --unencrypted`` does). It
then imports the first 100, 300 and 1000 files in child processes and prints each one's
peak RSS, to show memory stays flat as the batch grows, and (``--large N``) the peak RSS
of importing a folder of N 48-MP JPEGs with every photo decoded. Not collected by pytest.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CACHE = Path(tempfile.gettempdir()) / "fieldkit-bench"
REPO = Path(__file__).resolve().parents[2]
PASSPHRASE = b"bench"


def _base_jpeg() -> bytes:
    """One 4000×3000 photo-like JPEG (gradient + noise: compresses like a real photo)."""
    from PIL import Image, ImageFilter

    w, h = 4000, 3000
    noise = Image.effect_noise((w // 4, h // 4), 60).resize((w, h)).filter(ImageFilter.SMOOTH)
    gradient = Image.linear_gradient("L").resize((w, h))
    image = Image.merge("RGB", (noise, gradient, Image.blend(noise, gradient, 0.5)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def _preview(base: bytes) -> bytes:
    """The 320×240 JPEG a phone stores in IFD1 (EXIF 2.32 §4.5.5)."""
    from PIL import Image

    with Image.open(io.BytesIO(base)) as im:
        im.draft("RGB", (320, 240))
        small = im.convert("RGB").resize((320, 240))
    out = io.BytesIO()
    small.save(out, "JPEG", quality=75)
    return out.getvalue()


def _exif(i: int, preview: bytes | None = None) -> bytes:
    import piexif

    lat, lon = 39.8 + (i % 50) * 0.001, 46.75 + (i // 50) * 0.001

    def dms(v: float) -> tuple[tuple[int, int], ...]:
        d = int(v)
        m = int((v - d) * 60)
        return ((d, 1), (m, 1), (round((v - d - m / 60) * 3600 * 1000), 1000))

    return bytes(
        piexif.dump(
            {
                "0th": {
                    piexif.ImageIFD.Make: "BenchCam",
                    piexif.ImageIFD.Model: "BC-12",
                    piexif.ImageIFD.Orientation: 1,
                },
                "Exif": {
                    piexif.ExifIFD.DateTimeOriginal: f"2020:10:09 {8 + i // 3600 % 10:02d}:"
                    f"{i // 60 % 60:02d}:{i % 60:02d}",
                    piexif.ExifIFD.OffsetTimeOriginal: "+04:00",
                    piexif.ExifIFD.ImageUniqueID: f"bench-{i:06d}",
                    piexif.ExifIFD.BodySerialNumber: "BC0001",
                },
                "GPS": {
                    piexif.GPSIFD.GPSLatitudeRef: "N",
                    piexif.GPSIFD.GPSLatitude: dms(lat),
                    piexif.GPSIFD.GPSLongitudeRef: "E",
                    piexif.GPSIFD.GPSLongitude: dms(lon),
                },
                **(
                    {"1st": {piexif.ImageIFD.JPEGInterchangeFormat: 0}, "thumbnail": preview}
                    if preview
                    else {}
                ),
            }
        )
    )


def generate(count: int) -> Path:
    """The cached folder with at least ``count`` distinct photos; returns its path."""
    import piexif

    folder = CACHE / "photos-with-preview"
    folder.mkdir(parents=True, exist_ok=True)
    have = len(list(folder.glob("*.jpg")))
    if have >= count:
        return folder
    print(f"generating {count - have} 12-MP JPEGs in {folder} (not timed)…", flush=True)
    base = _base_jpeg()
    preview = _preview(base)
    for i in range(have, count):
        out = io.BytesIO()
        piexif.insert(_exif(i, preview), base, out)
        tmp = folder / f".tmp-{i}"
        tmp.write_bytes(out.getvalue())
        tmp.rename(folder / f"IMG_{i:05d}.jpg")
    return folder


def files_of(folder: Path, count: int) -> list[Path]:
    return sorted(folder.glob("*.jpg"))[:count]


#: Whether the stores made here are encrypted (the default, as ``fieldkit init`` makes
#: them: originals sealed with age, SQLCipher) or not (``--unencrypted``).
ENCRYPTED = True


def new_store(where: Path) -> Path:
    sys.path.insert(0, str(REPO))
    from fieldkit.store import Store

    home = where / "store"
    Store.init(
        home, name="Bench", email="bench@example.org", passphrase=PASSPHRASE, encrypted=ENCRYPTED
    ).close()
    return home


def time_fieldkit(
    files: list[Path], workers: int | None, *, thumbnails: bool = True, fast: bool = False
) -> tuple[float, dict[str, int], float | None]:
    """Seconds of the import, its counts, and seconds of the background check (fast)."""
    from fieldkit.ingest import import_media
    from fieldkit.store import Store
    from fieldkit.thumbnails import check_pending

    with tempfile.TemporaryDirectory(prefix="fk-bench-") as tmp:
        home = new_store(Path(tmp))
        store = Store.open(home, passphrase=PASSPHRASE)
        start = time.perf_counter()
        report = import_media(
            store, files, workers=workers, thumbnails=thumbnails, fast_previews=fast
        )
        seconds = time.perf_counter() - start
        check = None
        if fast and thumbnails:
            start = time.perf_counter()
            checked = check_pending(store)
            check = time.perf_counter() - start
            assert checked["checked"] == len(files) and not checked["broken"], checked
        store.close()
        counts = report.to_json()["counts"]
    return seconds, counts, check


def time_cli(files: list[Path], workers: int | None, *, fast: bool) -> float:
    """Seconds of ``fieldkit media import`` as a person runs it (a child process, start-up
    and store unlock included), every photo decoded or (``fast``) ``--fast-previews``."""
    with tempfile.TemporaryDirectory(prefix="fk-bench-cli-") as tmp:
        home = new_store(Path(tmp))
        cmd = [sys.executable, "-m", "fieldkit", "--home", str(home), "media", "import"]
        cmd += ["--fast-previews"] if fast else []
        cmd += ["--workers", str(workers)] if workers else []
        env = {**os.environ, "FIELDKIT_PASSPHRASE": PASSPHRASE.decode()}
        start = time.perf_counter()
        out = subprocess.run([*cmd, *map(str, files)], capture_output=True, text=True, env=env)
        seconds = time.perf_counter() - start
        if out.returncode != 0 or f"imported {len(files)} " not in out.stdout:
            raise SystemExit(f"CLI import failed: {out.stdout[-500:]} {out.stderr[-500:]}")
    return seconds


def time_shell(files: list[Path]) -> float:
    with tempfile.TemporaryDirectory(prefix="fk-bench-cp-") as tmp:
        dest = Path(tmp) / "copy"
        dest.mkdir()
        listing = Path(tmp) / "files.txt"
        listing.write_text("".join(f"{f}\n" for f in files))
        script = (
            f'xargs -d "\\n" cp -t {dest} < {listing} && '
            f"sha256sum {dest}/*.jpg > /dev/null && "
            f"exiftool -n -json {dest} > /dev/null"
        )
        start = time.perf_counter()
        subprocess.run(["bash", "-c", script], check=True)
        return time.perf_counter() - start


def peak_rss_kib() -> int:
    """This process's RSS high-water mark in KiB.

    /proc's VmHWM belongs to this program's memory map, so it starts afresh at exec;
    getrusage's ru_maxrss survives exec and would report the parent's peak (the parent
    derives keys with scrypt when it makes the store, about 1 GiB).
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def child_import(count: int, workers: int | None, template: Path, large: bool = False) -> None:
    """Run in a child: import ``count`` files into a copy of ``template``, print peak RSS.

    The store is made by the parent: making one derives keys with scrypt, whose memory
    would otherwise be the high-water mark.
    """
    folder = CACHE / ("large" if large else "photos-with-preview")
    files = files_of(folder, count)
    with tempfile.TemporaryDirectory(prefix="fk-bench-mem-") as tmp:
        home = Path(tmp) / "store"
        shutil.copytree(template, home)
        from fieldkit.ingest import import_media
        from fieldkit.store import Store

        before = peak_rss_kib()
        store = Store.open(home, passphrase=PASSPHRASE)
        start = time.perf_counter()
        report = import_media(store, files, workers=workers)
        seconds = time.perf_counter() - start
        store.close()
        peak = peak_rss_kib()
    print(
        json.dumps(
            {
                "count": count,
                "imported": len(report.imported),
                "seconds": round(seconds, 2),
                "rss_before_kib": before,
                "peak_rss_kib": peak,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="number of photos (1000)")
    parser.add_argument("--workers", type=int, help="import workers (default: auto)")
    parser.add_argument(
        "--memory-counts", default="100,300,1000", help="batch sizes for the memory test"
    )
    parser.add_argument("--skip-memory", action="store_true", help="only the timing")
    parser.add_argument("--skip-timing", action="store_true", help="only the memory test")
    parser.add_argument(
        "--large", type=int, default=20, help="48-MP photos in the large-folder memory test (20)"
    )
    parser.add_argument(
        "--unencrypted", action="store_true", help="stores made with init --unencrypted"
    )
    parser.add_argument("--child-import", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--child-large", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--template", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    global ENCRYPTED
    ENCRYPTED = not args.unencrypted
    if args.child_import:
        child_import(args.child_import, args.workers, Path(args.template), args.child_large)
        return
    if shutil.which("exiftool") is None or shutil.which("sha256sum") is None:
        sys.exit("exiftool and sha256sum are needed for the comparison")
    memory_counts = [int(c) for c in args.memory_counts.split(",") if c]
    folder = generate(max([args.count, *([] if args.skip_memory else memory_counts)]))
    files = files_of(folder, args.count)
    if not args.skip_timing:
        compare(files, args.workers)
    if not args.skip_memory:
        if args.large:
            generate_large(args.large)
        memory(memory_counts, args.workers, large=args.large)


def compare(files: list[Path], workers: int | None) -> None:
    total_mb = sum(f.stat().st_size for f in files) / 1e6
    store = "an encrypted store (age, SQLCipher)" if ENCRYPTED else "an unencrypted store"
    print(f"{len(files)} files, {total_mb:.0f} MB, {os.cpu_count()} CPUs, into {store}")
    print(f"load average at the start: {os.getloadavg()[0]:.2f}", flush=True)
    # Warm the page cache equally for both (the sources were just generated or read).
    for f in files:
        with open(f, "rb") as fh:
            while fh.read(1 << 20):
                pass
    # Each figure is printed as soon as it is measured (flushed): a long run stopped
    # half-way keeps what it measured.
    sh = time_shell(files)
    print(f"cp + sha256sum + exiftool -json:          {sh:8.2f} s", flush=True)
    fast, counts, check = time_fieldkit(files, workers, fast=True)
    print(f"fieldkit import (app: embedded previews): {fast:8.2f} s  {counts}", flush=True)
    print(f"  then the background decode check:       {check or 0:8.2f} s  (the UI does not wait)")
    print(f"  ratio to the shell:                     {fast / sh:8.2f}×  (goal ≤ 1.0)", flush=True)
    cli_fast = time_cli(files, workers, fast=True)
    print(f"fieldkit media import --fast-previews:    {cli_fast:8.2f} s  (command line, a process)")
    print(
        f"  ratio to the shell:                     {cli_fast / sh:8.2f}×  (goal ≤ 1.0)", flush=True
    )
    cli_full = time_cli(files, workers, fast=False)
    print(f"fieldkit media import (decodes each):     {cli_full:8.2f} s  (command line default)")
    print(f"  ratio to the shell:                     {cli_full / sh:8.2f}×", flush=True)
    bare, _, _ = time_fieldkit(files, workers, thumbnails=False)
    print(
        f"in-process import without thumbnails:     {bare:8.2f} s  ({bare / sh:.2f}×)", flush=True
    )
    sh2 = time_shell(files)  # once more at the end: the load of a shared machine drifts
    print(f"cp + sha256sum + exiftool -json again:    {sh2:8.2f} s", flush=True)
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    mean = (sh + sh2) / 2
    print(
        f"ratios to the mean of both shell runs ({mean:.2f} s): app {fast / mean:.2f}×, "
        f"CLI --fast-previews {cli_fast / mean:.2f}×, CLI decoding each {cli_full / mean:.2f}×, "
        f"no thumbnails {bare / mean:.2f}×",
        flush=True,
    )


def generate_large(count: int) -> Path:
    """``count`` 48-MP (8000×6000) JPEGs with EXIF, cached under /tmp/fieldkit-bench/large."""
    import piexif
    from PIL import Image, ImageFilter

    folder = CACHE / "large"
    folder.mkdir(parents=True, exist_ok=True)
    have = len(list(folder.glob("*.jpg")))
    if have >= count:
        return folder
    print(f"generating {count - have} 48-MP JPEGs in {folder} (not timed)…", flush=True)
    w, h = 8000, 6000
    noise = Image.effect_noise((w // 8, h // 8), 60).resize((w, h)).filter(ImageFilter.SMOOTH)
    gradient = Image.linear_gradient("L").resize((w, h))
    image = Image.merge("RGB", (noise, gradient, Image.blend(noise, gradient, 0.5)))
    raw = io.BytesIO()
    image.save(raw, "JPEG", quality=90)
    base = raw.getvalue()
    for i in range(have, count):
        out = io.BytesIO()
        piexif.insert(_exif(100_000 + i), base, out)
        (folder / f"BIG_{i:03d}.jpg").write_bytes(out.getvalue())
    return folder


def memory(memory_counts: list[int], workers: int | None, *, large: int = 0) -> None:
    template_dir = Path(tempfile.mkdtemp(prefix="fk-bench-template-"))
    template = new_store(template_dir)
    runs = [(n, False) for n in memory_counts] + ([(large, True)] if large else [])
    for n, is_large in runs:
        cmd = [sys.executable, __file__, "--child-import", str(n), "--template", str(template)]
        if is_large:
            cmd += ["--child-large"]
        if workers:
            cmd += ["--workers", str(workers)]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True)
        doc = json.loads(out.stdout.strip().splitlines()[-1])
        what = f"{n:3d} 48-MP photos" if is_large else f"{n:5d}"
        print(
            f"import of {what}: peak RSS {doc['peak_rss_kib'] / 1024:7.1f} MiB "
            f"(after start-up {doc['rss_before_kib'] / 1024:.1f} MiB), {doc['seconds']} s"
        )
    shutil.rmtree(template_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
