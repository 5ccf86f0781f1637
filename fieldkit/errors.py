"""One root exception with specific subclasses whose messages a person can act on.

Every message names the thing that is wrong ("site 0192…: lat 200 is outside -90..90"),
never just "invalid data". The CLI prints ``str(error)`` on one line and exits non-zero.
"""

from __future__ import annotations


class FieldkitError(Exception):
    """Root of every error FieldKit raises on purpose."""

    exit_code = 1


class StoreError(FieldkitError):
    """The store folder or its database cannot be used."""


class StoreNotFound(StoreError):
    """No store at the given home (run ``fieldkit init``)."""


class StoreLocked(StoreError):
    """An encrypted store opened without its passphrase or keys."""


class StoreExists(StoreError):
    """``init`` on a folder that already holds a store."""


class ValidationError(FieldkitError):
    """A field value that is not acceptable; nothing was written.

    ``fields`` names the fields at fault when known, so a form can mark them without
    reading the message.
    """

    exit_code = 2

    def __init__(self, message: str, *, fields: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.fields = fields


class NotFound(FieldkitError):
    """An id that names no record."""


class KeyFileError(FieldkitError):
    """A key file that is missing, unreadable or malformed."""


class WrongPassphrase(KeyFileError):
    """The passphrase does not open the key."""


class SignatureError(FieldkitError):
    """A signature that does not verify, or is malformed."""


class ChainError(FieldkitError):
    """A device's journal chain is broken (gap, fork, edited or reordered event)."""


class MetadataError(FieldkitError):
    """A file whose metadata cannot be read."""


class MediaError(FieldkitError):
    """A file that cannot be stored as evidence."""


class BundleError(FieldkitError):
    """A bundle that cannot be written, read, verified or merged."""


class DiskFull(FieldkitError):
    """The disk (or the user's quota) filled during a write; what is half-made was removed.

    The message says how many items were not written, e.g. "disk full: 12 files not
    imported; nothing half-made". ``report`` is what was finished before, when known.
    """

    def __init__(self, message: str, *, report: object = None) -> None:
        super().__init__(message)
        self.report = report


class Cancelled(FieldkitError):
    """The user cancelled a long operation; what finished before stays, nothing is half-done."""


class MapError(FieldkitError):
    """A basemap that cannot be read or is not supported, or a map that cannot be drawn."""
