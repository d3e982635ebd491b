"""Time the history gallery's queries with 10,000 jobs in a temporary SQLite database.

Run: .venv/bin/python bench/bench_history.py [--jobs N] [--runs N]
Seeds N jobs over the past year (each with 3 partial and 1 final image rows, like real ones) in
a fresh, migrated database, then prints the median and slowest time of one gallery page — its
count plus its 24 rows, as `/history` asks for them — for the first page, a deep page, each
filter and a prompt search, then opening one job, and the query plans SQLite chose.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from email_image_app.domain import database, history, job_records  # noqa: E402
from email_image_app.domain.history import GalleryQuery, JobHistory  # noqa: E402

WORDS = (
    "summer sale sneakers red bold headline winter scarf navy wool black friday gold confetti spring "
    "flowers banner welcome hero team office autumn leaves knitwear coffee beans gift set lavender soap "
    "garden furniture clearance cruise ocean roses bouquet laptop deals newsletter header product launch"
).split()


def seed(job_history: JobHistory, count: int) -> None:
    """`count` jobs spread over a year: mostly completed generations, like a team's real history."""
    rng = random.Random(7)
    now = datetime.now(timezone.utc)
    jobs, images = [], []
    for n in range(count):
        job_id = f"{n:024x}"
        status = rng.choices(job_records.JOB_STATUSES, weights=(1, 85, 6, 5, 3))[0]
        created = now - timedelta(seconds=rng.randrange(365 * 86400))
        prompt = " ".join(rng.choice(WORDS) for _ in range(rng.randrange(6, 30)))
        jobs.append(
            dict(
                id=job_id, kind=rng.choices(job_records.JOB_KINDS, weights=(70, 20, 10))[0], status=status,
                prompt=prompt, model="gpt-image-1.5", provider="OpenAI",
                options={"size": "1536x1024", "quality": "medium", "output_format": "png", "partial_images": 3},
                target_width=1200, target_height=600, created_at=created,
                finished_at=created + timedelta(seconds=20), duration_ms=20_000, input_tokens=40,
                output_tokens=1900, total_tokens=1940, cost_usd=0.061, cache_key=f"{n:064x}",
                partial_count=3, cover_url=f"/files/{job_id}/final-card.webp",
            )
        )
        for index in range(3):
            images.append(_image_row(job_id, "partial", index))
        if status == "completed":
            images.append(_image_row(job_id, "final", 0))
    with database.engine(job_history.url).begin() as connection:
        connection.execute(job_records.Job.__table__.insert(), jobs)
        connection.execute(job_records.JobImage.__table__.insert(), images)


def _image_row(job_id: str, kind: str, index: int) -> dict[str, object]:
    name = f"step-{index + 1}" if kind == "partial" else "final"
    return dict(
        job_id=job_id, kind=kind, index=index, url=f"/files/{job_id}/{name}.png",
        preview_url=f"/files/{job_id}/{name}-preview.webp", thumb_url=f"/files/{job_id}/{name}-thumb.webp",
        size_bytes=1_500_000, width=1200, height=600, elapsed_ms=5000 * (index + 1),
    )


def durations_ms(action: Callable[[], object], runs: int) -> list[float]:
    """Milliseconds of `runs` calls, shortest first (after one warm-up call)."""
    action()
    durations = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        durations.append((time.perf_counter() - start) * 1000)
    return sorted(durations)


def timed(action: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median and slowest milliseconds over `runs` calls."""
    durations = durations_ms(action, runs)
    return statistics.median(durations), durations[-1]


def query_plan(job_history: JobHistory, query: GalleryQuery) -> str:
    """The plan of a gallery page's query, on one line: SQLite's EXPLAIN QUERY PLAN, or
    PostgreSQL's EXPLAIN without its cost figures and filter details."""
    engine = database.engine(job_history.url)
    with engine.connect() as connection:
        statement = history.gallery_page(query, query.page, job_history.dialect, connection)
        sql = str(statement.compile(engine, compile_kwargs={"literal_binds": True}))
        if job_history.dialect == "sqlite":
            return "; ".join(row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
        lines = [row[0].strip() for row in connection.exec_driver_sql("EXPLAIN " + sql)]
    return "; ".join(line.split("  (")[0] for line in lines if not line.startswith(("Sort Key", "Filter", "Recheck")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'studio.db'}"
        database.upgrade(url)
        job_history = JobHistory(url)
        start = time.perf_counter()
        seed(job_history, args.jobs)
        print(f"history gallery, {args.jobs:,} jobs (+ image rows) seeded in {time.perf_counter() - start:.1f} s; "
              f"one page = count + {history.PAGE_SIZE} rows; median / slowest of {args.runs} runs")
        deep_page = max(1, args.jobs // history.PAGE_SIZE // 2)
        cases = {
            "first page, all jobs": GalleryQuery(),
            f"page {deep_page}, all jobs": GalleryQuery(page=deep_page),
            "status = failed": GalleryQuery(status="failed"),
            "kind = edit": GalleryQuery(kind="edit"),
            "kind = campaign, status = completed": GalleryQuery(kind="campaign", status="completed"),
            "search 'gold confetti'": GalleryQuery(search="gold confetti"),
            "search 'sneakers' + status = completed": GalleryQuery(search="sneakers", status="completed"),
        }
        for label, query in cases.items():
            median, slowest = timed(lambda: job_history.gallery(query), args.runs)
            print(f"  {label:<40} {median:7.2f} ms   (slowest {slowest:6.2f} ms)")
        some_id = job_history.gallery(GalleryQuery(page=3)).jobs[0].id
        median, slowest = timed(lambda: job_history.detail(some_id), args.runs)
        print(f"  {'open one job (row + its images)':<40} {median:7.2f} ms   (slowest {slowest:6.2f} ms)")
        print("query plans:")
        for label in ("first page, all jobs", "status = failed", "kind = edit", "search 'gold confetti'"):
            print(f"  {label:<40} {query_plan(job_history, cases[label])}")


if __name__ == "__main__":
    main()
