"""The studio's own API (`/api/v1/images/generations`): work sent with a personal API token lands in
that person's history and budget. A real loopback server runs the routes; the provider behind them is
the offline engine (its own loopback server) or a scripted paid provider that counts requests."""

from __future__ import annotations

import asyncio
import io
import subprocess
import time
from pathlib import Path
from typing import Iterator

import httpx
import pytest
from PIL import Image
from starlette.applications import Starlette

from email_image_app.domain import accounts as accounts_module
from email_image_app.domain import database, history
from email_image_app.domain.accounts import Accounts
from email_image_app.domain.history import GalleryQuery, JobHistory
from email_image_app.domain.jobs import bus as bus_module
from email_image_app.domain.jobs.provider import use_job_client
from email_image_app.domain.studio_api import StudioApi
from email_image_app.imagegen.client import OFFLINE_API_KEY, ImageStreamClient
from email_image_app.imagegen.events import ImageCompleted, ImageStreamError
from email_image_app.imagegen.options import ImageOptions
from email_image_app.imagegen.server import create_engine_app
from tests.loopback import serve_asgi
from tests.scripted_provider import ScriptedProvider
from tests.test_cli import SCRIPT, User
from tests.test_client import Reply, ScriptedServer, completed_event

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def studio_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The studio's data folder and database, as the app's process has them."""
    monkeypatch.setenv("EMAIL_IMAGE_DATA_DIR", str(tmp_path / "studio"))
    monkeypatch.delenv("EMAIL_IMAGE_DB_URL", raising=False)
    monkeypatch.delenv("REFLEX_DB_URL", raising=False)
    url = database.database_url()
    database.upgrade(url)
    monkeypatch.setattr(history, "_default", JobHistory(url))
    monkeypatch.setattr(accounts_module, "_default", Accounts(url))
    monkeypatch.delenv("REFLEX_REDIS_URL", raising=False)
    monkeypatch.setattr(bus_module, "_buses", {})  # this test's own in-memory job tier
    yield url
    use_job_client(None)


@pytest.fixture(scope="module")
def engine_url() -> Iterator[str]:
    with serve_asgi(create_engine_app(step_delay=0)) as url:
        yield url + "/v1"


def studio(client_factory) -> Starlette:
    """The routes, with this process's jobs run by the same provider client, as in the app (where
    the routes and the embedded worker share `get_client()`)."""
    use_job_client(client_factory())
    return Starlette(routes=StudioApi(client_factory).routes)


def generate_through(base_url: str, token: str) -> list:
    async def main() -> list:
        async with ImageStreamClient(base_url + "/api/v1", token, max_retries=0) as client:
            options = ImageOptions(size="1024x1024", partial_images=2)
            return [event async for event in client.stream_generate("A red bicycle by the sea", options)]

    return asyncio.run(main())


def test_without_a_token_the_api_answers_401_in_openais_shape(studio_db, engine_url):
    with serve_asgi(studio(lambda: ImageStreamClient(engine_url, OFFLINE_API_KEY))) as url:
        response = httpx.post(url + "/api/v1/images/generations", json={"prompt": "x"})
        wrong = httpx.post(
            url + "/api/v1/images/generations", json={"prompt": "x"}, headers={"Authorization": "Bearer eis_nope"}
        )
    assert response.status_code == wrong.status_code == 401
    assert response.json()["error"]["code"] == "invalid_api_key"


def test_work_sent_with_a_token_streams_and_lands_in_that_persons_history(studio_db, engine_url):
    accounts = Accounts(studio_db)
    ana = accounts.create("ana@example.com", "correct horse battery")
    token = accounts.create_api_token("ana@example.com")
    with serve_asgi(studio(lambda: ImageStreamClient(engine_url, OFFLINE_API_KEY))) as url:
        events = generate_through(url, token)
    assert isinstance(events[-1], ImageCompleted) and len(events) == 3
    with Image.open(io.BytesIO(events[-1].image)) as image:
        assert image.size == (1024, 1024)
    jobs = JobHistory(studio_db).gallery(GalleryQuery()).jobs
    assert [(job.owner_id, job.status, job.partial_count) for job in jobs] == [(ana.id, "completed", 2)]


def test_a_member_over_budget_is_refused_before_the_provider_hears_of_it(studio_db):
    accounts = Accounts(studio_db)
    accounts.create("ana@example.com", "correct horse battery", monthly_budget_usd=0.0)
    token = accounts.create_api_token("ana@example.com")
    provider = ScriptedServer()
    provider.script(Reply(chunks=[completed_event()]))
    with serve_asgi(provider) as provider_url:
        paid = lambda: ImageStreamClient(provider_url + "/v1", "sk-test-paid", max_retries=0)  # noqa: E731
        with serve_asgi(studio(paid)) as url:
            with pytest.raises(ImageStreamError) as refused:
                generate_through(url, token)
    assert refused.value.status == 403 and "Over your monthly budget" in refused.value.message
    assert provider.requests == []


def test_the_command_line_sends_its_work_to_the_app_with_server_and_token(studio_db, engine_url, tmp_path):
    accounts = Accounts(studio_db)
    ana = accounts.create("ana@example.com", "correct horse battery")
    token = accounts.create_api_token("ana@example.com")
    user = User(tmp_path / "work", tmp_path / "cli-data")  # the CLI's own data folder: not the studio's
    with serve_asgi(studio(lambda: ImageStreamClient(engine_url, OFFLINE_API_KEY))) as url:
        done = subprocess.run(
            [str(SCRIPT), "--server", url, "--token", token, "generate", "A red bicycle", "--size", "1200x600",
             "-o", "hero.png"],
            capture_output=True, text=True, cwd=user.folder, env=user.env(), timeout=90,
        )
    assert done.returncode == 0, done.stderr
    with Image.open(user.folder / "hero.png") as image:
        assert image.size == (1200, 600)
    jobs = JobHistory(studio_db).gallery(GalleryQuery()).jobs
    assert [job.owner_id for job in jobs] == [ana.id]
    assert not (user.data_dir / "studio.db").exists() or JobHistory(
        f"sqlite:///{user.data_dir / 'studio.db'}"
    ).gallery(GalleryQuery()).jobs == []


def test_an_edit_sent_to_the_app_keeps_the_unmasked_pixels_and_lands_in_its_history(studio_db, engine_url, tmp_path):
    accounts = Accounts(studio_db)
    ana = accounts.create("ana@example.com", "correct horse battery")
    token = accounts.create_api_token("ana@example.com")
    user = User(tmp_path / "work", tmp_path / "cli-data")
    Image.new("RGB", (512, 512), "#3366cc").save(user.folder / "photo.png")
    mask = Image.new("RGBA", (512, 512), (0, 0, 0, 255))
    mask.paste((0, 0, 0, 0), (0, 0, 256, 512))  # transparent left half: the part to change
    mask.save(user.folder / "mask.png")
    with serve_asgi(studio(lambda: ImageStreamClient(engine_url, OFFLINE_API_KEY))) as url:
        done = subprocess.run(
            [str(SCRIPT), "--server", url, "--token", token, "edit", "photo.png", "A yellow sun", "--mask", "mask.png",
             "--size", "512x512", "-o", "out.png"],
            capture_output=True, text=True, cwd=user.folder, env=user.env(), timeout=90,
        )
    assert done.returncode == 0, done.stderr
    with Image.open(user.folder / "out.png") as out:
        assert out.size == (512, 512)
        assert out.convert("RGB").getpixel((400, 256)) == (0x33, 0x66, 0xCC)  # the kept half is untouched
    jobs = JobHistory(studio_db).gallery(GalleryQuery()).jobs
    assert [(job.kind, job.owner_id, job.status) for job in jobs] == [("edit", ana.id, "completed")]


def test_a_caller_that_leaves_mid_stream_cancels_its_job_and_the_provider_stream(studio_db):
    """The work runs as a job of the job tier; a script that hangs up stops paying for it."""
    accounts = Accounts(studio_db)
    ana = accounts.create("ana@example.com", "correct horse battery")
    token = accounts.create_api_token("ana@example.com")
    provider = ScriptedProvider(step_delay=0.05)
    gate = provider.hold("hanging")
    try:
        with serve_asgi(provider) as provider_url:
            with serve_asgi(studio(lambda: ImageStreamClient(provider_url + "/v1", "sk-test"))) as url:
                body = {"prompt": "A kite hanging in the sky", "stream": True, "partial_images": 2, "size": "1024x1024"}
                with httpx.stream(
                    "POST", f"{url}/api/v1/images/generations", json=body,
                    headers={"Authorization": f"Bearer {token}"}, timeout=30,
                ) as response:
                    assert response.status_code == 200
                    for line in response.iter_lines():
                        if "partial_image" in line:
                            break  # one step seen: the script hangs up
                deadline = time.monotonic() + 10
                while provider.ended_early("hanging") == 0:
                    assert time.monotonic() < deadline, "the provider stream was not closed"
                    time.sleep(0.05)  # polling another thread's observable state
        deadline = time.monotonic() + 10
        while [job.status for job in JobHistory(studio_db).gallery(GalleryQuery()).jobs] != ["cancelled"]:
            assert time.monotonic() < deadline, "the job was not recorded cancelled"
            time.sleep(0.05)  # polling the history the job's worker writes
        (job,) = JobHistory(studio_db).gallery(GalleryQuery()).jobs
        assert job.owner_id == ana.id
    finally:
        gate.set()
