"""Images as objects in an S3-compatible bucket (`EMAIL_IMAGE_STORAGE=s3://bucket/prefix`), so
replicas on different hosts share them without a shared volume.

boto3 reads credentials and region the usual way (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
AWS_SESSION_TOKEN, AWS_REGION / AWS_DEFAULT_REGION, profiles, instance roles); this module never
sees or logs them. `EMAIL_IMAGE_S3_ENDPOINT_URL` points at a non-AWS server (MinIO, Ceph, R2...).
Every call here blocks: the store's callers already run it in threads, and boto3's clients are
thread-safe. A PUT is atomic for readers, which is the guarantee the local folder's rename gives.
"""

from __future__ import annotations

import threading
from typing import Any, Iterator

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from email_image_app.domain.storage.base import (
    CHUNK_BYTES,
    ObjectInfo,
    StorageError,
    StoredFileMissing,
    content_type_for,
)

_MISSING_CODES = {"NoSuchKey", "404", "NotFound"}
# One bulk delete takes at most this many keys (the S3 API's limit).
_DELETE_BATCH = 1000


def parse_location(location: str) -> tuple[str, str]:
    """`s3://bucket/some/prefix` → (`bucket`, `some/prefix`); ValueError for anything else."""
    if not location.startswith("s3://"):
        raise ValueError(f"not an s3:// location: {location!r}")
    bucket, _, prefix = location[len("s3://"):].partition("/")
    if not bucket:
        raise ValueError(f"no bucket in {location!r}")
    return bucket, prefix.strip("/")


class S3Backend:
    def __init__(self, bucket: str, prefix: str = "", *, endpoint_url: str | None = None, client: Any = None) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.endpoint_url = endpoint_url
        self._client = client
        self._lock = threading.Lock()

    @classmethod
    def from_location(cls, location: str, *, endpoint_url: str | None = None) -> S3Backend:
        bucket, prefix = parse_location(location)
        return cls(bucket, prefix, endpoint_url=endpoint_url)

    @property
    def description(self) -> str:
        where = f"s3://{self.bucket}/{self.prefix}".rstrip("/")
        return f"{where} at {self.endpoint_url}" if self.endpoint_url else where

    @property
    def client(self) -> Any:
        # Made on first use (not at import) and once: creating clients is slow and not thread-safe.
        with self._lock:
            if self._client is None:
                config = Config(
                    # Each thread serving or saving an image holds one connection while it works.
                    max_pool_connections=32,
                    retries={"mode": "standard", "max_attempts": 3},
                    # Servers other than AWS rarely have a DNS name per bucket.
                    s3={"addressing_style": "path"} if self.endpoint_url else None,
                )
                self._client = boto3.session.Session().client("s3", endpoint_url=self.endpoint_url, config=config)
            return self._client

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def _call(self, operation: str, key: str, **params: Any) -> Any:
        try:
            return getattr(self.client, operation)(Bucket=self.bucket, **params)
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", ""))
            if code in _MISSING_CODES:
                raise StoredFileMissing(key) from None
            raise StorageError(f"{operation} {key!r} in {self.description}: {code or error}") from error
        except BotoCoreError as error:  # unreachable endpoint, no credentials, bad region...
            raise StorageError(f"{operation} {key!r} in {self.description}: {error}") from error

    def put(self, key: str, data: bytes) -> None:
        self._call("put_object", key, Key=self._key(key), Body=data, ContentType=content_type_for(key))

    def get(self, key: str) -> bytes:
        body = self._call("get_object", key, Key=self._key(key))["Body"]
        with body:
            return body.read()

    def info(self, key: str) -> ObjectInfo | None:
        try:
            head = self._call("head_object", key, Key=self._key(key))
        except StoredFileMissing:
            return None
        return ObjectInfo(
            size_bytes=int(head["ContentLength"]),
            etag=head["ETag"],
            last_modified=head["LastModified"],
            content_type=head.get("ContentType") or content_type_for(key),
        )

    def chunks(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        if end is not None and end < start:
            return
        # A plain GET for the whole object; a Range header only for a part of it.
        wanted = {} if start == 0 and end is None else {"Range": f"bytes={start}-{'' if end is None else end}"}
        body = self._call("get_object", key, Key=self._key(key), **wanted)["Body"]
        with body:  # closing returns the connection to the pool even if the reader went away
            yield from body.iter_chunks(CHUNK_BYTES)

    def _listed(self, prefix: str) -> Iterator[str]:
        paginator = self.client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self._key(prefix)):
                for item in page.get("Contents", []):
                    yield item["Key"]
        except (ClientError, BotoCoreError) as error:
            raise StorageError(f"list {prefix!r} in {self.description}: {error}") from error

    def names(self, prefix: str) -> list[str]:
        cut = len(self._key(""))
        return sorted(key[cut:] for key in self._listed(prefix))

    def delete_prefix(self, prefix: str) -> None:
        keys = list(self._listed(prefix))
        for start in range(0, len(keys), _DELETE_BATCH):
            batch = [{"Key": key} for key in keys[start : start + _DELETE_BATCH]]
            answer = self._call("delete_objects", prefix, Delete={"Objects": batch, "Quiet": True})
            if answer.get("Errors"):
                raise StorageError(f"delete {prefix!r} in {self.description}: {answer['Errors'][0]}")
