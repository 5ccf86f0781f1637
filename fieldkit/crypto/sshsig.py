"""OpenSSH signatures (``ssh-keygen -Y sign``, PROTOCOL.sshsig) with Ed25519 keys.

Only the wire format lives here; the Ed25519 arithmetic is the ``cryptography``
package's. A signature we make is byte-for-byte the one ``ssh-keygen -Y sign`` makes
with the same key (Ed25519 is deterministic), so an auditor can check it with
``ssh-keygen -Y verify`` and no FieldKit installed.

Every signature carries a namespace (a purpose string such as ``fieldkit-bundle@v1``)
inside the signed data, so a signature made for one use can never be replayed as
valid for another.

Signature files come from USB sticks and other people's laptops: :func:`verify`
treats them as hostile. Sizes are bounded before decoding, every length field is
checked against what is left, and unknown versions, key types and hash algorithms
are refused rather than guessed at.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from fieldkit.errors import FieldkitError, KeyFileError, SignatureError, ValidationError

__all__ = [
    "KEY_TYPE",
    "MAX_SIGNATURE_BYTES",
    "fingerprint",
    "parse_openssh_public_key",
    "public_key_blob",
    "public_key_from_blob",
    "public_key_to_openssh",
    "sign",
    "verify",
]

KEY_TYPE = "ssh-ed25519"
MAGIC = b"SSHSIG"
VERSION = 1
HASH_ALGORITHM = "sha512"  # what ssh-keygen uses by default; what we sign with
_HASHES = {"sha512": hashlib.sha512, "sha256": hashlib.sha256}  # what PROTOCOL.sshsig allows

ARMOR_BEGIN = "-----BEGIN SSH SIGNATURE-----"
ARMOR_END = "-----END SSH SIGNATURE-----"
ARMOR_WIDTH = 70  # ssh-keygen wraps the base64 body at 70 columns

# A real Ed25519 signature file is about 300 bytes; anything past this bound is not one
# and is refused before it is decoded.
MAX_SIGNATURE_BYTES = 64 * 1024
MAX_NAMESPACE_BYTES = 256
MAX_PUBLIC_KEY_LINE = 16 * 1024


# --- SSH wire encoding (RFC 4251 section 5) -------------------------------------------


def _string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


class WireReader:
    """Reads SSH wire fields (RFC 4251 section 5: uint32, string) from bytes, refusing to
    run past their end; raises ``error`` naming ``what`` and the field. Used for
    signatures here and for OpenSSH private-key files in :mod:`fieldkit.crypto.keys`."""

    def __init__(self, data: bytes, what: str, error: type[FieldkitError]) -> None:
        self._data = data
        self._pos = 0
        self._what = what
        self._error = error

    def raw(self, n: int, field: str) -> bytes:
        if n > len(self._data) - self._pos:
            raise self._error(
                f"{self._what} is truncated: {field} needs {n} bytes at byte {self._pos}, "
                f"only {len(self._data) - self._pos} left"
            )
        out = self._data[self._pos : self._pos + n]
        self._pos += n
        return out

    def uint32(self, field: str) -> int:
        value: int = struct.unpack(">I", self.raw(4, field))[0]
        return value

    def string(self, field: str) -> bytes:
        return self.raw(self.uint32(f"length of {field}"), field)

    def text(self, field: str) -> str:
        data = self.string(field)
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise self._error(f"{self._what}: {field} is not UTF-8 text") from None

    def end(self) -> None:
        left = len(self._data) - self._pos
        if left:
            raise self._error(f"{self._what} has {left} unexpected bytes after its last field")


# --- public keys ----------------------------------------------------------------------


def public_key_blob(pub: Ed25519PublicKey) -> bytes:
    """The SSH wire form of an Ed25519 public key: string "ssh-ed25519", string key."""
    raw = pub.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return _string(KEY_TYPE.encode()) + _string(raw)


def public_key_from_blob(
    blob: bytes, *, what: str = "public key", error: type[FieldkitError] = KeyFileError
) -> Ed25519PublicKey:
    """Parse the SSH wire form of a public key; only ``ssh-ed25519`` is accepted."""
    reader = WireReader(blob, what, error)
    key_type = reader.string("key type")
    if key_type != KEY_TYPE.encode():
        raise error(f"{what}: unsupported key type {_show(key_type)} (only {KEY_TYPE})")
    raw = reader.string("Ed25519 key")
    reader.end()
    if len(raw) != 32:
        raise error(f"{what}: an Ed25519 key is 32 bytes, this one is {len(raw)}")
    return Ed25519PublicKey.from_public_bytes(raw)


def public_key_to_openssh(pub: Ed25519PublicKey, comment: str = "") -> str:
    """``ssh-ed25519 AAAA… comment``, as in an OpenSSH ``.pub`` file (no newline)."""
    if any(c in comment for c in "\r\n\0"):
        raise ValidationError("a public key comment cannot contain line breaks or NUL")
    line = f"{KEY_TYPE} {base64.b64encode(public_key_blob(pub)).decode('ascii')}"
    return f"{line} {comment}" if comment else line


def parse_openssh_public_key(line: str | bytes) -> Ed25519PublicKey:
    """Read ``ssh-ed25519 AAAA… [comment]``; :class:`KeyFileError` on anything else."""
    if isinstance(line, bytes):
        try:
            line = line.decode("utf-8")
        except UnicodeDecodeError:
            raise KeyFileError("public key line is not UTF-8 text") from None
    if len(line) > MAX_PUBLIC_KEY_LINE:
        raise KeyFileError(f"public key line is {len(line)} characters long, not a key")
    fields = line.strip().split(maxsplit=2)
    if len(fields) < 2:
        raise KeyFileError(f"not an OpenSSH public key line: {_show(line)}")
    key_type, b64 = fields[0], fields[1]
    if key_type != KEY_TYPE:
        raise KeyFileError(f"unsupported key type {_show(key_type)} (only {KEY_TYPE})")
    try:
        blob = base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError):
        raise KeyFileError("public key: the base64 part is damaged") from None
    return public_key_from_blob(blob)


def fingerprint(pub: Ed25519PublicKey) -> str:
    """``SHA256:…`` exactly as ``ssh-keygen -l`` prints it (unpadded base64)."""
    digest = hashlib.sha256(public_key_blob(pub)).digest()
    return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")


# --- signatures -----------------------------------------------------------------------


def _check_namespace(namespace: str) -> bytes:
    raw = namespace.encode("utf-8")
    if not raw or len(raw) > MAX_NAMESPACE_BYTES or any(c in namespace for c in "\r\n\0"):
        raise ValidationError(f"not a usable signature namespace: {_show(namespace)}")
    return raw


def _signed_data(namespace: bytes, hash_algorithm: str, message: bytes) -> bytes:
    # PROTOCOL.sshsig: the preamble is raw bytes, the rest are SSH strings, and only the
    # hash of the message is signed. Reserved is always empty.
    digest = _HASHES[hash_algorithm](message).digest()
    return (
        MAGIC
        + _string(namespace)
        + _string(b"")
        + _string(hash_algorithm.encode())
        + _string(digest)
    )


def _armor(blob: bytes) -> str:
    body = base64.b64encode(blob).decode("ascii")
    lines = [body[i : i + ARMOR_WIDTH] for i in range(0, len(body), ARMOR_WIDTH)]
    return "\n".join([ARMOR_BEGIN, *lines, ARMOR_END]) + "\n"


def sign(private_key: Ed25519PrivateKey, message: bytes, namespace: str) -> str:
    """Sign ``message`` for ``namespace``; returns the armored text ssh-keygen writes."""
    ns = _check_namespace(namespace)
    signature = private_key.sign(_signed_data(ns, HASH_ALGORITHM, message))
    blob = (
        MAGIC
        + struct.pack(">I", VERSION)
        + _string(public_key_blob(private_key.public_key()))
        + _string(ns)
        + _string(b"")
        + _string(HASH_ALGORITHM.encode())
        + _string(_string(KEY_TYPE.encode()) + _string(signature))
    )
    return _armor(blob)


def _dearmor(armored: str | bytes) -> bytes:
    if len(armored) > MAX_SIGNATURE_BYTES:
        raise SignatureError(
            f"signature file is {len(armored)} bytes; an SSH signature is under "
            f"{MAX_SIGNATURE_BYTES} bytes"
        )
    if isinstance(armored, bytes):
        try:
            armored = armored.decode("ascii")
        except UnicodeDecodeError:
            raise SignatureError("signature file is not ASCII text") from None
    # Tolerate CRLF (a file that crossed a Windows machine) and surrounding white space,
    # nothing else: text around the armor could be mistaken for part of the evidence.
    lines = [line.strip() for line in armored.strip().splitlines()]
    if not lines or lines[0] != ARMOR_BEGIN:
        raise SignatureError(f"malformed signature: does not start with {ARMOR_BEGIN}")
    if lines[-1] != ARMOR_END:
        raise SignatureError(f"malformed signature: does not end with {ARMOR_END}")
    body = "".join(lines[1:-1])
    if not body:
        raise SignatureError("malformed signature: nothing between the armor lines")
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError("malformed signature: the base64 body is damaged") from None


def verify(armored: str | bytes, message: bytes, namespace: str) -> Ed25519PublicKey:
    """Check an SSH signature of ``message`` for ``namespace``; return the signer's key.

    The caller still has to decide whether that key is trusted (see
    :func:`fieldkit.crypto.trustlist.trusted_identity`): a valid signature only says *which* key
    signed. Raises :class:`SignatureError` saying what is wrong.
    """
    expected_ns = _check_namespace(namespace)
    blob = _dearmor(armored)
    reader = WireReader(blob, "signature", SignatureError)
    if reader.raw(len(MAGIC), "magic") != MAGIC:
        raise SignatureError("malformed signature: it does not start with SSHSIG")
    version = reader.uint32("version")
    if version != VERSION:
        raise SignatureError(f"unsupported signature version {version} (only {VERSION})")
    public_blob = reader.string("public key")
    ns = reader.string("namespace")
    reader.string("reserved")  # ignored, as PROTOCOL.sshsig says
    hash_algorithm = reader.text("hash algorithm")
    sig_blob = reader.string("signature")
    reader.end()

    if ns != expected_ns:
        raise SignatureError(
            f"signed for namespace {_show(ns)}, expected {_show(namespace)}: "
            "this signature was made for another purpose"
        )
    if hash_algorithm not in _HASHES:
        raise SignatureError(f"unsupported hash algorithm {_show(hash_algorithm)}")
    public_key = public_key_from_blob(
        public_blob, what="signature's public key", error=SignatureError
    )
    sig_reader = WireReader(sig_blob, "signature value", SignatureError)
    sig_type = sig_reader.string("signature type")
    if sig_type != KEY_TYPE.encode():
        raise SignatureError(f"unsupported signature type {_show(sig_type)} (only {KEY_TYPE})")
    raw_signature = sig_reader.string("Ed25519 signature")
    sig_reader.end()
    if len(raw_signature) != 64:
        raise SignatureError(f"an Ed25519 signature is 64 bytes, this one is {len(raw_signature)}")
    try:
        public_key.verify(raw_signature, _signed_data(ns, hash_algorithm, message))
    except InvalidSignature:
        raise SignatureError("signature does not match the data") from None
    return public_key


def _show(value: str | bytes, limit: int = 60) -> str:
    """A short, printable rendering of a hostile value for an error message."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = repr(value[:limit])
    return text + "…" if len(value) > limit else text
