"""Reading records: get, find, count, conflicts, history with custody, identity.

A **record** is a plain dict (docs/core-api.md has the full table):

* ``id`` (UUIDv7 text) and ``kind`` (``case``, ``site``, ``remnant``, ``statement``,
  ``media``, ``link``, …: :data:`fieldkit.records.KINDS`);
* every field of its kind (:mod:`fieldkit.records`), ``None`` when unset; units are the
  field table's: positions WGS84 decimal degrees (``lat``/``lon``), ``alt`` metres,
  ``*_accuracy_m`` metres, dates ``YYYY-MM-DD``, datetimes RFC 3339 UTC; ``list`` and
  ``names`` fields as lists, ``bool`` fields as bools;
* the meta keys: ``created_at``/``updated_at`` (UTC ``YYYY-MM-DDTHH:MM:SS.mmmZ``, from the
  hybrid logical clock of the first/last event), ``created_by_device`` (device id),
  ``retracted`` (bool) and ``retract_reason``, ``conflict`` (bool: some field holds
  concurrent values), ``heads`` (the hashes of the record's latest events, sorted),
  ``events`` (how many events made it); and, only when ``conflict`` is true,
  ``conflicts``: ``{field: [{"value", "event", "device", "hlc"}, …]}``.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from fieldkit import records
from fieldkit.errors import NotFound, ValidationError
from fieldkit.ids import is_id
from fieldkit.store.chain import StoreChain
from fieldkit.store.schema import META_COLUMNS


class StoreReads(StoreChain):
    def kind_of_id(self, record_id: str) -> str:
        """The kind of the record with this id; :class:`NotFound` if none (or not an id)."""
        if not is_id(record_id):
            raise NotFound(f"{record_id!r} is not a record id")
        row = self.conn.execute(
            "SELECT kind FROM events WHERE entity = ? LIMIT 1", (record_id,)
        ).fetchone()
        if row is None:
            raise NotFound(f"no record with id {record_id}")
        return str(row[0])

    def get(self, record_id: str, kind: str | None = None) -> dict[str, Any]:
        """One record (shape: this module's docstring), retracted ones included.

        Raises :class:`NotFound` when no record has this id, or it is not a ``kind``.
        """
        actual = self.kind_of_id(record_id)
        if kind is not None and actual != kind:
            raise NotFound(f"{record_id} is a {actual}, not a {kind}")
        k = records.kind_of(actual)
        row = self.conn.execute(f"SELECT * FROM [{k.plural}] WHERE id = ?", (record_id,)).fetchone()
        if row is None:
            raise NotFound(f"no record with id {record_id}")
        names = [d[0] for d in self.conn.execute(f"SELECT * FROM [{k.plural}] LIMIT 0").description]
        record = _row_reader(k, names)(row)
        if record["conflict"]:
            record["conflicts"] = self.conflicts_of(record_id)
        waiting = self.waiting_for(k, record)
        if waiting:
            record["waiting_for"] = waiting
        return record

    def waiting_for(self, k: records.Kind, record: dict[str, Any]) -> dict[str, str]:
        """The references of a record that name a record this store does not hold yet:
        ``{field: id}``. Bundles may arrive in any order, so a site may come before its
        case: it is shown, waiting, never refused (docs/trust-model.md)."""
        out = {}
        for f in k.fields:
            target = record.get(f.name)
            if f.type == "ref" and isinstance(target, str):
                row = self.conn.execute(
                    "SELECT 1 FROM events WHERE entity = ? LIMIT 1", (target,)
                ).fetchone()
                if row is None:
                    out[f.name] = target
        return out

    def conflicts_of(self, record_id: str) -> dict[str, list[dict[str, Any]]]:
        """``{field: [{"value", "event", "device", "hlc"}, …]}`` for fields in conflict."""
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
        """Records of ``kind`` whose fields equal ``where`` (exact match; ``id`` and the
        ``_``-prefixed meta columns may be named too), oldest change first unless ``order``
        names a column; retracted ones only with ``include_retracted``.

        Raises :class:`~fieldkit.errors.ValidationError` for an unknown kind or a field the
        kind does not have.
        """
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
        read = _row_reader(k, [d[0] for d in cursor.description])
        return [read(r) for r in cursor]

    def count(self, kind: str, *, include_retracted: bool = False) -> int:
        """How many records of ``kind`` (not retracted, unless asked)."""
        k = records.kind_of(kind)
        sql = f"SELECT count(*) FROM [{k.plural}]"
        if not include_retracted:
            sql += " WHERE _retracted = 0"
        return int(self.conn.execute(sql).fetchone()[0])

    def conflict_count(self) -> int:
        """How many fields are in conflict (without decoding their candidates)."""
        return int(self.conn.execute("SELECT count(*) FROM conflicts").fetchone()[0])

    def all_conflicts(self) -> list[dict[str, Any]]:
        """Every field in conflict: ``[{"id", "kind", "field", "candidates"}]``, by id."""
        rows = self.conn.execute(
            "SELECT entity, kind, field, candidates FROM conflicts ORDER BY entity, field"
        )
        return [
            {"id": e, "kind": k, "field": f, "candidates": json.loads(c)} for e, k, f, c in rows
        ]

    def history(
        self, record_id: str | None = None, *, limit: int | None = None
    ) -> list[dict[str, Any]]:
        """The journal of one record, or of the whole store, oldest first (HLC order).

        Each entry: ``hash``, ``device``, ``seq``, ``at`` (the author's wall clock, UTC),
        ``hlc``, ``author`` (key fingerprint) and ``author_name``, ``op``, ``kind``,
        ``entity``, ``fields``, ``base``, ``reason``. One record's history includes the
        links naming it and the custody events (export, import, verify) of every bundle
        that carried one of its events. :class:`NotFound` for an unknown id.
        """
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
        """This store's ``person_id``, ``device_id``, ``fingerprint``, ``name``, ``email``,
        ``organisation`` and ``home`` (the folder, as text)."""
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


_META_KEYS = (
    ("created_at", "_created_at"),
    ("updated_at", "_updated_at"),
    ("created_by_device", "_created_by"),
    ("retracted", "_retracted"),
    ("retract_reason", "_retract_reason"),
    ("conflict", "_conflict"),
    ("heads", "_heads"),
    ("events", "_events"),
)
_READERS: dict[tuple[str, tuple[str, ...]], Callable[[Sequence[Any]], dict[str, Any]]] = {}


def _row_reader(k: records.Kind, names: Sequence[str]) -> Callable[[Sequence[Any]], dict[str, Any]]:
    """A function turning one ``SELECT *`` row of ``k``'s table (columns ``names``) into a
    record (this module's docstring). Made once per kind and column layout: the per-row
    work is an ``itemgetter`` and ``dict(zip())`` in C, then the few ``list``/``names``
    (JSON text) and ``bool`` fields decoded; a field without a column reads as None."""
    key = (k.name, tuple(names))
    reader = _READERS.get(key)
    if reader is not None:
        return reader
    column = {n: i for i, n in enumerate(names)}
    missing = len(names)  # a field without a column reads the None appended to the row
    keys = (*(f.name for f in k.fields), *(m for m, _ in _META_KEYS))
    at_id = column["id"]
    getter = operator.itemgetter(
        *(column.get(f.name, missing) for f in k.fields),
        *(column[c] for _, c in _META_KEYS),
    )
    pad = any(f.name not in column for f in k.fields)
    as_json = tuple(f.name for f in k.fields if f.type in ("list", "names"))
    as_bool = tuple(f.name for f in k.fields if f.type == "bool")
    kind = k.name

    def read(row: Sequence[Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"id": row[at_id], "kind": kind}
        out.update(zip(keys, getter((*row, None) if pad else row), strict=True))
        for name in as_json:
            if isinstance(out[name], str):
                out[name] = json.loads(out[name])
        for name in as_bool:
            if out[name] is not None:
                out[name] = bool(out[name])
        out["retracted"] = bool(out["retracted"])
        out["conflict"] = bool(out["conflict"])
        out["heads"] = json.loads(out["heads"])
        return out

    _READERS[key] = read
    return read
