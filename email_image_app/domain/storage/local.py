"""Images as files in a folder, one subfolder per job: the default, and right for replicas that
share a volume. Writes go to a temporary file renamed into place, so a reader (another replica
included) never sees half an image, even if the writer dies mid-write."""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from stat import S_ISREG
from typing import Iterator

from email_image_app.domain.storage.base import CHUNK_BYTES, ObjectInfo, StoredFileMissing, content_type_for


def write_atomically(path: Path, data: bytes) -> None:
    """Write to a hidden temporary file beside `path`, then rename it into place: a reader (or a
    crash) never sees half a file at `path`."""
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


class LocalBackend:
    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def description(self) -> str:
        return str(self.root)

    def _path(self, key: str) -> Path:
        return self.root / key

    def put(self, key: str, data: bytes) -> None:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(target, data)

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise StoredFileMissing(key) from None

    def info(self, key: str) -> ObjectInfo | None:
        try:
            stat = self._path(key).stat()
        except (FileNotFoundError, NotADirectoryError):
            return None
        if not S_ISREG(stat.st_mode):
            return None
        # Files are only ever replaced whole (a rename), which changes the time: a sound validator.
        return ObjectInfo(
            size_bytes=stat.st_size,
            etag=f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"',
            last_modified=datetime.fromtimestamp(stat.st_mtime, timezone.utc),
            content_type=content_type_for(key),
        )

    def chunks(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        try:
            handle = self._path(key).open("rb")
        except FileNotFoundError:
            raise StoredFileMissing(key) from None
        # The open handle keeps reading the file it opened, even if a rename replaces it meanwhile.
        with handle:
            handle.seek(start)
            left = None if end is None else end - start + 1
            while left is None or left > 0:
                chunk = handle.read(CHUNK_BYTES if left is None else min(CHUNK_BYTES, left))
                if not chunk:
                    return
                if left is not None:
                    left -= len(chunk)
                yield chunk

    def names(self, prefix: str) -> list[str]:
        folder = self._path(prefix)
        if not folder.is_dir():
            return []
        # Stored names start with a letter or digit; a dot-name is a write still in progress.
        return sorted(
            f"{prefix}{path.name}" for path in folder.iterdir() if path.is_file() and not path.name.startswith(".")
        )

    def delete_prefix(self, prefix: str) -> None:
        shutil.rmtree(self._path(prefix), ignore_errors=True)
