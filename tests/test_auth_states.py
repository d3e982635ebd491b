"""Sign-in, ownership and the admin page's handlers without a browser: the handlers themselves
refuse (a page that merely hides a button is no protection), checked against the database."""

from __future__ import annotations

import asyncio

import pytest

from email_image_app.domain import history
from email_image_app.domain.accounts import Accounts
from email_image_app.domain.history import JobHistory
from email_image_app.domain.job_records import JobInfo
from email_image_app.domain.messages import Message
from email_image_app.imagegen.client import Provider
from email_image_app.pages.account.state import AccountState
from email_image_app.pages.admin.state import AdminState
from email_image_app.pages.history.state import HistoryState
from email_image_app.state import auth as auth_module
from email_image_app.state.auth import AuthState
from tests.signed_in import Person, make_person, session_root, substate, use_database
from tests.test_history import job_history  # noqa: F401  (the fixture: a migrated SQLite history)


@pytest.fixture
def people(job_history: JobHistory, monkeypatch: pytest.MonkeyPatch) -> dict[str, Person]:
    use_database(monkeypatch, job_history.url)
    return {
        "admin": make_person(job_history.url, "admin@example.com", role="admin"),
        "member": make_person(job_history.url, "member@example.com"),
    }


def a_job(job_history: JobHistory, owner: Person, job_id: str, prompt: str) -> str:
    info = JobInfo("generation", prompt, "gpt-image-1.5", history.OFFLINE_PROVIDER_LABEL, {}, owner_id=owner.who.account_id)
    job_history.start(job_id, info, 400, 400)
    job_history.finish(job_id, "completed", duration_ms=900)
    return job_id


def history_of(person: Person | None) -> HistoryState:
    return substate(session_root(person), HistoryState)


def test_signed_out_the_history_handlers_show_and_do_nothing(job_history, people):
    job_id = a_job(job_history, people["admin"], "job-a", "Summer sale banner")
    state = history_of(None)
    asyncio.run(state.load())
    assert state.cards == [] and state.total == 0
    asyncio.run(state.open_job(job_id))
    assert not state.dialog_open
    state.opened.id = job_id  # as if the browser sent a forged state
    asyncio.run(state.delete_opened())
    assert job_history.detail(job_id) is not None


def test_mine_by_default_and_team_on_request(job_history, people):
    a_job(job_history, people["admin"], "job-a", "Admin spring banner")
    a_job(job_history, people["member"], "job-m", "Member autumn banner")
    member = history_of(people["member"])
    asyncio.run(member.load())
    assert [card.id for card in member.cards] == ["job-m"]
    asyncio.run(member.set_scope("team"))
    assert sorted(card.id for card in member.cards) == ["job-a", "job-m"]
    assert {card.id: card.owner_email for card in member.cards} == {
        "job-a": "admin@example.com", "job-m": "member@example.com"
    }


def test_a_member_cannot_delete_an_admins_job_even_by_calling_the_handler(job_history, people):
    job_id = a_job(job_history, people["admin"], "job-a", "Admin spring banner")
    member = history_of(people["member"])
    asyncio.run(member.set_scope("team"))
    asyncio.run(member.open_job(job_id))
    assert member.dialog_open and not member.can_delete  # no Delete button
    toast = asyncio.run(member.delete_opened())  # called anyway
    assert "Only its owner or an admin can delete this job." in str(toast)
    assert job_history.detail(job_id) is not None


def test_a_member_deletes_their_own_and_an_admin_anyones(job_history, people, tmp_path):
    own = a_job(job_history, people["member"], "job-m", "Member autumn banner")
    other = a_job(job_history, people["member"], "job-m2", "Member winter banner")
    member = history_of(people["member"])
    asyncio.run(member.open_job(own))
    assert member.can_delete
    asyncio.run(member.delete_opened())
    assert job_history.detail(own) is None
    admin = history_of(people["admin"])
    asyncio.run(admin.open_job(other))
    assert admin.can_delete
    asyncio.run(admin.delete_opened())
    assert job_history.detail(other) is None


def test_a_disabled_account_is_out_at_once(job_history, people):
    member = history_of(people["member"])
    a_job(job_history, people["member"], "job-m", "Member autumn banner")
    asyncio.run(member.load())
    assert member.total == 1
    Accounts(job_history.url).set_disabled("member@example.com")
    asyncio.run(member.load())
    assert member.cards == [] and member.total == 0


def sign_in(auth: AuthState, email: str, password: str) -> None:
    asyncio.run(auth.sign_in({"email": email, "password": password}))


def test_a_wrong_password_and_an_unknown_email_show_the_same_message(job_history, people):
    auth = substate(session_root(None), AuthState)
    sign_in(auth, "member@example.com", "wrong password here")
    wrong = Message.from_dict(auth.signin_error).render("en")
    sign_in(auth, "nobody@example.com", "wrong password here")
    unknown = Message.from_dict(auth.signin_error).render("en")
    assert wrong == unknown == "Wrong email or password."
    assert not auth.signed_in and auth.session_token == ""
    sign_in(auth, "member@example.com", "correct horse battery")
    assert auth.signed_in and auth.email == "member@example.com" and auth.session_token
    assert auth.signin_error == {}


def test_the_first_account_is_offered_only_on_an_empty_database(job_history, monkeypatch):
    use_database(monkeypatch, job_history.url)
    auth = substate(session_root(None), AuthState)
    asyncio.run(auth.check())
    assert auth.first_account and not auth.signed_in
    asyncio.run(auth.create_first_account({"email": "first@example.com", "password": "correct horse battery"}))
    assert auth.signed_in and auth.is_admin
    other = substate(session_root(None), AuthState)
    asyncio.run(other.check())
    assert not other.first_account
    asyncio.run(other.create_first_account({"email": "second@example.com", "password": "correct horse battery"}))
    assert not other.signed_in and Accounts(job_history.url).by_email("second@example.com") is None
    assert Message.from_dict(other.signin_error).key == "account_first_exists"


def test_sign_out_closes_the_session_on_the_server(job_history, people):
    root = session_root(people["member"])
    auth = substate(root, AuthState)
    asyncio.run(auth.check())
    assert auth.signed_in
    asyncio.run(auth.sign_out())
    assert not auth.signed_in and auth.session_token == ""
    assert Accounts(job_history.url).signed_in(people["member"].session_token) is None


def test_the_admin_handlers_refuse_a_member(job_history, people):
    admin_page = substate(session_root(people["member"]), AdminState)
    asyncio.run(admin_page.load())
    assert admin_page.rows == []
    asyncio.run(admin_page.add_account({"email": "x@example.com", "password": "correct horse battery", "role": "admin"}))
    asyncio.run(admin_page.set_role(people["member"].who.account_id, "admin"))
    accounts = Accounts(job_history.url)
    assert accounts.by_email("x@example.com") is None
    assert accounts.by_email("member@example.com").role == "member"


def test_an_admin_adds_a_member_with_a_budget_and_sees_the_month(job_history, people):
    admin_page = substate(session_root(people["admin"]), AdminState)
    asyncio.run(admin_page.add_account(
        {"email": "New@Example.com", "password": "correct horse battery", "role": "member", "budget": "2.50"}
    ))
    added = Accounts(job_history.url).by_email("new@example.com")
    assert added.role == "member" and added.monthly_budget_usd == 2.5
    assert [row.email for row in admin_page.rows] == ["admin@example.com", "member@example.com", "new@example.com"]
    asyncio.run(admin_page.set_budget(added.id, ""))
    assert Accounts(job_history.url).get(added.id).monthly_budget_usd is None
    asyncio.run(admin_page.set_disabled(people["admin"].who.account_id, True))  # the last admin
    assert Message.from_dict(admin_page.error).key == "account_last_admin"


def test_five_wrong_passwords_slow_the_next_attempt(job_history, people, monkeypatch):
    waits: list[float] = []

    async def no_real_sleep(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(auth_module.asyncio, "sleep", no_real_sleep)
    auth = substate(session_root(None), AuthState)
    for _ in range(5):
        sign_in(auth, "member@example.com", "wrong password here")
    assert waits == []
    sign_in(auth, "member@example.com", "wrong password here")
    assert waits and waits[-1] > 0


def test_my_account_shows_a_new_token_once_and_lists_it(job_history, people):
    page = substate(session_root(people["member"]), AccountState)
    asyncio.run(page.create_token({"label": "n8n"}))
    token = page.new_token
    assert token.startswith("eis_")
    assert Accounts(job_history.url).for_api_token(token).email == "member@example.com"
    assert [(row.label, row.last_used) for row in page.tokens][0][0] == "n8n"
    asyncio.run(page.load())  # the page opened again: the token is not shown any more
    assert page.new_token == "" and page.tokens[0].label == "n8n" and page.tokens[0].last_used != ""
    signed_out = substate(session_root(None), AccountState)
    asyncio.run(signed_out.create_token({"label": "x"}))
    assert signed_out.new_token == ""


def test_a_paid_request_over_the_budget_is_refused_and_the_offline_engine_never_is(job_history, people, monkeypatch):
    accounts = Accounts(job_history.url)
    accounts.set_budget("member@example.com", 0.0)
    member = people["member"].who
    monkeypatch.setattr(auth_module, "current_provider", lambda: Provider.for_url("https://api.openai.com/v1", "sk-x"))
    refusal = asyncio.run(auth_module.budget_refusal(member, 0.04))
    assert refusal is not None and refusal.key == "budget_exceeded"
    assert refusal.render("en").startswith("Over your monthly budget: this request is estimated at $0.040, and $0.00 of your $0.00")
    accounts.set_budget("member@example.com", 0.05)
    assert asyncio.run(auth_module.budget_refusal(member, 0.04)) is None
    assert asyncio.run(auth_module.budget_refusal(people["admin"].who, 1000.0)) is None  # unlimited
    monkeypatch.setattr(auth_module, "current_provider", lambda: Provider.for_url("http://localhost/v1", "offline"))
    accounts.set_budget("member@example.com", 0.0)
    assert asyncio.run(auth_module.budget_refusal(member, 0.04)) is None  # free: never refused


def test_the_apps_own_engine_key_still_reads_as_the_offline_engine():
    assert Provider.for_url("http://localhost:3000/v1", "offline-s3cr3t").is_offline
    assert Provider.for_url("http://localhost:3000/v1", "offline").is_offline
    assert not Provider.for_url("http://localhost:3000/v1", "offlinex").is_offline


def test_signing_up_oneself_needs_open_signup(job_history, people, monkeypatch):
    auth = substate(session_root(None), AuthState)
    form = {"email": "self@example.com", "password": "correct horse battery"}
    monkeypatch.delenv("EMAIL_IMAGE_OPEN_SIGNUP", raising=False)
    asyncio.run(auth.sign_up(form))
    assert not auth.signed_in and Accounts(job_history.url).by_email("self@example.com") is None
    assert Message.from_dict(auth.signin_error).key == "signup_closed"
    monkeypatch.setenv("EMAIL_IMAGE_OPEN_SIGNUP", "1")
    asyncio.run(auth.check())
    assert auth.signup_open
    asyncio.run(auth.sign_up(form))
    assert auth.signed_in and auth.role == "member"
