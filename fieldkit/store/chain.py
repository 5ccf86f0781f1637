"""This device's chain: appending events, the hybrid logical clock, heads, checkpoints.

An event is appended in the same transaction that reprojects its entity; a checkpoint
is the device's SSHSIG signature over its chain head (see :mod:`fieldkit.journal.checkpoints`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from fieldkit import clock, journal
from fieldkit.errors import FieldkitError, NotFound, StoreError
from fieldkit.ids import new_id
from fieldkit.journal import Event
from fieldkit.problems import Problem
from fieldkit.store.projection import StoreProjection
from fieldkit.store.schema import now_iso

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


class StoreChain(StoreProjection):
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
            "v": journal.REINSTATE_VERSION if op == "reinstate" else journal.FORMAT_VERSION,
            "id": new_id(),
            "device": self.device_id,
            "seq": seq,
            "prev": prev,
            "hlc": now.text(self.device_id),
            "at": now_iso(),
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
                now_iso(),
            ),
        )

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

    def verify_chain(self, *, check_checkpoints: bool = True) -> list[Problem]:
        """Every device chain and checkpoint in the store, with every problem found."""
        rows = self.conn.execute("SELECT device, seq, hash, data FROM events ORDER BY device, seq")
        problems = journal.verify_chain((d, s, h, bytes(b)) for d, s, h, b in rows)
        if check_checkpoints:
            problems.extend(self._verify_checkpoints())
        return problems

    def checkpoint(
        self, passphrase: bytes | None = None, *, key: Ed25519PrivateKey | None = None
    ) -> dict[str, Any]:
        """Sign this device's chain head with its key (nothing is written on failure).

        Give the passphrase, or a key already unlocked (an export signs twice with it).
        """
        from fieldkit.crypto import keys, namespaces, sshsig

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
        signature = sshsig.sign(key, payload, namespaces.CHECKPOINT_NAMESPACE)
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

    def _verify_checkpoints(self) -> list[Problem]:
        fingerprints = self.device_fingerprints()
        problems = []
        for cp in self.checkpoints():
            problem = self._checkpoint_problem(cp, fingerprints)
            if problem is not None:
                problems.append(Problem("checkpoint", problem, device=cp["device"], seq=cp["seq"]))
        return problems

    def add_checkpoints(self, items: Iterable[Mapping[str, Any]]) -> list[Problem]:
        """Store received checkpoints whose signature and head check out; returns problems."""
        problems: list[Problem] = []
        fingerprints = self.device_fingerprints()
        for cp in items:
            problem = self._checkpoint_problem(cp, fingerprints)
            if problem is not None:
                device, seq = cp.get("device"), cp.get("seq")
                problems.append(
                    Problem(
                        "checkpoint",
                        f"checkpoint {device}:{seq}: {problem}",
                        device=device if isinstance(device, str) else None,
                        seq=seq if isinstance(seq, int) else None,
                    )
                )
                continue
            self.conn.execute(
                "INSERT OR IGNORE INTO checkpoints (device, seq, head, hlc, signature) "
                "VALUES (:device, :seq, :head, :hlc, :signature)",
                dict(cp),
            )
        return problems
