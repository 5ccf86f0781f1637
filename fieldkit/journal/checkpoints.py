"""Checkpoints: a device's signature over its chain head (device, seq, head hash, clock).

Signed with the device's Ed25519 key in the SSHSIG format, namespace
``keys.CHECKPOINT_NAMESPACE``; format: docs/bundle-format.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from fieldkit.canonical import canonical_bytes, is_sha256
from fieldkit.errors import ChainError
from fieldkit.journal.events import FORMAT_VERSION

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

CHECKPOINT_KEYS = frozenset({"device", "seq", "head", "hlc", "signature"})


def checkpoint_signer(cp: Any) -> str:
    """The fingerprint of :func:`checkpoint_key`."""
    from fieldkit.crypto import sshsig

    return sshsig.fingerprint(checkpoint_key(cp))


def checkpoint_key(cp: Any) -> Ed25519PublicKey:
    """The public key that signed a checkpoint (a dict of CHECKPOINT_KEYS).

    Raises :class:`ChainError` if it is malformed, and the SSHSIG module's
    :class:`~fieldkit.errors.SignatureError` if its signature does not verify. Whether
    that key is the device's is the caller's question: a store and a bundle know the
    device keys from different places.
    """
    from fieldkit.crypto import sshsig
    from fieldkit.crypto.namespaces import CHECKPOINT_NAMESPACE

    if not isinstance(cp, Mapping) or set(cp) != CHECKPOINT_KEYS:
        raise ChainError("checkpoint is malformed")
    device, seq, head, hlc, sig = (cp[k] for k in ("device", "seq", "head", "hlc", "signature"))
    if (
        not isinstance(device, str)
        or not isinstance(seq, int)
        or isinstance(seq, bool)
        or not is_sha256(head)
        or not isinstance(hlc, str)
        or not isinstance(sig, str)
    ):
        raise ChainError("checkpoint is malformed")
    payload = checkpoint_payload(device, seq, head, hlc)
    return sshsig.verify(sig, payload, CHECKPOINT_NAMESPACE)


def checkpoint_payload(device: str, seq: int, head: str, hlc: str) -> bytes:
    """The bytes a device signs to vouch for its chain up to ``seq``."""
    return canonical_bytes(
        {
            "type": "fieldkit-checkpoint",
            "v": FORMAT_VERSION,
            "device": device,
            "seq": seq,
            "head": head,
            "hlc": hlc,
        }
    )
