"""Teams in a real browser, on a fresh app (its own port, data and build folders, no account yet)
whose provider is a scripted paid one on loopback (OPENAI_BASE_URL + a key), counting requests:
the first visit creates the admin; the admin adds a member; the member signs in in a second
browser and generates; "Team" and "Mine"; no Delete on someone else's job; signed out, every
route shows the sign-in page; budgets refuse before anything reaches the provider. Also the
time the sign-in check adds to the first page load, printed (pytest -s) for the issue's note."""

from __future__ import annotations

import secrets
import statistics
from pathlib import Path
from typing import Iterator

import pytest
from starlette.types import Receive, Scope, Send

from email_image_app.domain.accounts import Accounts
from email_image_app.domain.history import GalleryQuery, JobHistory
from email_image_app.imagegen.server import create_engine_app
from email_image_app.pages.generate.state import GenerateState
from tests.conftest import RunningApp, start_app, stop_app
from tests.loopback import free_port, serve_asgi
from tests.signed_in import session_root, substate
from tests.test_edit_page import open_editor, photo, upload_original

pytestmark = pytest.mark.browser

ADMIN, MEMBER = "boss@example.com", "mia@example.com"
PASSWORD = "correct horse battery staple"
ROUTES = ["/", "/edit", "/campaign", "/history"]


class CountingProvider:
    """The offline engine as a paid provider (it accepts any key), counting image requests."""

    def __init__(self) -> None:
        self.app = create_engine_app(step_delay=0.05, faults=False)
        self.generations = 0
        self.edits = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].endswith("/images/generations"):
            self.generations += 1
        if scope["type"] == "http" and scope["path"].endswith("/images/edits"):
            self.edits += 1
        await self.app(scope, receive, send)


@pytest.fixture(scope="module")
def provider() -> Iterator[tuple[CountingProvider, str]]:
    counting = CountingProvider()
    with serve_asgi(counting) as url:
        yield counting, url


@pytest.fixture(scope="module")
def team_app(provider, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    folder = tmp_path_factory.mktemp("team-app")
    extra_env = {
        "REFLEX_WEB_WORKDIR": str(folder / "web"),
        "OPENAI_API_KEY": "sk-test-" + secrets.token_hex(8),
        "OPENAI_BASE_URL": f"{provider[1]}/v1",
    }
    running = start_app(free_port(), folder / "data", folder / "app.log", extra_env=extra_env, with_admin=False)
    yield running
    stop_app(running.process)


def new_page(browser, app: RunningApp | None = None, token: str = ""):
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    if app is not None and token:
        context.add_cookies([{"name": "studio_session", "value": token, "url": app.url}])
    page = context.new_page()
    page.set_default_timeout(30_000)
    return page


def fill_signin(page, email: str, password: str, button: str) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name=button).click()


def generate(page, url: str, prompt: str) -> None:
    page.goto(url)
    page.fill("#prompt", prompt)
    page.wait_for_function("!document.querySelector('#generate-button').disabled")
    page.click("#generate-button")
    page.wait_for_selector("img[alt='Final image']", timeout=60_000)


def history_cards(page, url: str, words: str, scope: str = "mine"):
    """A new tab of `page`'s browser on the history (a fresh page state: Mine, no search), in
    `scope` (Mine or Team), searching `words`: the tab and how many cards show them."""
    tab = page.context.new_page()
    tab.set_default_timeout(30_000)
    tab.goto(url + "/history")
    tab.wait_for_selector("#history-scope")
    if scope == "team":
        tab.click("#history-scope-team")
        tab.wait_for_selector("#history-scope-team[data-state='on']")
    tab.fill("#history-search", words)
    # The search is debounced and answered over the websocket: wait for its answer, a card or "no match".
    tab.wait_for_function(
        "words => [...document.querySelectorAll('.job-card')].some(c => c.innerText.includes(words))"
        " || (document.querySelector('#history-empty')?.innerText || '').includes('No job matches')",
        arg=words,
    )
    return tab, tab.locator(".job-card", has_text=words).count()


def test_a_team_from_the_first_visit(browser, team_app):
    word = "tm" + secrets.token_hex(3)
    admin = new_page(browser)
    admin.goto(team_app.url)
    admin.wait_for_selector("#first-account-heading")
    fill_signin(admin, ADMIN, PASSWORD, "Create the first account")
    admin.wait_for_selector("#prompt")
    assert admin.inner_text("#signed-in-email") == ADMIN
    assert Accounts(team_app.db_url).by_email(ADMIN).role == "admin"

    # The admin adds a member.
    admin.goto(team_app.url + "/admin")
    admin.fill("#new-email", MEMBER)
    admin.select_option("#new-role", "member")
    admin.fill("#new-password", PASSWORD)
    admin.click("#add-account-button")
    admin.wait_for_selector(f".account-row[data-email='{MEMBER}']")
    assert Accounts(team_app.db_url).by_email(MEMBER).role == "member"
    generate(admin, team_app.url, f"Admin spring banner {word}")

    # The member signs in in a second browser and generates.
    member = new_page(browser)
    member.goto(team_app.url)
    member.wait_for_selector("#signin-heading")
    assert member.locator("#first-account-heading").count() == 0
    fill_signin(member, MEMBER, "not the password", "Sign in")
    member.wait_for_selector("#signin-error")
    refused_wrong = member.inner_text("#signin-error")
    fill_signin(member, "nobody@example.com", PASSWORD, "Sign in")
    member.wait_for_function("document.querySelector('#signin-error') !== null")
    assert member.inner_text("#signin-error") == refused_wrong == "Wrong email or password."
    fill_signin(member, MEMBER, PASSWORD, "Sign in")
    member.wait_for_selector("#prompt")
    assert member.inner_text("#signed-in-email") == MEMBER
    generate(member, team_app.url, f"Member autumn promo {word}")

    history = JobHistory(team_app.db_url)
    owners = {job.prompt.split()[0]: job.owner_id for job in history.gallery(GalleryQuery(search=word)).jobs}
    accounts = Accounts(team_app.db_url)
    assert owners == {"Admin": accounts.by_email(ADMIN).id, "Member": accounts.by_email(MEMBER).id}

    # Mine by default, Team on request.
    assert history_cards(admin, team_app.url, f"Member autumn promo {word}")[1] == 0
    tab, count = history_cards(admin, team_app.url, f"Member autumn promo {word}", "team")
    assert count == 1 and tab.inner_text(".job-card .job-owner") == MEMBER
    assert history_cards(member, team_app.url, f"Admin spring banner {word}")[1] == 0
    tab, count = history_cards(member, team_app.url, f"Admin spring banner {word}", "team")
    assert count == 1
    tab.locator(".job-card", has_text=f"Admin spring banner {word}").click()
    tab.wait_for_selector("#use-settings-button")
    assert tab.locator("#delete-button").count() == 0  # someone else's: no Delete
    tab, count = history_cards(member, team_app.url, f"Member autumn promo {word}")
    assert count == 1
    tab.locator(".job-card", has_text=f"Member autumn promo {word}").click()
    tab.wait_for_selector("#delete-button")  # one's own: Delete is there

    # Signed out, every route shows the sign-in page and nothing else.
    member.click("#signout-button")
    member.wait_for_selector("#signin-card")
    for route in ROUTES:
        member.goto(team_app.url + route)
        member.wait_for_selector("#signin-card")
        assert member.locator("#prompt, #history-scope, .job-card, #signed-in-email").count() == 0, route
    member.context.close()
    admin.context.close()


def estimate_usd(prompt: str) -> float:
    """The generator's list-price estimate for `prompt` with the form's defaults, as the page computes it."""
    state = substate(session_root(None), GenerateState)
    state.prompt = prompt
    options, _ = state._image_options()
    return state._estimate_usd(options)


def test_a_budget_refuses_before_anything_reaches_the_provider(browser, team_app, provider):
    counting, _ = provider
    accounts = Accounts(team_app.db_url)
    broke = accounts.create("zero@example.com", PASSWORD, monthly_budget_usd=0.0, use_default_budget=False)
    page = new_page(browser, team_app, accounts.open_session(broke.id))
    before = counting.generations
    page.goto(team_app.url)
    page.fill("#prompt", "Budget zero winter sale")
    page.wait_for_function("!document.querySelector('#generate-button').disabled")
    page.click("#generate-button")
    page.wait_for_selector("#run-error")
    assert "Over your monthly budget" in page.inner_text("#run-error")
    assert "$0.00" in page.inner_text("#run-error")
    assert counting.generations == before  # nothing was sent
    page.context.close()

    first, second = "Budget one: red shoes sale", "Budget one: blue bags sale"
    assert len(first) == len(second)
    one = accounts.create("one@example.com", PASSWORD, monthly_budget_usd=estimate_usd(first), use_default_budget=False)
    page = new_page(browser, team_app, accounts.open_session(one.id))
    generate(page, team_app.url, first)
    assert counting.generations == before + 1
    page.wait_for_selector("#budget-left")  # the header shows what is left
    page.fill("#prompt", second)
    page.wait_for_function("!document.querySelector('#generate-button').disabled")
    page.click("#generate-button")
    page.wait_for_selector("#run-error")
    assert "Over your monthly budget" in page.inner_text("#run-error")
    assert counting.generations == before + 1  # the second was refused after the first completed
    page.context.close()


def test_an_edit_and_every_campaign_tile_are_checked_against_the_budget(browser, team_app, provider):
    counting, _ = provider
    accounts = Accounts(team_app.db_url)
    broke = accounts.create("zero2@example.com", PASSWORD, monthly_budget_usd=0.0, use_default_budget=False)
    page = new_page(browser, team_app, accounts.open_session(broke.id))
    generations, edits = counting.generations, counting.edits

    open_editor(page, team_app.url)
    upload_original(page, photo(256, 256))
    page.fill("#prompt", "Make the sky orange")
    page.wait_for_function("!document.querySelector('#edit-button').disabled")
    page.click("#edit-button")
    page.wait_for_selector("#run-error")
    assert "Over your monthly budget" in page.inner_text("#run-error")

    page.goto(team_app.url + "/campaign")
    page.fill("#campaign-subject", "Budget campaign: spring sale")
    page.wait_for_function("!document.querySelector('#generate-campaign').disabled")
    page.click("#generate-campaign")
    page.wait_for_selector("#tile-hero[data-status='failed'] .tile-error")
    assert "Over your monthly budget" in page.inner_text("#tile-hero .tile-error")
    assert (counting.generations, counting.edits) == (generations, edits)  # nothing reached the provider
    page.context.close()


# Times (ms since navigation start) at which the server-rendered "checking" spinner and then the
# generator's prompt are first in the document.
TIMING_SCRIPT = """
window.__at = {};
new MutationObserver(() => {
  for (const [name, selector] of [['spinner', '#auth-checking'], ['page', '#prompt']]) {
    if (!window.__at[name] && document.querySelector(selector)) window.__at[name] = performance.now();
  }
}).observe(document, {childList: true, subtree: true});
"""


def test_the_time_signing_in_adds_to_the_first_page_load(browser, team_app):
    """Cookie sent → first render (the spinner the server rendered, shown while `AuthState.check`
    looks the session up over the websocket) → the page. Measured on the generator, 5 fresh
    browsers; printed for the issue's closing note."""
    accounts = Accounts(team_app.db_url)
    timer = accounts.create("timer@example.com", PASSWORD, use_default_budget=False)
    token = accounts.open_session(timer.id)
    gaps, loads, firsts = [], [], []
    for _ in range(5):
        page = new_page(browser, team_app, token)
        page.add_init_script(TIMING_SCRIPT)
        page.goto(team_app.url)
        page.wait_for_selector("#prompt")
        at = page.evaluate("window.__at")
        html = page.evaluate("performance.getEntriesByType('navigation')[0].responseEnd")
        if "spinner" in at:
            first = max(at["spinner"], html)
            gaps.append(at["page"] - first)
            firsts.append(first)
        loads.append(at["page"])
        page.context.close()
    assert gaps, "the spinner was never seen: the page is not rendered before the check"
    print(f"\nsign-in check: first render (spinner) → signed-in page: median {statistics.median(gaps):.0f} ms "
          f"(max {max(gaps):.0f}); navigation → first render: median {statistics.median(firsts):.0f} ms; "
          f"navigation → page: median {statistics.median(loads):.0f} ms")
    assert statistics.median(gaps) < 3000
