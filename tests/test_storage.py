"""Stored images on both backends, configured as an operator would (`EMAIL_IMAGE_STORAGE`): a local
folder, and an S3 bucket. Every test runs on both.

The bucket is served by moto's S3 server (`moto[server]`, `ThreadedMotoServer` on a free loopback
port). It stands in for S3 because no other S3 server can be installed here (no MinIO, Ceph or the
like in the package registries this project reaches); the app talks to it exactly as to AWS or any
S3-compatible server, through boto3 and `EMAIL_IMAGE_S3_ENDPOINT_URL`.
"""

from __future__ import annotations

import asyncio
import base64
import io
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import AsyncIterator, Callable, Iterator

import boto3
import httpx
import pytest
from moto.server import ThreadedMotoServer
from PIL import Image
from starlette.applications import Starlette
from starlette.routing import Mount

from email_image_app.domain import database
from email_image_app.domain.access import SESSION_COOKIE, SignedInFiles
from email_image_app.domain.accounts import Accounts
from email_image_app.domain.files_route import StoredFiles
from email_image_app.domain.job_stream import FinalSaved, JobTarget, StepSaved, store_stream
from email_image_app.domain.storage import StorageError, StoredFileMissing
from email_image_app.domain.store import ImageStore
from email_image_app.imagegen.events import ImageCompleted, ImageUsage, PartialImage
from tests.loopback import free_port, serve_asgi

REGION = "eu-west-3"
SECRET = "test-secret-never-shown-anywhere"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@dataclass
class Where:
    """The store the app would build from the environment, and a look at the raw storage under it
    (the bucket's keys, or the folder's files) that does not go through the store."""

    kind: str
    store: ImageStore
    raw_keys: Callable[[], list[str]]


def _aws_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test-key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    # Nothing from this machine's own AWS files, if it has any.
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))


@pytest.fixture(params=["local", "s3"])
def where(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Where:
    if request.param == "local":
        folder = tmp_path / "shared-volume" / "images"
        monkeypatch.setenv("EMAIL_IMAGE_STORAGE", str(folder))
        return Where(
            "local", ImageStore(),
            lambda: sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file()),
        )
    endpoint = request.getfixturevalue("s3_endpoint")
    _aws_environment(monkeypatch, tmp_path)
    bucket = f"studio-{uuid.uuid4().hex[:12]}"
    direct = boto3.session.Session().client("s3", endpoint_url=endpoint)
    direct.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    monkeypatch.setenv("EMAIL_IMAGE_STORAGE", f"s3://{bucket}/team-a/images")
    monkeypatch.setenv("EMAIL_IMAGE_S3_ENDPOINT_URL", endpoint)

    def raw_keys() -> list[str]:
        listed = direct.list_objects_v2(Bucket=bucket).get("Contents", [])
        return sorted(item["Key"].removeprefix("team-a/images/") for item in listed)

    return Where("s3", ImageStore(), raw_keys)


def png_bytes(size: tuple[int, int], colour: str = "#c33") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


# ----- the store ----------------------------------------------------------------------------------


def test_saved_files_read_back_and_deleting_a_job_removes_all_its_files(where: Where):
    red, blue = png_bytes((40, 20)), png_bytes((8, 8), "#00f")
    saved = where.store.save("job-a", "夏季-1200x600.png", red)
    where.store.save("job-a", "final-thumb.webp", b"webp bytes")
    where.store.save("job-b", "final.png", blue)
    assert saved.url == "/files/job-a/夏季-1200x600.png" and saved.size_bytes == len(red)
    assert where.store.read(saved.url) == red and where.store.exists(saved.url)
    assert where.raw_keys() == ["job-a/final-thumb.webp", "job-a/夏季-1200x600.png", "job-b/final.png"]
    assert where.store.names("job-a") == ["final-thumb.webp", "夏季-1200x600.png"]

    where.store.save("job-a", "final-thumb.webp", b"written again")  # a reader sees one or the other
    assert where.store.read("/files/job-a/final-thumb.webp") == b"written again"

    where.store.delete_job("job-a")
    assert where.raw_keys() == ["job-b/final.png"]
    assert where.store.names("job-a") == [] and not where.store.exists(saved.url)
    with pytest.raises(FileNotFoundError):
        where.store.read(saved.url)
    where.store.delete_job("job-a")  # already gone: nothing to do, no error
    assert where.store.read("/files/job-b/final.png") == blue


def test_names_that_could_escape_the_job_are_refused(where: Where):
    for job_id, name in [("job", "../escape.png"), ("job", "a/b.png"), ("../job", "a.png"), ("job", ".hidden")]:
        with pytest.raises(ValueError):
            where.store.save(job_id, name, b"x")
    for url in ["/elsewhere/job/a.png", "/files/job/../a.png", "/files/job"]:
        with pytest.raises(ValueError):
            where.store.read(url)
    assert where.raw_keys() == []


# ----- /files ---------------------------------------------------------------------------------------


@pytest.fixture
def session_cookie(tmp_path: Path) -> tuple[Accounts, dict[str, str]]:
    url = f"sqlite:///{tmp_path / 'studio.db'}"
    database.upgrade(url)
    accounts = Accounts(url)
    account = accounts.create("ana@example.com", "correct horse battery", role="member",
                              monthly_budget_usd=None, use_default_budget=False)
    assert account.id is not None
    return accounts, {SESSION_COOKIE: accounts.open_session(account.id)}


@pytest.fixture
def files_url(where: Where, session_cookie) -> Iterator[str]:
    """The store served the way the app serves it: `/files`, behind the signed-in guard."""
    accounts, _ = session_cookie
    app = Starlette(routes=[Mount("/files", app=SignedInFiles(StoredFiles(where.store), accounts=lambda: accounts))])
    with serve_asgi(app) as base:
        yield base


def url_of(base: str, stored_url: str) -> str:
    return base + httpx.URL(stored_url).raw_path.decode()  # percent-encoded, as a browser asks


def test_files_serves_a_stored_image_with_its_type_only_to_someone_signed_in(where: Where, files_url, session_cookie):
    _, cookies = session_cookie
    image = png_bytes((120, 60))
    url = url_of(files_url, where.store.save("job-1", "夏季-hero.png", image).url)
    where.store.save("job-1", "preview.webp", b"RIFF....WEBP")

    assert httpx.get(url).status_code == 401
    assert httpx.get(url, cookies={SESSION_COOKIE: "made-up"}).status_code == 401

    response = httpx.get(url, cookies=cookies)
    assert response.status_code == 200 and response.content == image
    assert response.headers["content-type"] == "image/png"
    assert response.headers["content-length"] == str(len(image))
    assert response.headers["etag"] and response.headers["last-modified"]
    assert "private" in response.headers["cache-control"]
    webp = httpx.get(url_of(files_url, "/files/job-1/preview.webp"), cookies=cookies)
    assert webp.headers["content-type"] == "image/webp"

    # The browser's revalidation: nothing sent again while the file is unchanged.
    again = httpx.get(url, cookies=cookies, headers={"if-none-match": response.headers["etag"]})
    assert again.status_code == 304 and again.content == b""

    head = httpx.head(url, cookies=cookies)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(image)) and head.headers["content-type"] == "image/png"

    assert httpx.get(url_of(files_url, "/files/job-1/missing.png"), cookies=cookies).status_code == 404
    assert httpx.get(url_of(files_url, "/files/no-such-job/a.png"), cookies=cookies).status_code == 404
    assert httpx.get(files_url + "/files/job-1/..%2F..%2Fstudio.db", cookies=cookies).status_code == 404
    assert httpx.post(url, cookies=cookies).status_code == 405


def test_a_big_image_is_served_whole_and_by_byte_ranges(where: Where, files_url, session_cookie):
    _, cookies = session_cookie
    data = bytes(range(256)) * (3 * 4096 + 7)  # ~3 MB, more than one chunk
    url = url_of(files_url, where.store.save("job-big", "final.png", data).url)

    with httpx.stream("GET", url, cookies=cookies) as response:
        received = b"".join(response.iter_bytes())
    assert response.status_code == 200 and received == data

    part = httpx.get(url, cookies=cookies, headers={"range": "bytes=1000-1999"})
    assert part.status_code == 206 and part.content == data[1000:2000]
    assert part.headers["content-range"] == f"bytes 1000-1999/{len(data)}"
    tail = httpx.get(url, cookies=cookies, headers={"range": "bytes=-10"})
    assert tail.status_code == 206 and tail.content == data[-10:]
    rest = httpx.get(url, cookies=cookies, headers={"range": f"bytes={len(data) - 3}-"})
    assert rest.content == data[-3:]
    beyond = httpx.get(url, cookies=cookies, headers={"range": f"bytes={len(data)}-"})
    assert beyond.status_code == 416 and beyond.headers["content-range"] == f"bytes */{len(data)}"
    # A range for another version of the file (If-Range) gets the whole current file.
    stale = httpx.get(url, cookies=cookies, headers={"range": "bytes=0-9", "if-range": '"old"'})
    assert stale.status_code == 200 and stale.content == data


# ----- a whole streamed job ---------------------------------------------------------------------


def _b64_png(size: tuple[int, int], colour: str) -> str:
    return base64.b64encode(png_bytes(size, colour)).decode()


async def _provider_events() -> AsyncIterator[PartialImage | ImageCompleted]:
    for index, colour in enumerate(["#333", "#666"]):
        yield PartialImage(b64_json=_b64_png((1536, 1024), colour), index=index)
    yield ImageCompleted(b64_json=_b64_png((1536, 1024), "#c33"), usage=ImageUsage(10, 20, 30), partial_images=2)


def test_a_streamed_job_lands_in_the_storage_and_is_served_from_it(where: Where, files_url, session_cookie):
    _, cookies = session_cookie
    target = JobTarget(width=1200, height=600, output_format="png", name_stem="summer-hero")

    async def collect() -> list[StepSaved | FinalSaved]:
        return [item async for item in store_stream(_provider_events(), "job-stream", target, store=where.store)]

    items = asyncio.run(collect())
    assert [type(item) for item in items] == [StepSaved, StepSaved, FinalSaved]
    final = items[-1]
    assert isinstance(final, FinalSaved) and final.url.startswith("/files/job-stream/")
    stored = where.raw_keys()
    for step in items[:2]:
        assert isinstance(step, StepSaved)
        for url in (step.url, step.preview_url, step.thumb_url):
            assert url.removeprefix("/files/") in stored
    assert final.url.removeprefix("/files/") in stored

    response = httpx.get(url_of(files_url, final.url), cookies=cookies)
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    with Image.open(io.BytesIO(response.content)) as image:
        assert image.size == (1200, 600)
    where.store.delete_job("job-stream")
    assert where.raw_keys() == []
    assert httpx.get(url_of(files_url, final.url), cookies=cookies).status_code == 404


# ----- configuration and failures ---------------------------------------------------------------


def test_the_store_follows_the_configuration_and_never_shows_credentials(where: Where):
    description = where.store.backend.description
    assert SECRET not in description and "test-key" not in description
    if where.kind == "s3":
        assert description.startswith("s3://studio-") and "/team-a/images" in description
    else:
        assert description.endswith("shared-volume/images")


def test_an_unreachable_bucket_is_a_storage_error_and_a_503(tmp_path, monkeypatch, session_cookie):
    accounts, cookies = session_cookie
    _aws_environment(monkeypatch, tmp_path)
    monkeypatch.setenv("EMAIL_IMAGE_STORAGE", "s3://nowhere/images")
    monkeypatch.setenv("EMAIL_IMAGE_S3_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")  # nothing listens
    store = ImageStore()
    with pytest.raises(StorageError) as failed:
        store.read("/files/job/a.png")
    assert not isinstance(failed.value, StoredFileMissing) and isinstance(failed.value, OSError)
    assert SECRET not in str(failed.value)
    app = Starlette(routes=[Mount("/files", app=SignedInFiles(StoredFiles(store), accounts=lambda: accounts))])
    with serve_asgi(app) as base:
        assert httpx.get(base + "/files/job/a.png", cookies=cookies).status_code == 503
