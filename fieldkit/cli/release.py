"""`fieldkit release`: a signed, redacted public release of one case (fieldkit/release.py)."""

from __future__ import annotations

import argparse
from pathlib import Path

from fieldkit.cli.common import (
    add_json,
    add_passphrase,
    open_store,
    print_json,
    read_passphrase,
    terminal_progress,
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from fieldkit.audience import DEFAULT_GRID_M

    p = sub.add_parser(
        "release",
        help="write a signed, redacted public release of a case",
        description="Write a signed public release of what is marked `release: yes` in a case: "
        "photos re-encoded without metadata and with their redactions burned in, sensitive "
        "positions generalised, statements only when public and consented, under release "
        "labels. The link from each published photo to its original is recorded in the "
        "journal (a derivation), never in the release.",
    )
    p.add_argument("--case", dest="case_id", metavar="ID", required=True, help="the case")
    p.add_argument("--out", required=True, help="the release folder to write (must not exist)")
    p.add_argument("--zip", action="store_true", help="write OUT.zip instead of a folder")
    p.add_argument(
        "--generalise-m",
        type=int,
        default=DEFAULT_GRID_M,
        metavar="N",
        help=f"grid in metres for sensitive positions (default {DEFAULT_GRID_M})",
    )
    add_passphrase(p)
    add_json(p)
    p.set_defaults(handler=cmd_release)


def cmd_release(args: argparse.Namespace) -> int:
    from fieldkit.release import write_release

    passphrase = read_passphrase(args)
    with open_store(args) as store, terminal_progress("release", unit="step") as progress:
        report = write_release(
            store,
            Path(args.out),
            case_id=args.case_id,
            passphrase=passphrase,
            zipped=args.zip,
            grid_m=args.generalise_m,
            progress=progress,
        )
    if args.json:
        print_json(report.to_json())
        return 0
    counts = ", ".join(f"{n} {name}" for name, n in report.counts.items())
    print(f"wrote {report.path}: {counts}; signed by {report.signer}")
    print(f"  sensitive positions generalised to a {report.generalise_m} m grid")
    for item in report.left_out:
        print(f"  left out {item['ref']}: {item['reason']}")
    for item in report.held_back:
        print(f"  held back {item['kind']} {item['id']}: {item['reason']}")
    return 0
