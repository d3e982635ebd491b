"""Where the app keeps its files and which image provider it talks to, read from the environment."""

from __future__ import annotations

import os
import socket
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


# The URL prefix under which the app's own backend serves the stored images (`domain.store`).
FILES_URL_PREFIX = "/files"


# ----- past one process (issues 12 and 13) -----


def redis_url() -> str | None:
    """`REFLEX_REDIS_URL`: Reflex keeps its state there, and the job tier (queue, event streams,
    cancel channel, stream slots) runs on it. None: one process, everything in memory."""
    return os.environ.get("REFLEX_REDIS_URL") or None


def replica_id() -> str:
    """This process's name in `/_health`, logs and job leases: `EMAIL_IMAGE_REPLICA`, else host:pid."""
    return os.environ.get("EMAIL_IMAGE_REPLICA") or f"{socket.gethostname()}:{os.getpid()}"


def embedded_worker() -> bool:
    """Whether this web process also runs image jobs (the default; `make run`). `make cluster` sets
    `EMAIL_IMAGE_WORKER=off` on its web replicas: a worker process of its own runs the jobs."""
    return os.environ.get("EMAIL_IMAGE_WORKER", "embedded").lower() not in ("off", "0", "no", "none")


def queue_mode() -> str:
    """`redis` when jobs go through Redis, else `memory` (the embedded worker's own queue)."""
    return "redis" if redis_url() else "memory"


def lease_seconds() -> float:
    """How long a job's lease lasts without a heartbeat (`EMAIL_IMAGE_LEASE_SECONDS`, default 15):
    after that, a job whose process died is marked `interrupted`."""
    return float(os.environ.get("EMAIL_IMAGE_LEASE_SECONDS") or 15)


def storage_location() -> str:
    """Where image bytes live, `EMAIL_IMAGE_STORAGE`: a folder (default `<data dir>/images`; replicas
    sharing a volume point at the same one) or `s3://bucket/prefix` (credentials and region come from
    the usual AWS_* variables, read by boto3 itself and never by this app)."""
    return os.environ.get("EMAIL_IMAGE_STORAGE") or str(images_dir())


def s3_endpoint_url() -> str | None:
    """`EMAIL_IMAGE_S3_ENDPOINT_URL`: an S3-compatible server other than AWS (MinIO, Ceph, R2...)."""
    return os.environ.get("EMAIL_IMAGE_S3_ENDPOINT_URL") or None
