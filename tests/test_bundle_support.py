"""Shared helpers for the bundle tests (no tests here).

Making a store runs two slow KDFs, so each person's store is made once per test run
(:func:`tests.conftest.shared_template`) and copied per test (a closed store is a folder).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from fieldkit import records
from fieldkit.crypto import trustlist
from fieldkit.store import Store
from tests.conftest import IN_CI, TemplateStores, unlock_copy

PASS = b"correct horse battery staple"
PEOPLE = {
    "anna": ("Anna Field", "anna@example.org"),
    "bob": ("Bob Field", "bob@example.org"),
    "carol": ("Carol Office", "carol@example.org"),
    "mallory": ("Mallory", "mallory@example.org"),
}
TOOLS = {name: shutil.which(name) for name in ("sha256sum", "ssh-keygen", "age", "ogrinfo")}
BAGIT_PY = Path(sys.executable).with_name("bagit.py")


def needs(tool: str) -> pytest.MarkDecorator:
    """Skip when ``tool`` is missing, except in CI, where the test runs and fails."""
    return pytest.mark.skipif(
        TOOLS.get(tool) is None and not IN_CI, reason=f"{tool} is not installed (CI fails)"
    )


needs_bagit = pytest.mark.skipif(
    not BAGIT_PY.exists() and not IN_CI, reason="bagit.py is not installed (CI fails)"
)


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Mapping[str, Path]:
    """One closed store per person, made on first use, once per run; tests copy them."""
    people = {who: (name, email, "Test Org") for who, (name, email) in PEOPLE.items()}
    return TemplateStores(tmp_path_factory, "bundle", people, PASS)


def copy_store(templates: Mapping[str, Path], who: str, dest: Path) -> Store:
    shutil.copytree(templates[who], dest)
    unlock_copy(dest, templates[who])
    return Store.open(dest)


def trust(store: Store, other: Store) -> None:
    trustlist.trust(store.keys_dir, trustlist.export_public(other.keys_dir))


def add_media(store: Store, data: bytes, name: str, site_id: str | None = None) -> dict[str, Any]:
    stored = store.media.put_bytes(data)
    media = store.create("media", {"sha256": stored.sha256, "file_name": name, "size": stored.size})
    if site_id:
        store.link(media["id"], site_id)
    return media


def populate(store: Store, *, media: int = 3, seed: int = 1) -> dict[str, Any]:
    """A case, two sites (one in two languages), a remnant, a statement and media."""
    case = store.create("case", {"title": "Cluster munitions, city centre", "region": "North"})
    site = store.create(
        "site",
        {
            "case_id": case["id"],
            "name": "Market street",
            "other_names": ["Շուկայի փողոց@hy"],
            "lat": 39.8153,
            "lon": 46.7519,
            "alt": 812.4,
            "position_source": "device",
            "description": '=HYPERLINK("x") craters in the road',
        },
    )
    site2 = store.create("site", {"case_id": case["id"], "name": "School yard"})
    store.create("remnant", {"site_id": site["id"], "category": "submunition"})
    store.create(
        "statement",
        {
            "case_id": case["id"],
            "witness_code": "W-69F",
            "consent": "anonymous",
            "sensitivity": "confidential",
        },
    )
    files = {}
    for i in range(media):
        data = hashlib.sha256(f"{seed}-{i}".encode()).digest() * (1000 + 97 * i)
        m = add_media(store, data, f"IMG_{seed}_{i}.jpg", site["id"])
        files[m["sha256"]] = data
    return {"case": case, "site": site, "site2": site2, "files": files}


def tree_hashes(root: Path) -> dict[str, str]:
    """Every file under ``root`` and its SHA-256 (the store must be closed)."""
    out = {}
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            path = Path(dirpath) / name
            out[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def snapshot(store: Store, *, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """Every record table and the conflicts, for comparing stores."""
    out: dict[str, Any] = {}
    for kind in sorted(records.KINDS):
        if kind in skip:
            continue
        out[kind] = store.find(kind, include_retracted=True, order="id")
    out["conflicts"] = store.all_conflicts()
    return out


def event_hashes(store: Store) -> set[str]:
    return {h for (h,) in store.conn.execute("SELECT hash FROM events")}


def run(cmd: list[str], *, cwd: Path | None = None, stdin: bytes | None = None) -> Any:
    return subprocess.run(cmd, cwd=cwd, input=stdin, capture_output=True, timeout=120)


def allowed_signers_file(store: Store, dest: Path) -> Path:
    dest.write_text(trustlist.export_public(store.keys_dir), encoding="utf-8")
    return dest


def bag_folder_of_zip(zip_path: Path, dest: Path) -> Path:
    """Unzip with Python's zipfile (an independent reader) and return the bag folder."""
    import zipfile

    with zipfile.ZipFile(zip_path) as zf:
        assert zf.testzip() is None
        zf.extractall(dest)
    (top,) = list(dest.iterdir())
    return top


def check_with_tools(bag: Path, signers: Path, identity: str) -> None:
    """The auditor's three commands and bagit.py, on a bag folder."""
    if TOOLS["sha256sum"]:
        for manifest in ("tagmanifest-sha256.txt", "manifest-sha256.txt"):
            r = run(["sha256sum", "-c", "--strict", manifest], cwd=bag)
            assert r.returncode == 0, r.stdout + r.stderr
    if TOOLS["ssh-keygen"]:
        r = run(
            [
                "ssh-keygen",
                "-Y",
                "verify",
                "-f",
                str(signers),
                "-I",
                identity,
                "-n",
                "fieldkit-bundle@v1",
                "-s",
                "tagmanifest-sha256.txt.sig",
            ],
            cwd=bag,
            stdin=(bag / "tagmanifest-sha256.txt").read_bytes(),
        )
        assert r.returncode == 0, r.stdout + r.stderr
        assert b"Good" in r.stdout
    if BAGIT_PY.exists():
        r = run([sys.executable, str(BAGIT_PY), "--validate", str(bag)])
        assert r.returncode == 0, r.stdout + r.stderr
