"""The same test on both databases the app supports: `database_url` is a fresh, empty database —
a SQLite file in the test's folder, or a database of its own on the session's PostgreSQL server
(`tests/services.py`), dropped afterwards. A plugin of `tests/conftest.py`: any test may ask for
them."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Iterator

import pytest
import sqlalchemy
from sqlalchemy.engine import make_url

from cluster.services import Postgres
from email_image_app.domain import database

DATABASES = ["sqlite", "postgres"]


def _server_connection(server: Postgres) -> sqlalchemy.Engine:
    # CREATE / DROP DATABASE cannot run in a transaction.
    admin_url = make_url(server.url).set(database="postgres")
    return sqlalchemy.create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=sqlalchemy.pool.NullPool)


@pytest.fixture
def fresh_postgres(postgres_server: Postgres) -> Iterator[str]:
    """A new, empty database on the session's PostgreSQL: its URL."""
    name = "test_" + secrets.token_hex(6)
    admin = _server_connection(postgres_server)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = make_url(postgres_server.url).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        cached = database._engines.pop(url, None)
        if cached is not None:
            cached.dispose()
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each kind in turn (not migrated yet)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'data' / 'studio.db'}"
    return request.getfixturevalue("fresh_postgres")


def run_sql(url: str, sql: str) -> list[tuple]:
    with database.engine(url).connect() as connection:
        return [tuple(row) for row in connection.exec_driver_sql(sql).fetchall()]
