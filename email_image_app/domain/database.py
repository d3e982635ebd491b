"""The app's database: its URL (Reflex's `db_url`), engines, and the Alembic migrations that run
at every start so `make run` needs no manual `reflex db migrate`.

The migration scripts live in `alembic/` beside `alembic.ini`, as `reflex db init` lays them out;
`reflex db makemigrations` writes new ones after a model changes.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
from pathlib import Path
from typing import Iterator

import alembic.command
import alembic.config
import sqlalchemy
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import NullPool

from email_image_app.domain import settings

logger = logging.getLogger(__name__)

ALEMBIC_INI = settings.PROJECT_ROOT / "alembic.ini"
MIGRATIONS_DIR = settings.PROJECT_ROOT / "alembic"

_engines: dict[str, Engine] = {}


def database_url() -> str:
    """The configured URL (`settings.database_url`: REFLEX_DB_URL, EMAIL_IMAGE_DB_URL or SQLite)."""
    return settings.database_url()


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL; None for other databases and in-memory SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def engine(url: str | None = None) -> Engine:
    """One pooled engine per URL and process, tuned for SQLite or a database server."""
    url = url or database_url()
    found = _engines.get(url)
    if found is None:
        if is_sqlite(url):
            # SQLite connections are used from worker threads (asyncio.to_thread), not only their creator.
            found = sqlalchemy.create_engine(url, connect_args={"check_same_thread": False})
            sqlalchemy.event.listen(found, "connect", _tune_sqlite_connection)
        else:
            # A server restarted under a running replica leaves dead pooled connections: test first.
            found = sqlalchemy.create_engine(url, pool_pre_ping=True)
        _engines[url] = found
    return found


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def is_postgres(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def _tune_sqlite_connection(dbapi_connection, _record) -> None:
    # WAL (set at migration, kept in the file) lets the gallery read while a run writes; with WAL,
    # NORMAL sync still survives a killed process. Wait for a writer rather than fail at once.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def alembic_config() -> alembic.config.Config:
    config = alembic.config.Config(str(ALEMBIC_INI))
    # Absolute, so migrations run whatever the working directory (tests, benchmarks).
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


# Any fixed number: every process of the app asks PostgreSQL for the same advisory lock.
POSTGRES_MIGRATION_LOCK = 0x5EED_1A6E_0012


@contextlib.contextmanager
def _sqlite_migration_lock(url: str) -> Iterator[None]:
    """One migrating process at a time per SQLite file (`reflex run` imports the app twice)."""
    path = sqlite_path(url)
    if path is None:
        yield  # in-memory: one process by definition
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".migrate-lock"), "w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def upgrade(url: str | None = None) -> None:
    """Create the database, or bring it to the newest schema; does nothing when it is current.

    Replicas start at once: on SQLite a file lock, on PostgreSQL an advisory lock taken by the
    migration's own transaction, lets one process migrate while the others wait, then find the
    schema current. PostgreSQL changes its schema inside that transaction: all or nothing."""
    url = url or database_url()
    with _sqlite_migration_lock(url) if is_sqlite(url) else contextlib.nullcontext():
        # A throwaway engine: the app module is imported in a process that then forks workers,
        # and pooled connections must not cross a fork.
        migration_engine = sqlalchemy.create_engine(url, poolclass=NullPool)
        try:
            if sqlite_path(url) is not None:
                with migration_engine.connect() as connection:
                    connection.exec_driver_sql("PRAGMA journal_mode=WAL")
            with migration_engine.begin() as connection:
                if is_postgres(url):
                    # Released when the transaction ends, whether it commits or fails.
                    connection.execute(sqlalchemy.text("SELECT pg_advisory_xact_lock(:key)"), {"key": POSTGRES_MIGRATION_LOCK})
                config = alembic_config()
                config.attributes["connection"] = connection
                alembic.command.upgrade(config, "head")
        finally:
            migration_engine.dispose()
    logger.info("database ready at %s", make_url(url).render_as_string(hide_password=True))
