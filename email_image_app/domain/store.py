"""Image files, one folder (or key prefix) per job, served by URL under `/files`, whichever backend
holds the bytes: a local folder (default) or an S3-compatible bucket (`domain.storage`).

States keep the URLs this module returns, never the bytes. Callers reach a file only through its
URL and this store (`read`, `exists`, `ref`), never by a path: with a bucket there is none. Writes
are atomic for readers (rename into place on disk; a PUT on S3), even if the process dies mid-write.
"""

from __future__ import annotations

import re
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

from email_image_app.domain import settings
from email_image_app.domain.file_names import is_safe_file_name
from email_image_app.domain.storage import LocalBackend, ObjectInfo, StorageBackend, backend_for

# Job ids are ours (hex); file names come from prompts and product names, in any script.
_SAFE_JOB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$")


@dataclass(frozen=True)
class StoredFile:
    name: str
    url: str
    size_bytes: int


@dataclass(frozen=True)
class StoredRef:
    """A stored file handed to code that wants "something with a name and bytes" (the campaign's
    export), read when asked, not before."""

    store: ImageStore
    url: str

    @property
    def name(self) -> str:
        return self.url.rsplit("/", 1)[-1]

    def read_bytes(self) -> bytes:
        return self.store.read(self.url)

    def __reduce__(self) -> tuple:
        # A Reflex state keeping refs (the campaign's export) is pickled into Redis with replicas;
        # a store holds this process's locks and clients, so a ref travels as its URL alone and
        # comes back as a ref of the receiving process's store.
        return (_ref_of_default_store, (self.url,))


def new_job_id() -> str:
    """Unguessable: a job's URLs are its only access control between tabs and users."""
    return secrets.token_hex(12)


def _job_prefix(job_id: str) -> str:
    if not _SAFE_JOB_ID.match(job_id):
        raise ValueError(f"invalid job id {job_id!r}")
    return f"{job_id}/"


def _checked_key(job_id: str, name: str) -> str:
    if not is_safe_file_name(name):
        raise ValueError(f"invalid file name {name!r}")
    return _job_prefix(job_id) + name


class ImageStore:
    def __init__(
        self,
        root: Path | None = None,
        url_prefix: str = settings.FILES_URL_PREFIX,
        *,
        backend: StorageBackend | None = None,
    ) -> None:
        self.url_prefix = url_prefix.rstrip("/")
        self._fixed = backend or (LocalBackend(root) if root is not None else None)
        self._configured: tuple[tuple[str, str | None], StorageBackend] | None = None
        self._lock = threading.Lock()

    @property
    def backend(self) -> StorageBackend:
        if self._fixed is not None:
            return self._fixed
        # Read from the settings at use, not import, so `EMAIL_IMAGE_STORAGE` / `EMAIL_IMAGE_DATA_DIR`
        # set later (tests, the CLI's options) are honoured; kept while they stay the same (one client).
        wanted = (settings.storage_location(), settings.s3_endpoint_url())
        with self._lock:
            if self._configured is None or self._configured[0] != wanted:
                self._configured = (wanted, backend_for(wanted[0], endpoint_url=wanted[1]))
            return self._configured[1]

    def url_for(self, job_id: str, name: str) -> str:
        return f"{self.url_prefix}/{_checked_key(job_id, name)}"

    def save(self, job_id: str, name: str, data: bytes) -> StoredFile:
        key = _checked_key(job_id, name)
        self.backend.put(key, data)
        return StoredFile(name, f"{self.url_prefix}/{key}", len(data))

    def key_for_url(self, url: str) -> str:
        """The backend key behind a URL this store produced; ValueError for anything else."""
        prefix = self.url_prefix + "/"
        if not url.startswith(prefix):
            raise ValueError(f"not a stored image URL: {url!r}")
        job_id, _, name = url[len(prefix):].partition("/")
        try:
            return _checked_key(job_id, name)
        except ValueError:
            raise ValueError(f"not a stored image URL: {url!r}") from None

    def read(self, url: str) -> bytes:
        """The file's bytes; `StoredFileMissing` (a FileNotFoundError) when it is gone."""
        return self.backend.get(self.key_for_url(url))

    def info(self, url: str) -> ObjectInfo | None:
        return self.backend.info(self.key_for_url(url))

    def exists(self, url: str) -> bool:
        return self.info(url) is not None

    def ref(self, url: str) -> StoredRef:
        self.key_for_url(url)  # refuse a foreign URL now, not when the export reads it
        return StoredRef(self, url)

    def names(self, job_id: str) -> list[str]:
        """The job's file names, sorted (none once it is deleted)."""
        prefix = _job_prefix(job_id)
        return [key[len(prefix):] for key in self.backend.names(prefix)]

    def delete_job(self, job_id: str) -> None:
        self.backend.delete_prefix(_job_prefix(job_id))


image_store = ImageStore()


def _ref_of_default_store(url: str) -> StoredRef:
    return image_store.ref(url)
