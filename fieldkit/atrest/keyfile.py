"""The store key file ``keys/store_key.json``: one random store key, wrapped twice.

::

    {"format": "fieldkit-store-key@v1",
     "kdf": {"name": "argon2id", "time_cost": 3, "memory_kib": 65536, "parallelism": 4,
             "salt": "<base64, 16 bytes>"},
     "wraps": {"passphrase": {"nonce": "<b64>", "sealed": "<b64>"},
               "recovery":   {"salt": "<b64>", "nonce": "<b64>", "sealed": "<b64>"}},
     "identity": {"nonce": "<b64>", "sealed": "<b64>"},
     "escrow":   {"nonce": "<b64>", "sealed": "<b64>"}}

- The *passphrase wrap*: Argon2id (RFC 9106) of the passphrase gives a 32-byte wrapping
  key; ChaCha20-Poly1305 (RFC 8439) seals the store key with it. The default parameters
  are RFC 9106 §4's second recommended option (t=3, 64 MiB, p=4): memory-hard, and
  about a third of a second on a field laptop.
- The *recovery wrap*: the recovery code is 160 random bits shown once, so HKDF-SHA256
  (RFC 5869) suffices to turn it into a wrapping key; a slow KDF adds nothing to a
  secret nobody can guess.
- ``identity`` is the store's age X25519 identity, sealed with a key derived from the
  store key. ``escrow`` is the current passphrase, sealed the same way, so that a
  recovery code can re-encrypt the signing and age keys (which the passphrase protects)
  under a new passphrase. Whoever holds the store key can read every record anyway.
- Every AEAD call carries a purpose string as associated data, so a sealed value cannot
  be moved into another slot.

A wrong passphrase fails the AEAD check before anything else is read or written:
:class:`~fieldkit.errors.WrongPassphrase`. The KDF parameters are read from the file;
``FIELDKIT_TEST_CHEAP_KDF=1`` (tests only) makes *new* wraps cheap.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyrage
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from fieldkit.crypto.keyfolder import replace_all
from fieldkit.errors import KeyFileError, ValidationError, WrongPassphrase

FORMAT = "fieldkit-store-key@v1"
STORE_KEY_FILE = "store_key.json"
#: The store's age identity encrypted to the investigator's own age recipient: with the
#: stock ``age`` tool and the passphrase, this file opens every original (README).
STORE_IDENTITY_FILE = "store_identity.age"
KEY_BYTES = 32
SALT_BYTES = 16
NONCE_BYTES = 12
RECOVERY_BYTES = 20  # 160 bits, 32 base32 characters
MAX_KEY_FILE = 64 * 1024
TEST_KDF_ENV = "FIELDKIT_TEST_CHEAP_KDF"

_PURPOSE_DB = b"fieldkit-store-db@v1"
_PURPOSE_NAMES = b"fieldkit-store-names@v1"
_PURPOSE_IDENTITY = b"fieldkit-store-identity@v1"
_PURPOSE_ESCROW = b"fieldkit-store-escrow@v1"
_PURPOSE_RECOVERY = b"fieldkit-store-recovery@v1"


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost: passes, memory in KiB, lanes (RFC 9106 §3.1 t, m, p)."""

    time_cost: int
    memory_kib: int
    parallelism: int

    def check(self) -> KdfParams:
        # Bounds on what a key file may ask for: a hostile file must not make us
        # allocate terabytes or spin for hours before saying "wrong passphrase".
        if not (1 <= self.time_cost <= 64):
            raise KeyFileError(f"Argon2id time cost {self.time_cost} is outside 1..64")
        if not (8 * self.parallelism <= self.memory_kib <= 4 * 1024 * 1024):
            raise KeyFileError(f"Argon2id memory {self.memory_kib} KiB is outside 8p..4 GiB")
        if not (1 <= self.parallelism <= 64):
            raise KeyFileError(f"Argon2id parallelism {self.parallelism} is outside 1..64")
        return self


#: RFC 9106 §4, second recommended option (for memory-constrained settings).
DEFAULT_KDF = KdfParams(time_cost=3, memory_kib=64 * 1024, parallelism=4)
#: Only ever used when FIELDKIT_TEST_CHEAP_KDF=1 (the test suite): milliseconds.
TEST_KDF = KdfParams(time_cost=1, memory_kib=64, parallelism=1)


def default_kdf() -> KdfParams:
    """The parameters for a new wrap: memory-hard, unless the test-only setting is on."""
    return TEST_KDF if os.environ.get(TEST_KDF_ENV) == "1" else DEFAULT_KDF


def _argon2id(passphrase: bytes, salt: bytes, params: KdfParams) -> bytes:
    from argon2.low_level import Type, hash_secret_raw

    return hash_secret_raw(
        passphrase,
        salt,
        time_cost=params.time_cost,
        memory_cost=params.memory_kib,
        parallelism=params.parallelism,
        hash_len=KEY_BYTES,
        type=Type.ID,
    )


def _hkdf(key: bytes, purpose: bytes, salt: bytes | None = None) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=salt, info=purpose).derive(key)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(value: Any, what: str, path: Path, length: int | None = None) -> bytes:
    if not isinstance(value, str):
        raise KeyFileError(f"{path}: {what} is missing or not text")
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise KeyFileError(f"{path}: {what} is not base64") from None
    if length is not None and len(data) != length:
        raise KeyFileError(f"{path}: {what} is {len(data)} bytes, not {length}")
    return data


def _seal(key: bytes, purpose: bytes, plain: bytes) -> dict[str, str]:
    nonce = os.urandom(NONCE_BYTES)
    sealed = ChaCha20Poly1305(key).encrypt(nonce, plain, FORMAT.encode() + b" " + purpose)
    return {"nonce": _b64(nonce), "sealed": _b64(sealed)}


def _open(key: bytes, purpose: bytes, slot: Any, what: str, path: Path) -> bytes:
    if not isinstance(slot, dict):
        raise KeyFileError(f"{path}: the {what} entry is missing")
    nonce = _unb64(slot.get("nonce"), f"{what} nonce", path, NONCE_BYTES)
    sealed = _unb64(slot.get("sealed"), f"{what} sealed value", path)
    return ChaCha20Poly1305(key).decrypt(nonce, sealed, FORMAT.encode() + b" " + purpose)


# --- the unlocked secrets ------------------------------------------------------------------


class StoreSecrets:
    """The unlocked store key and what derives from it; :meth:`wipe` on lock.

    Shared read-only between the threads of one process (each opens its own database
    connection with :meth:`sqlcipher_key`). Python cannot promise that no copy of a key
    survives in memory; :meth:`wipe` zeroes the buffers we own and drops the rest.
    """

    def __init__(self, store_key: bytes, identity_text: str) -> None:
        if len(store_key) != KEY_BYTES:
            raise ValueError("a store key is 32 bytes")
        self._key = bytearray(store_key)
        self._db = bytearray(_hkdf(store_key, _PURPOSE_DB))
        self._names = bytearray(_hkdf(store_key, _PURPOSE_NAMES))
        try:
            self._identity: pyrage.x25519.Identity | None = pyrage.x25519.Identity.from_str(
                identity_text
            )
        except Exception:  # pyrage.IdentityError
            raise KeyFileError("the store's age identity is damaged") from None
        self._recipient = self._identity.to_public()

    def _live(self) -> None:
        if self._identity is None:
            raise KeyFileError("the store is locked: its keys were dropped")

    @property
    def store_key(self) -> bytes:
        self._live()
        return bytes(self._key)

    def sqlcipher_key(self) -> str:
        """The ``PRAGMA key`` value: a raw 256-bit key (no SQLCipher PBKDF2 on top)."""
        self._live()
        return f"\"x'{self._db.hex()}'\""

    def names_key(self) -> bytes:
        self._live()
        return bytes(self._names)

    @property
    def identity(self) -> pyrage.x25519.Identity:
        self._live()
        assert self._identity is not None
        return self._identity

    @property
    def recipient(self) -> pyrage.x25519.Recipient:
        return self._recipient

    @property
    def locked(self) -> bool:
        return self._identity is None

    def wipe(self) -> None:
        for buf in (self._key, self._db, self._names):
            buf[:] = bytes(len(buf))
        self._identity = None


# --- the file -------------------------------------------------------------------------------


def is_encrypted_store(keys_dir: Path) -> bool:
    """Whether this store has a store key (and so an encrypted database and media)."""
    return (keys_dir / STORE_KEY_FILE).is_file()


def _write_files(pairs: list[tuple[Path, bytes, int]]) -> None:
    """Each file to a synced temp file next to it, then all renamed into place."""
    replace_all(pairs)


def format_recovery_code(raw: bytes) -> str:
    text = base64.b32encode(raw).decode("ascii").rstrip("=")
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def parse_recovery_code(text: str) -> bytes:
    """The 20 bytes of a recovery code typed with or without dashes, any case."""
    bad = "that is not a recovery code (32 letters A-Z and digits 2-7)"
    cleaned = "".join(c for c in text.upper() if c not in " -\t\r\n")
    try:
        raw = base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))
    except (binascii.Error, ValueError):
        raise ValidationError(bad) from None
    if len(raw) != RECOVERY_BYTES:
        raise ValidationError(bad)
    return raw


def _document(
    store_key: bytes,
    identity_text: str,
    passphrase: bytes,
    recovery: bytes,
    params: KdfParams,
) -> bytes:
    salt = os.urandom(SALT_BYTES)
    recovery_salt = os.urandom(SALT_BYTES)
    wrapping = _argon2id(passphrase, salt, params)
    recovery_key = _hkdf(recovery, _PURPOSE_RECOVERY, recovery_salt)
    doc = {
        "format": FORMAT,
        "kdf": {
            "name": "argon2id",
            "time_cost": params.time_cost,
            "memory_kib": params.memory_kib,
            "parallelism": params.parallelism,
            "salt": _b64(salt),
        },
        "wraps": {
            "passphrase": _seal(wrapping, b"passphrase", store_key),
            "recovery": {
                "salt": _b64(recovery_salt),
                **_seal(recovery_key, b"recovery", store_key),
            },
        },
        "identity": _seal(_hkdf(store_key, _PURPOSE_IDENTITY), b"identity", identity_text.encode()),
        "escrow": _seal(_hkdf(store_key, _PURPOSE_ESCROW), b"escrow", passphrase),
    }
    return (json.dumps(doc, indent=1, sort_keys=True) + "\n").encode("ascii")


def create_store_key(
    keys_dir: Path,
    passphrase: bytes,
    *,
    personal_recipient: str,
    params: KdfParams | None = None,
) -> tuple[StoreSecrets, str]:
    """Make a new store key and age identity; returns them unlocked and the recovery code.

    Writes ``store_key.json`` and ``store_identity.age`` (the store's age identity
    encrypted to ``personal_recipient``, the investigator's own age key). Raises
    :class:`KeyFileError` if a store key already exists: it is never replaced.
    """
    if not passphrase:
        raise ValidationError("the passphrase is empty; an empty passphrase protects nothing")
    path = keys_dir / STORE_KEY_FILE
    if path.exists():
        raise KeyFileError(f"{path} already exists; a store key is never replaced")
    params = (params or default_kdf()).check()
    store_key = secrets.token_bytes(KEY_BYTES)
    recovery = secrets.token_bytes(RECOVERY_BYTES)
    identity = pyrage.x25519.Identity.generate()
    identity_text = str(identity)
    try:
        recipient = pyrage.x25519.Recipient.from_str(personal_recipient)
    except Exception:  # pyrage.RecipientError
        raise KeyFileError(f"{personal_recipient!r} is not an age recipient") from None
    escape = pyrage.encrypt(
        (
            "# FieldKit store identity: decrypts this store's media/ and cache/ files.\n"
            f"# public key: {identity.to_public()}\n{identity_text}\n"
        ).encode("ascii"),
        [recipient],
    )
    keys_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    _write_files(
        [
            (keys_dir / STORE_IDENTITY_FILE, bytes(escape), 0o600),
            (path, _document(store_key, identity_text, passphrase, recovery, params), 0o600),
        ]
    )
    return StoreSecrets(store_key, identity_text), format_recovery_code(recovery)


def _load(keys_dir: Path) -> tuple[Path, dict[str, Any]]:
    path = keys_dir / STORE_KEY_FILE
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_KEY_FILE + 1)
    except FileNotFoundError:
        raise KeyFileError(f"{path} is missing: this store has no store key") from None
    except OSError as exc:
        raise KeyFileError(f"cannot read {path}: {exc.strerror}") from exc
    if len(data) > MAX_KEY_FILE:
        raise KeyFileError(f"{path} is larger than {MAX_KEY_FILE} bytes; it is not a key file")
    try:
        doc = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise KeyFileError(f"{path} is damaged: not JSON") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise KeyFileError(f"{path} is not a FieldKit store key ({FORMAT})")
    return path, doc


def _kdf_of(doc: dict[str, Any], path: Path) -> tuple[KdfParams, bytes]:
    kdf = doc.get("kdf")
    if not isinstance(kdf, dict) or kdf.get("name") != "argon2id":
        raise KeyFileError(f"{path}: unknown KDF (only argon2id is read)")
    try:
        params = KdfParams(
            int(kdf["time_cost"]), int(kdf["memory_kib"]), int(kdf["parallelism"])
        ).check()
    except (KeyError, TypeError, ValueError):
        raise KeyFileError(f"{path}: the Argon2id parameters are damaged") from None
    return params, _unb64(kdf.get("salt"), "kdf salt", path, SALT_BYTES)


def _finish(store_key: bytes, doc: dict[str, Any], path: Path) -> tuple[StoreSecrets, bytes]:
    try:
        identity = _open(
            _hkdf(store_key, _PURPOSE_IDENTITY), b"identity", doc.get("identity"), "identity", path
        )
        escrow = _open(
            _hkdf(store_key, _PURPOSE_ESCROW), b"escrow", doc.get("escrow"), "escrow", path
        )
    except InvalidTag:
        raise KeyFileError(f"{path} is damaged: its sealed identity does not open") from None
    return StoreSecrets(store_key, identity.decode("ascii", "replace")), escrow


def unlock_store(keys_dir: Path, passphrase: bytes) -> StoreSecrets:
    """Unwrap the store key with the passphrase; :class:`WrongPassphrase` if it is not it.

    Reads only ``store_key.json``; writes nothing.
    """
    if not isinstance(passphrase, bytes):
        raise TypeError("passphrase must be bytes")
    path, doc = _load(keys_dir)
    params, salt = _kdf_of(doc, path)
    wraps = doc.get("wraps")
    if not isinstance(wraps, dict):
        raise KeyFileError(f"{path}: no wraps")
    wrapping = _argon2id(passphrase, salt, params)
    try:
        store_key = _open(wrapping, b"passphrase", wraps.get("passphrase"), "passphrase wrap", path)
    except InvalidTag:
        raise WrongPassphrase("wrong passphrase: the store stays locked") from None
    return _finish(store_key, doc, path)[0]


def unlock_with_recovery_code(keys_dir: Path, code: str) -> tuple[StoreSecrets, bytes]:
    """Unwrap with the recovery code; returns the secrets and the escrowed passphrase."""
    raw = parse_recovery_code(code)
    path, doc = _load(keys_dir)
    wraps = doc.get("wraps")
    slot = wraps.get("recovery") if isinstance(wraps, dict) else None
    if not isinstance(slot, dict):
        raise KeyFileError(f"{path}: no recovery wrap")
    salt = _unb64(slot.get("salt"), "recovery salt", path, SALT_BYTES)
    try:
        store_key = _open(
            _hkdf(raw, _PURPOSE_RECOVERY, salt), b"recovery", slot, "recovery wrap", path
        )
    except InvalidTag:
        raise WrongPassphrase("wrong recovery code: the store stays locked") from None
    return _finish(store_key, doc, path)


def rewrap_passphrase(
    keys_dir: Path,
    secrets_: StoreSecrets,
    new_passphrase: bytes,
    *,
    recovery_code: str | None = None,
    params: KdfParams | None = None,
) -> str | None:
    """Wrap the same store key with a new passphrase; media and database stay as they are.

    The recovery wrap is kept unless ``recovery_code`` is ``"new"``, which makes a fresh
    one and returns it (the old code stops working).
    """
    if not new_passphrase:
        raise ValidationError("the new passphrase is empty")
    path, doc = _load(keys_dir)
    store_key = secrets_.store_key
    identity_text = str(secrets_.identity)
    params = (params or default_kdf()).check()
    fresh: bytes | None = secrets.token_bytes(RECOVERY_BYTES) if recovery_code == "new" else None
    new_doc = json.loads(
        _document(store_key, identity_text, new_passphrase, fresh or bytes(RECOVERY_BYTES), params)
    )
    if fresh is None:
        new_doc["wraps"]["recovery"] = doc["wraps"]["recovery"]
    _write_files([(path, (json.dumps(new_doc, indent=1, sort_keys=True) + "\n").encode(), 0o600)])
    return format_recovery_code(fresh) if fresh is not None else None


def keyed_name(names_key: bytes, sha256: str) -> str:
    """``HMAC-SHA256(names key, sha256 hex)`` in hex: a file's name on disk (RFC 2104)."""
    return hmac.new(names_key, sha256.encode("ascii"), "sha256").hexdigest()


__all__ = [
    "DEFAULT_KDF",
    "STORE_IDENTITY_FILE",
    "STORE_KEY_FILE",
    "TEST_KDF",
    "TEST_KDF_ENV",
    "KdfParams",
    "StoreSecrets",
    "create_store_key",
    "default_kdf",
    "format_recovery_code",
    "is_encrypted_store",
    "keyed_name",
    "parse_recovery_code",
    "rewrap_passphrase",
    "unlock_store",
    "unlock_with_recovery_code",
]
