"""Speed and memory of the case report and the GIS exports.

    .venv/bin/python tests/benchmarks/bench_outputs.py                  # the issue's sizes
    .venv/bin/python tests/benchmarks/bench_outputs.py --photos 200 --gis-sites 2000 \\
        --gis-photos 20000                                                # a smaller run

Report: a case of --sites sites (default 100) and --photos 12-MP JPEGs (default 1000),
against the floor of the same photos decoded and scaled by Pillow (``draft`` +
``thumbnail`` to the report's 640 px) in the same run; goal <= 1.5x the floor and peak RSS
<= 500 MB. GIS: --gis-sites sites (default 10,000) and --gis-photos located photos
(default 100,000) exported in every format: seconds and peak RSS (the photos of the GIS
store have no files, so the KMZ row measures the KML and the zip, not thumbnails: their
cost per photo is the report's). ``--store-dir`` keeps the GIS store for the next run.
Both stores are encrypted, the default. Each measured step runs
in a child process, so its RSS high-water mark (VmHWM) is its own. The photos are one
12-MP picture with a unique JPEG comment each (distinct SHA-256, same decode work).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # the repository's fieldkit, as the other benchmarks do
PASS = b"bench pass phrase"

CHILD = r"""
import json, sys, time
from pathlib import Path
what, home, target = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
t = time.perf_counter()
if what == "floor":
    from PIL import Image
    n = 0
    for p in sorted(Path(home).iterdir()):
        with Image.open(p) as im:
            im.draft("RGB", (640, 640))
            im.thumbnail((640, 640))
            n += 1
    ok = n > 0
else:
    from fieldkit.store import Store
    from fieldkit.audience import Audience
    store = Store.open(home, passphrase=b"bench pass phrase")  # encrypted (the default)
    case_id = store.find("case")[0]["id"]
    if what == "report":
        from fieldkit.report import write_report
        r = write_report(store, target, case_id=case_id, passphrase=b"bench pass phrase")
        ok = r.photos > 0
    else:
        from fieldkit.gis import export_gis
        r = export_gis(store, what, target, case_id=case_id)
        ok = r.layers["sites"] > 0
elapsed = time.perf_counter() - t
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM")][0].split()[1]
print(json.dumps({"seconds": elapsed, "ok": ok, "rss_mb": int(hwm) / 1024}))
"""


def child(*args: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, *args], capture_output=True, text=True, cwd=ROOT
    )
    if out.returncode != 0:
        raise SystemExit(out.stderr)
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["ok"], out
    return result


def base_photo(path: Path) -> None:
    """A 4000x3000 (12-MP) JPEG with texture, so the decoder has real work to do."""
    from PIL import Image, ImageDraw, ImageFilter

    im = Image.effect_noise((1000, 750), 60).convert("RGB").resize((4000, 3000))
    d = ImageDraw.Draw(im)
    for i in range(0, 4000, 160):
        d.line([(i, 0), (4000 - i, 3000)], fill=(i % 255, 90, 200 - i % 200), width=9)
    im = im.filter(ImageFilter.SMOOTH)
    exif = Image.Exif()
    exif[0x010F] = "BenchCam"
    sub = exif.get_ifd(0x8769)
    sub[0x9003] = "2020:10:09 11:00:00"
    sub[0x9011] = "+04:00"
    im.save(path, "JPEG", quality=88, exif=exif.tobytes())


def with_comment(data: bytes, text: str) -> bytes:
    """The same JPEG with a COM segment after SOI: new bytes, same pixels."""
    payload = text.encode()
    segment = b"\xff\xfe" + (len(payload) + 2).to_bytes(2, "big") + payload
    return data[:2] + segment + data[2:]


def make_report_store(home: Path, photos_dir: Path, sites: int, photos: int) -> None:
    from fieldkit.store import Store

    store = Store.init(home, name="Bench", email="bench@example.org", passphrase=PASS)
    base = home.parent / "base.jpg"
    base_photo(base)
    data = base.read_bytes()
    print(f"  base photo: {len(data) / 1e6:.1f} MB, 4000x3000")
    with store.transaction():
        case = store.create("case", {"title": "Benchmark case", "region": "Bench"})
        site_ids = []
        for i in range(sites):
            site_ids.append(
                store.create(
                    "site",
                    {
                        "case_id": case["id"],
                        "name": f"Site {i} Ստեփանակերտ",
                        "name_lang": "hy",
                        "other_names": [{"name": f"Xankəndi {i}", "lang": "az"}],
                        "lat": 39.8 + i * 0.001,
                        "lon": 46.75 + (i % 10) * 0.001,
                    },
                )["id"]
            )
            store.create(
                "remnant",
                {"site_id": site_ids[-1], "category": "submunition", "munition_type": "9N235"},
            )
    photos_dir.mkdir()
    with store.transaction():
        for n in range(photos):
            p = photos_dir / f"IMG_{n:05d}.jpg"
            p.write_bytes(with_comment(data, f"bench {n}"))
            stored = store.media.put_file(p)
            m = store.create(
                "media",
                {
                    "sha256": stored.sha256,
                    "file_name": p.name,
                    "size": stored.size,
                    "mime": "image/jpeg",
                    "width": 4000,
                    "height": 3000,
                    "captured_utc": "2020-10-09T07:00:00Z",
                    "lat": 39.8 + (n % sites) * 0.001,
                    "lon": 46.75,
                    "direction": float(n % 360),
                },
            )
            store.link(m["id"], site_ids[n % sites], caption=f"photo {n}")
    store.close()


def make_gis_store(home: Path, sites: int, photos: int) -> None:
    import hashlib

    from fieldkit.store import Store

    store = Store.init(home, name="Bench", email="bench@example.org", passphrase=PASS)
    with store.transaction():
        case = store.create("case", {"title": "GIS benchmark"})
        ids = []
        for i in range(sites):
            ids.append(
                store.create(
                    "site",
                    {
                        "case_id": case["id"],
                        "name": f"Սայթ {i}",
                        "name_lang": "hy",
                        "other_names": [{"name": f"Yer {i}", "lang": "az"}],
                        "lat": 39 + (i % 100) * 0.01,
                        "lon": 46 + (i // 100) * 0.01,
                        "civilian_objects": ["homes"],
                    },
                )["id"]
            )
        for n in range(photos):
            m = store.create(
                "media",
                {
                    "sha256": hashlib.sha256(str(n).encode()).hexdigest(),
                    "file_name": f"IMG_{n}.jpg",
                    "mime": "image/jpeg",
                    "captured_utc": "2020-10-09T07:00:00Z",
                    "lat": 39 + (n % 1000) * 0.001,
                    "lon": 46 + (n // 1000) * 0.001,
                    "direction": float(n % 360),
                },
            )
            store.link(m["id"], ids[n % sites])
    store.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sites", type=int, default=100)
    ap.add_argument("--photos", type=int, default=1000)
    ap.add_argument("--gis-sites", type=int, default=10_000)
    ap.add_argument("--gis-photos", type=int, default=100_000)
    ap.add_argument("--skip-report", action="store_true")
    ap.add_argument("--skip-gis", action="store_true")
    ap.add_argument("--formats", nargs="+", default=["geojson", "csv", "gpx", "kml", "kmz", "gpkg"])
    ap.add_argument(
        "--store-dir",
        metavar="DIR",
        help="keep the GIS store here and reuse it on the next run (making 110,000 records "
        "takes a quarter of an hour on a loaded machine)",
    )
    args = ap.parse_args()
    os.environ["FIELDKIT_PASSPHRASE"] = PASS.decode()
    tmp = Path(tempfile.mkdtemp(prefix="fieldkit-bench-outputs-"))
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    try:
        if not args.skip_report:
            print(f"report: {args.sites} sites, {args.photos} 12-MP photos")
            t = time.perf_counter()
            make_report_store(tmp / "r" / "home", tmp / "photos", args.sites, args.photos)
            print(f"  (store made in {time.perf_counter() - t:.0f} s)", flush=True)
            floor = child("floor", str(tmp / "photos"), "-")
            print(
                f"  Pillow draft+thumbnail floor: {floor['seconds']:.1f} s, "
                f"{floor['rss_mb']:.0f} MB peak",
                flush=True,
            )
            report = child("report", str(tmp / "r" / "home"), str(tmp / "case.pdf"))
            ratio = report["seconds"] / floor["seconds"]
            size = (tmp / "case-internal.pdf").stat().st_size / 1e6
            print(
                f"  fieldkit report:              {report['seconds']:.1f} s, "
                f"{report['rss_mb']:.0f} MB peak, PDF {size:.0f} MB"
            )
            print(
                f"  ratio {ratio:.2f}x (goal <= 1.5x); memory "
                f"{'OK' if report['rss_mb'] <= 500 else 'OVER'} (goal <= 500 MB)"
            )
            shutil.rmtree(tmp / "photos")
        if not args.skip_gis:
            print(f"GIS export: {args.gis_sites} sites, {args.gis_photos} photos")
            base = Path(args.store_dir) if args.store_dir else tmp / "g"
            home = base / f"home-{args.gis_sites}-{args.gis_photos}"
            if not home.is_dir():
                t = time.perf_counter()
                make_gis_store(home, args.gis_sites, args.gis_photos)
                print(f"  (store made in {time.perf_counter() - t:.0f} s)", flush=True)
            else:
                print(f"  (store reused from {home})")
            for fmt in args.formats:
                out = tmp / f"gis-{fmt}"
                r = child(fmt, str(home), str(out))
                print(f"  {fmt:<8} {r['seconds']:7.1f} s  {r['rss_mb']:6.0f} MB peak", flush=True)
        print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
