"""Video in the app: poster and facts in the viewer, the system player opens the original,
a position copied to a site keeps its source; the background decode check after an import."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import piexif
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QDesktopServices

AV = Path(__file__).resolve().parents[1] / "data" / "av"


def test_video_opens_in_the_system_player(window, qtbot, tmp_path, monkeypatch):
    site = window.store.find("site", where={"name": "Gas station on the north road"})[0]
    src = tmp_path / "strike.mov"
    shutil.copy(AV / "iphone_keys_rot90.mov", src)
    window.select_site(site["id"])
    window.import_paths([src], site["id"])  # as a drop on the site's row: preselected
    place = window.dialogs["place"]
    assert place.site_combo.currentData() == site["id"]
    place.model.set_checked(place.placement.photos[0]["id"], True)  # far ones are unticked
    qtbot.mouseClick(place.file_button, Qt.MouseButton.LeftButton)
    media = window.store.find("media", where={"file_name": "strike.mov"})[0]
    assert media["duration_s"] == 1.0 and media["position_source"] == "quicktime"

    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    viewer = window.open_photo(media["id"])
    assert viewer._pixmap is not None  # the poster frame, not an error text
    assert viewer._pixmap.height() > viewer._pixmap.width()  # turned upright (90°)
    assert viewer.open_button.isVisibleTo(viewer)
    qtbot.mouseClick(viewer.open_button, Qt.MouseButton.LeftButton)
    assert [u.toLocalFile() for u in opened] == [str(viewer.original_path())]

    # The video's position goes to the site with its own source, not "exif" (after
    # asking: the site's position came from a map).
    from fieldkit.gui.dialogs import Prompts

    monkeypatch.setattr(Prompts, "confirm", classmethod(lambda cls, *a: True))
    qtbot.mouseClick(viewer.use_button, Qt.MouseButton.LeftButton)
    updated = window.store.get(site["id"])
    assert (updated["lat"], updated["lon"], updated["position_source"]) == (
        39.8153,
        46.7519,
        "quicktime",
    )
    viewer.close()


def _with_preview_cut() -> bytes:
    small = io.BytesIO()
    Image.new("RGB", (160, 120), (20, 200, 20)).save(small, "JPEG")
    raw = piexif.dump(
        {
            "0th": {piexif.ImageIFD.Make: "FieldCam"},
            "1st": {piexif.ImageIFD.JPEGInterchangeFormat: 0},
            "thumbnail": small.getvalue(),
        }
    )
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (200, 30, 30)).save(out, "JPEG", exif=raw)
    data = out.getvalue()
    return data[: len(data) - 2000]


def test_app_import_checks_photos_in_the_background(window, tmp_path):
    photo = tmp_path / "cut.jpg"
    photo.write_bytes(_with_preview_cut())
    window.import_paths([photo])
    window.dialogs["place"].close()  # where it belongs: not filed yet
    media = window.store.find("media", where={"file_name": "cut.jpg"})[0]
    # The summary came from the fast import; the check that followed found the damage.
    assert any(w.startswith("the image cannot be decoded") for w in media["warnings"])
    assert "cannot be decoded" in window.statusBar().currentMessage()
