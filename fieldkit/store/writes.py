"""Writing records: create, update, retract, resolve, link, custody; validated first."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fieldkit import records
from fieldkit.errors import NotFound, ValidationError
from fieldkit.ids import new_id
from fieldkit.store.reads import StoreReads


class StoreWrites(StoreReads):
    def create(
        self, kind: str, values: Mapping[str, Any], *, record_id: str | None = None
    ) -> dict[str, Any]:
        """Create a record of ``kind`` from ``values``; returns it as :meth:`get` does.

        Values are validated by the field table (types, ranges, required fields, choices)
        and references must name an existing record of the right kind: otherwise
        :class:`~fieldkit.errors.ValidationError` (``.fields`` names the fields at fault)
        and nothing is written. One journal event, appended with the projection in one
        transaction. ``record_id`` fixes the id (tests, imports); it must be unused.
        """
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
        """Change some fields; returns the record. Only changed values make an event
        (none: nothing is written). :class:`NotFound` for an unknown id;
        :class:`~fieldkit.errors.ValidationError` for invalid values or a retracted record.
        """
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
        """Withdraw a record, with a reason; its events and media stay as evidence.

        Returns the record (``retracted`` true). ValidationError without a reason or when
        already retracted; NotFound for an unknown id.
        """
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
        """Bring a retracted record back, with a reason (an event of version 2, op
        ``reinstate``; docs/bundle-format.md). The retraction stays in its history."""
        if not reason or not reason.strip():
            raise ValidationError("a reinstatement needs a reason")
        kind = self.kind_of_id(record_id)
        with self.transaction():
            current = self.get(record_id)
            if not current["retracted"]:
                raise ValidationError(f"{kind} {record_id} is not retracted")
            self._append(kind, record_id, "reinstate", base=current["heads"], reason=reason.strip())
        return self.get(record_id)

    def reviews(self, record_id: str | None = None) -> list[dict[str, Any]]:
        """Changes to records by someone other than their creator, not yet seen by the
        creator or this store's person: ``{event, id, kind, op, author, creator, hlc,
        reason}``, oldest first (docs/trust-model.md, "Who may write what")."""
        sql = "SELECT event, entity, kind, op, author, creator, hlc, reason FROM reviews"
        params: tuple[Any, ...] = ()
        if record_id is not None:
            sql, params = sql + " WHERE entity = ?", (record_id,)
        names = ("event", "id", "kind", "op", "author", "creator", "hlc", "reason")
        return [
            dict(zip(names, r, strict=True))
            for r in self.conn.execute(sql + " ORDER BY hlc", params)
        ]

    def mark_reviewed(self, record_id: str, note: str | None = None) -> list[dict[str, Any]]:
        """This store's person has seen the changes to a record flagged for review.

        Appends one ``update`` event with no fields whose ``base`` is the record's heads
        and whose ``reason`` is ``reviewed`` (``reviewed: NOTE`` with a note): by the
        projection's rule (:class:`fieldkit.journal.Review`) a later change by this
        store's person that has seen a flagged change clears it, so the record's flags go
        and the journal keeps who reviewed what, and when (``fieldkit log``). A retracted
        record can be reviewed too (the retraction may be what was flagged). Returns the
        reviews cleared (as :meth:`reviews`). Raises :class:`NotFound` for an unknown id
        and :class:`ValidationError` when nothing of that record waits for review.
        """
        kind = self.kind_of_id(record_id)
        text = "reviewed" + (f": {note.strip()}" if note and note.strip() else "")
        with self.transaction():
            flagged = self.reviews(record_id)
            if not flagged:
                raise ValidationError(f"{kind} {record_id} has no change waiting for review")
            current = self.get(record_id)
            self._append(kind, record_id, "update", base=current["heads"], reason=text)
        return flagged

    def invalid_events(self) -> list[dict[str, Any]]:
        """Events kept in the journal but not projected because their values fail
        validation: ``{event, id, kind, device, seq, field, reason}``."""
        names = ("event", "id", "kind", "device", "seq", "field", "reason")
        cursor = self.conn.execute(
            "SELECT event, entity, kind, device, seq, field, reason FROM invalid_events "
            "ORDER BY device, seq"
        )
        return [dict(zip(names, r, strict=True)) for r in cursor]

    def resolve(self, record_id: str, field_name: str, value: Any) -> dict[str, Any]:
        """Settle a conflict on one field with the value a person chose; returns the record.

        The resolving event's ``base`` names every candidate, so every device that receives
        it clears the flag. ValidationError when that field is not in conflict.
        """
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
        """Link a media record to any record (site, remnant, statement…); returns the link
        record (``media_id``, ``target_kind``, ``target_id``, ``caption``). Linking twice
        returns the existing link. NotFound for an unknown target."""
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

    def record_custody(self, action: str, **fields: Any) -> dict[str, Any]:
        """A custody record (export, import, verify, accept_untrusted): where evidence has
        been, by whom, with what result; ``fields`` are the custody kind's fields
        (``bundle_id``, ``path``, ``signer``, ``result``, ``details``). See
        docs/custody-and-prov.md for its W3C PROV reading."""
        return self.create("custody", {"action": action, **fields})
