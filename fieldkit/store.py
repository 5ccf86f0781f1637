"""The store: a folder with the SQLite database, the media store, a cache and the keys.

Every change is a journal event appended in the same SQLite transaction that updates the
projection (the tables people query), so a crash leaves either both or neither. The
projection can be dropped and rebuilt from the journal at any time; it is rebuilt
automatically when the record fields change between versions.

One :class:`Store` per thread (SQLite connections are not shared between threads).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import stat
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlite_utils

from fieldkit import clock, journal, records
from fieldkit.canonical import sha256_hex
from fieldkit.errors import (
    ChainError,
    FieldkitError,
    NotFound,
    StoreError,
    StoreExists,
    StoreNotFound,
    ValidationError,
)
from fieldkit.ids import is_id, new_id
from fieldkit.journal import Event
from fieldkit.mediastore import MediaStore
from fieldkit.paths import DB_NAME

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

SCHEMA_VERSION = 1
PROJECTION_VERSION = 1
META_COLUMNS = {
    "_created_at": str,
    "_updated_at": str,
    "_created_by": str,
    "_retracted": int,
    "_retract_reason": str,
    "_conflict": int,
    "_heads": str,
    "_events": int,
    "_hlc": str,
}


def table_of(kind: str) -> str:
    return records.kind_of(kind).plural


def _now_iso() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _projection_signature() -> str:
    spec = [(k.name, [(f.name, f.type) for f in k.fields]) for k in records.KINDS.values()]
    return sha256_hex(json.dumps([PROJECTION_VERSION, spec]).encode())


# --- migrations: numbered, each in one transaction ---------------------------------------


def _migration_1(db: sqlite_utils.Database) -> None:
    db.execute("""
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)""")
    db.execute("""
        CREATE TABLE events (
            hash TEXT PRIMARY KEY,
            device TEXT NOT NULL,
            seq INTEGER NOT NULL,
            hlc TEXT NOT NULL,
            kind TEXT NOT NULL,
            entity TEXT NOT NULL,
            op TEXT NOT NULL,
            data BLOB NOT NULL,
            received_at TEXT NOT NULL,
            UNIQUE (device, seq))""")
    db.execute("CREATE INDEX events_entity ON events (entity, hlc)")
    db.execute("CREATE INDEX events_hlc ON events (hlc)")
    db.execute("""
        CREATE TABLE checkpoints (
            device TEXT NOT NULL,
            seq INTEGER NOT NULL,
            head TEXT NOT NULL,
            hlc TEXT NOT NULL,
            signature TEXT NOT NULL,
            PRIMARY KEY (device, seq))""")
    db.execute("""
        CREATE TABLE exports (
            bundle_id TEXT PRIMARY KEY,
            created_at TEXT NOT NULL,
            path TEXT,
            full INTEGER NOT NULL,
            ranges TEXT NOT NULL)""")


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [_migration_1]


# --- reports -----------------------------------------------------------------------------


@dataclass
class MergeReport:
    """What an import of events changed."""

    new_events: int = 0
    already_present: int = 0
    new_records: dict[str, list[str]] = field(default_factory=dict)
    changed_records: dict[str, list[str]] = field(default_factory=dict)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    devices: dict[str, list[int]] = field(default_factory=dict)  # device -> [first, last] new

    def to_json(self) -> dict[str, Any]:
        return {
            "new_events": self.new_events,
            "already_present": self.already_present,
            "new_records": self.new_records,
            "changed_records": self.changed_records,
            "conflicts": self.conflicts,
            "problems": self.problems,
            "devices": self.devices,
        }


# --- the store ---------------------------------------------------------------------------


class Store:
    def __init__(self, home: Path, conn: sqlite3.Connection) -> None:
        self.home = home
        self.conn = conn
        self.db = sqlite_utils.Database(conn)
        self.media = MediaStore(home / "media")
        self.cache_dir = home / "cache"
        self.keys_dir = home / "keys"
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        self.device_id: str = meta.get("device_id", "")
        self.person_id: str = meta.get("person_id", "")
        self.fingerprint: str = meta.get("fingerprint", "")

    # -- opening ----------------------------------------------------------------------

    @classmethod
    def open(cls, home: Path | str, *, _create: bool = False) -> Store:
        home = Path(home)
        db_path = home / DB_NAME
        if not _create:
            if not home.is_dir():
                raise StoreNotFound(
                    f"no store at {home}: the folder does not exist (run `fieldkit init`)"
                )
            if not db_path.is_file():
                raise StoreNotFound(f"no store at {home}: no {DB_NAME} (run `fieldkit init`)")
        _check_writable(home)
        try:
            conn = sqlite3.connect(
                db_path, isolation_level=None, timeout=10.0, check_same_thread=True
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA busy_timeout=10000")
            _migrate(conn)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{db_path}: cannot open the database: {exc}") from exc
        store = cls(home, conn)
        if not _create:
            store.media.remove_orphan_temps()
            store._ensure_projection()
        return store

    @classmethod
    def init(
        cls,
        home: Path | str,
        *,
        name: str,
        email: str,
        passphrase: bytes,
        organisation: str | None = None,
        device_name: str | None = None,
    ) -> Store:
        """Create the store, the person, the device and the signing key."""
        from fieldkit import keys

        home = Path(home)
        if (home / DB_NAME).exists():
            raise StoreExists(f"{home} already holds a store")
        if not name.strip() or not email.strip():
            raise ValidationError("init needs a name and an identity (--name, --email)")
        if not passphrase:
            raise ValidationError("the passphrase must not be empty")
        created_home = not home.exists()
        try:
            home.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create {home}: {exc.strerror}") from exc
        _check_writable(home)
        try:
            public = keys.create_keys(home / "keys", identity=email.strip(), passphrase=passphrase)
            for sub in ("media", "cache"):
                (home / sub).mkdir(exist_ok=True)
            store = cls.open(home, _create=True)
        except BaseException:
            _remove_partial_init(home, created_home)
            raise
        device_id = new_id()
        person_id = new_id()
        with store.transaction():
            store._create_projection_tables()
            store._set_meta("device_id", device_id)
            store._set_meta("person_id", person_id)
            store._set_meta("fingerprint", public.fingerprint)
            store._set_meta("projection", _projection_signature())
            store.device_id, store.person_id = device_id, person_id
            store.fingerprint = public.fingerprint
            store._append(
                "person",
                person_id,
                "create",
                {
                    "name": name.strip(),
                    "email": email.strip(),
                    "organisation": organisation,
                    "fingerprint": public.fingerprint,
                    "public_key": public.public_key,
                    "age_recipient": public.age_recipient,
                },
            )
            store._append(
                "device",
                device_id,
                "create",
                {
                    "person_id": person_id,
                    "fingerprint": public.fingerprint,
                    "name": device_name or os.uname().nodename,
                },
            )
        store.checkpoint(passphrase)
        return store

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions ----------------------------------------------------------------

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

    # -- the journal ---------------------------------------------------------------------

    def _clock(self) -> clock.HLC:
        text = self._meta("hlc")
        return clock.HLC.parse(text + "-x") if text else clock.HLC(0, 0)

    def _save_clock(self, value: clock.HLC) -> None:
        self._set_meta("hlc", f"{value.wall_ms:015d}-{value.counter:06d}")

    def _append(
        self,
        kind: str,
        entity: str,
        op: str,
        fields: Mapping[str, Any] | None = None,
        *,
        base: Sequence[str] = (),
        reason: str | None = None,
        reproject: bool = True,
    ) -> Event:
        """Append one event of this device; must run inside :meth:`transaction`."""
        assert self.conn.in_transaction, "append outside a transaction"
        if not self.device_id:
            raise StoreError("this store has no device identity (was init interrupted?)")
        last = self.conn.execute(
            "SELECT seq, hash FROM events WHERE device = ? ORDER BY seq DESC LIMIT 1",
            (self.device_id,),
        ).fetchone()
        seq, prev = (last[0] + 1, last[1]) if last else (1, None)
        now = clock.tick(self._clock())
        self._save_clock(now)
        body: dict[str, Any] = {
            "v": journal.FORMAT_VERSION,
            "id": new_id(),
            "device": self.device_id,
            "seq": seq,
            "prev": prev,
            "hlc": now.text(self.device_id),
            "at": _now_iso(),
            "author": self.fingerprint,
            "op": op,
            "kind": kind,
            "entity": entity,
        }
        if fields:
            body["fields"] = dict(fields)
        if base:
            body["base"] = sorted(base)
        if reason is not None:
            body["reason"] = reason
        event = journal.make_event(body)
        self._insert_event(event)
        if reproject:
            self._reproject([entity])
        return event

    def _insert_event(self, event: Event) -> None:
        self.conn.execute(
            "INSERT INTO events (hash, device, seq, hlc, kind, entity, op, data, received_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                event.hash,
                event.device,
                event.seq,
                event.hlc,
                event.kind,
                event.entity,
                event.op,
                event.data,
                _now_iso(),
            ),
        )

    def events_of(self, entity: str) -> list[Event]:
        rows = self.conn.execute(
            "SELECT hash, data FROM events WHERE entity = ? ORDER BY hlc", (entity,)
        ).fetchall()
        return [Event(h, bytes(d), json.loads(d)) for h, d in rows]

    def event_count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM events").fetchone()[0])

    def chain_heads(self) -> dict[str, tuple[int, str]]:
        """Per device: the last sequence number and its hash."""
        rows = self.conn.execute(
            "SELECT device, seq, hash FROM events e WHERE seq = "
            "(SELECT max(seq) FROM events WHERE device = e.device)"
        ).fetchall()
        return {d: (s, h) for d, s, h in rows}

    def iter_events(
        self, since: Mapping[str, int] | None = None, *, device: str | None = None
    ) -> Iterator[Event]:
        """Events per device in sequence order, after ``since[device]`` when given."""
        since = since or {}
        sql = "SELECT hash, data, device, seq FROM events"
        params: tuple[Any, ...] = ()
        if device is not None:
            sql += " WHERE device = ?"
            params = (device,)
        for h, data, dev, seq in self.conn.execute(sql + " ORDER BY device, seq", params):
            if seq > since.get(dev, 0):
                yield Event(h, bytes(data), json.loads(data))

    def verify_chain(self, *, check_checkpoints: bool = True) -> list[journal.ChainProblem]:
        """Every device chain and checkpoint in the store, with every problem found."""
        rows = self.conn.execute("SELECT device, seq, hash, data FROM events ORDER BY device, seq")
        problems = journal.verify_chain((d, s, h, bytes(b)) for d, s, h, b in rows)
        if check_checkpoints:
            problems.extend(self._verify_checkpoints())
        return problems

    # -- checkpoints -----------------------------------------------------------------

    def checkpoint(
        self, passphrase: bytes | None = None, *, key: Ed25519PrivateKey | None = None
    ) -> dict[str, Any]:
        """Sign this device's chain head with its key (nothing is written on failure).

        Give the passphrase, or a key already unlocked (an export signs twice with it).
        """
        from fieldkit import keys, sshsig

        if key is None:
            if passphrase is None:
                raise StoreError("a checkpoint needs the passphrase or the unlocked key")
            key = keys.unlock_signing_key(self.keys_dir, passphrase)
        head = self.chain_heads().get(self.device_id)
        if head is None:
            raise StoreError("this device has no events to vouch for")
        seq, head_hash = head
        hlc = self._event_hlc(head_hash)
        payload = journal.checkpoint_payload(self.device_id, seq, head_hash, hlc)
        signature = sshsig.sign(key, payload, keys.CHECKPOINT_NAMESPACE)
        with self.transaction():
            self.conn.execute(
                "INSERT OR REPLACE INTO checkpoints (device, seq, head, hlc, signature) "
                "VALUES (?, ?, ?, ?, ?)",
                (self.device_id, seq, head_hash, hlc, signature),
            )
        return {
            "device": self.device_id,
            "seq": seq,
            "head": head_hash,
            "hlc": hlc,
            "signature": signature,
        }

    def _event_hlc(self, event_hash: str) -> str:
        row = self.conn.execute("SELECT hlc FROM events WHERE hash = ?", (event_hash,))
        found = row.fetchone()
        if found is None:
            raise NotFound(f"no event {event_hash}")
        return str(found[0])

    def checkpoints(self, device: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT device, seq, head, hlc, signature FROM checkpoints"
        params: tuple[Any, ...] = ()
        if device:
            sql += " WHERE device = ?"
            params = (device,)
        return [
            dict(zip(("device", "seq", "head", "hlc", "signature"), r, strict=True))
            for r in self.conn.execute(sql + " ORDER BY device, seq", params)
        ]

    def device_fingerprints(self) -> dict[str, str]:
        rows = self.conn.execute("SELECT id, fingerprint FROM devices").fetchall()
        return {d: f for d, f in rows if f}

    def _checkpoint_problem(
        self, cp: Mapping[str, Any], fingerprints: Mapping[str, str]
    ) -> str | None:
        """Why a checkpoint does not vouch for this store's chain, or None if it does."""
        try:
            signer = journal.checkpoint_signer(cp)
        except FieldkitError as exc:
            return f"checkpoint signature: {exc}"
        dev, seq = cp["device"], cp["seq"]
        if fingerprints.get(dev) != signer:
            return f"checkpoint signed by {signer}, not the device's key {fingerprints.get(dev)}"
        row = self.conn.execute(
            "SELECT hash FROM events WHERE device = ? AND seq = ?", (dev, seq)
        ).fetchone()
        if row is None or row[0] != cp["head"]:
            return "signed checkpoint names an event this chain does not hold at that sequence"
        return None

    def _verify_checkpoints(self) -> list[journal.ChainProblem]:
        fingerprints = self.device_fingerprints()
        problems = []
        for cp in self.checkpoints():
            problem = self._checkpoint_problem(cp, fingerprints)
            if problem is not None:
                problems.append(
                    journal.ChainProblem(cp["device"], cp["seq"], "checkpoint", problem)
                )
        return problems

    def add_checkpoints(self, items: Iterable[Mapping[str, Any]]) -> list[str]:
        """Store received checkpoints whose signature and head check out; returns problems."""
        problems: list[str] = []
        fingerprints = self.device_fingerprints()
        for cp in items:
            problem = self._checkpoint_problem(cp, fingerprints)
            if problem is not None:
                problems.append(f"checkpoint {cp.get('device')}:{cp.get('seq')}: {problem}")
                continue
            self.conn.execute(
                "INSERT OR IGNORE INTO checkpoints (device, seq, head, hlc, signature) "
                "VALUES (:device, :seq, :head, :hlc, :signature)",
                dict(cp),
            )
        return problems

    # -- projection ------------------------------------------------------------------

    def _ensure_projection(self) -> None:
        signature = _projection_signature()
        if self._meta("projection") != signature or not self.db.table("sites").exists():
            self.rebuild_projection()

    def _create_projection_tables(self) -> None:
        for kind in records.KINDS.values():
            columns: dict[str, Any] = {"id": str}
            for f in kind.fields:
                columns[f.name] = f.sql_type
            columns.update(META_COLUMNS)
            self.db.table(kind.plural).create(columns, pk="id", replace=True)
            if kind.parent:
                self.db.table(kind.plural).create_index([kind.parent], if_not_exists=True)
        self.db.table("links").create_index(["target_id"], if_not_exists=True)
        self.db.table("links").create_index(["media_id"], if_not_exists=True)
        self.db.table("media").create_index(["sha256"], if_not_exists=True)
        self.db.table("conflicts").create(
            {"entity": str, "kind": str, "field": str, "candidates": str},
            pk=("entity", "field"),
            replace=True,
        )

    def rebuild_projection(self, *, progress: Callable[[int, int, str], None] | None = None) -> int:
        """Drop the tables and replay the whole journal; returns the number of events."""
        total = self.event_count()
        with self.transaction():
            self._create_projection_tables()
            batch: dict[str, list[journal.EntityState]] = defaultdict(list)
            current: str | None = None
            events: list[Event] = []
            rows = self.conn.execute("SELECT hash, data, entity FROM events ORDER BY entity, hlc")
            for done, (h, data, entity) in enumerate(rows, start=1):
                if entity != current and events:
                    state = journal.project(events)
                    if state is not None:
                        batch[state.kind].append(state)
                    events = []
                current = entity
                events.append(Event(h, bytes(data), json.loads(data)))
                if progress is not None and done % 5000 == 0:
                    progress(done, total, "rebuilding")
            if events:
                state = journal.project(events)
                if state is not None:
                    batch[state.kind].append(state)
            for states in batch.values():
                self._write_states(states)
            self._set_meta("projection", _projection_signature())
        if progress is not None:
            progress(total, total, "rebuilt")
        return total

    def _reproject(self, entities: Iterable[str]) -> list[journal.EntityState]:
        states = []
        for entity in set(entities):
            state = journal.project(self.events_of(entity))
            if state is not None:
                states.append(state)
        grouped: dict[str, list[journal.EntityState]] = defaultdict(list)
        for s in states:
            grouped[s.kind].append(s)
        for group in grouped.values():
            self._write_states(group)
        return states

    def _write_states(self, states: Sequence[journal.EntityState]) -> None:
        if not states:
            return
        kind = records.KINDS.get(states[0].kind)
        if kind is None:
            return  # a kind from a newer version: kept in the journal, not projected
        names = [f.name for f in kind.fields]
        columns = ["id", *names, *META_COLUMNS]
        sql = (
            f"INSERT OR REPLACE INTO [{kind.plural}] ("
            + ", ".join(f"[{c}]" for c in columns)
            + ") VALUES ("
            + ", ".join("?" for _ in columns)
            + ")"
        )
        rows = []
        conflict_rows = []
        ids = []
        for s in states:
            ids.append(s.id)
            values = [_to_sql(s.values.get(n)) for n in names]
            conflicts = s.conflicts
            rows.append(
                [
                    s.id,
                    *values,
                    _hlc_time(s.created_hlc),
                    _hlc_time(s.updated_hlc),
                    s.created_by,
                    int(s.retracted),
                    s.retract_reason,
                    int(bool(conflicts)),
                    json.dumps(sorted(s.heads)),
                    s.events,
                    s.updated_hlc,
                ]
            )
            for fname, cands in conflicts.items():
                conflict_rows.append(
                    (
                        s.id,
                        s.kind,
                        fname,
                        json.dumps(
                            [
                                {
                                    "value": c.value,
                                    "event": c.event,
                                    "device": c.device,
                                    "hlc": c.hlc,
                                }
                                for c in cands
                            ],
                            ensure_ascii=False,
                        ),
                    )
                )
        self.conn.executemany(sql, rows)
        for chunk in _chunks(ids, 500):
            self.conn.execute(
                f"DELETE FROM conflicts WHERE entity IN ({','.join('?' for _ in chunk)})", chunk
            )
        if conflict_rows:
            self.conn.executemany(
                "INSERT INTO conflicts (entity, kind, field, candidates) VALUES (?, ?, ?, ?)",
                conflict_rows,
            )

    # -- reading records -------------------------------------------------------------

    def kind_of_id(self, record_id: str) -> str:
        if not is_id(record_id):
            raise NotFound(f"{record_id!r} is not a record id")
        row = self.conn.execute(
            "SELECT kind FROM events WHERE entity = ? LIMIT 1", (record_id,)
        ).fetchone()
        if row is None:
            raise NotFound(f"no record with id {record_id}")
        return str(row[0])

    def get(self, record_id: str, kind: str | None = None) -> dict[str, Any]:
        actual = self.kind_of_id(record_id)
        if kind is not None and actual != kind:
            raise NotFound(f"{record_id} is a {actual}, not a {kind}")
        k = records.kind_of(actual)
        row = self.conn.execute(f"SELECT * FROM [{k.plural}] WHERE id = ?", (record_id,)).fetchone()
        if row is None:
            raise NotFound(f"no record with id {record_id}")
        names = [d[0] for d in self.conn.execute(f"SELECT * FROM [{k.plural}] LIMIT 0").description]
        record = _from_row(k, dict(zip(names, row, strict=True)))
        if record["conflict"]:
            record["conflicts"] = self.conflicts_of(record_id)
        return record

    def conflicts_of(self, record_id: str) -> dict[str, list[dict[str, Any]]]:
        rows = self.conn.execute(
            "SELECT field, candidates FROM conflicts WHERE entity = ?", (record_id,)
        ).fetchall()
        return {f: json.loads(c) for f, c in rows}

    def find(
        self,
        kind: str,
        *,
        where: Mapping[str, Any] | None = None,
        include_retracted: bool = False,
        limit: int | None = None,
        order: str | None = None,
    ) -> list[dict[str, Any]]:
        k = records.kind_of(kind)
        clauses, params = [], []
        for name, value in (where or {}).items():
            if name not in k.by_name and name not in META_COLUMNS and name != "id":
                raise ValidationError(f"{kind}: cannot filter on unknown field {name!r}")
            clauses.append(f"[{name}] = ?")
            params.append(value)
        if not include_retracted:
            clauses.append("_retracted = 0")
        sql = f"SELECT * FROM [{k.plural}]"
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        sql += f" ORDER BY {order or '_hlc'}"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        cursor = self.conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [_from_row(k, dict(zip(names, r, strict=True))) for r in cursor]

    def count(self, kind: str, *, include_retracted: bool = False) -> int:
        k = records.kind_of(kind)
        sql = f"SELECT count(*) FROM [{k.plural}]"
        if not include_retracted:
            sql += " WHERE _retracted = 0"
        return int(self.conn.execute(sql).fetchone()[0])

    def conflict_count(self) -> int:
        """How many fields are in conflict (without decoding their candidates)."""
        return int(self.conn.execute("SELECT count(*) FROM conflicts").fetchone()[0])

    def all_conflicts(self) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT entity, kind, field, candidates FROM conflicts ORDER BY entity, field"
        )
        return [
            {"id": e, "kind": k, "field": f, "candidates": json.loads(c)} for e, k, f, c in rows
        ]

    def history(
        self, record_id: str | None = None, *, limit: int | None = None
    ) -> list[dict[str, Any]]:
        """The journal of one record, or of the whole store, oldest first."""
        if record_id is not None:
            self.kind_of_id(record_id)
            # Links name the record in their fields; CAST because SQLite >= 3.45 reads a
            # BLOB given to json_extract as JSONB, not as JSON text.
            sql = (
                "SELECT hash, data FROM events WHERE entity = ? OR (kind = 'link' AND ("
                "json_extract(CAST(data AS TEXT), '$.fields.target_id') = ? OR "
                "json_extract(CAST(data AS TEXT), '$.fields.media_id') = ?)) ORDER BY hlc"
            )
            params: tuple[Any, ...] = (record_id, record_id, record_id)
        else:
            sql, params = "SELECT hash, data FROM events ORDER BY hlc", ()
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        rows = [(h, json.loads(data)) for h, data in self.conn.execute(sql, params)]
        if record_id is not None:
            rows = self._with_custody(rows)
        names = self._author_names()
        return [
            {
                "hash": h,
                "device": body["device"],
                "seq": body["seq"],
                "at": body["at"],
                "hlc": body["hlc"],
                "author": body["author"],
                "author_name": names.get(body["author"]),
                "op": body["op"],
                "kind": body["kind"],
                "entity": body["entity"],
                "fields": body.get("fields", {}),
                "base": body.get("base", []),
                "reason": body.get("reason"),
            }
            for h, body in rows
        ]

    def _with_custody(
        self, rows: list[tuple[str, dict[str, Any]]]
    ) -> list[tuple[str, dict[str, Any]]]:
        """Add the custody events (export, import) of bundles that carried these events.

        A custody event lists the device ranges its bundle carried ("<device> 3-17"), so
        the chain of custody of one record is every bundle holding one of its events.
        """
        carried = {(body["device"], body["seq"]) for _h, body in rows}
        if not carried:
            return rows
        extra = []
        for h, data in self.conn.execute(
            "SELECT hash, data FROM events WHERE kind = 'custody' ORDER BY hlc"
        ):
            body = json.loads(data)
            for line in body.get("fields", {}).get("details", []):
                device, _sep, span = str(line).partition(" ")
                first, _dash, last = span.partition("-")
                if not (first.isdigit() and last.isdigit()):
                    continue
                low, high = int(first), int(last)
                if any(d == device and low <= seq <= high for d, seq in carried):
                    extra.append((h, body))
                    break
        return sorted([*rows, *extra], key=lambda row: row[1]["hlc"])

    def _author_names(self) -> dict[str, str]:
        return {
            f: n
            for f, n in self.conn.execute(
                "SELECT fingerprint, name FROM persons WHERE fingerprint IS NOT NULL"
            )
        }

    def identity(self) -> dict[str, Any]:
        person = self.get(self.person_id, "person") if self.person_id else {}
        return {
            "person_id": self.person_id,
            "device_id": self.device_id,
            "fingerprint": self.fingerprint,
            "name": person.get("name"),
            "email": person.get("email"),
            "organisation": person.get("organisation"),
            "home": str(self.home),
        }

    # -- writing records -------------------------------------------------------------

    def create(
        self, kind: str, values: Mapping[str, Any], *, record_id: str | None = None
    ) -> dict[str, Any]:
        k = records.kind_of(kind)
        clean = records.validate(k, values, partial=False)
        records.check_record(k, clean)
        entity = record_id or new_id()
        with self.transaction():
            self._check_refs(k, clean)
            if self.conn.execute("SELECT 1 FROM events WHERE entity = ?", (entity,)).fetchone():
                raise ValidationError(f"a record with id {entity} already exists")
            op = "link" if kind == "link" else "create"
            self._append(kind, entity, op, {n: v for n, v in clean.items() if v is not None})
        return self.get(entity)

    def update(self, record_id: str, values: Mapping[str, Any]) -> dict[str, Any]:
        kind = self.kind_of_id(record_id)
        k = records.kind_of(kind)
        clean = records.validate(k, values, partial=True)
        with self.transaction():
            current = self.get(record_id)
            if current["retracted"]:
                raise ValidationError(f"{kind} {record_id} is retracted; it cannot be edited")
            changed = {n: v for n, v in clean.items() if current.get(n) != v}
            merged = {**current, **changed}
            records.check_record(k, merged)
            for name in k.fields:
                if name.required and merged.get(name.name) in (None, ""):
                    raise ValidationError(f"{kind}.{name.name} is required")
            self._check_refs(k, changed)
            if changed:
                self._append(kind, record_id, "update", changed, base=current["heads"])
        return self.get(record_id)

    def retract(self, record_id: str, reason: str) -> dict[str, Any]:
        """Withdraw a record, with a reason; its events and media stay as evidence."""
        if not reason or not reason.strip():
            raise ValidationError("a retraction needs a reason")
        kind = self.kind_of_id(record_id)
        with self.transaction():
            current = self.get(record_id)
            if current["retracted"]:
                raise ValidationError(f"{kind} {record_id} is already retracted")
            self._append(kind, record_id, "retract", base=current["heads"], reason=reason.strip())
        return self.get(record_id)

    def reinstate(self, record_id: str, reason: str) -> dict[str, Any]:
        """Bring a retracted record back, with a reason (a new ``reinstate`` event; the
        retraction stays in the journal). Raises ValidationError if it is not retracted."""
        if not reason or not reason.strip():
            raise ValidationError("reinstating needs a reason")
        kind = self.kind_of_id(record_id)
        with self.transaction():
            current = self.get(record_id)
            if not current["retracted"]:
                raise ValidationError(f"{kind} {record_id} is not retracted")
            self._append(kind, record_id, "reinstate", base=current["heads"], reason=reason.strip())
        return self.get(record_id)

    def resolve(self, record_id: str, field_name: str, value: Any) -> dict[str, Any]:
        """Settle a conflict on one field with the value a person chose."""
        kind = self.kind_of_id(record_id)
        k = records.kind_of(kind)
        clean = records.validate(k, {field_name: value}, partial=True)
        with self.transaction():
            conflicts = self.conflicts_of(record_id)
            if field_name not in conflicts:
                raise ValidationError(f"{kind} {record_id} has no conflict on {field_name}")
            current = self.get(record_id)
            base = set(current["heads"]) | {c["event"] for c in conflicts[field_name]}
            self._append(kind, record_id, "resolve", clean, base=sorted(base))
        return self.get(record_id)

    def link(self, media_id: str, target_id: str, caption: str | None = None) -> dict[str, Any]:
        target_kind = self.kind_of_id(target_id)
        existing = self.find("link", where={"media_id": media_id, "target_id": target_id})
        if existing:
            return existing[0]
        return self.create(
            "link",
            {
                "media_id": media_id,
                "target_kind": target_kind,
                "target_id": target_id,
                "caption": caption,
            },
        )

    def _check_refs(self, k: records.Kind, values: Mapping[str, Any]) -> None:
        for f in k.fields:
            if f.type == "ref" and values.get(f.name):
                target = values[f.name]
                try:
                    actual = self.kind_of_id(target)
                except NotFound:
                    raise ValidationError(
                        f"{k.name}.{f.name}: no {f.ref} with id {target}"
                    ) from None
                if actual != f.ref:
                    raise ValidationError(
                        f"{k.name}.{f.name}: {target} is a {actual}, not a {f.ref}"
                    )

    # -- merging events from other devices -------------------------------------------

    def import_events(
        self,
        events: Iterable[Event],
        *,
        checkpoints: Iterable[Mapping[str, Any]] = (),
        extra: Callable[[MergeReport], None] | None = None,
    ) -> MergeReport:
        """Merge other devices' events in one transaction; idempotent, order-independent.

        Each device chain must continue exactly where this store's copy ends: a fork
        (same sequence, other hash), a gap, or new events claiming to be this device's
        own are reported and that device's remaining events are refused. ``extra`` runs
        inside the same transaction (the bundle importer records custody there).

        ``events`` may be a sequence in any order (it is sorted here), or any other
        iterable yielding each device's events together in ascending sequence order (as
        :meth:`iter_events` and a bundle's journal files give them): such a stream is
        consumed as it comes, inserted and reprojected in batches, so memory does not grow
        with the number of events (only with the ids of the records they touch). A stream
        out of that order raises :class:`StoreError`, and nothing is merged; so does any
        exception the stream raises (a bundle changed while being read).
        """
        if isinstance(events, Sequence):
            events = sorted(events, key=lambda e: (e.device, e.seq))
        report = MergeReport()
        with self.transaction():
            merge = _Merge(self, report)
            for event in events:
                merge.add(event)
            merge.finish()
            self._save_clock(merge.max_seen)
            touched = sorted(merge.touched)
            for chunk in _chunks(touched, _REPROJECT_BATCH):
                # Batches: the projected states (record values) of one chunk at a time.
                for state in self._reproject(chunk):
                    new = not merge.before.get(state.id)
                    bucket = report.new_records if new else report.changed_records
                    bucket.setdefault(state.kind, []).append(state.id)
                    for fname, cands in state.conflicts.items():
                        report.conflicts.append(
                            {
                                "id": state.id,
                                "kind": state.kind,
                                "field": fname,
                                "values": [c.value for c in cands],
                            }
                        )
            for bucket in (report.new_records, report.changed_records):
                for ids in bucket.values():
                    ids.sort()
            report.conflicts.sort(key=lambda c: (c["id"], c["field"]))
            report.problems.extend(self.add_checkpoints(checkpoints))
            if extra is not None:
                extra(report)
        return report

    def record_custody(self, action: str, **fields: Any) -> dict[str, Any]:
        """A custody event (export, import, verify): where evidence has been."""
        return self.create("custody", {"action": action, **fields})


_INSERT_BATCH = 2000  # events inserted per executemany
_REPROJECT_BATCH = 500  # records reprojected (their states held) at a time


class _Merge:
    """The per-event part of :meth:`Store.import_events`, fed one event at a time.

    Holds one device's chain position and a batch of rows to insert; what it keeps for
    the whole merge is the touched record ids (and whether each existed before).
    """

    def __init__(self, store: Store, report: MergeReport) -> None:
        self.store = store
        self.conn = store.conn
        self.report = report
        self.heads = store.chain_heads()
        self.max_seen = store._clock()
        self.touched: set[str] = set()
        self.before: dict[str, bool] = {}  # entity -> it had events before this merge
        self.pending: list[Event] = []
        self.done_devices: set[str] = set()
        self.device: str | None = None
        self.stream_seq = 0
        self.refused = False
        self.last_seq = 0
        self.last_hash: str | None = None
        self.first_new: int | None = None

    def add(self, event: Event) -> None:
        device, seq = event.device, event.seq
        if device != self.device:
            self._end_device()
            if device in self.done_devices:
                raise StoreError(
                    f"events of device {device} come in two runs; a stream of events must "
                    "give each device's events together, in sequence order"
                )
            self.device, self.stream_seq, self.refused = device, seq, False
            self.last_seq, self.last_hash = self.heads.get(device, (0, None))
            self.first_new = None
        elif seq < self.stream_seq:
            raise StoreError(
                f"device {device} seq {seq} comes after seq {self.stream_seq}; a stream of "
                "events must give each device's events in sequence order"
            )
        self.stream_seq = seq
        if self.refused:
            return
        report = self.report
        if seq <= self.last_seq:
            # Held already, or (a repeat within this merge) perhaps still in the batch.
            self._flush()
            existing = self.conn.execute(
                "SELECT hash FROM events WHERE device = ? AND seq = ?", (device, seq)
            ).fetchone()
        else:
            existing = None  # nothing is held above a chain's head
        if existing is not None:
            if existing[0] == event.hash:
                report.already_present += 1
                return
            report.problems.append(
                f"fork: device {device} seq {seq} differs from the event "
                f"already held ({existing[0][:12]}… vs {event.hash[:12]}…); "
                "the rest of this device's events were not merged"
            )
            self.refused = True
            return
        if device == self.store.device_id:
            report.problems.append(
                f"device {device} is this store's own, but seq {seq} was never written here; "
                "refused"
            )
            self.refused = True
            return
        if seq != self.last_seq + 1:
            report.problems.append(
                f"gap: device {device} jumps from seq {self.last_seq} to {seq}; "
                "the rest of this device's events were not merged"
            )
            self.refused = True
            return
        if event.prev != self.last_hash:
            report.problems.append(
                f"broken chain: device {device} seq {seq} does not follow "
                "the event before it; the rest were not merged"
            )
            self.refused = True
            return
        self.pending.append(event)
        self.touched.add(event.entity)
        self.last_seq, self.last_hash = seq, event.hash
        if self.first_new is None:
            self.first_new = seq
        report.new_events += 1
        self.max_seen = clock.observe(self.max_seen, clock.HLC.parse(event.hlc))
        if len(self.pending) >= _INSERT_BATCH:
            self._flush()

    def _end_device(self) -> None:
        if self.device is None:
            return
        self.done_devices.add(self.device)
        if self.first_new is not None:
            self.report.devices[self.device] = [self.first_new, self.last_seq]

    def finish(self) -> None:
        self._end_device()
        self.device = None
        self._flush()

    def _flush(self) -> None:
        if not self.pending:
            return
        # Whether each record existed before this merge: asked before its first
        # events here are inserted (a record's first event here is always in a batch).
        fresh = sorted({e.entity for e in self.pending} - self.before.keys())
        for chunk in _chunks(fresh, 500):
            rows = self.conn.execute(
                "SELECT DISTINCT entity FROM events WHERE entity IN "
                f"({','.join('?' for _ in chunk)})",
                list(chunk),
            ).fetchall()
            held = {r[0] for r in rows}
            for entity in chunk:
                self.before[entity] = entity in held
        now = _now_iso()
        self.conn.executemany(
            "INSERT INTO events (hash, device, seq, hlc, kind, entity, op, data, received_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (e.hash, e.device, e.seq, e.hlc, e.kind, e.entity, e.op, e.data, now)
                for e in self.pending
            ],
        )
        self.pending = []


def _chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _to_sql(value: Any) -> Any:
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return int(value)
    return value


def _from_row(k: records.Kind, row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"id": row["id"], "kind": k.name}
    for f in k.fields:
        value = row.get(f.name)
        if f.type in ("list", "names") and isinstance(value, str):
            value = json.loads(value)
        elif f.type == "bool" and value is not None:
            value = bool(value)
        out[f.name] = value
    out["created_at"] = row["_created_at"]
    out["updated_at"] = row["_updated_at"]
    out["created_by_device"] = row["_created_by"]
    out["retracted"] = bool(row["_retracted"])
    out["retract_reason"] = row["_retract_reason"]
    out["conflict"] = bool(row["_conflict"])
    out["heads"] = json.loads(row["_heads"])
    out["events"] = row["_events"]
    return out


def _hlc_time(hlc: str | None) -> str | None:
    if not hlc:
        return None
    ms = int(hlc.split("-", 1)[0])
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _check_writable(home: Path) -> None:
    """Refuse a read-only store folder, even as root (who may write anyway)."""
    try:
        mode = home.stat().st_mode
    except OSError as exc:
        raise StoreNotFound(f"{home}: {exc.strerror}") from exc
    if not os.access(home, os.W_OK) or not mode & stat.S_IWUSR:
        raise StoreError(f"the store folder {home} is read-only; nothing was changed")


def _migrate(conn: sqlite3.Connection) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > len(MIGRATIONS):
        raise StoreError(f"the store was written by a newer FieldKit (schema {version})")
    db = sqlite_utils.Database(conn)
    for number in range(version + 1, len(MIGRATIONS) + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            MIGRATIONS[number - 1](db)
            conn.execute(f"PRAGMA user_version = {number}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")


def _remove_partial_init(home: Path, created_home: bool) -> None:
    import shutil

    for name in ("keys", "media", "cache"):
        shutil.rmtree(home / name, ignore_errors=True)
    for name in (DB_NAME, DB_NAME + "-wal", DB_NAME + "-shm"):
        (home / name).unlink(missing_ok=True)
    if created_home:
        with suppress(OSError):
            home.rmdir()


__all__ = ["ChainError", "MergeReport", "Store", "table_of"]
