"""Redis and PostgreSQL for the tests: each started once per test run (session fixtures) from
Debian's packages, on free loopback ports, in the run's temporary folder; stopped at the end."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Iterator

import pytest

from cluster.services import Postgres, Redis, start_postgres, start_redis


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Redis]:
    redis = start_redis(tmp_path_factory.mktemp("redis"))
    try:
        yield redis
    finally:
        redis.stop()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Postgres]:
    # Not under pytest's own temporary folder: it is private to us (0700), and PostgreSQL runs as
    # the `postgres` user when we are root, which must reach its data folder.
    folder = Path(tempfile.mkdtemp(prefix="pytest-postgres-"))
    postgres = start_postgres(folder, durable=False)
    try:
        yield postgres
    finally:
        postgres.stop()
        shutil.rmtree(folder, ignore_errors=True)
