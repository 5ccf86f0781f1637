"""The key folder, ``<home>/keys/``: its files, how they are read (bounded) and written
(atomically), and who else may touch them.

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

import contextlib
import os
import stat
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from fieldkit.errors import KeyFileError
from fieldkit.fsutil import fsync_dir

if TYPE_CHECKING:
    pass


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


def read_bounded(path: Path, limit: int) -> bytes:
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


def read_text(path: Path, limit: int) -> str:
    try:
        return read_bounded(path, limit).decode("utf-8")
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


def replace_all(pairs: list[tuple[Path, bytes, int]]) -> None:
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


def write_atomic(path: Path, data: bytes, mode: int) -> None:
    replace_all([(path, data, mode)])


def ensure_private_dir(keys_dir: Path) -> None:
    keys_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    if os.name == "posix" and stat.S_IMODE(keys_dir.stat().st_mode) != 0o700:
        os.chmod(keys_dir, 0o700)


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


def no_keys(keys_dir: Path) -> KeyFileError:
    return KeyFileError(f"no keys in {keys_dir}: run `fieldkit init` first")
