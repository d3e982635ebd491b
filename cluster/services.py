"""Redis and PostgreSQL from Debian's packages, started as our own processes on loopback ports with
data folders of their own (there is no systemd here, and nothing runs as a system service).

Used three ways: the tests' session fixtures (`tests/services.py`), the benchmarks, and
`make cluster` (`cluster/run.py`). PostgreSQL refuses to run as root, so its tools run as the
`postgres` user when we are root (as on CI).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

PG_BIN = Path("/usr/lib/postgresql/15/bin")
PG_USER = "studio"


class ServiceError(RuntimeError):
    """A service could not be started; the message carries the end of its log."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float, what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    tail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
    raise ServiceError(f"{what} did not open port {port} within {timeout:.0f} s\n{tail}")


def _as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL's tools as the `postgres` user when we are root; as ourselves otherwise."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


def _chown_to_postgres(path: Path) -> None:
    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")


@dataclass
class Redis:
    port: int
    folder: Path

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    @property
    def pid_file(self) -> Path:
        return self.folder / "redis.pid"

    def stop(self) -> None:
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return
        try:
            os.kill(pid, 15)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)


def start_redis(folder: Path, port: int | None = None) -> Redis:
    """A Redis with no persistence (state and streams are rebuilt by their TTLs), daemonised."""
    if shutil.which("redis-server") is None:
        raise ServiceError("redis-server is not installed (Debian package redis-server; `make setup-services`)")
    folder.mkdir(parents=True, exist_ok=True)
    redis = Redis(port or free_port(), folder)
    log = folder / "redis.log"
    subprocess.run(
        [
            "redis-server", "--port", str(redis.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--daemonize", "yes", "--pidfile", str(redis.pid_file), "--logfile", str(log), "--dir", str(folder),
        ],
        check=True,
    )
    wait_for_port(redis.port, 15, "redis-server", log)
    return redis


@dataclass
class Postgres:
    port: int
    folder: Path
    database: str = "studio"

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def url(self) -> str:
        """The SQLAlchemy URL (psycopg 3)."""
        return f"postgresql+psycopg://{PG_USER}@127.0.0.1:{self.port}/{self.database}"

    def stop(self) -> None:
        if not (self.data / "postmaster.pid").exists():
            return
        subprocess.run(
            _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"]),
            check=False, capture_output=True,
        )


def start_postgres(folder: Path, port: int | None = None, database: str = "studio", *, durable: bool = True) -> Postgres:
    """A PostgreSQL 15 cluster in `folder` (created on first use, reused after), trusting loopback
    connections: a throwaway for tests and `make cluster` on one machine, not a deployment. Tests pass
    `durable=False` (no fsync: a test database dies with the run anyway)."""
    if not (PG_BIN / "pg_ctl").exists():
        raise ServiceError("PostgreSQL 15 is not installed (Debian package postgresql; `make setup-services`)")
    folder.mkdir(parents=True, exist_ok=True)
    _chown_to_postgres(folder)
    postgres = Postgres(port or free_port(), folder, database)
    if not (postgres.data / "PG_VERSION").exists():
        subprocess.run(
            _as_postgres([str(PG_BIN / "initdb"), "-D", str(postgres.data), "-A", "trust", "-U", PG_USER, "-E", "UTF8"]),
            check=True, capture_output=True,
        )
    log = folder / "postgres.log"
    if os.geteuid() == 0 and not log.exists():
        log.touch()
        _chown_to_postgres(log)
    options = f"-p {postgres.port} -k {folder} -c listen_addresses=127.0.0.1"
    if not durable:
        options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    started = subprocess.run(
        _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(postgres.data), "-o", options, "-l", str(log), "-w", "start"]),
        capture_output=True, text=True,
    )
    if started.returncode != 0:
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        raise ServiceError(f"PostgreSQL did not start: {started.stdout}{started.stderr}\n{tail}")
    wait_for_port(postgres.port, 15, "PostgreSQL", log)
    return ensure_database(postgres, database)


def ensure_database(postgres: Postgres, database: str) -> Postgres:
    """`database` on the running server `postgres` (created when missing), as its own `Postgres`:
    a cluster under test gets a database of its own beside the tests' one."""
    created = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-p", str(postgres.port), "-U", PG_USER, "-d", "postgres", "-tAc",
         f"SELECT 1 FROM pg_database WHERE datname = '{database}'"],
        check=True, capture_output=True, text=True,
    )
    if created.stdout.strip() != "1":
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-p", str(postgres.port), "-U", PG_USER, "-d", "postgres", "-c",
             f'CREATE DATABASE "{database}"'],
            check=True, capture_output=True,
        )
    return Postgres(postgres.port, postgres.folder, database)
