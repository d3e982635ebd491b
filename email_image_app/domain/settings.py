"""Where the app keeps its files and which image provider it talks to, read from the environment."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def data_dir() -> Path:
    """The data folder (images, database). `EMAIL_IMAGE_DATA_DIR` overrides `<project>/data`."""
    path = Path(os.environ.get("EMAIL_IMAGE_DATA_DIR") or PROJECT_ROOT / "data")
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_url() -> str:
    """`REFLEX_DB_URL` (Reflex's own setting, which wins), `EMAIL_IMAGE_DB_URL` (any SQLAlchemy URL,
    e.g. Postgres), else SQLite `<data dir>/studio.db`."""
    return (
        os.environ.get("REFLEX_DB_URL")
        or os.environ.get("EMAIL_IMAGE_DB_URL")
        or f"sqlite:///{data_dir() / 'studio.db'}"
    )


def images_dir() -> Path:
    path = data_dir() / "images"
    path.mkdir(parents=True, exist_ok=True)
    return path


# The URL prefix under which the app's own backend serves `images_dir()`.
FILES_URL_PREFIX = "/files"
