"""Time the history's prompt search and gallery pages with 1,000,000 jobs, on SQLite and PostgreSQL.

Run: .venv/bin/python bench/bench_search.py [--jobs N] [--runs N] [--only sqlite|postgres]
Each database is made empty and migrated as the app does (so the search index is the migration's),
then filled by bulk insert (not the API): SQLite through the migration's triggers, PostgreSQL by
COPY with the trigram index built afterwards (and ANALYZE, as autovacuum would). Prompts mix ~40
common email words (each in about a third of the prompts) with invented rarer ones. Then, per
case, median / p95 ms of `JobHistory.gallery(query)` — what `/history` asks: a count (up to 1,000
past the page) and a page of 24 — and the plan of its page query. PostgreSQL runs from Debian's package in a throwaway folder
(`cluster.services.start_postgres(..., durable=False)`).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterator

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cluster.services import start_postgres  # noqa: E402
from email_image_app.domain import database, history  # noqa: E402
from email_image_app.domain.history import GalleryQuery, JobHistory  # noqa: E402
from email_image_app.domain.job_records import JOB_KINDS, JOB_STATUSES, Job  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_history import WORDS, durations_ms, query_plan  # noqa: E402

COMMON = WORDS  # about 40 words of email briefs, each in about a third of the prompts
SYLLABLES = [c + v for c in "bcdfghjklmnprstvz" for v in "aeiou"]
COLUMNS = (
    "id", "kind", "status", "prompt", "model", "provider", "options", "target_width", "target_height",
    "created_at", "finished_at", "duration_ms", "cache_key", "partial_count", "cover_url", "owner_id",
)
BATCH = 20_000


def rare_words(rng: random.Random, count: int) -> list[str]:
    words = {"".join(rng.choice(SYLLABLES) for _ in range(rng.randrange(3, 5))) for _ in range(count)}
    return sorted(words)


def job_rows(count: int, rare: list[str]) -> Iterator[list[dict[str, object]]]:
    """Batches of job rows over the past two years: mostly completed generations, 20 owners."""
    rng = random.Random(12)
    now = datetime.now(timezone.utc)
    batch: list[dict[str, object]] = []
    for n in range(count):
        created = now - timedelta(seconds=rng.randrange(730 * 86400))
        words = [rng.choice(COMMON) for _ in range(rng.randrange(6, 20))] + rng.sample(rare, rng.randrange(1, 4))
        rng.shuffle(words)
        batch.append(dict(
            id=f"{n:032x}", kind=rng.choices(JOB_KINDS, weights=(70, 20, 10))[0],
            status=rng.choices(JOB_STATUSES, weights=(1, 85, 6, 5, 3))[0], prompt=" ".join(words).capitalize(),
            model="gpt-image-1.5", provider="OpenAI", options={"size": "1536x1024", "quality": "medium"},
            target_width=1200, target_height=600, created_at=created, finished_at=created + timedelta(seconds=20),
            duration_ms=20_000, cache_key=f"{n:064x}", partial_count=3, cover_url=f"/files/{n:032x}/final-card.webp",
            owner_id=rng.randrange(1, 21),
        ))
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def fill_sqlite(url: str, rows: Iterator[list[dict[str, object]]]) -> None:
    with database.engine(url).begin() as connection:
        for batch in rows:
            connection.execute(Job.__table__.insert(), batch)
    with database.engine(url).begin() as connection:
        connection.exec_driver_sql("ANALYZE")


def fill_postgres(url: str, rows: Iterator[list[dict[str, object]]]) -> float:
    """COPY without the trigram index, then build it (as one would load a big table). Returns the
    seconds the index took to build."""
    raw = database.engine(url).raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("DROP INDEX ix_jobs_prompt_trgm")
        with cursor.copy(f"COPY jobs ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for batch in rows:
                for row in batch:
                    copy.write_row([json.dumps(row[c]) if c == "options" else row[c] for c in COLUMNS])
        raw.commit()
        start = time.perf_counter()
        cursor.execute("SET maintenance_work_mem = '512MB'")
        cursor.execute("CREATE INDEX ix_jobs_prompt_trgm ON jobs USING gin (prompt gin_trgm_ops)")
        raw.commit()
        built = time.perf_counter() - start
        raw.driver_connection.autocommit = True  # VACUUM runs outside a transaction
        cursor.execute("VACUUM ANALYZE jobs")
        return built
    finally:
        raw.close()


def timed(action: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median and p95 milliseconds over `runs` calls."""
    durations = durations_ms(action, runs)
    return statistics.median(durations), durations[min(len(durations) - 1, round(0.95 * (len(durations) - 1)))]


def cases(rare: list[str]) -> dict[str, GalleryQuery]:
    return {
        "first page, all jobs": GalleryQuery(),
        "first page, Mine (one owner)": GalleryQuery(owner_id=7),
        "first page, status = failed": GalleryQuery(status="failed"),
        "first page, kind = edit, Mine": GalleryQuery(kind="edit", owner_id=7),
        f"search rare word '{rare[100]}'": GalleryQuery(search=rare[100]),
        "search common word 'confetti'": GalleryQuery(search="confetti"),
        f"search two words 'gold {rare[200]}'": GalleryQuery(search=f"gold {rare[200]}"),
        "search two common 'gold confetti'": GalleryQuery(search="gold confetti"),
        "search no match 'zyzzyva'": GalleryQuery(search="zyzzyva"),
        "search 'sale' + Mine": GalleryQuery(search="sale", owner_id=7),
        "search short word 'ox' (scan)": GalleryQuery(search="ox"),
    }


def measure(label: str, url: str, fill: Callable[[str, Iterator[list[dict[str, object]]]], object], args) -> None:
    start = time.perf_counter()
    database.upgrade(url)
    print(f"\n{label}: empty database migrated in {time.perf_counter() - start:.2f} s")
    rare = rare_words(random.Random(3), 60_000)
    start = time.perf_counter()
    extra = fill(url, job_rows(args.jobs, rare))
    note = f" (trigram index built in {extra:.1f} s of it)" if isinstance(extra, float) else ""
    print(f"{label}: {args.jobs:,} jobs inserted in bulk in {time.perf_counter() - start:.1f} s{note}")
    job_history = JobHistory(url)
    print(f"{label}: one gallery page = count + {history.PAGE_SIZE} rows; median / p95 of {args.runs} runs")
    for name, query in cases(rare).items():
        found = job_history.gallery(query)
        median, p95 = timed(lambda query=query: job_history.gallery(query), args.runs)
        count = f"{'more than ' if found.more else ''}{found.total:,} jobs"
        print(f"  {name:<42} {median:8.2f} ms  p95 {p95:8.2f} ms   ({count})")
    if args.plans:
        print(f"{label}: page query plans")
        for name, query in cases(rare).items():
            print(f"  {name:<42} {query_plan(job_history, query)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--only", choices=("sqlite", "postgres"))
    parser.add_argument("--no-plans", dest="plans", action="store_false")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-search-") as folder:
        if args.only in (None, "sqlite"):
            measure("SQLite", f"sqlite:///{Path(folder) / 'studio.db'}", fill_sqlite, args)
        if args.only in (None, "postgres"):
            # Its own folder under /tmp: the postgres user must reach it (a TemporaryDirectory is
            # private to us).
            pg_folder = Path(tempfile.mkdtemp(prefix="bench-search-pg-"))
            postgres = start_postgres(pg_folder, durable=False)
            try:
                measure("PostgreSQL", postgres.url, fill_postgres, args)
            finally:
                database._engines.pop(postgres.url).dispose()
                postgres.stop()
                shutil.rmtree(pg_folder, ignore_errors=True)


if __name__ == "__main__":
    main()
