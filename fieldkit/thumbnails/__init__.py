"""Thumbnails and viewer previews: derived images, never evidence, always rebuildable.

A thumbnail is a JPEG in ``cache/thumbs/<first two hex>/<sha256>-<size>.jpg``, upright,
written to a temp file and renamed into place so a crash never leaves half a thumbnail.
Originals are opened read-only and never written. Nothing here raises for a bad file:
:func:`thumbnail_problem` says what went wrong.

- **Orientation is decided once**, by FieldKit's metadata reader (EXIF Orientation for
  photos, the ``tkhd`` display matrix for QuickTime video, as EXIF 1..8): the record's
  ``orientation`` is what the thumbnail, the viewer and the reports use, never a second
  opinion from Pillow's ``exif_transpose``. HEIF is the exception the HEIF spec makes:
  libheif applies the container's own ``irot``/``imir`` while decoding (ISO/IEC 23008-12
  §6.5.10-12), so nothing more is applied to those pixels.
- **Video** gets a poster frame decoded with PyAV (a frame about a third in, at most 1 s,
  past a black first frame); **audio**, or a video with no decodable frame, gets a clear
  placeholder picture (the latter with a problem the importer reports).
- **Fast first view**: a photo's own embedded preview (:mod:`fieldkit.previews`: a JPEG's
  IFD1 thumbnail, a HEIC's ``thmb`` item, a raw's largest JPEG preview) becomes the
  thumbnail at import, with a marker ``<sha256>-<size>.unchecked`` beside it;
  :func:`check_pending` later decodes the full photo off the import's critical path,
  replaces the thumbnail and records a photo that cannot be decoded as soon as it is
  found.
- **Camera raws** are never decoded (no raw decoder is a dependency): their picture is
  always the camera's largest embedded JPEG preview (a placeholder when there is none),
  and their check is that the sensor data lies inside the file
  (:func:`fieldkit.previews.raw_data_problem`).
- **Encrypted stores**: the thumbnail is an age file to the store's recipient, named by
  the keyed name of its photo (``<hmac>-<size>.jpg.age``): a thumbnail shows the photo, so
  it is protected like the photo. Read one with :func:`load_thumbnail`; the original comes
  in as its bytes (:data:`ImageSource`), never as a plain file.

Where each part is decided: :mod:`~fieldkit.thumbnails.decode` (opening and decoding an
original, upright, within the pixel limits) and :mod:`~fieldkit.thumbnails.make` (the
thumbnails, previews and placeholders made from it, their files, and the pending checks).
"""

from __future__ import annotations

from fieldkit.thumbnails.decode import (
    MAX_DECODE_PIXELS,
    MAX_PIXELS,
    ImageSource,
    ImageTooLarge,
    apply_orientation,
    open_image,
    reader_orientation,
    register_heif,
    to_rgb,
)
from fieldkit.thumbnails.make import (
    BROKEN_PREFIX,
    DECODE_WARNING,
    PREVIEW_SIDE,
    RAW_WARNING,
    THUMB_SIZE,
    check_pending,
    has_pending_checks,
    load_thumbnail,
    make_thumbnail,
    original_source,
    pending_checks,
    placeholder,
    preview,
    rebuild_thumbnails,
    thumbnail_path,
    thumbnail_problem,
)

__all__ = [
    "BROKEN_PREFIX",
    "DECODE_WARNING",
    "MAX_DECODE_PIXELS",
    "MAX_PIXELS",
    "PREVIEW_SIDE",
    "RAW_WARNING",
    "THUMB_SIZE",
    "ImageSource",
    "ImageTooLarge",
    "apply_orientation",
    "check_pending",
    "has_pending_checks",
    "load_thumbnail",
    "make_thumbnail",
    "open_image",
    "original_source",
    "pending_checks",
    "placeholder",
    "preview",
    "reader_orientation",
    "rebuild_thumbnails",
    "register_heif",
    "thumbnail_path",
    "thumbnail_problem",
    "to_rgb",
]
