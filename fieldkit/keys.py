"""The investigator's keys and the people they trust, in ``<home>/keys/``.

::

    keys/                       0700
      signing_key               0600  Ed25519, OpenSSH format, passphrase-encrypted (bcrypt KDF)
      signing_key.pub                 ssh-ed25519 AAAA… <identity>
      age_identity.age          0600  age X25519 identity, passphrase-encrypted (scrypt), armored
      age_recipient.txt               age1…
      age_recipient.txt.sig           SSHSIG of age_recipient's text by signing_key
      allowed_signers                 trusted signers, OpenSSH allowed_signers format

Everything is in formats other tools read: ``ssh-keygen -y -f signing_key`` opens the
signing key, ``age -d -i age_identity.age`` decrypts a bundle with the age identity,
and ``allowed_signers`` is what ``ssh-keygen -Y verify -f`` takes. Our own key is always
in ``allowed_signers``. The age recipient of a trusted person is kept in the same file,
as a comment just above their line (``# fieldkit-age-recipient <fingerprint> age1…``),
which ssh-keygen ignores.

The age recipient is bound to the signing key: the key signs it (namespace
``fieldkit-age-recipient@v1``), the export carries that signature, and ``trust`` refuses
an export whose recipient it does not vouch for, so a recipient swapped in a file sent
by e-mail is caught even when the fingerprint read over the phone matches.

Another user of the computer must not be able to change whom we trust or read our
secrets: on POSIX systems every use of the folder first checks its permissions
(:func:`check_permissions`) and refuses with the ``chmod`` to run. On Windows, modes
mean nothing; the folder lives in the user's profile, whose access list admits only
that user, administrators and SYSTEM (docs/trust-model.md, "Key files").

The laptop may be seized: both secrets are only ever on disk encrypted with the
passphrase, and every file is written to a temporary file in the same folder, synced and
renamed into place, so a crash never leaves half a key.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import fnmatch
import os
import re
import stat
import tempfile
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

from fieldkit import sshsig
from fieldkit.errors import FieldkitError, KeyFileError, ValidationError, WrongPassphrase
from fieldkit.fsutil import fsync_dir

if TYPE_CHECKING:
    from pyrage.x25519 import Identity as AgeIdentity

__all__ = [
    "AGE_IDENTITY",
    "AGE_RECIPIENT",
    "AGE_RECIPIENT_NAMESPACE",
    "AGE_RECIPIENT_SIG",
    "ALLOWED_SIGNERS",
    "BUNDLE_NAMESPACE",
    "CHECKPOINT_NAMESPACE",
    "RELEASE_NAMESPACE",
    "SIGNING_KEY",
    "SIGNING_KEY_PUB",
    "PublicIdentity",
    "TrustedSigner",
    "change_passphrase",
    "check_permissions",
    "create_keys",
    "export_public",
    "keys_exist",
    "list_trusted",
    "load_public",
    "parse_exported",
    "read_allowed_signers",
    "sign_age_recipient",
    "trust",
    "trusted_identity",
    "unlock_age_identity",
    "unlock_signing_key",
    "untrust",
    "validate_identity",
]

BUNDLE_NAMESPACE = "fieldkit-bundle@v1"
CHECKPOINT_NAMESPACE = "fieldkit-checkpoint@v1"
#: The signing key vouches for its person's age recipient (issue 9): the signed message
#: is the recipient text (``age1…``) in ASCII; the signature travels with the export.
AGE_RECIPIENT_NAMESPACE = "fieldkit-age-recipient@v1"
RELEASE_NAMESPACE = "fieldkit-release@v1"  # a public release (fieldkit/release.py)

SIGNING_KEY = "signing_key"
SIGNING_KEY_PUB = "signing_key.pub"
AGE_IDENTITY = "age_identity.age"
AGE_RECIPIENT = "age_recipient.txt"
AGE_RECIPIENT_SIG = "age_recipient.txt.sig"
ALLOWED_SIGNERS = "allowed_signers"

# Bounds on what we read: key files are a few hundred bytes; a trust list of thousands
# of people is well under a megabyte. Anything bigger is not ours.
MAX_KEY_FILE = 64 * 1024
MAX_ALLOWED_SIGNERS = 1024 * 1024
MAX_EXPORT = 64 * 1024
MAX_IDENTITY = 256

AGE_RECIPIENT_COMMENT = "# fieldkit-age-recipient"
_AGE_RECIPIENT_RE = re.compile(r"age1[02-9ac-hj-np-z]{58}")
_OPENSSH_KEY_MAGIC = b"openssh-key-v1\0"
# How an allowed_signers line's key field starts; anything else there is options.
_KEY_TYPE_PREFIXES = ("ssh-", "ecdsa-", "sk-", "rsa-")


@dataclass(frozen=True)
class PublicIdentity:
    """Who this store's investigator is, as others see them."""

    identity: str
    public_key: str  # "ssh-ed25519 AAAA…" without comment
    fingerprint: str  # "SHA256:…" as ssh-keygen -l prints it
    age_recipient: str | None


@dataclass(frozen=True)
class TrustedSigner:
    """One signer in an allowed_signers file (and their age recipient, if known)."""

    identity: str  # the principals field, e.g. "anna@example.org"
    public_key: str
    fingerprint: str
    age_recipient: str | None
    # From a `namespaces="…"` option; None means every namespace (ssh-keygen's rule).
    namespaces: tuple[str, ...] | None = None


# --- small helpers --------------------------------------------------------------------


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


def _read_bounded(path: Path, limit: int) -> bytes:
    try:
        with path.open("rb") as fh:
            data = fh.read(limit + 1)
    except FileNotFoundError:
        raise KeyFileError(f"{path} is missing") from None
    except OSError as exc:
        raise KeyFileError(f"cannot read {path}: {exc.strerror}") from exc
    if len(data) > limit:
        raise KeyFileError(f"{path} is larger than {limit} bytes; it is not a key file")
    return data


def _read_text(path: Path, limit: int) -> str:
    try:
        return _read_bounded(path, limit).decode("utf-8")
    except UnicodeDecodeError:
        raise KeyFileError(f"{path} is not UTF-8 text") from None


def _write_temp(path: Path, data: bytes, mode: int) -> Path:
    """Write ``data`` to a synced temp file next to ``path``; the caller renames it."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return Path(tmp)


def _replace_all(pairs: list[tuple[Path, bytes, int]]) -> None:
    """Write every file to a temp file first, then rename them all into place."""
    temps: list[tuple[Path, Path]] = []
    try:
        for path, data, mode in pairs:
            temps.append((_write_temp(path, data, mode), path))
    except BaseException:
        for tmp, _ in temps:
            with contextlib.suppress(OSError):
                tmp.unlink()
        raise
    for tmp, path in temps:
        os.replace(tmp, path)
    for folder in {path.parent for _, path in temps}:
        fsync_dir(folder)


def _write_atomic(path: Path, data: bytes, mode: int) -> None:
    _replace_all([(path, data, mode)])


def _ensure_private_dir(keys_dir: Path) -> None:
    keys_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    if os.name == "posix" and stat.S_IMODE(keys_dir.stat().st_mode) != 0o700:
        os.chmod(keys_dir, 0o700)


def _public_line(pub: Ed25519PublicKey) -> str:
    return sshsig.public_key_to_openssh(pub)


def _signer_line(identity: str, pub: Ed25519PublicKey) -> str:
    return f"{identity} {sshsig.public_key_to_openssh(pub, identity)}"


def _recipient_comment(fp: str, recipient: str) -> str:
    return f"{AGE_RECIPIENT_COMMENT} {fp} {recipient}"


def _check_age_recipient(text: str, where: str) -> str:
    text = text.strip()
    if not _AGE_RECIPIENT_RE.fullmatch(text):
        raise KeyFileError(f"{where}: {text[:80]!r} is not an age recipient (age1…)")
    try:
        pyrage.x25519.Recipient.from_str(text)
    except Exception:  # pyrage raises its own RecipientError
        raise KeyFileError(f"{where}: {text[:80]!r} is not a valid age recipient") from None
    return text


_PRIVATE_FILES = (SIGNING_KEY, AGE_IDENTITY)
_PUBLIC_FILES = (ALLOWED_SIGNERS, SIGNING_KEY_PUB, AGE_RECIPIENT, AGE_RECIPIENT_SIG)


def check_permissions(keys_dir: Path) -> None:
    """Refuse a keys folder that other users of this computer could change or read.

    POSIX only: the folder and every file in it must not be writable by group or others
    (or a line appended to ``allowed_signers`` would be trusted at once), and the
    secret keys must not be readable by them either. Raises :class:`KeyFileError` whose
    message gives the ``chmod`` to run. On Windows it does nothing (see the module text).
    """
    if os.name != "posix" or not keys_dir.is_dir():
        return
    checks = [(keys_dir, 0o022, "700")]
    checks += [(keys_dir / n, 0o022, "644") for n in _PUBLIC_FILES]
    checks += [(keys_dir / n, 0o077, "600") for n in _PRIVATE_FILES]
    for path, forbidden, fix in checks:
        try:
            mode = stat.S_IMODE(path.lstat().st_mode)
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise KeyFileError(f"cannot check {path}: {exc.strerror}") from exc
        if mode & forbidden:
            who = "read or written" if forbidden == 0o077 else "written"
            raise KeyFileError(
                f"{path} can be {who} by other users of this computer (mode {mode:03o}); "
                f"FieldKit will not use it. Check nobody changed it, then run: "
                f"chmod {fix} '{path}'"
            )


def keys_exist(keys_dir: Path) -> bool:
    """Whether ``keys_dir`` holds a signing key."""
    return (keys_dir / SIGNING_KEY).exists()


# --- creating and opening the keys ----------------------------------------------------


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
    _ensure_private_dir(keys_dir)

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
        f"{_recipient_comment(fp, recipient)}\n"
        f"{_signer_line(identity, pub)}\n"
    )
    pub_line = f"{sshsig.public_key_to_openssh(pub, identity)}\n"
    recipient_sig = sshsig.sign(signing, recipient.encode("ascii"), AGE_RECIPIENT_NAMESPACE)
    # signing_key goes last: its presence is what "keys exist" means.
    _replace_all(
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


def _recipient_signature_line(armored: str) -> str:
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


def own_recipient_signature(keys_dir: Path) -> str | None:
    """Our signature over our age recipient, if it has been made (stores made before it
    existed get one from :func:`sign_age_recipient`, which needs the passphrase)."""
    path = keys_dir / AGE_RECIPIENT_SIG
    if not path.exists():
        return None
    me = load_public(keys_dir)
    text = _read_text(path, MAX_KEY_FILE)
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
    _write_atomic(keys_dir / AGE_RECIPIENT_SIG, armored.encode("ascii"), 0o644)


def _no_keys(keys_dir: Path) -> KeyFileError:
    return KeyFileError(f"no keys in {keys_dir}: run `fieldkit init` first")


def _load_own_public(keys_dir: Path) -> tuple[str, Ed25519PublicKey]:
    path = keys_dir / SIGNING_KEY_PUB
    if not path.exists():
        raise _no_keys(keys_dir)
    text = _read_text(path, MAX_KEY_FILE).strip()
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
        recipient = _check_age_recipient(
            _read_text(recipient_path, MAX_KEY_FILE), str(recipient_path)
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
        raise _no_keys(keys_dir)
    data = _read_bounded(path, MAX_KEY_FILE)
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
            raise _no_keys(keys_dir)
        raise KeyFileError(f"{path} is missing")
    data = _read_bounded(path, MAX_KEY_FILE)
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
        expected = _check_age_recipient(
            _read_text(recipient_path, MAX_KEY_FILE), str(recipient_path)
        )
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
    _replace_all(
        [
            (keys_dir / AGE_IDENTITY, bytes(age_encrypted), 0o600),
            (keys_dir / SIGNING_KEY, signing_pem, 0o600),
        ]
    )


# --- export and trust -----------------------------------------------------------------


def export_public(keys_dir: Path) -> str:
    """Our public key as a one-entry allowed_signers file, with the details as comments.

    An auditor can hand this file straight to ``ssh-keygen -Y verify -f``.
    """
    me = load_public(keys_dir)
    lines = [
        "# FieldKit public key (an OpenSSH allowed_signers file)",
        "# Check the fingerprint with its owner (in person or by phone) before trusting it.",
        f"# identity: {me.identity}",
        f"# fingerprint: {me.fingerprint}",
    ]
    if me.age_recipient:
        signature = own_recipient_signature(keys_dir)
        if signature is None:
            raise KeyFileError(
                "the age recipient is not signed yet (a store made by an older FieldKit): "
                "`fieldkit keys export` signs it once with your passphrase"
            )
        lines.append(f"# age-recipient: {me.age_recipient}")
        lines.append(f"# age-recipient-signature: {_recipient_signature_line(signature)}")
    lines.append(f"{me.identity} {me.public_key} {me.identity}")
    return "\n".join(lines) + "\n"


def _split_options(text: str, where: str) -> tuple[str, str]:
    """Split ``opt1,opt2="a b",…  rest`` at the first space outside quotes."""
    in_quotes = False
    for i, c in enumerate(text):
        if c == '"':
            in_quotes = not in_quotes
        elif c in " \t" and not in_quotes:
            return text[:i], text[i:].lstrip()
    if in_quotes:
        raise KeyFileError(f"{where}: unterminated quote in options")
    return text, ""


def _parse_options(options: str, where: str) -> dict[str, str | None]:
    result: dict[str, str | None] = {}
    for item in re.findall(r'(?:[^,"]|"[^"]*")+', options):
        name, eq, value = item.partition("=")
        name = name.strip().lower()
        if eq:
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1]
            result[name] = value
        else:
            result[name] = None
    if not result:
        raise KeyFileError(f"{where}: empty options")
    return result


@dataclass(frozen=True)
class _Entry:
    identity: str
    public_key: Ed25519PublicKey
    fingerprint: str
    namespaces: tuple[str, ...] | None


def _parse_signer_line(line: str, where: str) -> _Entry | None:
    """One allowed_signers line; None for a valid line FieldKit cannot use.

    Skipped (not trusted by FieldKit): keys other than Ed25519, ``cert-authority``
    lines (certificates are not supported) and ``valid-before``/``valid-after`` lines
    (their time rules are not evaluated, so we do not trust them rather than guess).
    """
    parts = line.split(maxsplit=1)
    if len(parts) != 2:
        raise KeyFileError(f"{where}: expected `<identity> [options] ssh-ed25519 AAAA…`")
    principals, rest = parts
    if principals.startswith('"'):
        raise KeyFileError(f"{where}: quoted identities are not supported")
    options: dict[str, str | None] = {}
    first = rest.split(maxsplit=1)[0]
    if not first.startswith(_KEY_TYPE_PREFIXES):
        opts, rest = _split_options(rest, where)
        options = _parse_options(opts, where)
    fields = rest.split(maxsplit=2)
    if len(fields) < 2:
        raise KeyFileError(f"{where}: no public key after the identity")
    if fields[0] != sshsig.KEY_TYPE:
        return None
    if "cert-authority" in options or "valid-before" in options or "valid-after" in options:
        return None
    try:
        pub = sshsig.parse_openssh_public_key(" ".join(fields[:2]))
    except KeyFileError as exc:
        raise KeyFileError(f"{where}: {exc}") from None
    namespaces = None
    if "namespaces" in options:
        namespaces = tuple(n.strip() for n in (options["namespaces"] or "").split(",") if n)
    return _Entry(principals, pub, sshsig.fingerprint(pub), namespaces)


def _parse_recipient_comment(line: str, where: str) -> tuple[str, str] | None:
    if not line.startswith(AGE_RECIPIENT_COMMENT + " "):
        return None
    fields = line[len(AGE_RECIPIENT_COMMENT) :].split()
    if len(fields) != 2 or not fields[0].startswith("SHA256:"):
        raise KeyFileError(f"{where}: expected `{AGE_RECIPIENT_COMMENT} SHA256:… age1…`")
    return fields[0], _check_age_recipient(fields[1], where)


def _parse_allowed_signers_text(text: str, name: str) -> list[TrustedSigner]:
    entries: list[_Entry] = []
    recipients: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        where = f"{name}:{number}"
        if not line:
            continue
        if line.startswith("#"):
            found = _parse_recipient_comment(line, where)
            if found:
                recipients[found[0]] = found[1]
            continue
        entry = _parse_signer_line(line, where)
        if entry is not None:
            entries.append(entry)
    return [
        TrustedSigner(
            identity=e.identity,
            public_key=sshsig.public_key_to_openssh(e.public_key),
            fingerprint=e.fingerprint,
            age_recipient=recipients.get(e.fingerprint),
            namespaces=e.namespaces,
        )
        for e in entries
    ]


def read_allowed_signers(path: Path) -> list[TrustedSigner]:
    """The Ed25519 signers in an OpenSSH allowed_signers file.

    Comments, blank lines and options (``namespaces="…"``) are understood; lines with
    other key types, ``cert-authority``, ``valid-before`` or ``valid-after`` are skipped
    (FieldKit does not trust them). A malformed line is an error naming its line number,
    never silently skipped: this file decides whom we believe.
    """
    return _parse_allowed_signers_text(_read_text(path, MAX_ALLOWED_SIGNERS), str(path))


def _parse_signer_text(text: str) -> tuple[str | None, Ed25519PublicKey, str | None]:
    """An export, an allowed_signers line or a ``.pub`` line → (identity, key, age)."""
    if len(text) > MAX_EXPORT:
        raise KeyFileError(f"public key file is {len(text)} characters; an export is tiny")
    claimed_fp: str | None = None
    recipient: str | None = None
    recipient_sig: str | None = None
    recipient_from_comment = False
    signer_lines: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        where = f"line {number}"
        if not line:
            continue
        if line.startswith("#"):
            body = line.lstrip("#").strip()
            key, sep, value = body.partition(":")
            if sep and key.strip().lower() == "fingerprint":
                claimed_fp = value.strip()
            elif sep and key.strip().lower() == "age-recipient":
                recipient = _check_age_recipient(value, where)
            elif sep and key.strip().lower() == "age-recipient-signature":
                recipient_sig = value.strip()
            elif (found := _parse_recipient_comment(line, where)) is not None:
                recipient = found[1]
                recipient_from_comment = True
            continue
        signer_lines.append((number, line))
    if not signer_lines:
        raise KeyFileError(
            "no public key found: expected a `fieldkit keys export` file, an allowed_signers "
            "line or an `ssh-ed25519 AAAA…` line"
        )
    if len(signer_lines) > 1:
        raise KeyFileError(
            f"the file holds {len(signer_lines)} key lines; trust one person's key at a time"
        )
    number, line = signer_lines[0]
    identity: str | None
    if line.startswith(sshsig.KEY_TYPE + " ") or line.startswith(sshsig.KEY_TYPE + "\t"):
        pub = sshsig.parse_openssh_public_key(line)
        fields = line.split(maxsplit=2)
        identity = fields[2].strip() if len(fields) == 3 else None
    else:
        entry = _parse_signer_line(line, f"line {number}")
        if entry is None:
            raise KeyFileError(
                f"line {number}: not an Ed25519 key FieldKit can trust "
                "(other key types, certificates and time-limited keys are not supported)"
            )
        pub, identity = entry.public_key, entry.identity
    fp = sshsig.fingerprint(pub)
    if claimed_fp is not None and claimed_fp != fp:
        raise KeyFileError(
            f"the file says fingerprint {claimed_fp} but its key's fingerprint is {fp}: "
            "it has been altered or damaged"
        )
    if recipient is not None and not recipient_from_comment:
        # An export: its recipient must be vouched for by its own key. (A line copied
        # from an allowed_signers file is the user's own trusted file, not an export.)
        if recipient_sig is None:
            raise KeyFileError(
                f"the age recipient {recipient} is not signed by the key {fp} (an export by "
                "an older FieldKit, or an altered file): ask its owner for a fresh "
                "`fieldkit keys export`"
            )
        if not age_recipient_signed(pub, recipient, recipient_sig):
            raise KeyFileError(
                f"the age recipient {recipient} is not the one the key {fp} signed: the file "
                "has been altered; bundles encrypted to it would go to someone else"
            )
    return identity, pub, recipient


def parse_exported(text: str) -> TrustedSigner:
    """Read a ``fieldkit keys export`` file (or an allowed_signers or ``.pub`` line)."""
    identity, pub, recipient = _parse_signer_text(text)
    if identity is None:
        raise KeyFileError("the key has no identity: give one (fieldkit keys trust --identity)")
    try:
        validate_identity(identity)
    except ValidationError as exc:
        raise KeyFileError(str(exc)) from None
    return TrustedSigner(
        identity=identity,
        public_key=sshsig.public_key_to_openssh(pub),
        fingerprint=sshsig.fingerprint(pub),
        age_recipient=recipient,
    )


def _allowed_signers_lines(keys_dir: Path) -> list[str]:
    check_permissions(keys_dir)
    path = keys_dir / ALLOWED_SIGNERS
    if not path.exists():
        return []
    text = _read_text(path, MAX_ALLOWED_SIGNERS)
    _parse_allowed_signers_text(text, str(path))  # refuse to edit a file we cannot read
    return text.splitlines()


def _line_fingerprint(line: str, where: str) -> str | None:
    """The fingerprint a line is about (a signer line or our recipient comment)."""
    stripped = line.strip()
    if not stripped:
        return None
    if stripped.startswith("#"):
        found = _parse_recipient_comment(stripped, where)
        return found[0] if found else None
    entry = _parse_signer_line(stripped, where)
    return entry.fingerprint if entry else None


def _without(lines: list[str], fp: str, where: str) -> list[str]:
    return [
        line
        for number, line in enumerate(lines, 1)
        if _line_fingerprint(line, f"{where}:{number}") != fp
    ]


def _write_allowed_signers(keys_dir: Path, lines: list[str]) -> None:
    _write_atomic(keys_dir / ALLOWED_SIGNERS, ("\n".join(lines) + "\n").encode("utf-8"), 0o644)


def _ensure_own_entry(keys_dir: Path, lines: list[str]) -> list[str]:
    """Our own key is always trusted; put it back if the file lost it."""
    me = load_public(keys_dir)
    path = str(keys_dir / ALLOWED_SIGNERS)
    fps = {_line_fingerprint(line, f"{path}:{n}") for n, line in enumerate(lines, 1)}
    if me.fingerprint in fps:
        return lines
    own = []
    if me.age_recipient:
        own.append(_recipient_comment(me.fingerprint, me.age_recipient))
    own.append(f"{me.identity} {me.public_key} {me.identity}")
    return [*own, *lines]


def trust(keys_dir: Path, signer_text: str, *, identity: str | None = None) -> TrustedSigner:
    """Add a signer to ``allowed_signers`` (idempotent); ``identity`` overrides the file's.

    Trusting a key already trusted under another identity replaces that entry.
    """
    file_identity, pub, recipient = _parse_signer_text(signer_text)
    chosen = identity if identity is not None else file_identity
    if chosen is None:
        raise ValidationError("the key file names no identity: give one with --identity")
    validate_identity(chosen)
    me = load_public(keys_dir)
    fp = sshsig.fingerprint(pub)
    if fp == me.fingerprint:
        if chosen != me.identity:
            raise ValidationError(
                f"{fp} is this store's own key, trusted as {me.identity!r}; "
                "its identity cannot be changed here"
            )
        return _own_signer(me)
    signer = TrustedSigner(
        identity=chosen,
        public_key=sshsig.public_key_to_openssh(pub),
        fingerprint=fp,
        age_recipient=recipient,
    )
    path = keys_dir / ALLOWED_SIGNERS
    lines = _allowed_signers_lines(keys_dir)
    current = _parse_allowed_signers_text("\n".join(lines), str(path))
    if signer in current:
        new_lines = _ensure_own_entry(keys_dir, lines)  # already there: nothing to add
    else:
        new_lines = _ensure_own_entry(keys_dir, _without(lines, fp, str(path)))
        if recipient:
            new_lines.append(_recipient_comment(fp, recipient))
        new_lines.append(_signer_line(chosen, pub))
    if new_lines != lines:
        _write_allowed_signers(keys_dir, new_lines)
    return signer


def _normalise_fingerprint(fingerprint: str) -> str:
    fp = fingerprint.strip()
    if not fp.startswith("SHA256:"):
        fp = "SHA256:" + fp
    return fp.rstrip("=")


def untrust(keys_dir: Path, fingerprint: str) -> None:
    """Remove every entry for the key with this fingerprint (``SHA256:`` optional).

    Raises :class:`ValidationError` for our own key and :class:`KeyFileError` for a
    fingerprint that is not in the list.
    """
    fp = _normalise_fingerprint(fingerprint)
    me = load_public(keys_dir)
    if fp == me.fingerprint:
        raise ValidationError(f"{fp} is this store's own key; it is always trusted")
    path = keys_dir / ALLOWED_SIGNERS
    lines = _allowed_signers_lines(keys_dir)
    remaining = _without(lines, fp, str(path))
    if remaining == lines:
        raise KeyFileError(f"no trusted key has fingerprint {fp}")
    _write_allowed_signers(keys_dir, _ensure_own_entry(keys_dir, remaining))


def _own_signer(me: PublicIdentity) -> TrustedSigner:
    return TrustedSigner(
        identity=me.identity,
        public_key=me.public_key,
        fingerprint=me.fingerprint,
        age_recipient=me.age_recipient,
    )


def list_trusted(keys_dir: Path) -> list[TrustedSigner]:
    """Every trusted signer, our own key first."""
    check_permissions(keys_dir)
    me = load_public(keys_dir)
    path = keys_dir / ALLOWED_SIGNERS
    others = read_allowed_signers(path) if path.exists() else []
    own = [s for s in others if s.fingerprint == me.fingerprint] or [_own_signer(me)]
    return [own[0], *(s for s in others if s.fingerprint != me.fingerprint)]


def _namespace_allowed(patterns: tuple[str, ...] | None, namespace: str | None) -> bool:
    # ssh-keygen's rule: no namespaces option allows all; "!pattern" denies.
    if patterns is None or namespace is None:
        return True
    if any(p.startswith("!") and fnmatch.fnmatchcase(namespace, p[1:]) for p in patterns):
        return False
    return any(not p.startswith("!") and fnmatch.fnmatchcase(namespace, p) for p in patterns)


def trusted_identity(
    keys_dir_or_allowed_signers: Path,
    public_key: Ed25519PublicKey,
    *,
    namespace: str | None = None,
) -> str | None:
    """The identity under which ``public_key`` is trusted, or None if it is not.

    Takes a keys folder (its allowed_signers, and always our own key) or an
    allowed_signers file such as one given to ``fieldkit verify --trust``. With a
    ``namespace``, an entry limited by ``namespaces="…"`` counts only for those.
    """
    path = keys_dir_or_allowed_signers
    fp = sshsig.fingerprint(public_key)
    signers = list_trusted(path) if path.is_dir() else read_allowed_signers(path)
    for signer in signers:
        if signer.fingerprint == fp and _namespace_allowed(signer.namespaces, namespace):
            return signer.identity
    return None
