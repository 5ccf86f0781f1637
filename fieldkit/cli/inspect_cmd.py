"""``fieldkit inspect FILE…``: what photos say about themselves, without importing them.

Exit status: 0 when every path named could be reported (a file whose content is damaged,
or that cannot be read, is still reported, with ``error`` or ``warnings``); 2 when a path
named on the command line does not exist (it is reported with ``error`` "no such file" and
every other file is reported as usual).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fieldkit.cli.common import add_json, print_json, terminal_progress
from fieldkit.progress import ProgressFn, Throttle

if TYPE_CHECKING:  # the readers load only when `inspect` runs, not for every command
    from fieldkit.metadata import CameraCorrection, MediaInfo

EXIT_MISSING = 2


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "inspect",
        help="show what photos say: hash, type, GPS, capture time and its source, camera",
        description="Reads files without importing them: sha256, size, type by content, "
        "GPS position, capture time (local reading, UTC offset, UTC and where the offset came "
        "from), camera make/model/serial, orientation and pixel size. Folders are walked "
        "recursively. Exit status 2 if a named path does not exist.",
    )
    parser.add_argument("paths", nargs="+", metavar="FILE", help="files or folders to inspect")
    add_json(parser)
    parser.set_defaults(handler=cmd_inspect)


def iter_files(paths: Sequence[str]) -> Iterator[tuple[Path, bool]]:
    """(path, exists) for every file named or found under a named folder, in sorted order."""
    for name in paths:
        path = Path(name)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs.sort()
                for file in sorted(files):
                    yield Path(root) / file, True
        else:
            yield path, path.exists() or path.is_symlink()


def inspect_paths(
    paths: Sequence[str],
    *,
    corrections: Sequence[CameraCorrection] = (),
    progress: ProgressFn | None = None,
) -> tuple[list[MediaInfo], list[str]]:
    """Inspects every file; returns the reports and the named paths that do not exist.

    ``corrections`` are the per-camera clock corrections (the store's, when there is one).
    """
    from fieldkit.metadata import MediaInfo, inspect_file

    targets = list(iter_files(paths))
    throttle = Throttle(progress)
    reports: list[MediaInfo] = []
    missing: list[str] = []
    for done, (path, exists) in enumerate(targets, 1):
        if exists:
            reports.append(inspect_file(path, corrections=corrections))
        else:
            missing.append(str(path))
            reports.append(MediaInfo(str(path), None, None, None, error="no such file"))
        throttle(done, len(targets), path.name)
    return reports, missing


def cmd_inspect(args: argparse.Namespace) -> int:
    """Inspect with the store's per-camera clock corrections when there is a store."""
    return run_inspect(args, corrections=store_corrections(args))


def store_corrections(args: argparse.Namespace) -> list[CameraCorrection]:
    """The ``camera`` records of the store at --home, if one exists.

    Opening the store is an ordinary open: it may tidy temp files left by a crash.
    """
    from fieldkit.cli.common import open_store
    from fieldkit.errors import KeyFileError, StoreError, WrongPassphrase
    from fieldkit.ingest import camera_corrections

    try:
        with open_store(args) as store:
            return camera_corrections(store)
    except WrongPassphrase:
        raise
    except (StoreError, KeyFileError):  # no store, or encrypted with no passphrase given
        return []


def run_inspect(args: argparse.Namespace, *, corrections: Sequence[CameraCorrection] = ()) -> int:
    with terminal_progress("inspect", enabled=True) as progress:
        reports, missing = inspect_paths(args.paths, corrections=corrections, progress=progress)
    if args.json:
        print_json({"files": [r.to_json() for r in reports]})
    else:
        for i, report in enumerate(reports):
            if i:
                print()
            print(format_summary(report))
    for path in missing:
        print(f"fieldkit: no such file: {path}", file=sys.stderr)
    return EXIT_MISSING if missing else 0


def format_summary(info: MediaInfo) -> str:
    """A few readable lines about one file."""
    lines = [info.path]
    if info.error:
        lines.append(f"  error     {info.error}")
        return "\n".join(lines)
    lines.append(f"  sha256    {info.sha256}")
    what = f"  type      {info.type}, {info.size} bytes"
    if info.width and info.height:
        what += f", {info.width} × {info.height} px"
    if info.orientation and info.orientation != 1:
        what += f", orientation {info.orientation}"
    if info.duration_s is not None:
        what += f", {info.duration_s:.2f} s"
    lines.append(what)
    if info.camera:
        cam = " ".join(x for x in (info.camera.make, info.camera.model) if x)
        if info.camera.serial:
            cam += f" (serial {info.camera.serial})"
        if info.lens:
            cam += f", lens {info.lens}"
        lines.append(f"  camera    {cam}")
    if info.position:
        p = info.position
        where = f"  position  {p.lat:.6f}, {p.lon:.6f}"
        if p.alt is not None:
            where += f", altitude {p.alt:.1f} m"
        if p.direction is not None:
            where += f", facing {p.direction:.1f}°"
        if p.accuracy_m is not None:
            where += f", ±{p.accuracy_m:g} m"
        lines.append(where + f" ({p.source})")
    else:
        lines.append("  position  none")
    t = info.time
    if t is None:
        lines.append("  time      none")
    else:
        local = (
            f"local {t.local}{' ' + t.offset if t.offset else ''}"
            if t.local
            else "no local reading"
        )
        origin = f"; local from {t.local_source}" if t.local_source else ""
        lines.append(f"  time      {t.utc or 'UTC unknown'}  ({local}; source {t.source}{origin})")
        if t.gps_utc:
            lines.append(f"  GPS clock {t.gps_utc}")
        if t.clock_error_s is not None:
            lag = " (under a minute: may be GPS lag)" if abs(t.clock_error_s) < 60 else ""
            lines.append(f"  camera clock error {t.clock_error_s:+.3f} s (camera − GPS){lag}")
    for warning in info.warnings:
        lines.append(f"  warning   {warning}")
    return "\n".join(lines)
