"""The investigator's own keys: making them, reading the public half, unlocking the
secrets with the passphrase, and changing it.

The signing key (Ed25519, OpenSSH format, bcrypt KDF) signs bundles, checkpoints and
releases (:mod:`fieldkit.crypto.sshsig`); the age identity (X25519, scrypt) opens
bundles encrypted to us. Both are only ever on disk encrypted with the passphrase
(:mod:`fieldkit.crypto.keyfolder` for the files; the age recipient's binding to the
signing key is :mod:`fieldkit.crypto.recipients`; whom we trust is
:mod:`fieldkit.crypto.trustlist`).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pyrage
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from fieldkit.crypto import sshsig
from fieldkit.crypto.allowed_signers import recipient_comment, signer_line
from fieldkit.crypto.keyfolder import (
    AGE_IDENTITY,
    AGE_RECIPIENT,
    AGE_RECIPIENT_SIG,
    ALLOWED_SIGNERS,
    MAX_IDENTITY,
    MAX_KEY_FILE,
    SIGNING_KEY,
    SIGNING_KEY_PUB,
    check_permissions,
    ensure_private_dir,
    no_keys,
    read_bounded,
    read_text,
    replace_all,
    write_atomic,
)
from fieldkit.crypto.namespaces import AGE_RECIPIENT_NAMESPACE
from fieldkit.crypto.recipients import age_recipient_signed, check_age_recipient
from fieldkit.errors import KeyFileError, ValidationError, WrongPassphrase

if TYPE_CHECKING:
    from pyrage.x25519 import Identity as AgeIdentity


_OPENSSH_KEY_MAGIC = b"openssh-key-v1\0"


@dataclass(frozen=True)
class PublicIdentity:
    """Who this store's investigator is, as others see them."""

    identity: str
    public_key: str  # "ssh-ed25519 AAAA…" without comment
    fingerprint: str  # "SHA256:…" as ssh-keygen -l prints it
    age_recipient: str | None


def validate_identity(identity: str) -> str:
    """An identity usable as an allowed_signers principal, or :class:`ValidationError`.

    The principal is matched as a *pattern* by ssh-keygen: ``*`` in a trusted entry
    would let that key sign as anyone, and a comma would name two people. So only
    plain names are accepted (an e-mail address is the usual choice).
    """
    if not identity:
        raise ValidationError("identity is empty: give a name such as an e-mail address")
    if len(identity) > MAX_IDENTITY:
        raise ValidationError(f"identity is {len(identity)} characters; at most {MAX_IDENTITY}")
    bad = sorted({c for c in identity if c.isspace() or not c.isprintable() or c in ",*?!\"'\\#"})
    if bad:
        shown = " ".join(repr(c) for c in bad)
        raise ValidationError(
            f"identity {identity!r} contains {shown}: use one word such as an e-mail address"
        )
    return identity


def _check_passphrase(passphrase: bytes, what: str = "passphrase") -> None:
    if not isinstance(passphrase, bytes):
        raise TypeError(f"{what} must be bytes")
    if not passphrase:
        raise ValidationError(f"the {what} is empty; an empty passphrase protects nothing")


def _age_passphrase(passphrase: bytes) -> str:
    # age passphrases are text; ssh-keygen's are bytes. We require UTF-8 so both
    # encryptions of the same passphrase agree.
    try:
        return passphrase.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError("the passphrase must be valid UTF-8 text") from None


def _public_line(pub: Ed25519PublicKey) -> str:
    return sshsig.public_key_to_openssh(pub)


def _age_identity_text(identity: AgeIdentity) -> bytes:
    # The same layout as age-keygen writes, so `age -d -i age_identity.age` works.
    created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    text = f"# created: {created}\n# public key: {identity.to_public()}\n{identity}\n"
    return text.encode("ascii")


def create_keys(keys_dir: Path, *, identity: str, passphrase: bytes) -> PublicIdentity:
    """Make a new signing key and age identity, both encrypted with ``passphrase``.

    Raises :class:`KeyFileError` if ``keys_dir`` already holds a secret key: keys are
    never overwritten, since bundles may already be signed with them or encrypted to them.
    """
    validate_identity(identity)
    _check_passphrase(passphrase)
    age_pass = _age_passphrase(passphrase)
    existing = [name for name in (SIGNING_KEY, AGE_IDENTITY) if (keys_dir / name).exists()]
    if existing:
        raise KeyFileError(
            f"keys already exist in {keys_dir} ({', '.join(existing)}); "
            "they are never overwritten — move them away first if you really mean it"
        )
    ensure_private_dir(keys_dir)

    # The slow KDFs run before anything is written.
    signing = Ed25519PrivateKey.generate()
    signing_pem = signing.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.BestAvailableEncryption(passphrase),
    )
    pub = signing.public_key()
    age_id = pyrage.x25519.Identity.generate()
    recipient = str(age_id.to_public())
    age_encrypted = pyrage.passphrase.encrypt(_age_identity_text(age_id), age_pass, armored=True)
    fp = sshsig.fingerprint(pub)
    allowed = (
        "# FieldKit trusted signers (OpenSSH allowed_signers format).\n"
        "# Use `fieldkit keys trust` / `fieldkit keys untrust`; the first key is this store's.\n"
        f"{recipient_comment(fp, recipient)}\n"
        f"{signer_line(identity, pub)}\n"
    )
    pub_line = f"{sshsig.public_key_to_openssh(pub, identity)}\n"
    recipient_sig = sshsig.sign(signing, recipient.encode("ascii"), AGE_RECIPIENT_NAMESPACE)
    # signing_key goes last: its presence is what "keys exist" means.
    replace_all(
        [
            (keys_dir / ALLOWED_SIGNERS, allowed.encode("utf-8"), 0o644),
            (keys_dir / SIGNING_KEY_PUB, pub_line.encode(), 0o644),
            (keys_dir / AGE_RECIPIENT, f"{recipient}\n".encode("ascii"), 0o644),
            (keys_dir / AGE_RECIPIENT_SIG, recipient_sig.encode("ascii"), 0o644),
            (keys_dir / AGE_IDENTITY, bytes(age_encrypted), 0o600),
            (keys_dir / SIGNING_KEY, signing_pem, 0o600),
        ]
    )  # fmt: skip
    return PublicIdentity(
        identity=identity, public_key=_public_line(pub), fingerprint=fp, age_recipient=recipient
    )


def own_recipient_signature(keys_dir: Path) -> str | None:
    """Our signature over our age recipient, if it has been made (stores made before it
    existed get one from :func:`sign_age_recipient`, which needs the passphrase)."""
    path = keys_dir / AGE_RECIPIENT_SIG
    if not path.exists():
        return None
    me = load_public(keys_dir)
    text = read_text(path, MAX_KEY_FILE)
    pub = sshsig.parse_openssh_public_key(me.public_key)
    if me.age_recipient is None or not age_recipient_signed(pub, me.age_recipient, text):
        raise KeyFileError(
            f"{path} does not vouch for {keys_dir / AGE_RECIPIENT}: one of them was changed"
        )
    return text


def sign_age_recipient(keys_dir: Path, passphrase: bytes) -> None:
    """Sign our age recipient with our signing key (for stores made before it was signed)."""
    me = load_public(keys_dir)
    if me.age_recipient is None:
        raise KeyFileError(f"no age recipient in {keys_dir}")
    key = unlock_signing_key(keys_dir, passphrase)
    armored = sshsig.sign(key, me.age_recipient.encode("ascii"), AGE_RECIPIENT_NAMESPACE)
    write_atomic(keys_dir / AGE_RECIPIENT_SIG, armored.encode("ascii"), 0o644)


def _load_own_public(keys_dir: Path) -> tuple[str, Ed25519PublicKey]:
    path = keys_dir / SIGNING_KEY_PUB
    if not path.exists():
        raise no_keys(keys_dir)
    text = read_text(path, MAX_KEY_FILE).strip()
    try:
        pub = sshsig.parse_openssh_public_key(text)
    except KeyFileError as exc:
        raise KeyFileError(f"{path}: {exc}") from None
    fields = text.split(maxsplit=2)
    identity = fields[2].strip() if len(fields) == 3 else ""
    try:
        validate_identity(identity)
    except ValidationError as exc:
        raise KeyFileError(f"{path}: the comment must be the identity: {exc}") from None
    return identity, pub


def load_public(keys_dir: Path) -> PublicIdentity:
    """This store's public identity, read from the public files (no passphrase needed)."""
    identity, pub = _load_own_public(keys_dir)
    recipient_path = keys_dir / AGE_RECIPIENT
    recipient = None
    if recipient_path.exists():
        recipient = check_age_recipient(
            read_text(recipient_path, MAX_KEY_FILE), str(recipient_path)
        )
    return PublicIdentity(
        identity=identity,
        public_key=_public_line(pub),
        fingerprint=sshsig.fingerprint(pub),
        age_recipient=recipient,
    )


def _openssh_envelope(data: bytes, path: Path) -> tuple[str, Ed25519PublicKey]:
    """Read the unencrypted outer part of an OpenSSH private key: cipher and public key.

    This tells a damaged file (KeyFileError) from a wrong passphrase (WrongPassphrase),
    which ``cryptography`` reports alike.
    """
    text = data.decode("ascii", "replace").strip()
    begin, end = "-----BEGIN OPENSSH PRIVATE KEY-----", "-----END OPENSSH PRIVATE KEY-----"
    lines = [line.strip() for line in text.splitlines()]
    if len(lines) < 3 or lines[0] != begin or lines[-1] != end:
        raise KeyFileError(f"{path} is not an OpenSSH private key")
    try:
        blob = base64.b64decode("".join(lines[1:-1]), validate=True)
    except (binascii.Error, ValueError):
        raise KeyFileError(f"{path} is damaged: its base64 body does not decode") from None
    if not blob.startswith(_OPENSSH_KEY_MAGIC):
        raise KeyFileError(f"{path} is not an OpenSSH private key (bad magic)")
    reader = sshsig.WireReader(blob[len(_OPENSSH_KEY_MAGIC) :], str(path), KeyFileError)
    cipher = reader.text("cipher name")
    reader.string("kdf name")
    reader.string("kdf options")
    if reader.uint32("key count") != 1:
        raise KeyFileError(f"{path} must hold exactly one key")
    pub = sshsig.public_key_from_blob(reader.string("public key"), what=str(path))
    return cipher, pub


def unlock_signing_key(keys_dir: Path, passphrase: bytes) -> Ed25519PrivateKey:
    """Decrypt the signing key; :class:`WrongPassphrase` if the passphrase is not it."""
    _check_passphrase(passphrase)
    check_permissions(keys_dir)
    path = keys_dir / SIGNING_KEY
    if not path.exists():
        raise no_keys(keys_dir)
    data = read_bounded(path, MAX_KEY_FILE)
    cipher, envelope_pub = _openssh_envelope(data, path)
    _, own_pub = _load_own_public(keys_dir)
    if sshsig.public_key_blob(envelope_pub) != sshsig.public_key_blob(own_pub):
        raise KeyFileError(f"{path} and {SIGNING_KEY_PUB} hold different keys")
    if cipher == "none":
        raise KeyFileError(f"{path} is not encrypted; FieldKit keys always are")
    try:
        key = serialization.load_ssh_private_key(data, passphrase)
    except ValueError:
        raise WrongPassphrase(f"wrong passphrase for {path}") from None
    except Exception as exc:  # unsupported cipher or KDF in a hand-made file
        raise KeyFileError(f"cannot open {path}: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"{path} is not an Ed25519 key")
    return key


def _decrypt_age_identity(keys_dir: Path, passphrase: bytes) -> tuple[bytes, AgeIdentity]:
    _check_passphrase(passphrase)
    check_permissions(keys_dir)
    path = keys_dir / AGE_IDENTITY
    if not path.exists():
        if not (keys_dir / SIGNING_KEY).exists():
            raise no_keys(keys_dir)
        raise KeyFileError(f"{path} is missing")
    data = read_bounded(path, MAX_KEY_FILE)
    if not data.startswith(b"-----BEGIN AGE ENCRYPTED FILE-----") and not data.startswith(
        b"age-encryption.org/v1\n"
    ):
        raise KeyFileError(f"{path} is not an age-encrypted file")
    try:
        plain = pyrage.passphrase.decrypt(data, _age_passphrase(passphrase))
    except pyrage.DecryptError:
        raise WrongPassphrase(f"wrong passphrase for {path}") from None
    secrets = [
        line.strip() for line in bytes(plain).splitlines() if line.startswith(b"AGE-SECRET-KEY-")
    ]
    if len(secrets) != 1:
        raise KeyFileError(f"{path} must hold exactly one age secret key")
    try:
        identity = pyrage.x25519.Identity.from_str(secrets[0].decode("ascii"))
    except Exception:  # pyrage.IdentityError, or a non-ASCII line
        raise KeyFileError(f"{path} holds a damaged age secret key") from None
    recipient_path = keys_dir / AGE_RECIPIENT
    if recipient_path.exists():
        expected = check_age_recipient(read_text(recipient_path, MAX_KEY_FILE), str(recipient_path))
        if str(identity.to_public()) != expected:
            raise KeyFileError(f"{path} and {AGE_RECIPIENT} hold different keys")
    return bytes(plain), identity


def unlock_age_identity(keys_dir: Path, passphrase: bytes) -> AgeIdentity:
    """Decrypt the age identity (to open bundles encrypted to us)."""
    return _decrypt_age_identity(keys_dir, passphrase)[1]


def change_passphrase(keys_dir: Path, old: bytes, new: bytes) -> None:
    """Re-encrypt both secret keys with ``new``.

    Both are decrypted with ``old`` and re-encrypted to synced temp files before either
    is renamed into place, so a wrong old passphrase or a failure changes nothing. Only
    a crash between the two renames (microseconds) would leave the age identity on the
    old passphrase and the signing key on the new one.
    """
    _check_passphrase(new, "new passphrase")
    new_age_pass = _age_passphrase(new)
    signing = unlock_signing_key(keys_dir, old)
    plain, _ = _decrypt_age_identity(keys_dir, old)
    signing_pem = signing.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.BestAvailableEncryption(new),
    )
    age_encrypted = pyrage.passphrase.encrypt(plain, new_age_pass, armored=True)
    replace_all(
        [
            (keys_dir / AGE_IDENTITY, bytes(age_encrypted), 0o600),
            (keys_dir / SIGNING_KEY, signing_pem, 0o600),
        ]
    )
