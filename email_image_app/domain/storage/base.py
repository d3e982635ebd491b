"""What every storage backend offers the image store: put, get, describe, stream a byte range, and
delete a job's objects, by key (`<job id>/<file name>`, already checked by the store). No Reflex here.

Two backends exist: `local.LocalBackend` (a folder; replicas may share it as a volume) and
`s3.S3Backend` (an S3-compatible bucket). The store and the `/files` route only see this protocol.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from datetime import datetime
from typing import Iterator, Protocol

# Big enough that a multi-MB image is a few dozen sends, small enough that a slow reader holds little.
CHUNK_BYTES = 256 * 1024


class StorageError(OSError):
    """The backend could not be reached or refused the operation. An OSError, so callers that already
    treat an unreadable file as a failed input (edit uploads, the CLI) treat an unreachable bucket alike."""


class StoredFileMissing(StorageError, FileNotFoundError):
    """No object under that key (never written, or its job was deleted)."""

    def __init__(self, key: str) -> None:
        super().__init__(f"no stored file {key!r}")
        self.key = key


@dataclass(frozen=True)
class ObjectInfo:
    """What the `/files` route needs to answer a request before sending any byte."""

    size_bytes: int
    etag: str  # quoted, as sent in the ETag header
    last_modified: datetime  # aware, UTC
    content_type: str


class StorageBackend(Protocol):
    @property
    def description(self) -> str:
        """Where the bytes live, for logs and `/_health`; never holds credentials."""

    def put(self, key: str, data: bytes) -> None:
        """Write atomically: a reader sees the old object, or none, or the whole new one."""

    def get(self, key: str) -> bytes:
        """The whole object; `StoredFileMissing` when there is none."""

    def info(self, key: str) -> ObjectInfo | None:
        """Size, validator and type, or None when there is no such object."""

    def chunks(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """Bytes `start..end` (inclusive; None: to the end), a chunk at a time, so a big image is
        never held whole. `StoredFileMissing` on the first `next()` when there is no such object."""

    def names(self, prefix: str) -> list[str]:
        """Keys under `prefix` (a job's folder), sorted."""

    def delete_prefix(self, prefix: str) -> None:
        """Delete every object under `prefix`; nothing there is not an error."""


def content_type_for(name: str) -> str:
    # Our own names always end in the format's extension (png, jpeg, webp, html, zip...).
    guessed, _ = mimetypes.guess_type(name, strict=False)
    return guessed or "application/octet-stream"
