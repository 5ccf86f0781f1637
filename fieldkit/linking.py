"""Photos (any media) linked to sites, remnants and statements, with a caption.

A link is a record of kind ``link`` (media id, target kind and id, caption). Linking is a
``link`` event; unlinking retracts the link with a reason, so the journal keeps that the
photo was once filed there; changing a caption is an update of the link. ``fieldkit media
link`` / ``media unlink`` and the desktop app call these functions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fieldkit.errors import NotFound, ValidationError

if TYPE_CHECKING:
    from fieldkit.store import Store

TARGET_KINDS = ("site", "remnant", "statement")


def active_link(store: Store, media_id: str, target_id: str) -> dict[str, Any] | None:
    """The link (not retracted) between a photo and a record, or None."""
    found = store.find("link", where={"media_id": media_id, "target_id": target_id})
    return found[0] if found else None


def links_of(store: Store, media_id: str) -> list[dict[str, Any]]:
    """Every active link of one photo, oldest first (link records)."""
    return store.find("link", where={"media_id": media_id})


def site_links_of(store: Store, media_id: str) -> list[dict[str, Any]]:
    return [lk for lk in links_of(store, media_id) if lk["target_kind"] == "site"]


def link_media(
    store: Store, media_id: str, target_id: str, caption: str | None = None
) -> tuple[dict[str, Any], bool]:
    """Link a photo to a site, remnant or statement; returns (the link, created?).

    Linking an already linked pair changes nothing, except the caption when one is given
    and differs (an update of the link). Raises NotFound for an unknown id and
    ValidationError when the target is not a site, remnant or statement.
    """
    store.get(media_id, "media")
    kind = store.kind_of_id(target_id)
    if kind not in TARGET_KINDS:
        raise ValidationError(
            f"a photo links to a site, remnant or statement; {target_id} is a {kind}"
        )
    caption = caption.strip() if caption and caption.strip() else None
    existing = active_link(store, media_id, target_id)
    if existing is not None:
        if caption is not None and caption != existing.get("caption"):
            return store.update(existing["id"], {"caption": caption}), False
        return existing, False
    return store.link(media_id, target_id, caption=caption), True


def unlink_media(
    store: Store, media_id: str, target_id: str, reason: str = "unlinked"
) -> dict[str, Any]:
    """Retract the link between a photo and a record; returns the retracted link.

    Raises NotFound when they are not linked. The photo itself stays in the store.
    """
    store.get(media_id, "media")
    existing = active_link(store, media_id, target_id)
    if existing is None:
        raise NotFound(f"media {media_id} is not linked to {target_id}")
    return store.retract(existing["id"], reason)


def set_caption(store: Store, link_id: str, caption: str | None) -> dict[str, Any]:
    """Change (or clear, with None or "") the caption of one link."""
    store.get(link_id, "link")
    return store.update(link_id, {"caption": caption.strip() if caption else None})


__all__ = [
    "TARGET_KINDS",
    "active_link",
    "link_media",
    "links_of",
    "set_caption",
    "site_links_of",
    "unlink_media",
]
