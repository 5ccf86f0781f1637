"""The age recipient bound to the signing key.

The signing key signs its age recipient (namespace ``fieldkit-age-recipient@v1``), the
export carries that signature, and ``trust`` refuses an export whose recipient it does
not vouch for, so a recipient swapped in a file sent by e-mail is caught even when the
fingerprint read over the phone matches (docs/trust-model.md).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pyrage
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PublicKey,
)

from fieldkit.crypto import sshsig
from fieldkit.crypto.namespaces import AGE_RECIPIENT_NAMESPACE
from fieldkit.errors import FieldkitError, KeyFileError

if TYPE_CHECKING:
    pass


AGE_RECIPIENT_RE = re.compile(r"age1[02-9ac-hj-np-z]{58}")


def check_age_recipient(text: str, where: str) -> str:
    text = text.strip()
    if not AGE_RECIPIENT_RE.fullmatch(text):
        raise KeyFileError(f"{where}: {text[:80]!r} is not an age recipient (age1…)")
    try:
        pyrage.x25519.Recipient.from_str(text)
    except Exception:  # pyrage raises its own RecipientError
        raise KeyFileError(f"{where}: {text[:80]!r} is not a valid age recipient") from None
    return text


def recipient_signature_line(armored: str) -> str:
    """An armored SSHSIG as one line (the export keeps it in a comment)."""
    return "".join(line.strip() for line in armored.strip().splitlines()[1:-1])


def _recipient_signature_armor(line: str) -> str:
    body = line.strip()
    width = sshsig.ARMOR_WIDTH
    rows = [body[i : i + width] for i in range(0, len(body), width)]
    return "\n".join([sshsig.ARMOR_BEGIN, *rows, sshsig.ARMOR_END]) + "\n"


def age_recipient_signed(pub: Ed25519PublicKey, recipient: str, signature: str) -> bool:
    """Whether ``signature`` (armored, or its one-line body) is ``pub``'s over ``recipient``."""
    if "BEGIN" not in signature:
        signature = _recipient_signature_armor(signature)
    try:
        signer = sshsig.verify(signature, recipient.encode("ascii"), AGE_RECIPIENT_NAMESPACE)
    except FieldkitError:
        return False
    return sshsig.fingerprint(signer) == sshsig.fingerprint(pub)
