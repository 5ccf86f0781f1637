"""What proves a bundle's events: each device's chain must be signed by that device's own
key (docs/trust-model.md, "What a bundle proves"):

* the device's key is the one whose checkpoints sign its chain; a device id made by
  this version derives from that key (:func:`fieldkit.ids.device_id_for_key`), so a
  checkpoint by any other key for that id is a forgery; an older (random) id is bound
  to the first key this store saw sign it, and a second key claiming it is reported;
* every event is covered by such a checkpoint (its seq is at or below a checkpoint's,
  whose head is that event's hash) and its ``author`` is that key's fingerprint;
* that key is trusted here (allowed_signers, or a chain this store already holds with
  it), or the person accepted it explicitly.

:func:`prove_device` decides the first and third, :class:`ProvenWalker` the second, event
by event; :mod:`fieldkit.store.merge` runs them inside the merge's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fieldkit import journal
from fieldkit.crypto import sshsig
from fieldkit.errors import FieldkitError
from fieldkit.ids import device_id_for_key, is_key_bound_id
from fieldkit.journal import ChainWalker, Event
from fieldkit.problems import Problem

if TYPE_CHECKING:
    from fieldkit.store.merge import MergeReport, StoreMerge


@dataclass
class ChainProof:
    """What proves a bundle's events (see the module text): the checkpoints it carries,
    per device, and who is trusted. ``is_trusted(public_key)`` answers from the store's
    allowed_signers; ``accept_untrusted`` is the person's explicit acceptance."""

    checkpoints: Mapping[str, Sequence[Mapping[str, Any]]]
    is_trusted: Callable[[Any], bool]
    accept_untrusted: bool = False


@dataclass
class DeviceKey:
    """The key that signs one device's chain, as :func:`prove_device` found it."""

    fingerprint: str | None = None
    heads: dict[int, str] = field(default_factory=dict)  # seq -> head hash it signed
    proven: int = 0  # the highest seq a checkpoint by the device's key covers
    refusal: str | None = None  # why none of this device's new events can be merged


def prove_device(
    store: StoreMerge, proof: ChainProof, report: MergeReport, device: str
) -> DeviceKey:
    """Which key signs ``device``'s chain, how far its checkpoints (carried by the bundle in
    ``proof`` and held by ``store``) cover it, or why none of its new events can be merged.
    A forged or second key claiming the device is appended to ``report.problems``."""
    out = DeviceKey()
    carried = list(proof.checkpoints.get(device, ()))
    held = store.checkpoints(device)
    signers: dict[str, Any] = {}  # fingerprint -> public key
    signed: list[tuple[str, Mapping[str, Any], bool]] = []
    for cp, from_store in [(c, False) for c in carried] + [(c, True) for c in held]:
        try:
            pub = journal.checkpoint_key(cp)
        except FieldkitError:
            continue  # the verifier reports it; it proves nothing here
        if cp.get("device") != device:
            continue
        fp = sshsig.fingerprint(pub)
        signers[fp] = pub
        signed.append((fp, cp, from_store))
    if is_key_bound_id(device):
        owners = [
            fp
            for fp, pub in signers.items()
            if device_id_for_key(sshsig.public_key_blob(pub)) == device
        ]
        for fp in sorted(set(signers) - set(owners)):
            report.problems.append(
                Problem(
                    "forged-chain",
                    f"device {device}: a checkpoint signed by {fp} claims it, but the "
                    "device's id derives from another key: a chain forged under its id; "
                    "not merged",
                    device=device,
                )
            )
    else:
        held_keys = {fp for fp, _cp, from_store in signed if from_store}
        owners = sorted(held_keys) or sorted(signers)
        if len(owners) > 1 or (held_keys and set(signers) - held_keys):
            others = sorted(set(signers) - set(owners[:1]))
            report.problems.append(
                Problem(
                    "two-keys",
                    f"device {device}: two keys claim it ({owners[0]} and "
                    f"{', '.join(others)}); not resolved silently: the chain signed by "
                    "the other key was not merged",
                    device=device,
                )
            )
            owners = owners[:1]
    if not owners:
        out.refusal = "no checkpoint signed by the device's own key covers it"
        return out
    fp = owners[0]
    out.fingerprint = fp
    report.chain_keys[device] = fp
    for cfp, cp, _from_store in signed:
        if cfp == fp:
            out.heads[int(cp["seq"])] = str(cp["head"])
    out.proven = max(out.heads, default=0)
    known = bool(held) and any(cfp == fp for cfp, _cp, s in signed if s)
    if not (known or proof.accept_untrusted or proof.is_trusted(signers[fp])):
        out.refusal = (
            f"its chain is signed by {fp}, a key this store does not trust "
            "(trust it with `fieldkit keys trust`, or accept it explicitly)"
        )
    return out


class ProvenWalker(ChainWalker):
    """The chain walker with the authorship rules of a bundle import (module text):
    every event covered by a checkpoint of the device's own key, authored by that key."""

    def __init__(
        self, device: str, key: DeviceKey, *, after: tuple[int, str | None] | None
    ) -> None:
        super().__init__(device, after=after)
        self.key = key

    def check_event(self, event: Event) -> list[Problem]:
        key = self.key
        if key.refusal is not None:
            return [Problem("unproven", key.refusal, device=self.device, seq=event.seq)]
        if event.seq > key.proven:
            return [
                Problem(
                    "unproven",
                    f"not covered by a checkpoint signed by the device's key {key.fingerprint} "
                    f"(the last covers seq {key.proven})",
                    device=self.device,
                    seq=event.seq,
                )
            ]
        head = key.heads.get(event.seq)
        if head is not None and head != event.hash:
            return [
                Problem(
                    "unproven",
                    "the device's signed checkpoint names another event at this seq",
                    device=self.device,
                    seq=event.seq,
                )
            ]
        author = event.body.get("author")
        if author != key.fingerprint:
            return [
                Problem(
                    "author",
                    f"its author {str(author)[:60]!r} is not the key that signs this "
                    f"device's chain ({key.fingerprint})",
                    device=self.device,
                    seq=event.seq,
                )
            ]
        return []
