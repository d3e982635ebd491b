"""The `email-image` console script, run as a user runs it: the installed script in a subprocess,
in a folder of its own, with a fresh data folder (EMAIL_IMAGE_DATA_DIR), against the offline engine
in-process or a scripted loopback server. Every assertion is something a user would notice: files
and their pixels, the ZIP, the lines printed, the exit code, the jobs in /history.
"""

from __future__ import annotations

import ast
import io
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Iterator

import pytest
from PIL import Image, ImageChops, ImageDraw

from typer.testing import CliRunner

from email_image_app.cli.app import app as cli_app
from email_image_app.domain.history import GalleryQuery, JobHistory
from email_image_app.domain.job_records import Job
from tests.loopback import serve_asgi

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(sys.executable).parent / "email-image"
CSV = (
    "id,name,description\n"
    'sku-1,Trail runner,"Light, grippy trail shoe"\n'
    "sku-2,City tote,Leather bag\n"
    "sku-3,Wool scarf,\n"
)
API_KEY = "sk-test-0123456789abcdefREJECTED"
PROVIDER_MESSAGE = "Incorrect API key provided: sk-test-************CTED."

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def user(tmp_path: Path) -> "User":
    if not SCRIPT.exists():
        pytest.fail(f"{SCRIPT} is missing: `make run` (or `make test`) installs the console script")
    return User(tmp_path / "work", tmp_path / "data")


class User:
    """Someone in a folder of their own, running `email-image` there."""

    def __init__(self, folder: Path, data_dir: Path) -> None:
        folder.mkdir()
        self.folder = folder
        self.data_dir = data_dir

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "REFLEX_DB", "EMAIL_IMAGE_"))}
        env.update(
            EMAIL_IMAGE_DATA_DIR=str(self.data_dir),
            LOCAL_ENGINE_STEP_DELAY="0",
            LOCAL_ENGINE_FAULTS="1",
            PYTHONUNBUFFERED="1",
            COLUMNS="120",
            # The .venv may be shared by several checkouts, and its editable install points at one
            # of them: the script must run this checkout's code.
            PYTHONPATH=str(ROOT),
        )
        env.update(extra)
        return env

    def run(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(SCRIPT), *args], cwd=self.folder, env=self.env(**env), capture_output=True, text=True, timeout=90
        )

    def start(self, *args: str, **env: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [str(SCRIPT), *args], cwd=self.folder, env=self.env(**env), stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True,
        )

    def history(self) -> list[Job]:
        found = JobHistory(f"sqlite:///{self.data_dir / 'studio.db'}").gallery(GalleryQuery(page_size=100))
        return found.jobs


def events(stdout: str) -> list[dict[str, Any]]:
    """Every stdout line is one JSON object (json.loads fails the test otherwise)."""
    return [json.loads(line) for line in stdout.splitlines()]


def image_of(path: Path) -> Image.Image:
    image = Image.open(io.BytesIO(path.read_bytes()))
    image.load()
    return image


def no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr + result.stdout, result.stderr


# ---------------------------------------------------------------------------------------------
# generate


def test_generate_writes_the_asked_size_and_format_and_records_the_job(user: User):
    result = user.run(
        "generate", "Summer sale, red sneakers", "--size", "1200x600", "--format", "jpeg",
        "--partials", "2", "--keep-partials", "-o", "hero.jpg",
    )
    assert result.returncode == 0, result.stderr
    final = image_of(user.folder / "hero.jpg")
    assert (final.format, final.size) == ("JPEG", (1200, 600))
    for step in (1, 2):
        assert image_of(user.folder / f"hero.step-{step}.jpg").format == "JPEG"
    # Not a terminal: plain lines (no cursor codes), one per step, then where the image went.
    assert "\x1b[" not in result.stdout
    assert "step 1/2" in result.stdout and "step 2/2" in result.stdout
    assert "Saved hero.jpg (1200×600 JPEG" in result.stdout
    # The job shows in /history like one made on the page.
    (job,) = user.history()
    assert (job.kind, job.status, job.size, job.partial_count) == ("generation", "completed", "1200x600", 2)
    assert job.prompt.startswith("Summer sale, red sneakers") and job.provider == "Offline engine"


def test_json_lines_end_with_completed_and_the_second_run_has_an_eta(user: User):
    args = ("generate", "Autumn boots", "--size", "400x400", "--quality", "low", "--partials", "1", "--json", "-o", "boots.png")
    first = user.run(*args)
    assert first.returncode == 0, first.stderr
    lines = events(first.stdout)
    assert [line["event"] for line in lines] == [
        "run_started", "job_started", "partial", "final", "job_completed", "completed",
    ]
    assert lines[0]["eta_s"] is None  # nothing measured yet
    done = lines[-1]
    assert (done["file"], done["width"], done["height"], done["format"]) == ("boots.png", 400, 400, "png")
    assert done["total_tokens"] > 0 and done["cost_usd"] == 0

    second = events(user.run(*args).stdout)
    assert second[-1]["event"] == "completed"
    # The first run's measured duration is now the ETA for the same model, size and quality.
    assert second[0]["eta_samples"] == 1 and second[0]["eta_s"] == pytest.approx(user.history()[-1].duration_ms / 1000)


def test_help_on_every_command_and_python_m(user: User):
    module = subprocess.run(
        [sys.executable, "-m", "email_image_app", "--help"], cwd=user.folder, env=user.env(),
        capture_output=True, text=True, timeout=60,
    )
    assert module.returncode == 0 and "Usage: email-image" in module.stdout, module.stderr
    assert all(command in module.stdout for command in ("generate", "edit", "campaign"))
    # Each command's own help, in this process (the same Typer app the script runs).
    runner = CliRunner()
    for command, option in (("generate", "--keep-partials"), ("edit", "--mask"), ("campaign", "--concurrency")):
        result = runner.invoke(cli_app, [command, "--help"], prog_name="email-image")
        assert result.exit_code == 0 and f"Usage: email-image {command}" in result.output and option in result.output


# ---------------------------------------------------------------------------------------------
# edit


def test_edit_with_a_mask_keeps_the_unmasked_pixels(user: User):
    photo = Image.new("RGB", (1024, 1024))
    ImageDraw.Draw(photo).rectangle((0, 0, 1023, 511), fill=(20, 90, 160))
    ImageDraw.Draw(photo).ellipse((100, 600, 400, 900), fill=(240, 200, 40))
    photo.save(user.folder / "photo.png")
    mask = Image.new("RGBA", (1024, 1024), (0, 0, 0, 255))
    hole = (384, 384, 640, 640)
    ImageDraw.Draw(mask).rectangle((hole[0], hole[1], hole[2] - 1, hole[3] - 1), fill=(0, 0, 0, 0))
    mask.save(user.folder / "mask.png")
    Image.new("RGB", (256, 256), (200, 30, 30)).save(user.folder / "ref.png")

    result = user.run(
        "edit", "photo.png", "Add a red sneaker", "--mask", "mask.png", "--ref", "ref.png",
        "--partials", "1", "-o", "edited.png",
    )
    assert result.returncode == 0, result.stderr
    edited = image_of(user.folder / "edited.png").convert("RGB")
    assert edited.size == (1024, 1024)
    outside = ImageChops.difference(edited, photo)
    outside.paste((0, 0, 0), hole)
    assert outside.getbbox() is None, "pixels outside the mask changed"
    assert ImageChops.difference(edited.crop(hole), photo.crop(hole)).getbbox() is not None
    (job,) = user.history()
    assert (job.kind, job.status) == ("edit", "completed")


# ---------------------------------------------------------------------------------------------
# campaign


class ImageSources(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.images: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.images.append(dict(attrs))


def test_campaign_writes_the_pages_zip_with_every_image_in_the_email(user: User):
    (user.folder / "products.csv").write_text(CSV)
    result = user.run(
        "campaign", "products.csv", "--subject", "Autumn sale: 30% off", "--concurrency", "2",
        "--partials", "1", "-o", "campaign.zip",
    )
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(user.folder / "campaign.zip") as archive:
        names = set(archive.namelist())
        html = archive.read("email.html").decode()
        manifest = json.loads(archive.read("manifest.json"))
        sizes = {name: image_of_bytes(archive.read(name)).size for name in names if name.startswith("originals/")}
    parser = ImageSources()
    parser.feed(html)
    sources = {image["src"] for image in parser.images}
    email_files = {name for name in names if name.startswith("email/")}
    assert len(email_files) == 4 and sources == email_files
    assert sizes == {
        "originals/hero-1200x600.png": (1200, 600),
        **{f"originals/product-sku-{n}-400x400.png": (400, 400) for n in (1, 2, 3)},
    }
    alts = {image["alt"] for image in parser.images}
    assert "Trail runner – Autumn sale: 30% off" in alts and "Autumn sale: 30% off" in alts
    assert len(manifest["images"]) == 4 and manifest["not_included"] == []
    # One line per image as it goes, then the summary table.
    for name in ("hero", "Trail runner", "City tote", "Wool scarf"):
        assert any(line.startswith(name) and " done " in line for line in result.stdout.splitlines()), result.stdout
    assert "4 images" in result.stdout and "Wrote campaign.zip" in result.stdout
    jobs = user.history()
    assert len(jobs) == 4 and {job.kind for job in jobs} == {"campaign"} and len({job.parent_id for job in jobs}) == 1


def image_of_bytes(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


# ---------------------------------------------------------------------------------------------
# bad input, provider failure


@pytest.mark.parametrize(
    "args, message",
    [
        (("campaign", "products.csv", "--subject", "Sale"),
         "error: products.csv: Line 2: 4 field(s) instead of id,name,description. Put quotes around text "
         "that contains a comma. Line 3: the name is empty."),
        (("campaign", "missing.csv", "--subject", "Sale"), "error: missing.csv: no such file (the products CSV)."),
        (("generate", "A hero", "--size", "1200by600"), "error: --size: Invalid size '1200by600'"),
        (("edit", "missing.png", "Make it blue"), "error: missing.png: no such file (the image to edit)."),
    ],
    ids=["bad-csv", "missing-file", "unknown-size", "missing-image"],
)
def test_bad_input_exits_2_naming_the_problem(user: User, args: tuple[str, ...], message: str):
    (user.folder / "products.csv").write_text("id,name,description\nsku-1,Scarf,Wool, warm\nsku-2,,Cotton\n")
    result = user.run(*args)
    assert result.returncode == 2
    assert result.stderr.startswith(message) and len(result.stderr.strip().splitlines()) == 1, result.stderr
    no_traceback(result)
    assert not (user.data_dir / "studio.db").exists()  # refused before anything was sent or recorded


async def rejects_the_key(scope: dict, receive: Any, send: Any) -> None:
    """An OpenAI-compatible server that answers every request 401, with OpenAI's error JSON."""
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    body = {"error": {"message": PROVIDER_MESSAGE, "type": "invalid_request_error", "param": None, "code": "invalid_api_key"}}
    await send({"type": "http.response.start", "status": 401, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": json.dumps(body).encode()})


@pytest.fixture(scope="module")
def rejecting_server() -> Iterator[str]:
    with serve_asgi(rejects_the_key) as url:
        yield url + "/v1"


def test_a_provider_401_exits_1_with_its_message_and_no_traceback(user: User, rejecting_server: str):
    provider = {"OPENAI_BASE_URL": rejecting_server, "OPENAI_API_KEY": API_KEY}
    result = user.run("generate", "A hero", "--size", "1200x600", "-o", "hero.png", **provider)
    assert result.returncode == 1
    assert result.stderr.startswith("error: ") and PROVIDER_MESSAGE in result.stderr and "HTTP 401" in result.stderr
    assert API_KEY not in result.stderr + result.stdout
    no_traceback(result)
    assert not (user.folder / "hero.png").exists()

    (user.folder / "products.csv").write_text(CSV)
    campaign = user.run("campaign", "products.csv", "--subject", "Sale", "--json", "-o", "c.zip", **provider)
    assert campaign.returncode == 1 and PROVIDER_MESSAGE in campaign.stderr
    no_traceback(campaign)
    lines = events(campaign.stdout)
    failed = sorted(line["job"] for line in lines if line["event"] == "job_failed")
    assert failed == ["hero", "product-1", "product-2", "product-3"]
    assert lines[-1]["event"] == "failed" and lines[-1]["exit_code"] == 1
    assert not list(user.folder.glob("c*.zip"))
    assert {job.status for job in user.history()} == {"failed"}


# ---------------------------------------------------------------------------------------------
# Ctrl-C


class Lines:
    """stdout of a running process, line by line, waited for with a deadline (never a sleep)."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.queue: queue.Queue[str | None] = queue.Queue()
        self.seen: list[dict[str, Any]] = []
        threading.Thread(target=self._read, args=(process,), daemon=True).start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self.queue.put(line)
        self.queue.put(None)

    def wait_for(self, predicate: Any, timeout: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            line = self.queue.get(timeout=max(0.0, deadline - time.monotonic()))
            if line is None:
                raise AssertionError(f"the process ended first; events: {self.seen}")
            event = json.loads(line)
            self.seen.append(event)
            if predicate(event):
                return event

    def rest(self) -> list[dict[str, Any]]:
        while (line := self.queue.get(timeout=30)) is not None:
            self.seen.append(json.loads(line))
        return self.seen


def test_ctrl_c_mid_campaign_closes_the_streams_and_keeps_the_finished_images(user: User):
    (user.folder / "products.csv").write_text(CSV)
    process = user.start(
        "campaign", "products.csv", "--subject", "Autumn sale", "--concurrency", "1", "--partials", "3",
        "--json", "-o", "campaign.zip", LOCAL_ENGINE_STEP_DELAY="0.3",
    )
    try:
        lines = Lines(process)
        lines.wait_for(lambda e: e["event"] == "job_completed" and e["job"] == "hero")
        lines.wait_for(lambda e: e["event"] == "partial" and e["job"] == "product-1")
        process.send_signal(signal.SIGINT)
        seen = lines.rest()
        assert process.wait(timeout=30) == 130
    finally:
        if process.poll() is None:
            process.kill()
    assert process.stderr is not None and "error: interrupted: 1 of 4 images finished" in process.stderr.read()
    assert seen[-1]["event"] == "interrupted" and seen[-1]["kept"] == "campaign.partial.zip"
    # The running stream was closed, the waiting images never started.
    started = [e["job"] for e in seen if e["event"] == "job_started"]
    assert started == ["hero", "product-1"]
    assert {e["job"] for e in seen if e["event"] == "job_cancelled"} == {"product-1", "product-2", "product-3"}
    # What finished is kept: the hero, in a ZIP that says what is missing; no complete-looking ZIP.
    assert not (user.folder / "campaign.zip").exists()
    with zipfile.ZipFile(user.folder / "campaign.partial.zip") as archive:
        assert {"originals/hero-1200x600.png", "email/hero-email.jpg", "email.html"} <= set(archive.namelist())
        manifest = json.loads(archive.read("manifest.json"))
    assert [image["slot"] for image in manifest["images"]] == ["hero"]
    assert {entry["slot"]: entry["status"] for entry in manifest["not_included"]} == {
        "product-1": "cancelled", "product-2": "cancelled", "product-3": "cancelled",
    }
    # /history: the hero completed, the interrupted image cancelled with the steps it had, none left running.
    statuses = {job.status: job for job in user.history()}
    assert set(statuses) == {"completed", "cancelled"} and len(user.history()) == 2
    assert 1 <= statuses["cancelled"].partial_count < 3


# ---------------------------------------------------------------------------------------------
# layering


def test_the_cli_modules_import_no_reflex_themselves():
    """Reflex-free by construction: no module of the CLI imports Reflex (the reorganisation
    removes the last indirect path, history → database → reflex.model)."""
    for path in sorted((ROOT / "email_image_app" / "cli").glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = (
                [alias.name for alias in node.names] if isinstance(node, ast.Import)
                else [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            )
            assert not any(name.split(".")[0] == "reflex" for name in names), f"{path.name} imports {names}"
