"""The command line: a face on the core. Parsing, progress bars and exit codes only.

Each command group lives in its own module with ``register(subparsers)``; a handler is
``handler(args) -> int`` and raises :class:`~fieldkit.errors.FieldkitError` for failures,
which :func:`main` turns into one line on standard error and a non-zero exit.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Any

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
        review,
        search_cmd,
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
        search_cmd,
        bundle,
        outputs,
        release,
        review,
        mapcmd,
        gui,
    ):
        module.register(sub)
    _every_command_takes_passphrase_file(parser)
    return parser


def _every_command_takes_passphrase_file(parser: argparse.ArgumentParser) -> None:
    """An encrypted store needs the passphrase for any command that opens it."""
    from fieldkit.cli.common import add_passphrase

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                if any(isinstance(a, argparse._SubParsersAction) for a in child._actions):
                    _every_command_takes_passphrase_file(child)
                elif "--passphrase-file" not in child._option_string_actions:
                    add_passphrase(child)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args([*(argv or sys.argv[1:]), "gui"])
    # The last line of defence: whatever reaches standard output shows control and bidi
    # characters escaped (values from bundles and photos are escaped where printed too).
    stdout = sys.stdout
    sys.stdout = SafeStream(stdout)
    previous = _on_terminate(args.command)
    try:
        return int(args.handler(args) or 0)
    except FieldkitError as exc:
        print(f"fieldkit: {escape(_one_line(str(exc)))}", file=sys.stderr)
        return exc.exit_code
    except Terminated:
        print("fieldkit: terminated", file=sys.stderr)
        return 128 + signal.SIGTERM
    except KeyboardInterrupt:
        print("fieldkit: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1
    finally:
        sys.stdout = stdout
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


class Terminated(KeyboardInterrupt):
    """SIGTERM (a shutdown, ``kill``) during a command: unwound like Ctrl+C, so the work
    in hand is undone as a cancel undoes it (no partial bundle, no helper process)."""


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated


def _on_terminate(command: str | None) -> Any:
    """Make SIGTERM unwind a command like Ctrl+C; returns the handler it replaced (None if
    it left it alone: the desktop app, whose Qt event loop handles quitting itself, or a
    call from a thread other than the main one, such as a test's)."""
    if command == "gui" or threading.current_thread() is not threading.main_thread():
        return None
    if not hasattr(signal, "SIGTERM"):
        return None
    return signal.signal(signal.SIGTERM, _raise_terminated)


def _one_line(text: str) -> str:
    return " ".join(text.split())
