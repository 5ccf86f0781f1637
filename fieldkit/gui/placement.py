"""Photos to the right place: after an import, ask where the photos belong.

The import itself links nothing. :func:`import_for_placement` runs on the writer thread:
it imports (``fieldkit.ingest.import_media``) and reads, for every imported or duplicate
photo, its position and time, the sites it is already filed under, and the suggestions
of :mod:`fieldkit.suggest` (the nearest site within 250 m; groups of photos far from
every site as proposed new sites). :class:`PlaceDialog` then asks: one site, a new site,
each where its position proposes, or not filed yet; it shows which photos lie far from
the chosen site (left out unless ticked) and asks before filing a photo that is already
under another site. Nothing is linked until the person says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fieldkit.gui.dialogs import Prompts
from fieldkit.gui.i18n import tr
from fieldkit.gui.placement_model import PlacementModel, distance_text
from fieldkit.gui.widgets import no_wheel_focus
from fieldkit.suggest import DEFAULT_DISTANCE_M, haversine_m

if TYPE_CHECKING:
    from fieldkit.store import Store

FAR_M = DEFAULT_DISTANCE_M  # farther than this from the chosen site: flagged, left out


@dataclass
class Placement:
    """What the import brought and what is known about where each photo belongs."""

    report: dict[str, Any]
    photos: list[dict[str, Any]] = field(default_factory=list)
    proposals: list[dict[str, Any]] = field(default_factory=list)
    sites: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: photos whose thumbnail came from an embedded preview, still to be decoded in full
    #: (:func:`fieldkit.thumbnails.pending_checks`, read here so the UI thread need not
    #: list the thumbnail folders)
    unchecked: int = 0


def import_for_placement(
    store: Store,
    paths: Sequence[Path],
    *,
    fast_previews: bool = False,
    progress: Any = None,
    cancel: Any = None,
) -> Placement:
    """Import ``paths`` without linking, then gather what the placement needs (worker).
    ``fast_previews`` as in :func:`fieldkit.ingest.import_media`."""
    from fieldkit.ingest import import_media
    from fieldkit.suggest import suggest_sites
    from fieldkit.thumbnails import pending_checks

    report = import_media(
        store,
        [Path(p) for p in paths],
        fast_previews=fast_previews,
        progress=progress,
        cancel=cancel,
    )
    doc = report.to_json()
    entries = [e for e in doc["imported"] + doc["duplicates"] if e.get("id")]
    ids = list(dict.fromkeys(e["id"] for e in entries))
    matches, proposals = suggest_sites(store, ids)
    nearest = {m.media_id: (m.site_id, m.distance_m) for m in matches}
    in_proposal = {mid: i for i, p in enumerate(proposals) for mid in p.media_ids}
    filed: dict[str, list[str]] = {}
    for lk in store.find("link", where={"target_kind": "site"}):
        filed.setdefault(lk["media_id"], []).append(lk["target_id"])
    sites = {
        s["id"]: {k: s.get(k) for k in ("id", "name", "lat", "lon", "case_id")}
        for s in store.find("site")
    }
    photos = []
    for mid in ids:
        m = store.get(mid, "media")
        site, distance = nearest.get(mid, (None, None))
        if site is None and filed.get(mid):  # already filed: matched but not suggested
            site = None
        photos.append(
            {
                "id": mid,
                "file_name": m.get("file_name") or m["sha256"][:12],
                "lat": m.get("lat"),
                "lon": m.get("lon"),
                "captured_utc": m.get("captured_utc"),
                "nearest": site,
                "nearest_m": distance,
                "proposal": in_proposal.get(mid),
                "filed": filed.get(mid, []),
            }
        )
    unchecked = 0 if doc.get("cancelled") else len(pending_checks(store))
    return Placement(doc, photos, [p.to_json() for p in proposals], sites, unchecked)


class PlaceDialog(QDialog):
    """Where do these photos belong? Emits ``placed(placement, new_sites)``:
    ``{site_id: [media ids]}`` and ``[(site values, [media ids])]`` to create."""

    placed = Signal(object, object)
    details_requested = Signal()

    def __init__(
        self,
        parent: QWidget | None,
        placement: Placement,
        *,
        site_id: str | None = None,
        case_id: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.placement = placement
        self.case_id = case_id or next(
            (s["case_id"] for s in placement.sites.values() if s["id"] == site_id), None
        )
        self.setWindowTitle(tr("Where do these photos belong?"))
        self.resize(900, 560)
        counts = placement.report.get("counts", {})
        n = len(placement.photos)
        self.headline = QLabel(
            tr(
                "{n} photo(s): {i} new, {d} already in the store, {r} rejected. "
                "Where do they belong?"
            ).format(
                n=n,
                i=counts.get("imported", 0),
                d=counts.get("duplicates", 0),
                r=counts.get("rejected", 0),
            )
        )
        self.headline.setWordWrap(True)
        self.headline.setObjectName("placeHeadline")
        details = QPushButton(tr("Import details…"))
        details.clicked.connect(self.details_requested)
        self.details_button = details

        self.one_site = QRadioButton(tr("All to the site"))
        self.site_combo = QComboBox()
        self.site_combo.setObjectName("placeSite")
        no_wheel_focus(self.site_combo)
        self.site_combo.addItem(tr("— choose a site —"), None)
        for s in sorted(placement.sites.values(), key=lambda s: s["name"].casefold()):
            self.site_combo.addItem(s["name"], s["id"])
        if site_id:
            self.site_combo.setCurrentIndex(max(0, self.site_combo.findData(site_id)))
        self.new_site = QRadioButton(tr("A new site named"))
        self.new_name = QLineEdit()
        self.new_name.setObjectName("placeNewName")
        self.new_name.setPlaceholderText(tr("e.g. Bus station, east entrance"))
        self.proposed = QRadioButton(tr("Each where its position and time propose"))
        self.not_yet = QRadioButton(tr("Not filed yet (decide later)"))
        self.group = QButtonGroup(self)
        for b in (self.one_site, self.new_site, self.proposed, self.not_yet):
            self.group.addButton(b)
        grid = QGridLayout()
        grid.addWidget(self.one_site, 0, 0)
        grid.addWidget(self.site_combo, 0, 1)
        grid.addWidget(self.new_site, 1, 0)
        grid.addWidget(self.new_name, 1, 1)
        grid.addWidget(self.proposed, 2, 0, 1, 2)
        grid.addWidget(self.not_yet, 3, 0, 1, 2)
        grid.setColumnStretch(1, 1)
        self.site_combo.currentIndexChanged.connect(self._site_chosen)
        self.new_name.textEdited.connect(lambda _t: self.new_site.setChecked(True))

        filed = [
            ", ".join(placement.sites.get(s, {}).get("name", s[:8]) for s in p["filed"])
            for p in placement.photos
        ]
        self.model = PlacementModel(placement.photos, filed)
        # A table, not a tree: a QTreeView lays out every row (asking the model for each)
        # before its first paint; a table with fixed row heights asks only for the rows
        # it shows, so hundreds of photos open as fast as ten.
        self.table = QTableView()
        self.table.setObjectName("placeTable")
        self.table.setModel(self.model)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        rows = self.table.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.fontMetrics().height() + 8)
        columns = self.table.horizontalHeader()
        columns.setStretchLastSection(True)
        columns.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for col, width in enumerate((200, 130, 260, 110)):
            self.table.setColumnWidth(col, width)
        self.far_note = QLabel()
        self.far_note.setObjectName("farNote")
        self.far_note.setWordWrap(True)
        self.buttons = QDialogButtonBox()
        self.file_button = self.buttons.addButton(
            tr("File the photos"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.file_button.setObjectName("primary")
        later = self.buttons.addButton(tr("Not now"), QDialogButtonBox.ButtonRole.RejectRole)
        later.setToolTip(tr("The photos stay in the store, filed nowhere."))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.headline)
        layout.addWidget(details, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addLayout(grid)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.far_note)
        layout.addWidget(self.buttons)
        if site_id:
            self.one_site.setChecked(True)
        elif any(p["nearest"] or p["proposal"] is not None for p in placement.photos):
            self.proposed.setChecked(True)
        else:
            self.one_site.setChecked(True)
        self.group.buttonToggled.connect(self._toggled)
        self._refresh()

    def _toggled(self, _button: QRadioButton, checked: bool) -> None:
        if checked:
            self._refresh()

    def _site_chosen(self, _index: int) -> None:
        self.one_site.setChecked(True)
        self._refresh()

    # -- what goes where ----------------------------------------------------------------

    def mode(self) -> str:
        if self.new_site.isChecked():
            return "new"
        if self.proposed.isChecked():
            return "proposed"
        if self.not_yet.isChecked():
            return "none"
        return "site"

    def _proposal_name(self, index: int) -> str:
        p = self.placement.proposals[index]
        day = (p.get("start") or "")[:10]
        return tr("New site {n} near {lat:.4f}, {lon:.4f}{day}").format(
            n=index + 1, lat=p["lat"], lon=p["lon"], day=f" ({day})" if day else ""
        )

    def _target(self, p: dict[str, Any]) -> tuple[str | None, str, float | None]:
        """(site id or a proposal key, text, distance in metres) for one photo."""
        mode = self.mode()
        if mode == "none":
            return None, tr("not filed"), None
        if mode == "proposed":
            if p["nearest"]:
                site = self.placement.sites[p["nearest"]]
                return p["nearest"], site["name"], p["nearest_m"]
            if p["proposal"] is not None:
                return f"proposal:{p['proposal']}", self._proposal_name(p["proposal"]), None
            if p["filed"]:
                return None, tr("stays where it is filed"), None
            return None, tr("no position: not filed"), None
        if mode == "new":
            name = self.new_name.text().strip() or tr("(new site)")
            return "new", name, None
        site_id = self.site_combo.currentData()
        if site_id is None:
            return None, tr("choose a site above"), None
        site = self.placement.sites[site_id]
        distance = None
        if None not in (p["lat"], site.get("lat")):
            distance = haversine_m(p["lat"], p["lon"], site["lat"], site["lon"])
        return site_id, site["name"], distance

    def _refresh(self, *_a: Any) -> None:
        targets = [self._target(p) for p in self.placement.photos]
        site_mode = self.mode() == "site"
        self.far = {
            p["id"]
            for p, (_t, _x, d) in zip(self.placement.photos, targets, strict=True)
            if site_mode and d is not None and d > FAR_M
        }
        self.model.set_targets(targets, self.far)
        far = len(self.far)
        self.far_note.setText(
            tr(
                "{n} photo(s) were taken farther than {d} from the chosen site; they are "
                "left out unless you tick them."
            ).format(n=far, d=distance_text(FAR_M))
            if far
            else ""
        )
        self.far_note.setVisible(bool(far))
        ok = self.mode() != "site" or self.site_combo.currentData() is not None
        if self.mode() == "new":
            ok = bool(self.new_name.text().strip())
        self.file_button.setEnabled(ok)

    def far_ids(self) -> list[str]:
        return [p["id"] for p in self.placement.photos if p["id"] in self.far]

    def plan(self) -> tuple[dict[str, list[str]], list[tuple[dict[str, Any], list[str]]]]:
        """``({site_id: [media ids]}, [(new site values, [media ids])])`` as chosen."""
        placement: dict[str, list[str]] = {}
        new: dict[str, tuple[dict[str, Any], list[str]]] = {}
        for p in self.placement.photos:
            if not self.model.checked[p["id"]]:
                continue
            target, _text, _d = self._target(p)
            if target is None:
                continue
            if target == "new" or target.startswith("proposal:"):
                if target not in new:
                    new[target] = (self._new_site_values(target), [])
                new[target][1].append(p["id"])
            else:
                placement.setdefault(target, []).append(p["id"])
        return placement, list(new.values())

    def _new_site_values(self, key: str) -> dict[str, Any]:
        values: dict[str, Any] = {"case_id": self.case_id, "site_type": "strike"}
        if key == "new":
            values["name"] = self.new_name.text().strip()
            placed = [p for p in self.placement.photos if p["lat"] is not None]
            if placed:
                values["lat"] = sum(p["lat"] for p in placed) / len(placed)
                values["lon"] = sum(p["lon"] for p in placed) / len(placed)
        else:
            i = int(key.split(":")[1])
            prop = self.placement.proposals[i]
            values.update(name=self._proposal_name(i), lat=prop["lat"], lon=prop["lon"])
            values["position_accuracy_m"] = round(max(prop.get("radius_m") or 0.0, 1.0), 1)
        if "lat" in values:
            values["position_source"] = "exif"
        return values

    def accept(self) -> None:
        placement, new = self.plan()
        if new and not self.case_id:
            Prompts.error(
                self, tr("No case"), tr("Create a case first: a new site belongs to one.")
            )
            return
        # Ask before filing a photo that is already under another site.
        twice = []
        for site_id, ids in placement.items():
            for mid in ids:
                p = next(x for x in self.placement.photos if x["id"] == mid)
                if any(s != site_id for s in p["filed"]):
                    twice.append((site_id, mid, p))
        if twice:
            names = sorted(
                {
                    self.placement.sites.get(s, {}).get("name", "?")
                    for _t, _m, p in twice
                    for s in p["filed"]
                }
            )
            also = Prompts.confirm(
                self,
                tr("Already filed elsewhere"),
                tr(
                    "{n} of these photos are already filed under {sites}. File them under "
                    "the new place too? (No: leave them where they are.)"
                ).format(n=len(twice), sites=", ".join(f"“{x}”" for x in names)),
            )
            if not also:
                for site_id, mid, _p in twice:
                    placement[site_id].remove(mid)
                placement = {k: v for k, v in placement.items() if v}
        self.placed.emit(placement, new)
        super().accept()
