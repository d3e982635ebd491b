"""Every table of the app's database, in one metadata: what the Alembic migrations are written
against (`alembic/env.py`) and checked against (tests)."""

from __future__ import annotations

import sqlalchemy
from sqlmodel import SQLModel

# Imported for their tables: a model joins SQLModel's metadata when its module is imported.
from email_image_app.domain import accounts, history  # noqa: F401


def metadata() -> sqlalchemy.MetaData:
    return SQLModel.metadata
