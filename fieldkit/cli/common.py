"""Helpers shared by the command modules: JSON output, passphrases, progress bars."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fieldkit.errors import FieldkitError, KeyFileError
from fieldkit.paths import resolve_home
from fieldkit.progress import ProgressFn
from fieldkit.safetext import escape, json_dumps


def add_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON document")


def add_passphrase(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--passphrase-file",
        help="read the passphrase from this file (else $FIELDKIT_PASSPHRASE, else a prompt)",
    )


def print_json(doc: Any) -> None:
    """``doc`` as indented JSON; C1, bidi controls and lone surrogates escaped too."""
    sys.stdout.write(json_dumps(doc, indent=2, default=str))
    sys.stdout.write("\n")


def home_of(args: argparse.Namespace) -> Path:
    return resolve_home(getattr(args, "home", None))


def open_store(args: argparse.Namespace) -> Any:
    """The store of ``--home``, unlocked with the passphrase when it is encrypted.

    A wrong passphrase raises :class:`~fieldkit.errors.WrongPassphrase` having read only
    the store key file and written nothing.
    """
    from fieldkit.atrest import is_encrypted_home, keyring
    from fieldkit.store import Store

    home = home_of(args)
    if is_encrypted_home(home) and keyring.lookup(home) is None:
        return Store.open(home, passphrase=read_passphrase(args))
    return Store.open(home)


def read_passphrase(
    args: argparse.Namespace,
    *,
    confirm: bool = False,
    new: bool = False,
) -> bytes:
    """From --passphrase-file, FIELDKIT_PASSPHRASE, or a prompt on the terminal.

    With ``new``, the new passphrase of ``keys passwd``: --new-passphrase-file,
    FIELDKIT_NEW_PASSPHRASE, or a prompt asked twice.
    """
    cached = getattr(args, "_passphrase", None)
    if cached is not None and not new:
        return bytes(cached)
    passphrase = _read_passphrase(args, confirm=confirm, new=new)
    if not new:
        args._passphrase = passphrase  # asked once per command, even when used twice
    return passphrase


def _read_passphrase(args: argparse.Namespace, *, confirm: bool, new: bool) -> bytes:
    word = "new passphrase" if new else "passphrase"
    option = "--new-passphrase-file" if new else "--passphrase-file"
    variable = "FIELDKIT_NEW_PASSPHRASE" if new else "FIELDKIT_PASSPHRASE"
    path = getattr(args, "new_passphrase_file" if new else "passphrase_file", None)
    if path:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise KeyFileError(f"cannot read passphrase file {path}: {exc.strerror}") from exc
        return text.rstrip("\r\n").encode("utf-8")
    env = os.environ.get(variable)
    if env is not None:
        return env.encode("utf-8")
    if not sys.stdin.isatty():
        raise KeyFileError(f"a {word} is needed: use {option}, {variable} or a terminal")
    first = getpass.getpass(f"{word.capitalize()}: ")
    if (confirm or new) and getpass.getpass(f"{word.capitalize()} again: ") != first:
        raise FieldkitError(f"the two {word}s differ; nothing was changed")
    return first.encode("utf-8")


@contextmanager
def terminal_progress(
    description: str, *, enabled: bool = True, unit: str = "file"
) -> Iterator[ProgressFn | None]:
    """A tqdm bar on standard error when it is a terminal; None otherwise."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from tqdm import tqdm

    bar = tqdm(total=0, desc=description, unit=unit, file=sys.stderr, leave=False)

    def progress(done: int, total: int, message: str = "") -> None:
        bar.total = total
        bar.n = done
        if message:
            bar.set_postfix_str(escape(message[-40:]), refresh=False)
        bar.refresh()

    try:
        yield progress
    finally:
        bar.close()
