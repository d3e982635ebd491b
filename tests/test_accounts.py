"""Accounts, sessions, API tokens and budgets on a real database, migrated as the app does: each
test on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy
from sqlalchemy import text

from email_image_app.domain import database, spending
from email_image_app.domain.accounts import AccountError, Accounts
from email_image_app.domain.history import JobHistory, SavedImage
from email_image_app.domain.job_records import JobInfo
from email_image_app.imagegen.events import ImageUsage


@pytest.fixture
def db_url(database_url: str) -> str:
    database.upgrade(database_url)
    return database_url


@pytest.fixture
def accounts(db_url: str) -> Accounts:
    return Accounts(db_url)


def test_the_password_is_stored_as_an_argon2_hash_never_as_given(accounts, db_url):
    accounts.create("Ana@Example.com", "correct horse battery", role="admin")
    with database.engine(db_url).connect() as connection:
        email, stored = connection.execute(text("SELECT email, password_hash FROM accounts")).one()
    assert email == "ana@example.com"
    assert stored.startswith("$argon2id$") and "correct horse battery" not in stored


def test_a_wrong_password_and_an_unknown_email_get_the_same_refusal(accounts):
    accounts.create("ana@example.com", "correct horse battery")
    with pytest.raises(AccountError) as wrong:
        accounts.authenticate("ana@example.com", "wrong password!")
    with pytest.raises(AccountError) as unknown:
        accounts.authenticate("nobody@example.com", "correct horse battery")
    assert wrong.value.key == unknown.value.key == "signin_refused"
    assert accounts.authenticate("ANA@example.com ", "correct horse battery").email == "ana@example.com"


def test_five_wrong_passwords_in_a_minute_slow_the_next_attempt(accounts):
    accounts.create("ana@example.com", "correct horse battery")
    for _ in range(4):
        with pytest.raises(AccountError):
            accounts.authenticate("ana@example.com", "guess")
    assert accounts.seconds_to_wait("ana@example.com") == 0
    with pytest.raises(AccountError):
        accounts.authenticate("ana@example.com", "guess")
    assert accounts.seconds_to_wait("ana@example.com") > 0
    assert accounts.seconds_to_wait("someone-else@example.com") == 0


def test_only_the_first_account_may_make_itself_admin(accounts):
    assert accounts.is_empty()
    first = accounts.create_first_admin("boss@example.com", "correct horse battery")
    assert first.role == "admin"
    with pytest.raises(AccountError, match="account_first_exists"):
        accounts.create_first_admin("intruder@example.com", "correct horse battery")


def test_the_last_active_admin_cannot_be_disabled_or_demoted(accounts):
    accounts.create("boss@example.com", "correct horse battery", role="admin")
    with pytest.raises(AccountError, match="account_last_admin"):
        accounts.set_disabled("boss@example.com")
    with pytest.raises(AccountError, match="account_last_admin"):
        accounts.set_role("boss@example.com", "member")
    accounts.create("second@example.com", "correct horse battery", role="admin")
    assert accounts.set_role("boss@example.com", "member").role == "member"


def test_a_session_expires_and_a_disabled_account_loses_its_sessions_and_tokens(accounts):
    accounts.create("boss@example.com", "correct horse battery", role="admin")
    member = accounts.create("ana@example.com", "correct horse battery")
    token = accounts.open_session(member.id)
    api_token = accounts.create_api_token("ana@example.com")
    assert accounts.signed_in(token).email == "ana@example.com"
    assert accounts.for_api_token(api_token).email == "ana@example.com"
    assert accounts.signed_in(accounts.open_session(member.id, lifetime=timedelta(seconds=-1))) is None

    accounts.set_disabled("ana@example.com")
    assert accounts.signed_in(token) is None
    assert accounts.for_api_token(api_token) is None
    with pytest.raises(AccountError):
        accounts.authenticate("ana@example.com", "correct horse battery")


def test_signing_out_ends_the_session(accounts):
    member = accounts.create("ana@example.com", "correct horse battery")
    token = accounts.open_session(member.id)
    accounts.close_session(token)
    assert accounts.signed_in(token) is None


def test_api_tokens_are_stored_as_digests_and_unknown_tokens_are_refused(accounts, db_url):
    accounts.create("ana@example.com", "correct horse battery")
    token = accounts.create_api_token("ana@example.com", "scheduler")
    with database.engine(db_url).connect() as connection:
        digests = [row[0] for row in connection.execute(text("SELECT token_digest FROM api_tokens"))]
    assert token not in digests and len(digests) == 1
    assert accounts.for_api_token(token + "x") is None
    assert accounts.for_api_token("sk-not-ours") is None


def completed_job(db_url: str, job_id: str, owner_id: int, output_tokens: int, when: datetime | None = None) -> None:
    history = JobHistory(db_url)
    info = JobInfo("generation", "a prompt", "gpt-image-1.5", "OpenAI", {"size": "1024x1024"}, owner_id=owner_id)
    history.start(job_id, info, 1024, 1024)
    final = SavedImage("final", 0, f"/files/{job_id}/f.png", None, f"/files/{job_id}/t.webp", 10, 1024, 1024, 1000)
    usage = ImageUsage(input_tokens=50, output_tokens=output_tokens, total_tokens=50 + output_tokens)
    history.complete(job_id, final, usage=usage, duration_ms=1000)
    if when is not None:
        with database.engine(db_url).begin() as connection:
            connection.execute(text("UPDATE jobs SET created_at = :when WHERE id = :id"), {"when": when, "id": job_id})


def test_spending_counts_this_months_completed_jobs_of_that_person_only(accounts, db_url):
    ana = accounts.create("ana@example.com", "correct horse battery", monthly_budget_usd=1.0)
    bob = accounts.create("bob@example.com", "correct horse battery")
    completed_job(db_url, "ana-1", ana.id, 4000)
    completed_job(db_url, "bob-1", bob.id, 4000)
    completed_job(db_url, "ana-old", ana.id, 4000, when=datetime.now(timezone.utc) - timedelta(days=40))

    spent = spending.spent_this_month(ana.id, db_url)
    assert spent > 0
    assert spending.month_usage(db_url)[ana.id].images == 1
    assert spending.budget_left(accounts.get(ana.id), db_url) == pytest.approx(1.0 - spent)
    assert spending.budget_left(accounts.get(bob.id), db_url) is None  # no limit


def test_the_budget_check_refuses_an_estimate_over_what_is_left_naming_both(accounts, db_url):
    ana = accounts.create("ana@example.com", "correct horse battery", monthly_budget_usd=0.0)
    with pytest.raises(AccountError) as refused:
        spending.check_budget(ana, 0.04, db_url)
    assert refused.value.key == "budget_exceeded"
    assert refused.value.params["budget"] == "$0.00" and refused.value.params["left"] == "$0.00"
    spending.check_budget(ana, 0.0, db_url)  # free (offline engine) work is never refused


def test_the_default_budget_comes_from_the_environment(accounts, monkeypatch):
    monkeypatch.setenv("EMAIL_IMAGE_DEFAULT_BUDGET", "25")
    assert accounts.create("ana@example.com", "correct horse battery").monthly_budget_usd == 25.0
    monkeypatch.setenv("EMAIL_IMAGE_DEFAULT_BUDGET", "")
    assert accounts.create("bob@example.com", "correct horse battery").monthly_budget_usd is None


def test_sessions_keep_their_times_on_a_postgres_server_not_set_to_utc(fresh_postgres: str):
    """The server's time zone must not shift a stored moment (the columns keep their zone)."""
    name = sqlalchemy.engine.make_url(fresh_postgres).database
    setup = sqlalchemy.create_engine(fresh_postgres, poolclass=sqlalchemy.pool.NullPool)
    with setup.begin() as connection:
        connection.exec_driver_sql(f"ALTER DATABASE \"{name}\" SET timezone TO 'America/New_York'")
    setup.dispose()
    database.upgrade(fresh_postgres)
    accounts = Accounts(fresh_postgres)
    member = accounts.create("ana@example.com", "correct horse battery")
    assert abs(accounts.by_email("ana@example.com").created_at - datetime.now(timezone.utc)) < timedelta(minutes=1)
    assert accounts.signed_in(accounts.open_session(member.id, lifetime=timedelta(hours=1))) is not None
    assert accounts.signed_in(accounts.open_session(member.id, lifetime=timedelta(seconds=-1))) is None
