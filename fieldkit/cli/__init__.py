"""The command line: a face on the core. Parsing, progress bars and exit codes only.

Each command group lives in its own module with ``register(subparsers)``; a handler is
``handler(args) -> int`` and raises :class:`~fieldkit.errors.FieldkitError` for failures,
which :func:`main` turns into one line on standard error and a non-zero exit.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from fieldkit import __version__
from fieldkit.errors import FieldkitError
from fieldkit.safetext import SafeStream, escape


def build_parser() -> argparse.ArgumentParser:
    from fieldkit.cli import (
        bundle,
        gui,
        inspect_cmd,
        keys,
        log,
        mapcmd,
        media,
        outputs,
        records,
        release,
        setup,
    )

    parser = argparse.ArgumentParser(
        prog="fieldkit",
        description="Offline evidence collection: cases, sites, remnants, statements, "
        "photos and signed bundles.",
    )
    parser.add_argument("--version", action="version", version=f"fieldkit {__version__}")
    parser.add_argument(
        "--home", help="the store folder (default: $FIELDKIT_HOME, else the user data folder)"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in (
        setup,
        records,
        log,
        inspect_cmd,
        keys,
        media,
        bundle,
        outputs,
        release,
        mapcmd,
        gui,
    ):
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args([*(argv or sys.argv[1:]), "gui"])
    # The last line of defence: whatever reaches standard output shows control and bidi
    # characters escaped (values from bundles and photos are escaped where printed too).
    stdout = sys.stdout
    sys.stdout = SafeStream(stdout)
    try:
        return int(args.handler(args) or 0)
    except FieldkitError as exc:
        print(f"fieldkit: {escape(_one_line(str(exc)))}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("fieldkit: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1
    finally:
        sys.stdout = stdout


def _one_line(text: str) -> str:
    return " ".join(text.split())
