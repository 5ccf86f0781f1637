"""The scripts that render the README's screenshots still run against the code as it is
(they once rotted silently: renamed modules, a private method, the disclosure rule)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

REPO = Path(__file__).resolve().parents[2]


def run_script(name: str, out: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, str(REPO / "packaging" / name), str(out)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]


@pytest.mark.slow
def test_the_scripted_day_renders_every_step(tmp_path):
    run_script("day.py", tmp_path)
    shots = sorted(tmp_path.glob("*.png"))
    steps = [p.stem.split("-", 1)[1] for p in shots]
    for step in ("setup", "photos-where-do-they-belong", "export", "conflict", "verify"):
        assert step in steps, steps
    for shot in shots:  # the window at 1280 x 720; a dialog shown alone at its own size
        with Image.open(shot) as im:
            im.load()
            assert im.width >= 400 and im.height >= 300, (shot.name, im.size)
            if "photos-filed" in shot.name:
                assert im.size == (1280, 720), (shot.name, im.size)


@pytest.mark.slow
def test_the_readme_screenshots_render(tmp_path):
    run_script("screenshots.py", tmp_path)
    names = {p.name for p in tmp_path.glob("*.png")}
    assert {"main-window.png", "import-review.png", "conflicts.png"} <= names, names
