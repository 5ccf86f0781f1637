"""Where the store lives: ``--home``, else ``FIELDKIT_HOME``, else the user data folder."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

DB_NAME = "fieldkit.db"


def default_home() -> Path:
    return Path(platformdirs.user_data_dir("FieldKit", appauthor=False))


def resolve_home(home: str | os.PathLike[str] | None = None) -> Path:
    if home:
        return Path(home).expanduser()
    env = os.environ.get("FIELDKIT_HOME")
    if env:
        return Path(env).expanduser()
    return default_home()
