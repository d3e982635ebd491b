"""Shared fixtures. The browser tests build and start the app once per test run, exactly as
`make run` serves it (production mode, one port), against the offline engine.

The app asks everyone to sign in: each app the tests start has an admin account seeded in its
database before it starts, and the `page` fixture's browser carries that admin's session cookie
(`RunningApp.cookies`; `RunningApp.auth_headers` carry a personal API token for `/v1`)."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from cluster.topology import reflex_environment
from email_image_app.domain import database
from email_image_app.domain.access import SESSION_COOKIE
from email_image_app.domain.accounts import Accounts
from tests.loopback import free_port

# Redis and PostgreSQL (and the whole cluster on them) started once per run when a test asks for them;
# `database_url`: each database in turn.
pytest_plugins = ["tests.services", "tests.databases", "tests.scripted_provider", "tests.cluster_fixture"]

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
STEP_DELAY = "0.4"
ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "correct horse battery staple"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


class RunningApp:
    def __init__(self, url: str, data_dir: Path, process: subprocess.Popen, log_path: Path) -> None:
        self.url = url
        self.data_dir = data_dir
        self.process = process
        self.log_path = log_path
        self.api_key = ""  # set for an app configured with OPENAI_API_KEY
        self.session_token = ""  # the seeded admin's session (see `seed_admin`)
        self.api_token = ""  # and a personal API token of theirs
        self.admin_id: int | None = None  # that admin's account id (the owner of what the browser makes)

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.data_dir / 'studio.db'}"

    @property
    def cookies(self) -> dict[str, str]:
        """What a signed-in browser sends (for httpx: `cookies=app.cookies`)."""
        return {SESSION_COOKIE: self.session_token}

    @property
    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_token}"}

    def sign_in(self, context) -> None:
        """A Playwright browser context, signed in as the seeded admin."""
        context.add_cookies([{"name": SESSION_COOKIE, "value": self.session_token, "url": self.url}])

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def seed_admin(data_dir: Path, url: str | None = None) -> tuple[str, str, int | None]:
    """An admin account in the app's database before it starts (or the one already there, for an
    app started again on the same folder): returns a new session token, an API token and its id.
    `url`: the database when it is not the folder's SQLite file (a cluster's Postgres)."""
    url = url or f"sqlite:///{data_dir / 'studio.db'}"
    data_dir.mkdir(parents=True, exist_ok=True)
    database.upgrade(url)
    accounts = Accounts(url)
    admin = accounts.by_email(ADMIN_EMAIL) or accounts.create(ADMIN_EMAIL, ADMIN_PASSWORD, role="admin")
    assert admin.id is not None
    return accounts.open_session(admin.id), accounts.create_api_token(admin.id, "tests"), admin.id


def app_environment(
    port: int, data_dir: Path, step_delay: str = STEP_DELAY, extra_env: dict[str, str] | None = None
) -> dict[str, str]:
    env = reflex_environment(dict(os.environ))
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        env.pop(name, None)  # the tests use the offline engine
    env.update(
        EMAIL_IMAGE_DATA_DIR=str(data_dir),
        LOCAL_ENGINE_STEP_DELAY=step_delay,
        LOCAL_ENGINE_FAULTS="1",  # the browser tests use the [[engine:...]] markers
    )
    env.update(extra_env or {})
    return env


def start_app(
    port: int,
    data_dir: Path,
    log_path: Path,
    *,
    timeout: float = 240,
    step_delay: str = STEP_DELAY,
    extra_env: dict[str, str] | None = None,
    with_admin: bool = True,
) -> RunningApp:
    """Start `reflex run --env prod` on `port` and wait until it answers; raise with its log if not.
    `step_delay` is the offline engine's pause between streamed events (benchmarks pick their own).

    A second app beside the session's one needs its own build folder (`REFLEX_WEB_WORKDIR` in
    `extra_env`): a production build bakes its port into the pages it serves.
    `with_admin`: seed an admin first (`RunningApp.session_token`); False leaves the database
    without accounts, as on a fresh machine."""
    seeded = seed_admin(data_dir) if with_admin else ("", "", None)
    log_file = log_path.open("ab")
    process = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "reflex"), "run", "--env", "prod", "--single-port",
         "--frontend-port", str(port), "--backend-port", str(port)],
        cwd=ROOT,
        env=app_environment(port, data_dir, step_delay, extra_env),
        stdout=log_file,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # its own process group, so the whole tree can be stopped
    )
    url = f"http://localhost:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the app exited with {process.returncode}:\n{log_path.read_text()[-4000:]}")
        try:
            if httpx.get(f"{url}/_health", timeout=1).status_code == 200 and httpx.get(url, timeout=5).status_code == 200:
                running = RunningApp(url, data_dir, process, log_path)
                running.session_token, running.api_token, running.admin_id = seeded
                return running
        except httpx.HTTPError:
            pass
        time.sleep(0.25)  # polling a starting server; not synchronising a test
    stop_app(process)
    raise RuntimeError(f"the app did not answer within {timeout} s:\n{log_path.read_text()[-4000:]}")


def stop_app(process: subprocess.Popen, sig: int = signal.SIGINT) -> None:
    try:
        os.killpg(process.pid, sig)
        process.wait(timeout=20)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests last: the session's sync Playwright keeps an event loop running in the main
    thread, and `asyncio.run` in any test collected after the first browser test would fail."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)  # stable: order kept otherwise


@pytest.fixture(scope="session")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    data_dir = tmp_path_factory.mktemp("app-data")
    log_path = tmp_path_factory.mktemp("app-log") / "reflex.log"
    running = start_app(free_port(), data_dir, log_path)
    yield running
    stop_app(running.process)


@pytest.fixture(scope="session")
def paid_app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """A second production app, configured as a paid provider: OpenAI-compatible, with an API key
    (`paid_app_server.api_key`), whose base URL is its own offline engine (which accepts any key).
    Its own port, data and build folders."""
    folder = tmp_path_factory.mktemp("paid-app")
    port = free_port()
    api_key = "sk-test-" + secrets.token_hex(16)
    extra_env = {
        "REFLEX_WEB_WORKDIR": str(folder / "web"),
        "OPENAI_API_KEY": api_key,
        "OPENAI_BASE_URL": f"http://localhost:{port}/v1",
        # Its provider is its own offline engine, which a real provider configured would switch off.
        "EMAIL_IMAGE_ENGINE_PUBLIC": "1",
    }
    running = start_app(port, folder / "data", folder / "app.log", extra_env=extra_env)
    running.api_key = api_key
    yield running
    stop_app(running.process)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, app_server: RunningApp):
    context = browser.new_context(
        accept_downloads=True,
        permissions=["clipboard-read", "clipboard-write"],
        viewport={"width": 1366, "height": 900},
    )
    app_server.sign_in(context)
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()
