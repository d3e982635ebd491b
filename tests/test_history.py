"""The job history against a real SQLite file: migrations from an empty folder, a job's life as
`store_stream` records it (the offline engine on a loopback port), the cache, delete, the gallery."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import io
import sqlite3
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, AsyncIterator, Iterator

import alembic.autogenerate
import pytest
import sqlalchemy
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from PIL import Image

from email_image_app.domain.messages import Message, message
from email_image_app.domain import database
from email_image_app.domain import history, schema
from email_image_app.domain import job_records, job_search
from email_image_app.domain import cancellation
from email_image_app.domain import stored_results
from email_image_app.domain.history import GalleryQuery, JobHistory, cache_key_of
from email_image_app.domain.history_cards import already_made_label, card_of, how_long_ago, view_of
from email_image_app.domain.job_stream import FinalSaved, JobTarget, StepSaved, store_stream
from email_image_app.domain.job_records import JobInfo
from email_image_app.imagegen.client import OFFLINE_API_KEY, ImageStreamClient
from email_image_app.imagegen.events import AuthenticationError, IncompleteStreamError
from email_image_app.imagegen.options import ImageOptions
from email_image_app.imagegen.server import create_engine_app
from email_image_app.domain.store import ImageStore
from tests.databases import run_sql
from tests.loopback import serve_asgi

OFFLINE = history.OFFLINE_PROVIDER_LABEL


@pytest.fixture(scope="module")
def engine_url() -> Iterator[str]:
    with serve_asgi(create_engine_app(step_delay=0, faults=True)) as url:
        yield url + "/v1"


@pytest.fixture(scope="module")
def slow_engine_url() -> Iterator[str]:
    """Events 0.3 s apart: time to cancel between two of them."""
    with serve_asgi(create_engine_app(step_delay=0.3, faults=True)) as url:
        yield url + "/v1"


@pytest.fixture
def job_history(database_url: str, monkeypatch: pytest.MonkeyPatch) -> JobHistory:
    """A migrated database, SQLite or PostgreSQL (each test runs on both), used by `store_stream`
    as the app's history."""
    database.upgrade(database_url)
    found = JobHistory(database_url)
    monkeypatch.setattr(history, "_default", found)
    return found


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ImageStore:
    images = ImageStore(tmp_path / "images")
    monkeypatch.setattr(stored_results, "image_store", images)  # where the cache looks for files
    return images


def run(coroutine: Any) -> Any:
    """`asyncio.run` in a thread of its own: the session's sync Playwright may hold a running
    event loop in this one."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def job_info(prompt: str = "Summer sale on red sneakers", **options: Any) -> JobInfo:
    # Square JPEG: the quickest the engine draws (PNG encoding dominates otherwise).
    fields: dict[str, Any] = {"size": "1024x1024", "quality": "medium", "output_format": "jpeg", "partial_images": 3}
    fields.update(options)
    return JobInfo(
        kind="generation",
        prompt=prompt,
        model="gpt-image-1.5",
        provider=OFFLINE,
        options={**fields, "target_size": "1200x600", "background_choice": "auto"},
    )


def image_options(info: JobInfo) -> ImageOptions:
    return ImageOptions(
        model=info.model,
        size=str(info.options["size"]),
        quality=str(info.options["quality"]),
        output_format=str(info.options["output_format"]),
        partial_images=int(info.options["partial_images"]),
    )


TARGET = JobTarget(width=1200, height=600, output_format="jpeg", name_stem="summer-sale")


def events_of(base_url: str, info: JobInfo) -> AsyncIterator[Any]:
    client = ImageStreamClient(base_url, OFFLINE_API_KEY, max_retries=0)
    return client.stream_generate(info.prompt, image_options(info))


async def run_job(base_url: str, job_id: str, info: JobInfo, store: ImageStore) -> list[StepSaved | FinalSaved]:
    return [item async for item in store_stream(events_of(base_url, info), job_id, TARGET, store=store, info=info)]


def is_image(data: bytes) -> bool:
    with Image.open(io.BytesIO(data)) as image:
        image.load()
    return True


# ----- migrations ---------------------------------------------------------------------------------


def test_migration_creates_the_database_in_an_empty_folder_and_matches_the_models(tmp_path: Path):
    folder = tmp_path / "fresh" / "data"
    url = f"sqlite:///{folder / 'studio.db'}"
    assert not folder.exists()

    database.upgrade(url)
    database.upgrade(url)  # at every start: a current database is left alone

    with sqlite3.connect(folder / "studio.db") as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        version = connection.execute("SELECT version_num FROM alembic_version").fetchall()
        indexes = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert {"jobs", "images", "alembic_version"} <= tables
    head = ScriptDirectory.from_config(database.alembic_config()).get_current_head()
    assert version == [(head,)]
    assert {
        "ix_jobs_created_at_id", "ix_jobs_status_created_at_id", "ix_jobs_kind_created_at_id",
        "ix_jobs_kind_status_created_at_id", "ix_jobs_cache_key", "ix_jobs_owner_created_at_id",
    } <= indexes
    assert {"jobs_search", "jobs_search_ids"} <= tables  # the prompt search's FTS5 trigram index
    assert differences_from_models(url) == []


def differences_from_models(url: str) -> list[Any]:
    """What the committed migrations built that the models do not describe, or the reverse
    (a forgotten makemigrations); the search index is the migration's own."""
    engine = sqlalchemy.create_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": schema.include_object})
        differences = alembic.autogenerate.compare_metadata(context, schema.metadata())
    engine.dispose()
    return differences


def test_migration_builds_an_empty_postgres_database_and_matches_the_models(fresh_postgres: str):
    database.upgrade(fresh_postgres)
    database.upgrade(fresh_postgres)  # at every start: a current database is left alone
    head = ScriptDirectory.from_config(database.alembic_config()).get_current_head()
    assert run_sql(fresh_postgres, "SELECT version_num FROM alembic_version") == [(head,)]
    tables = {row[0] for row in run_sql(fresh_postgres, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert {"jobs", "images", "accounts", "auth_sessions", "api_tokens", "alembic_version"} <= tables
    indexes = dict(run_sql(fresh_postgres, "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'jobs'"))
    assert "gin_trgm_ops" in indexes["ix_jobs_prompt_trgm"]
    assert {"ix_jobs_created_at_id", "ix_jobs_status_created_at_id", "ix_jobs_owner_created_at_id"} <= set(indexes)
    # Every timestamp keeps its time zone: none shifts on a server that is not set to UTC.
    naive = run_sql(
        fresh_postgres,
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' "
        "AND data_type = 'timestamp without time zone'",
    )
    assert naive == []
    assert differences_from_models(fresh_postgres) == []


def test_two_processes_starting_at_once_migrate_one_after_the_other(database_url: str):
    url = database_url
    errors: list[BaseException] = []

    def start() -> None:
        try:
            database.upgrade(url)
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert JobHistory(url).gallery(GalleryQuery()).total == 0


# ----- a job's life through store_stream ------------------------------------------------------------


def test_a_completed_job_is_recorded_with_its_steps_final_usage_and_cost(engine_url, job_history, store):
    info = job_info()
    items = run(run_job(engine_url, "job-completed", info, store))
    assert [type(item) for item in items] == [StepSaved, StepSaved, StepSaved, FinalSaved]

    detail = job_history.detail("job-completed")
    job = detail.job
    assert (job.status, job.kind, job.prompt, job.model, job.provider) == (
        "completed", "generation", info.prompt, "gpt-image-1.5", OFFLINE,
    )
    assert job.options == info.options and (job.target_width, job.target_height) == (1200, 600)
    final = items[-1]
    assert job.total_tokens == final.usage.total_tokens > 0
    assert (job.input_tokens, job.output_tokens) == (final.usage.input_tokens, final.usage.output_tokens)
    assert job.cost_usd == 0.0  # the offline engine is free
    assert job.duration_ms == final.duration_ms and job.finished_at >= job.created_at
    assert job.cache_key == cache_key_of(info) and job.error is None
    assert [image.index for image in detail.partials] == [0, 1, 2]
    assert [image.url for image in detail.partials] == [item.url for item in items[:3]]
    assert [image.thumb_url for image in detail.partials] == [item.thumb_url for item in items[:3]]
    assert detail.final.url == final.url and (detail.final.width, detail.final.height) == (1200, 600)
    assert detail.final.size_bytes == final.size_bytes
    # The gallery card shows a light rendition of the final image, not the original.
    assert job.cover_url == detail.final.preview_url and job.cover_url.endswith("final-card.webp")
    assert job.partial_count == 3
    for image in [*detail.partials, detail.final]:
        for url in (image.url, image.thumb_url, image.preview_url):
            assert is_image(store.read(url))
    with Image.open(io.BytesIO(store.read(job.cover_url))) as cover:
        assert max(cover.size) == 480


def test_the_row_exists_while_running_and_each_partial_is_recorded_as_it_lands(engine_url, job_history, store):
    """What a crash keeps: everything recorded before the next event arrives."""
    seen: list[tuple[str, int, int]] = []

    async def follow() -> None:
        info = job_info()
        async for item in store_stream(events_of(engine_url, info), "job-live", TARGET, store=store, info=info):
            if isinstance(item, StepSaved):
                detail = job_history.detail("job-live")
                seen.append((detail.job.status, len(detail.partials), detail.job.partial_count))

    run(follow())
    assert seen == [("running", 1, 1), ("running", 2, 2), ("running", 3, 3)]


def test_a_cut_stream_is_failed_with_its_message_and_keeps_the_partials(engine_url, job_history, store):
    info = job_info("Spring flowers banner [[engine:cut]]")
    with pytest.raises(IncompleteStreamError):
        run(run_job(engine_url, "job-cut", info, store))
    detail = job_history.detail("job-cut")
    assert detail.job.status == "failed"
    assert "cut before the final image" in detail.job.error_message.render("en") and "2 step(s) received are kept" in detail.job.error_message.render("en")
    assert [image.index for image in detail.partials] == [0, 1] and detail.final is None
    assert detail.job.cover_url == detail.partials[-1].preview_url  # the card shows the last step
    assert detail.job.finished_at is not None and detail.job.total_tokens is None


def test_a_refused_request_is_failed_without_images(engine_url, job_history, store):
    info = job_info("Spring flowers banner [[engine:401]]")
    with pytest.raises(AuthenticationError):
        run(run_job(engine_url, "job-401", info, store))
    detail = job_history.detail("job-401")
    assert detail.job.status == "failed" and "API key was rejected" in detail.job.error_message.render("en")
    assert detail.partials == [] and detail.job.cover_url is None


def test_cancel_through_runs_marks_the_job_cancelled_and_keeps_what_came(slow_engine_url, job_history, store):
    info = job_info("Autumn collection, golden leaves")

    async def cancel_after_first_step() -> None:
        stream = store_stream(events_of(slow_engine_url, info), "job-cancel", TARGET, store=store, info=info)
        with pytest.raises(cancellation.RunCancelled):
            async for item in cancellation.consume("test:job-cancel", stream, heartbeat=5):
                if isinstance(item, StepSaved):
                    cancellation.cancel("test:job-cancel")

    run(cancel_after_first_step())
    detail = job_history.detail("job-cancel")
    assert detail.job.status == "cancelled" and detail.job.error is None
    assert [image.index for image in detail.partials] == [0]
    assert detail.job.duration_ms is not None and detail.final is None


def test_a_run_cut_short_by_the_server_stopping_is_interrupted_not_cancelled(slow_engine_url, job_history, store):
    info = job_info("Beach towels, turquoise stripes")

    async def server_stops_after_first_step() -> None:
        stream = store_stream(events_of(slow_engine_url, info), "job-shutdown", TARGET, store=store, info=info)
        consumer = asyncio.current_task()
        with pytest.raises(asyncio.CancelledError):
            async for item in cancellation.consume("test:job-shutdown", stream, heartbeat=5):
                if isinstance(item, StepSaved):
                    consumer.cancel()  # what stopping the server does to a page's task: no user message

    run(server_stops_after_first_step())
    detail = job_history.detail("job-shutdown")
    assert detail.job.status == "interrupted"
    assert [image.index for image in detail.partials] == [0]


def test_a_consumer_that_stops_listening_cancels_the_job(slow_engine_url, job_history, store):
    info = job_info("Winter boots, snowy street")

    async def stop_after_first_step() -> None:
        stream = store_stream(events_of(slow_engine_url, info), "job-closed", TARGET, store=store, info=info)
        async with contextlib.aclosing(stream):
            async for _ in stream:
                break

    run(stop_after_first_step())
    assert job_history.detail("job-closed").job.status == "cancelled"


def test_without_job_info_nothing_is_recorded(engine_url, job_history, store):
    info = job_info("Unrecorded draft")
    items = run(
        _collect(store_stream(events_of(engine_url, info), "job-unrecorded", TARGET, store=store))
    )
    assert isinstance(items[-1], FinalSaved)
    assert job_history.detail("job-unrecorded") is None
    assert "final-card.webp" not in store.names("job-unrecorded")


async def _collect(stream: AsyncIterator[Any]) -> list[Any]:
    return [item async for item in stream]


def test_a_broken_database_never_stops_the_image(engine_url, tmp_path, monkeypatch, store):
    (tmp_path / "not-a-db").mkdir()
    monkeypatch.setattr(history, "_default", JobHistory(f"sqlite:///{tmp_path / 'not-a-db'}"))  # a folder
    items = run(run_job(engine_url, "job-no-db", job_info("Broken database"), store))
    assert isinstance(items[-1], FinalSaved) and store.exists(items[-1].url)


def test_a_retried_job_id_starts_over(engine_url, job_history, store):
    """A campaign tile retried after a 429 streams again under the same job id."""
    info = job_info("Retried tile [[engine:cut]]")
    with pytest.raises(IncompleteStreamError):
        run(run_job(engine_url, "job-retried", info, store))
    run(run_job(engine_url, "job-retried", job_info("Retried tile"), store))
    detail = job_history.detail("job-retried")
    assert detail.job.status == "completed" and detail.job.error is None
    assert [image.index for image in detail.partials] == [0, 1, 2] and detail.final is not None


# ----- cache, delete -------------------------------------------------------------------


def test_the_cache_finds_only_a_completed_identical_request(engine_url, job_history, store):
    info = job_info("Cache me once")
    assert stored_results.stored_result(info) is None
    run(run_job(engine_url, "job-first", info, store))

    found = stored_results.stored_result(info)
    assert found is not None and found.job.id == "job-first" and found.final is not None
    assert stored_results.stored_result(job_info("Cache me once", quality="high")) is None
    assert stored_results.stored_result(job_info("Cache me once!")) is None
    other_provider = JobInfo(info.kind, info.prompt, info.model, "OpenAI", info.options)
    assert stored_results.stored_result(other_provider) is None
    as_edit = JobInfo("edit", info.prompt, info.model, info.provider, info.options)
    assert stored_results.stored_result(as_edit) is None

    # A newer identical job is the one offered; a failed or running identical one never is.
    run(run_job(engine_url, "job-second", info, store))
    job_history.start("job-failed", info, 1200, 600)
    job_history.finish("job-failed", "failed", error=message("verbatim", text="boom"))
    job_history.start("job-running", info, 1200, 600)
    assert stored_results.stored_result(info).job.id == "job-second"
    # Its files removed by hand: the older one, still on disk, is offered instead.
    store.delete_job("job-second")
    assert stored_results.stored_result(info).job.id == "job-first"


def test_cache_key_ignores_option_order_but_not_values():
    first = history.cache_key("generation", "p", {"a": 1, "b": "x"}, OFFLINE)
    assert first == history.cache_key("generation", "p", {"b": "x", "a": 1}, OFFLINE)
    assert first != history.cache_key("generation", "p", {"a": 2, "b": "x"}, OFFLINE)
    assert len(first) == 64


def test_delete_removes_rows_and_files(engine_url, job_history, store):
    run(run_job(engine_url, "job-delete", job_info("Delete me"), store))
    run(run_job(engine_url, "job-keep", job_info("Keep me"), store))
    assert len(store.names("job-delete")) >= 8

    assert job_history.delete("job-delete", store) is True
    assert store.names("job-delete") == []
    assert job_history.detail("job-delete") is None
    assert run_sql(job_history.url, "SELECT count(*) FROM images WHERE job_id = 'job-delete'") == [(0,)]
    assert job_history.gallery(GalleryQuery(search="Delete me")).total == 0  # gone from the search index too
    assert job_history.delete("job-delete", store) is False
    assert store.names("job-keep") and job_history.detail("job-keep") is not None


def test_a_running_job_cannot_be_deleted(job_history, store):
    job_history.start("job-running", job_info("Still going"), 1200, 600)
    assert job_history.delete("job-running", store) is False
    assert job_history.detail("job-running") is not None


# ----- the gallery ------------------------------------------------------------------------------


def seed(job_history: JobHistory, count: int) -> None:
    """`count` jobs one minute apart (job-0 oldest), alternating kinds and statuses."""
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    engine = database.engine(job_history.url)
    with engine.begin() as connection:
        connection.execute(
            job_records.Job.__table__.insert(),
            [
                dict(
                    id=f"job-{n}", kind=("generation", "edit", "campaign")[n % 3],
                    status=("completed", "failed")[n % 2], prompt=f"Prompt {n} {'sneakers' if n % 5 == 0 else 'scarf'}",
                    model="gpt-image-1.5", provider=OFFLINE, options={}, target_width=1200, target_height=600,
                    created_at=start + timedelta(minutes=n), cache_key=f"key-{n}", partial_count=0,
                )
                for n in range(count)
            ],
        )


def test_gallery_pages_newest_first_with_filters_and_search(job_history):
    seed(job_history, 60)
    first = job_history.gallery(GalleryQuery(page_size=24))
    assert (first.total, first.pages, first.page) == (60, 3, 1)
    assert [job.id for job in first.jobs[:3]] == ["job-59", "job-58", "job-57"]
    last = job_history.gallery(GalleryQuery(page=3, page_size=24))
    assert [job.id for job in last.jobs] == [f"job-{n}" for n in range(11, -1, -1)]
    assert job_history.gallery(GalleryQuery(page=99)).page == 3  # past the end: the last page

    failed_edits = job_history.gallery(GalleryQuery(kind="edit", status="failed"))
    assert failed_edits.total == 10 and all(job.kind == "edit" and job.status == "failed" for job in failed_edits.jobs)
    sneakers = job_history.gallery(GalleryQuery(search="SNEAKERS prompt"))
    assert sneakers.total == 12 and all("sneakers" in job.prompt for job in sneakers.jobs)
    assert job_history.gallery(GalleryQuery(search="nothing-like-this")).total == 0


def test_search_takes_percent_and_underscore_literally(job_history):
    for job_id, prompt in (("pct", "50% off shoes"), ("plain", "500 off shoes"), ("under", "snake_case sale")):
        job_history.start(job_id, job_info(prompt), 400, 400)
    assert [job.id for job in job_history.gallery(GalleryQuery(search="50%")).jobs] == ["pct"]
    assert [job.id for job in job_history.gallery(GalleryQuery(search="e_c")).jobs] == ["under"]


# ----- what the pages show ------------------------------------------------------------------------


def test_when_labels_in_both_languages():
    now = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)

    def when_labels(moment: datetime) -> tuple[str, str]:
        said = how_long_ago(moment, now)  # a message, worded by the page in its language
        return said.render("en"), said.render("fr")

    assert when_labels(now - timedelta(seconds=20)) == ("just now", "à l'instant")
    assert when_labels(now - timedelta(minutes=5)) == ("5 min ago", "il y a 5 min")
    assert when_labels(now - timedelta(hours=3)) == ("3 h ago", "il y a 3 h")
    assert when_labels(now - timedelta(days=1, hours=2)) == ("yesterday", "hier")
    assert when_labels(now - timedelta(days=10)) == ("2026-11-16", "2026-11-16")
    assert already_made_label(now - timedelta(minutes=5), now).render("en") == "Already made 5 min ago."
    assert already_made_label(now - timedelta(days=10), now).render("fr") == "Déjà créée le 2026-11-16."


def test_already_made_is_a_message_worded_in_either_language():
    now = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)
    cases = [
        (timedelta(seconds=20), "Already made just now.", "Déjà créée à l'instant."),
        (timedelta(hours=3), "Already made 3 h ago.", "Déjà créée il y a 3 h."),
        (timedelta(days=1, hours=2), "Already made yesterday.", "Déjà créée hier."),
        (timedelta(days=3), "Already made 3 days ago.", "Déjà créée il y a 3 jours."),
        (timedelta(days=10), "Already made on 2026-11-16.", "Déjà créée le 2026-11-16."),
    ]
    for ago, english, french in cases:
        label = Message.from_dict(already_made_label(now - ago, now).to_dict())  # kept in state as data
        assert (label.render("en"), label.render("fr")) == (english, french)


def test_a_card_and_a_view_of_a_finished_job(engine_url, job_history, store):
    run(run_job(engine_url, "job-view", job_info("A very long prompt " * 20), store))
    detail = job_history.detail("job-view")
    card = card_of(detail.job)
    assert card.status == "completed" and card.size == "1200×600" and card.free and card.cost == ""
    assert card.prompt_preview.endswith("…") and len(card.prompt_preview) <= 140
    assert card.tokens and card.duration.endswith(" s") and card.output_format == "JPEG"
    view = view_of(detail)
    assert [tile.label.split(" · ")[0] for tile in view.tiles] == ["Step 1", "Step 2", "Step 3", "Final"]
    assert view.tiles[0].view_url.endswith("step-1-preview.jpg") and view.tiles[0].url.endswith("step-1.jpg")
    assert view.tiles[-1].filename == "summer-sale-1200x600.jpg" == view.final_filename


def test_form_settings_come_back_as_the_form_had_them(job_history):
    info = JobInfo(
        kind="generation",
        prompt="Gift cards" + stored_results.WHITE_BACKGROUND_PROMPT_SUFFIX,
        model="gpt-image-1.5",
        provider=OFFLINE,
        options={"size": "1024x1024", "quality": "low", "background": "opaque", "output_format": "webp",
                 "output_compression": 70, "partial_images": 1, "target_size": "400x400", "background_choice": "white"},
    )
    job_history.start("job-form", info, 400, 400)
    settings = stored_results.form_settings_of(job_history.detail("job-form").job)
    assert settings == stored_results.FormSettings(
        prompt="Gift cards", model="gpt-image-1.5", size="400x400", quality="low", background="white",
        output_format="webp", compression=70, partial_images=1,
    )


def test_the_count_stops_past_the_page_shown_and_grows_as_one_pages_on(job_history, monkeypatch):
    seed(job_history, 60)
    monkeypatch.setattr(history, "COUNT_AHEAD", 10)
    first = job_history.gallery(GalleryQuery(page_size=24))
    assert (first.total, first.more, first.pages) == (34, True, 2)
    second = job_history.gallery(GalleryQuery(page=2, page_size=24))
    assert (second.total, second.more, second.pages, second.page) == (58, True, 3, 2)
    last = job_history.gallery(GalleryQuery(page=3, page_size=24))
    assert (last.total, last.more, last.pages) == (60, False, 3)
    assert [job.id for job in last.jobs] == [f"job-{n}" for n in range(11, -1, -1)]


PROMPTS = {
    "fr": "Soldes d'été ☀️ à Paris, SNEAKERS rouges", "up": "ÉTÉ EN VILLE", "zh": "红色运动鞋 夏季 sale",
    "pct": "50% off shoes", "under": "snake_case sale", "quote": 'The "best" summer sale',
    "mixed": "Gold CONFETTI on navy", "plain": "gold confetti, gold ribbons",
}


@pytest.mark.parametrize("search", ["été", "ÉTÉ", "☀️", "红色运动鞋", "夏季 sale", "50%", "e_c", "SALE", '"best"',
                                    "gold confetti", "Confetti navy", "zz", "nothing"])
def test_the_search_index_finds_what_reading_every_prompt_finds(job_history, monkeypatch, search):
    """Through the trigram index or by reading the prompts (SQLite asks the index how common a
    word is first; PostgreSQL's planner decides), the same jobs."""
    for job_id, prompt in PROMPTS.items():
        job_history.start(job_id, job_info(prompt), 400, 400)
    expected = {job_id for job_id, prompt in PROMPTS.items() if all(
        any(form in prompt for form in (word, word.lower(), word.upper(), word.capitalize())) or word.lower() in prompt.lower()
        for word in search.split()
    )}

    def found() -> set[str]:
        return {job.id for job in job_history.gallery(GalleryQuery(search=search)).jobs}

    monkeypatch.setattr(job_search, "RARE_MATCHES", 10**9)  # every word looked up in the index
    through_index = found()
    monkeypatch.setattr(job_search, "RARE_MATCHES", 1)  # every word read from the prompts
    assert through_index == found() == expected
