"""The unlocked stores of this process: who may open a store without asking again.

The desktop app asks for the passphrase once; its writer thread and thumbnail workers
each open their own connection (one SQLite connection per thread), and find the store's
secrets here rather than being handed the passphrase. Locking calls :func:`forget`,
which wipes the secrets: every later open raises until the next unlock.
"""

from __future__ import annotations

import threading
from pathlib import Path

from fieldkit.atrest.keyfile import StoreSecrets

_lock = threading.Lock()
_unlocked: dict[str, StoreSecrets] = {}


def _key(home: Path | str) -> str:
    """A store is known by its store key file: a copy of the folder (a backup, a test's
    copy of a template) is the same store with the same keys; a store whose key was
    rewrapped must be unlocked again."""
    import hashlib

    from fieldkit.atrest.keyfile import STORE_KEY_FILE

    path = Path(home).expanduser() / "keys" / STORE_KEY_FILE
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return str(Path(home).expanduser().resolve())


def remember(home: Path | str, secrets: StoreSecrets) -> None:
    with _lock:
        _unlocked[_key(home)] = secrets


def lookup(home: Path | str) -> StoreSecrets | None:
    with _lock:
        secrets = _unlocked.get(_key(home))
    return None if secrets is None or secrets.locked else secrets


def forget(home: Path | str) -> None:
    """Drop and wipe the secrets of ``home`` (a no-op when it was not unlocked)."""
    with _lock:
        secrets = _unlocked.pop(_key(home), None)
    if secrets is not None:
        secrets.wipe()


def forget_all() -> None:
    with _lock:
        items = list(_unlocked.values())
        _unlocked.clear()
    for secrets in items:
        secrets.wipe()


__all__ = ["forget", "forget_all", "lookup", "remember"]
