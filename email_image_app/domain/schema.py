"""Every table of the app's database, in one metadata: what the Alembic migrations are written
against (`alembic/env.py`) and checked against (tests)."""

from __future__ import annotations

from typing import Any

import sqlalchemy
from sqlmodel import SQLModel

# Imported for their tables: a model joins SQLModel's metadata when its module is imported.
from email_image_app.domain import accounts, history  # noqa: F401

# The prompt search index, written by hand in its migration because each database has its own
# kind (SQLite: an FTS5 table, its shadow tables and an id map; PostgreSQL: a pg_trgm GIN index).
# No model describes them, so comparing the models with a database leaves them out.
SEARCH_OBJECT_PREFIXES = ("jobs_search", "ix_jobs_prompt_trgm")


def metadata() -> sqlalchemy.MetaData:
    return SQLModel.metadata


def include_object(found: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic's filter when comparing the models with a database (autogenerate, tests)."""
    return not (reflected and name is not None and name.startswith(SEARCH_OBJECT_PREFIXES))
