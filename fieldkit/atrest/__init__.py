"""Encryption at rest: the store key, keyed file names, sealed files, the private temp folder.

A store is encrypted unless it was made with ``init --unencrypted``. Its secrets hang
off one random 32-byte *store key*:

::

    passphrase --Argon2id--> wrapping key --ChaCha20-Poly1305--> store key
    recovery code --HKDF---> wrapping key --ChaCha20-Poly1305--> store key (second wrap)
    store key --HKDF "fieldkit-store-db@v1"----> SQLCipher 4 raw key of fieldkit.db
    store key --HKDF "fieldkit-store-names@v1"-> HMAC-SHA256 key for names on disk
    store key --ChaCha20-Poly1305--------------> the store's age X25519 identity

Every original, thumbnail and cache file is an age v1 file (age-encryption.org/v1,
X25519, streamed in 64 KiB ChaCha20-Poly1305 chunks) to the store's age recipient, so
the stock ``age`` tool can decrypt an original (the README's escape hatch). Files are
named by ``HMAC-SHA256(names key, sha256 hex)``: someone holding a copy of a photo cannot
tell whether the store has it. The SHA-256 of the plaintext stays the evidence hash.

Modules: :mod:`.keyfile` (the store key file and its wraps), :mod:`.cipher` (sealing
files and naming them), :mod:`.privatetemp` (decrypted copies for outside programs).
"""

from __future__ import annotations

from fieldkit.atrest.cipher import PLAIN, AgeCipher, FileCipher, PlainCipher
from fieldkit.atrest.database import is_encrypted_home
from fieldkit.atrest.keyfile import (
    STORE_KEY_FILE,
    KdfParams,
    StoreSecrets,
    create_store_key,
    is_encrypted_store,
    rewrap_passphrase,
    unlock_store,
    unlock_with_recovery_code,
)

__all__ = [
    "PLAIN",
    "STORE_KEY_FILE",
    "AgeCipher",
    "FileCipher",
    "KdfParams",
    "PlainCipher",
    "StoreSecrets",
    "create_store_key",
    "is_encrypted_home",
    "is_encrypted_store",
    "rewrap_passphrase",
    "unlock_store",
    "unlock_with_recovery_code",
]
