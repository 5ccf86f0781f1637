"""Importing photos and other files as evidence: copy, hash, read metadata, record.

Each file is read once: it is streamed into the media store (hashed while copying, fsynced,
renamed to its SHA-256, made read-only) and the first block is kept for the metadata
reader. Workers in a thread pool do the copying, metadata and thumbnails and never touch
SQLite; the calling thread is the one writer and records the files in batches of
transactions (:data:`BATCH_FILES` files or :data:`BATCH_SECONDS`). The file is always
stored before its record is committed, so a crash loses at most the current batch and
never leaves a record without its file; bytes stored without a record are harmless (the
next import of the same file finds them and creates the record).

What happens to a file, by case (the policy; also in the README):

=====================================  =========================================
zero-byte file                          rejected: "empty file (0 bytes)" — nothing to keep
unreadable (permission denied, I/O      rejected, with the operating system's reason
error, vanished during the import)
not a regular file (FIFO, socket,       rejected: never opened, so an import cannot hang
device), broken symbolic link
same bytes already recorded             duplicate: not stored twice, still linked to the site
truncated or undecodable image          imported with a warning: partial evidence is evidence
corrupt or unreadable EXIF              imported with the reader's warnings
a name that claims an image but the     imported with a warning naming the real type
content is something else (text.jpg)
any other file (PDF, WAV, video)        imported; type from its content, never its name
hidden files and system junk inside     skipped (listed in ``skipped``), unless named
a folder (.DS_Store, Thumbs.db, ._*)    on the command line one by one
a symbolic link out of an imported      skipped: not followed (it may point anywhere)
folder, or to a folder
=====================================  =========================================

A file is never changed: it is opened read-only and only ever read.

Where each stage is decided: :mod:`~fieldkit.ingest.files` (finding the files),
:mod:`~fieldkit.ingest.prepare` (the worker that stores, hashes, reads and thumbnails one
file), :mod:`~fieldkit.ingest.writer` (the single writer committing batches),
:mod:`~fieldkit.ingest.report` (the report and the outcome types the stages share) and
:mod:`~fieldkit.ingest.operation` (:func:`import_media`, running them together).
"""

from __future__ import annotations

from fieldkit.ingest.files import collect_files
from fieldkit.ingest.operation import camera_corrections, default_workers, import_media
from fieldkit.ingest.prepare import prepare_file
from fieldkit.ingest.report import MediaImportReport
from fieldkit.ingest.writer import BATCH_FILES, BATCH_SECONDS

__all__ = [
    "BATCH_FILES",
    "BATCH_SECONDS",
    "MediaImportReport",
    "camera_corrections",
    "collect_files",
    "default_workers",
    "import_media",
    "prepare_file",
]
