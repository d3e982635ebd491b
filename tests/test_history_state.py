"""The history page's state without a browser: what it keeps is data the page words in its
language (a card's "when", a failed job's reason), "Use these settings" hands the job to the
generator by URL only, and the toasts it sends are in the marketer's language."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest

from email_image_app.domain import database, history
from email_image_app.domain import job_records
from email_image_app.domain.history import JobHistory
from email_image_app.domain.job_records import JobInfo
from email_image_app.domain.messages import Message, message
from email_image_app.domain.store import ImageStore
from email_image_app.pages.history.state import HistoryState
from email_image_app.pages.history.view import history_page
from email_image_app.state.language import LanguageState
from tests.signed_in import Person, make_person, session_root, substate, use_database
from tests.test_history import job_history  # noqa: F401  (the fixture: a migrated history, SQLite then PostgreSQL, used by the page)


@pytest.fixture
def admin(job_history: JobHistory, monkeypatch: pytest.MonkeyPatch) -> Person:
    """The person signed in to the page: the history's handlers refuse anyone else."""
    use_database(monkeypatch, job_history.url)
    return make_person(job_history.url, "admin@example.com", role="admin")


def page_states(person: Person, lang: str = "en") -> tuple[HistoryState, LanguageState]:
    """The history's state and the language's, under one root as in a session signed in as `person`."""
    root = session_root(person)
    language = substate(root, LanguageState)
    language.lang = lang
    return substate(root, HistoryState), language


def a_failed_job(job_history: JobHistory, owner: Person, job_id: str = "job-failed") -> str:
    info = JobInfo("generation", "Winter boots sale", "gpt-image-1.5", history.OFFLINE_PROVIDER_LABEL, {},
                   owner_id=owner.who.account_id)
    job_history.start(job_id, info, 1200, 600)
    job_history.finish(job_id, "failed", error=message("error_incomplete"), duration_ms=900)
    return job_id


def worded(data: dict, lang: str) -> str:
    """A message kept in state as data, as the page words it in `lang`."""
    return Message.from_dict(data).render(lang)


def test_the_when_label_and_a_failed_jobs_reason_are_worded_in_the_language_shown(job_history, admin):
    """The state keeps messages, not sentences, and the page shows them through `say` (worded in the
    browser, `window.studioSay`): switching the language re-words them with no new load."""
    job_id = a_failed_job(job_history, admin)
    state, _ = page_states(admin, "en")
    asyncio.run(state.load())
    asyncio.run(state.open_job(job_id))

    card = state.cards[0]
    assert (worded(card.when, "en"), worded(card.when, "fr")) == ("just now", "à l'instant")
    reason = state.opened.error
    assert state.opened.has_error and state.opened.when == card.when
    assert worded(reason, "en") == "The stream was cut before the final image. Try again."
    assert worded(reason, "fr") == "Le flux s'est interrompu avant l'image finale. Réessayez."
    # The page words both in the browser from the language chosen, not from a sentence in state.
    rendered = str(history_page().render())
    assert rendered.count("studioSay") >= 3  # the card's when, the opened job's when and its reason


def test_the_when_label_counts_in_each_language(job_history, admin):
    info = JobInfo("generation", "Old promo", "gpt-image-1.5", history.OFFLINE_PROVIDER_LABEL, {},
                   owner_id=admin.who.account_id)
    job_history.start("job-old", info, 400, 400)
    engine = database.engine(job_history.url)
    with engine.begin() as connection:
        three_days_ago = datetime.now(timezone.utc) - timedelta(days=3, minutes=1)
        connection.execute(job_records.Job.__table__.update().values(created_at=three_days_ago))
    state, _ = page_states(admin)
    asyncio.run(state.load())
    when = state.cards[0].when
    assert when == {"key": "when_days", "params": {"count": 3}}
    assert (worded(when, "en"), worded(when, "fr")) == ("3 days ago", "il y a 3 jours")


def test_use_these_settings_sends_the_job_to_the_generator_by_url(job_history, admin):
    job_id = a_failed_job(job_history, admin)
    state, _ = page_states(admin)
    asyncio.run(state.open_job(job_id))
    assert state.dialog_open
    redirect = asyncio.run(state.use_settings())
    assert not state.dialog_open
    assert f"'/?settings_from={job_id}'" in str(redirect)


def test_use_these_settings_of_a_deleted_job_says_so_in_the_page_language(job_history, admin, tmp_path):
    job_id = a_failed_job(job_history, admin)
    state, _ = page_states(admin, "fr")
    asyncio.run(state.open_job(job_id))
    assert job_history.delete(job_id, ImageStore(tmp_path / "images"))
    toast = asyncio.run(state.use_settings())
    assert not state.dialog_open
    assert "Cette tâche n'est plus dans l'historique." in str(toast)
    assert "settings_from" not in str(toast)


def test_the_history_page_imports_no_other_page():
    """No page imports another page's state: the history reaches the generator through a URL."""
    code = (
        "import sys, email_image_app.pages.history; "
        "print(sorted(m for m in sys.modules if m.startswith(('email_image_app.pages.', 'email_image_app.state.'))))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "email_image_app.pages.history" in loaded
    assert "pages.generate" not in loaded and "pages.edit" not in loaded and "pages.campaign" not in loaded
    assert "state.stored_offer" not in loaded


def test_the_count_line_is_a_message(job_history, admin):
    state, _ = page_states(admin)
    asyncio.run(state.load())
    assert (worded(state.count_line, "en"), worded(state.count_line, "fr")) == (
        "0 jobs · Page 1 of 1", "0 tâches · Page 1 sur 1"
    )
    a_failed_job(job_history, admin)
    asyncio.run(state.load())
    assert (worded(state.count_line, "en"), worded(state.count_line, "fr")) == (
        "1 job · Page 1 of 1", "1 tâche · Page 1 sur 1"
    )
