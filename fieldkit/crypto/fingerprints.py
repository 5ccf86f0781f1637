"""Fingerprints people compare: one labelled form per thing, and a form to read aloud.

Two different things have fingerprints, and they are never shown unlabelled:

- a **signing key**: ``SHA256:`` + unpadded base64 of the SHA-256 of the OpenSSH public
  key blob, exactly as ``ssh-keygen -l`` prints it (what an auditor compares with);
- a **bundle**: the SHA-256 of its ``tagmanifest-sha256.txt`` (which names every other
  file's hash; BagIt, RFC 8493 §2.2.1), 64 hex digits, as ``sha256sum`` prints it.

:func:`spoken` is the form to read over a phone: the first 160 bits (at least the 128
the issue asks for; a collision needs ~2^80 work) in RFC 4648 base32 (no 0/1/8 to
confuse with O/I/B), eight groups of four separated by dashes: 32 characters, not 64.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from fieldkit.errors import ValidationError

SPOKEN_BITS = 160
KEY_LABEL = "Signing key fingerprint"
BUNDLE_LABEL = "Bundle fingerprint"


def digest_of(fingerprint: str) -> bytes:
    """The raw SHA-256 behind a key fingerprint (``SHA256:…``) or a bundle's (hex, any
    spacing). Raises ValidationError for anything else."""
    text = fingerprint.strip()
    try:
        if text.upper().startswith("SHA256:"):
            body = text[7:]
            raw = base64.b64decode(body + "=" * (-len(body) % 4), validate=True)
        else:
            raw = bytes.fromhex("".join(text.split()))
    except (binascii.Error, ValueError):
        raise ValidationError(f"{fingerprint!r} is not a SHA-256 fingerprint") from None
    if len(raw) != 32:
        raise ValidationError(f"{fingerprint!r} is not a SHA-256 fingerprint")
    return raw


def spoken(fingerprint: str) -> str:
    """``ABCD-EFGH-…`` (8 groups of 4 base32 characters = 160 bits) to read aloud."""
    raw = digest_of(fingerprint)[: SPOKEN_BITS // 8]
    text = base64.b32encode(raw).decode("ascii")
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


@dataclass(frozen=True)
class Fingerprint:
    """What to show: ``label`` (which thing), ``full`` (the tool's own form) and ``spoken``."""

    label: str
    full: str
    spoken: str


def of_key(fingerprint: str) -> Fingerprint:
    return Fingerprint(KEY_LABEL, fingerprint, spoken(fingerprint))


def of_bundle(tagmanifest_sha256: str) -> Fingerprint:
    full = "".join(tagmanifest_sha256.split()).lower()
    return Fingerprint(BUNDLE_LABEL, full, spoken(full))


__all__ = [
    "BUNDLE_LABEL",
    "KEY_LABEL",
    "SPOKEN_BITS",
    "Fingerprint",
    "digest_of",
    "of_bundle",
    "of_key",
    "spoken",
]
