"""`fieldkit gui [--demo]`: open the desktop app (``fieldkit`` alone does the same)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "gui",
        help="open the desktop app",
        description="Open the desktop app on the store (a setup dialog on first run). "
        "With --demo, fill a new store with sample data first and open it.",
    )
    p.add_argument(
        "--demo",
        action="store_true",
        help="open a demo store (in a temporary folder, or in --home if given) "
        "with a sample case, sites, remnants, statements and photos",
    )
    p.add_argument(
        "--rtl", action="store_true", help="lay the window out right to left (for testing)"
    )
    p.set_defaults(handler=cmd_gui)


def cmd_gui(args: argparse.Namespace) -> int:
    # Loaded by name: the command line only launches the other face, and the import-linter
    # contract (no Qt reachable from fieldkit.cli) must keep holding for every other command.
    import importlib

    try:
        main = importlib.import_module("fieldkit.gui.app").main
    except ImportError as exc:
        from fieldkit.errors import FieldkitError

        raise FieldkitError(
            f"the desktop app needs PySide6 (pip install 'fieldkit[gui]'): {exc}"
        ) from exc
    return main(getattr(args, "home", None), demo=args.demo, rtl=args.rtl)
