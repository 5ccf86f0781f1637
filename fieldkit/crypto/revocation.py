"""Revoking a key from a given time: a seized or lost laptop (docs/trust-model.md).

A revocation is an ordinary signed event of the revoking store (kind ``revocation``:
``fingerprint``, ``revoked_from``, ``reason``), so it travels in that store's bundles
like any evidence and is covered by its checkpoints. Every store that holds it holds
back the events the revoked key signed at or after ``revoked_from`` (by their HLC time):
they stay in the journal, are not projected, and are reported. Earlier events stay.

Who is believed: a revocation is in a store only if its author's chain was accepted
(trusted, or accepted explicitly), so every revocation held is applied, with one
exception: a store never applies a revocation of its *own* key (that would let one
colleague silence another's own laptop); it reports it instead.

Limits, written down: a seized key can sign events with a backdated clock. Those are
held back only if they come after the last event this store held from that device
when the revocation was made (recorded as ``held_seq``); the trust model says so.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fieldkit import records
from fieldkit.crypto import trustlist
from fieldkit.errors import KeyFileError, ValidationError

if TYPE_CHECKING:
    from fieldkit.store import Store


@dataclass(frozen=True)
class Revocation:
    """One revocation in force: events by ``fingerprint`` from ``from_ms`` on are held back."""

    fingerprint: str
    from_ms: int
    reason: str
    record_id: str


def normalise_fingerprint(fingerprint: str) -> str:
    fp = fingerprint.strip()
    if not fp.startswith("SHA256:"):
        fp = "SHA256:" + fp
    fp = fp.rstrip("=")
    if len(fp) != len("SHA256:") + 43:
        raise ValidationError(f"{fingerprint!r} is not a key fingerprint (SHA256:… 43 characters)")
    return fp


def revoke(store: Store, fingerprint: str, revoked_from: str, reason: str) -> dict[str, Any]:
    """Record a revocation (a signed event of this store) and stop trusting the key.

    ``revoked_from`` is ISO 8601 with an offset or Z. Raises :class:`ValidationError`
    for this store's own key, a malformed fingerprint or time, or an empty reason.
    """
    fp = normalise_fingerprint(fingerprint)
    if fp == store.fingerprint:
        raise ValidationError(f"{fp} is this store's own key; it cannot revoke itself here")
    if not reason or not reason.strip():
        raise ValidationError("a revocation needs a reason (--reason)")
    with store.transaction():
        record = store.create(
            "revocation", {"fingerprint": fp, "revoked_from": revoked_from, "reason": reason}
        )
        store._reproject(sorted(store.apply_revocations()))
    with contextlib.suppress(KeyFileError):  # not in the trusted list: nothing to remove
        trustlist.untrust(store.keys_dir, fp)
    return record


def ms_of(iso: str) -> int:
    """ISO 8601 UTC text (as the field table stores it) → milliseconds since 1970."""
    value = dt.datetime.fromisoformat(records.parse_datetime_utc(iso).replace("Z", "+00:00"))
    return int(value.timestamp() * 1000)


def in_force(rows: Sequence[Mapping[str, Any]], own_fingerprint: str) -> dict[str, Revocation]:
    """The revocations that apply, per fingerprint (the earliest time wins).

    ``rows`` are projected ``revocation`` records. A revocation of ``own_fingerprint``
    never applies in its own store.
    """
    out: dict[str, Revocation] = {}
    for row in rows:
        fp = row.get("fingerprint")
        when = row.get("revoked_from")
        if not isinstance(fp, str) or not isinstance(when, str) or fp == own_fingerprint:
            continue
        try:
            ms = ms_of(when)
        except (ValueError, ValidationError):
            continue
        if fp not in out or ms < out[fp].from_ms:
            out[fp] = Revocation(fp, ms, str(row.get("reason") or ""), str(row["id"]))
    return out
