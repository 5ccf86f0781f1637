"""The base of :class:`~fieldkit.store.Store`: its folder, connection, identity, transactions.

The store is one class assembled from one module per job (a linear chain of bases, each
module answering "where is X decided?"): this base, :mod:`.projection` (the tables people
query), :mod:`.chain` (appending events, chain heads, checkpoints), :mod:`.reads`,
:mod:`.writes` (the records API), :mod:`.merge` (other devices' events) and
:mod:`.opening` (open, init).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Self

from fieldkit.atrest.cipher import PLAIN, AgeCipher
from fieldkit.atrest.keyfile import StoreSecrets
from fieldkit.mediastore import MediaStore

if TYPE_CHECKING:
    import sqlite_utils


class StoreBase:
    """A store folder's open database; one per thread (connections are not shared)."""

    def __init__(
        self, home: Path, conn: sqlite3.Connection, secrets: StoreSecrets | None = None
    ) -> None:
        self.home = home
        self.conn = conn
        #: The unlocked keys of an encrypted store (None for an unencrypted one).
        self.secrets = secrets
        self.media = MediaStore(home / "media", AgeCipher(secrets) if secrets else PLAIN)
        self.cache_dir = home / "cache"
        self.keys_dir = home / "keys"
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        self.device_id: str = meta.get("device_id", "")
        self.person_id: str = meta.get("person_id", "")
        self.fingerprint: str = meta.get("fingerprint", "")

    @cached_property
    def db(self) -> sqlite_utils.Database:
        """sqlite-utils over :attr:`conn`, for creating tables. Imported on first use: it
        brings numpy and click, a third of a second of start-up that a `fieldkit`
        command which only reads or appends never needs."""
        import sqlite_utils

        return sqlite_utils.Database(self.conn)

    @property
    def encrypted(self) -> bool:
        return self.secrets is not None

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction; everything inside commits together or not at all."""
        if self.conn.in_transaction:
            yield
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def _set_meta(self, key: str, value: str) -> None:
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def _meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None
