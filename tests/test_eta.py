"""The ETA from the history's measured durations (email_image_app/eta.py), over a real migrated
SQLite database filled through the history's own API."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from email_image_app.domain import database
from email_image_app.domain.eta import DurationEstimate, batch_estimate, schedule_ms, typical_duration
from email_image_app.domain.history import JobHistory, SavedImage
from email_image_app.domain.job_records import JobInfo

ROOT = Path(__file__).resolve().parent.parent
OFFLINE = "Offline engine"
OPENAI = "OpenAI"


@pytest.fixture
def jobs(tmp_path: Path) -> JobHistory:
    url = f"sqlite:///{tmp_path / 'studio.db'}"
    database.upgrade(url)
    return JobHistory(url)


def record(
    jobs: JobHistory, job_id: str, duration_ms: int, *, model: str = "gpt-image-1.5", size: tuple[int, int] = (1200, 600),
    quality: str = "medium", provider: str = OPENAI, status: str = "completed", kind: str = "generation",
) -> None:
    info = JobInfo(kind=kind, prompt=f"job {job_id}", model=model, provider=provider, options={"quality": quality})
    jobs.start(job_id, info, *size)
    if status == "completed":
        final = SavedImage("final", 0, f"/files/{job_id}/final.png", None, f"/files/{job_id}/t.webp", 10, *size)
        jobs.complete(job_id, final, usage=None, duration_ms=duration_ms)
    else:
        jobs.finish(job_id, status, duration_ms=duration_ms)


def estimate(jobs: JobHistory, **query: object) -> DurationEstimate | None:
    fields: dict = {"model": "gpt-image-1.5", "width": 1200, "height": 600, "quality": "medium", "provider": OPENAI}
    fields.update(query)
    return typical_duration(database.engine(jobs.url), **fields)


def test_no_history_no_estimate(jobs: JobHistory):
    assert estimate(jobs) is None


def test_the_median_of_completed_jobs_of_the_same_model_size_quality_and_provider(jobs: JobHistory):
    for number, duration in enumerate((30_000, 32_000, 90_000)):  # one slow outlier
        record(jobs, f"same-{number}", duration)
    record(jobs, "failed", 5_000, status="failed")
    record(jobs, "other-model", 1_000, model="gpt-image-1-mini")
    record(jobs, "other-size", 1_000, size=(400, 400))
    record(jobs, "other-quality", 1_000, quality="high")
    record(jobs, "offline", 1_000, provider=OFFLINE)

    found = estimate(jobs)
    assert found == DurationEstimate(typical_ms=32_000, samples=3)
    assert found.remaining_s(12.0) == 20.0 and found.remaining_s(40.0) == 0.0
    assert estimate(jobs, provider=OFFLINE) == DurationEstimate(1_000, 1)
    assert estimate(jobs, quality="low") is None
    # Any provider when none is named; the kinds of job can be limited.
    assert estimate(jobs, provider=None).samples == 4
    assert estimate(jobs, kinds=["edit"]) is None


def test_only_the_most_recent_jobs_count(jobs: JobHistory):
    for number in range(5):
        record(jobs, f"old-{number}", 60_000)
    for number in range(3):
        record(jobs, f"new-{number}", 10_000)
    assert estimate(jobs, recent=3) == DurationEstimate(10_000, 3)


def test_a_batch_runs_its_images_a_few_at_a_time():
    assert schedule_ms([], 2) == 0
    assert schedule_ms([10, 10, 10, 10], 2) == 20
    assert schedule_ms([30, 10, 10, 10], 2) == 30  # the long one runs while the others follow each other
    assert schedule_ms([10, 20], 4) == 20
    known = DurationEstimate(10_000, 4)
    assert batch_estimate([None, None], 2) is None
    # An image with no history counts as the others' median.
    other = DurationEstimate(20_000, 2)
    assert batch_estimate([known, None, other, known], 1) == DurationEstimate(50_000, 6)


def test_the_eta_module_imports_no_reflex():
    code = "import sys, email_image_app.domain.eta; assert not [m for m in sys.modules if m.split('.')[0] == 'reflex']"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_the_page_words_the_time_left_then_any_moment():
    from email_image_app.domain.eta import eta_message

    assert eta_message(12, 3).render("en") == "about 9 s left"
    assert eta_message(12, 3).render("fr") == "environ 9 s restantes"
    assert eta_message(12, 12).render("en") == "any moment now"
