"""Image files on disk, one folder per job, served by URL under `/files`.

States keep the URLs this module returns, never the bytes. Files are written atomically (temporary
file + rename) so a reader never sees half an image, even if the process dies mid-write.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from email_image_app.domain import settings
from email_image_app.domain.file_names import is_safe_file_name

# Job ids are ours (hex); file names come from prompts and product names, in any script.
_SAFE_JOB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$")


@dataclass(frozen=True)
class StoredFile:
    path: Path
    url: str
    size_bytes: int


def new_job_id() -> str:
    """Unguessable: a job's URLs are its only access control between tabs and users."""
    return secrets.token_hex(12)


class ImageStore:
    def __init__(self, root: Path | None = None, url_prefix: str = settings.FILES_URL_PREFIX) -> None:
        self._root = root
        self.url_prefix = url_prefix.rstrip("/")

    @property
    def root(self) -> Path:
        # Resolved lazily so tests and `EMAIL_IMAGE_DATA_DIR` set after import are honoured.
        return self._root or settings.images_dir()

    def job_dir(self, job_id: str) -> Path:
        if not _SAFE_JOB_ID.match(job_id):
            raise ValueError(f"invalid job id {job_id!r}")
        return self.root / job_id

    def save(self, job_id: str, name: str, data: bytes) -> StoredFile:
        if not is_safe_file_name(name):
            raise ValueError(f"invalid file name {name!r}")
        folder = self.job_dir(job_id)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / name
        fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp_name, target)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        return StoredFile(target, f"{self.url_prefix}/{job_id}/{name}", len(data))

    def path_for_url(self, url: str) -> Path:
        """The file behind a URL this store produced; ValueError for anything else."""
        prefix = self.url_prefix + "/"
        if not url.startswith(prefix):
            raise ValueError(f"not a stored image URL: {url!r}")
        job_id, _, name = url[len(prefix):].partition("/")
        if not is_safe_file_name(name):
            raise ValueError(f"not a stored image URL: {url!r}")
        return self.job_dir(job_id) / name

    def read(self, url: str) -> bytes:
        return self.path_for_url(url).read_bytes()

    def delete_job(self, job_id: str) -> None:
        shutil.rmtree(self.job_dir(job_id), ignore_errors=True)


image_store = ImageStore()
