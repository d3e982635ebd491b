"""`email-image` with `REFLEX_REDIS_URL`: the command submits its job to the team's queue (the
`redis_server` fixture) and follows its log; a worker process of the team (`python -m
email_image_app.worker`, against the offline engine on loopback) runs it. The image lands where a
user looks: the output file, the same history the pages show, and the job's log in Redis."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest

from email_image_app.domain.jobs.event_log import RedisEventLog
from email_image_app.domain.jobs.events import COMPLETED, JobEnded, Started
from email_image_app.imagegen.server import create_engine_app
from tests.loopback import serve_asgi
from tests.test_cli import ROOT, SCRIPT, User, events, image_of

pytestmark = pytest.mark.timeout(120)

WORKER = "worker-cli-test"


@pytest.fixture
def team(tmp_path: Path, redis_server) -> Iterator[tuple[User, str]]:
    """A user whose environment names the team's Redis, and one worker of the team taking its jobs."""
    if not SCRIPT.exists():
        pytest.fail(f"{SCRIPT} is missing: `make run` (or `make test`) installs the console script")
    user = User(tmp_path / "work", tmp_path / "data")
    with serve_asgi(create_engine_app(step_delay=0.05)) as engine:
        env = user.env(
            REFLEX_REDIS_URL=redis_server.url, EMAIL_IMAGE_ENGINE_URL=engine + "/v1", EMAIL_IMAGE_REPLICA=WORKER,
        )
        worker = subprocess.Popen(
            [sys.executable, "-m", "email_image_app.worker"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, text=True,
        )
        try:
            yield user, redis_server.url
        finally:
            worker.send_signal(signal.SIGTERM)
            try:
                assert worker.wait(timeout=30) == 0, worker.stderr.read() if worker.stderr else ""
            finally:
                if worker.poll() is None:
                    worker.kill()


def test_with_redis_the_cli_job_is_run_by_a_team_worker_into_the_same_history_and_log(team):
    user, redis_url = team
    result = user.run(
        "generate", "A lighthouse at dawn", "--size", "600x300", "--partials", "2", "--json", "-o", "light.png",
        REFLEX_REDIS_URL=redis_url,
    )
    assert result.returncode == 0, result.stderr
    lines = events(result.stdout)
    assert [line["event"] for line in lines] == [
        "run_started", "job_started", "partial", "partial", "final", "job_completed", "completed",
    ]
    job_id = lines[-1]["job_id"]
    assert image_of(user.folder / "light.png").size == (600, 300)
    # The team's history: the job, completed, under the id the command printed.
    (job,) = user.history()
    assert (job.id, job.kind, job.status, job.partial_count) == (job_id, "generation", "completed", 2)
    # Its log in Redis, as a page following it would read it: run by the worker, not the command.
    log = [event for _, event in asyncio.run(RedisEventLog(redis_url).read(job_id, "0", 0))]
    assert [type(event).__name__ for event in log] == ["Accepted", "Started", "StepSaved", "StepSaved", "FinalSaved", "JobEnded"]
    assert log[1] == Started(WORKER) and log[-1] == JobEnded(COMPLETED, partials=2)
    assert lines[0]["provider"] == "Offline engine"
