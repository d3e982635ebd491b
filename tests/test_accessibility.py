"""Every page is usable by every person: axe-core (WCAG 2.1 A/AA and best practices) finds no
violation on the four pages in each state a person sees (idle, running, done, error), in English and
in French; and the keyboard alone runs a generation, cancels it, downloads and copies.

One browser context per language (the language is kept in local storage), one page reused for every
state: the whole file stays well under two minutes on two busy cores."""

from __future__ import annotations

import base64
import itertools
from pathlib import Path

import pytest

from tests.accessibility import axe_violations, describe
from tests.test_edit_page import IMAGE_ZONE, encoded, file_part, photo

pytestmark = pytest.mark.browser

FAULT = "[[engine:401]]"  # the offline engine answers 401 to a prompt with it (LOCAL_ENGINE_FAULTS=1)
LANGUAGE_LABEL = {"en": "English", "fr": "Français"}
RUN_STATES = ("idle", "running", "done", "error")
_RUNS = itertools.count(1)


def fresh(prompt: str) -> str:
    """`prompt` made unique, so the generator runs it rather than offering an identical stored result."""
    return f"{prompt} #{next(_RUNS)}"


# ----- bringing a page to a state ---------------------------------------------------------------


def _upload_photo(page) -> None:
    page.set_input_files(IMAGE_ZONE, files=[file_part("photo.png", encoded(photo(256, 256)))])
    page.wait_for_function("document.querySelector('#original-image')?.naturalWidth > 0")


# The two pages that stream one image: their run button, their final image's alt, what comes before the prompt.
ONE_IMAGE_PAGES = {"/": ("generate-button", "Final image", None), "/edit": ("edit-button", "Final", _upload_photo)}


def _one_image_page(path: str, state: str):
    """A driver bringing `path` (the generator or the editor) to `state`: idle, running, done or error."""
    button, final_alt, prepare = ONE_IMAGE_PAGES[path]

    def drive(page, url: str) -> None:
        page.goto(url + path)
        page.wait_for_selector(f"#{button}")
        if state == "idle":
            return
        if prepare:
            prepare(page)
        prompt = f"{FAULT} Sky and sale banner" if state == "error" else "Sky and sale banner"
        page.fill("#prompt", fresh(prompt))
        page.wait_for_function(f"!document.querySelector('#{button}').disabled")
        page.click(f"#{button}")
        if state == "running":
            page.wait_for_selector("img[alt='Step 1']")
            page.wait_for_selector("#cancel-button")
        elif state == "done":
            page.wait_for_selector(f"img[alt='{final_alt}']")
            page.wait_for_selector("#download-button")
        else:
            page.wait_for_selector("#run-error")

    return drive


def _campaign(page, url: str, hero_prompt: str | None) -> None:
    page.goto(url + "/campaign")
    page.wait_for_selector("#generate-campaign")
    if hero_prompt is not None:
        page.fill("#campaign-subject", "Autumn sale")
        page.wait_for_function("document.querySelector('#prompt-hero')?.value.endsWith('Autumn sale')")
        page.fill("#product-name-0", "Wool scarf")
        page.wait_for_selector("#prompt-product-1")
        page.fill("#prompt-hero", fresh(hero_prompt))
        page.wait_for_function("!document.querySelector('#generate-campaign').disabled")
        page.click("#generate-campaign")


def campaign_idle(page, url: str) -> None:
    _campaign(page, url, None)


def campaign_running(page, url: str) -> None:
    _campaign(page, url, "Hero: autumn sale banner")
    page.wait_for_selector(".campaign-tile[data-status='running'] img")


def campaign_done(page, url: str) -> None:
    _campaign(page, url, "Hero: autumn sale banner")
    page.wait_for_function(
        "[...document.querySelectorAll('.campaign-tile')].length === 2"
        " && [...document.querySelectorAll('.campaign-tile')].every(t => t.dataset.status === 'completed')"
    )


def campaign_error(page, url: str) -> None:
    _campaign(page, url, f"{FAULT} Hero: autumn sale banner")
    page.wait_for_selector("#tile-hero[data-status='failed'] .tile-error")
    page.wait_for_selector("#tile-product-1[data-status='completed']")


def history_list(page, url: str) -> None:
    """The gallery after the runs above: done, failed and cancelled jobs' cards."""
    page.goto(url + "/history")
    page.wait_for_selector("#history-grid")


def history_dialog(page, url: str) -> None:
    history_list(page, url)
    page.locator("#history-grid img").first.click()
    page.wait_for_selector("[role=dialog]")


STATES = {
    **{f"{path} {state}": _one_image_page(path, state) for path in ONE_IMAGE_PAGES for state in RUN_STATES},
    "/campaign idle": campaign_idle,
    "/campaign running": campaign_running,
    "/campaign done": campaign_done,
    "/campaign error": campaign_error,
    "/history list": history_list,
    "/history dialog": history_dialog,
}


# ----- the pages, one per language ---------------------------------------------------------------


@pytest.fixture(scope="module", params=["en", "fr"])
def language_context(request, browser, app_server):
    """A browser context whose pages speak `request.param` (the choice is kept in local storage)."""
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(app_server.url + "/")
    if request.param == "fr":
        page.click("#language-select")
        page.get_by_role("option", name=LANGUAGE_LABEL["fr"], exact=True).click()
        page.wait_for_selector("text=Historique")
    page.close()
    yield request.param, context
    context.close()


def violations_in(context, url: str, state: str) -> list[dict]:
    """A new tab (so a new Reflex session: each state starts from a fresh form) brought to `state`."""
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        STATES[state](page, url)
        return axe_violations(page)
    finally:
        page.close()


@pytest.mark.parametrize("state", list(STATES))
def test_no_axe_violation(language_context, app_server, state):
    language, context = language_context
    violations = violations_in(context, app_server.url, state)
    assert violations == [], f"{state} ({language}):\n{describe(violations)}"


# ----- the keyboard alone -----------------------------------------------------------------------


def tab_to(page, element_id: str, limit: int = 60) -> None:
    """Press Tab until `element_id` has the focus (and shows it), as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement?.id") == element_id:
            assert page.evaluate("document.activeElement.matches(':focus-visible')"), f"#{element_id} shows no focus"
            return
    raise AssertionError(f"#{element_id} is not reachable with Tab")


def generate_with_the_keyboard(page, url: str, prompt: str) -> None:
    """Open `/`, Tab to the prompt, type it, Tab to Generate and press Enter."""
    page.goto(url + "/")
    page.wait_for_selector("#generate-button")
    tab_to(page, "prompt")
    page.keyboard.type(fresh(prompt))
    page.wait_for_function("!document.querySelector('#generate-button').disabled")
    tab_to(page, "generate-button")
    page.keyboard.press("Enter")


def test_keyboard_alone_generates_then_cancels(page, app_server):
    generate_with_the_keyboard(page, app_server.url, "Keyboard only: winter coats")
    page.wait_for_selector("img[alt='Step 1']")
    # Cancel comes right after the (busy) run button in the tab order.
    tab_to(page, "cancel-button", limit=5)
    page.keyboard.press("Space")
    page.wait_for_selector("#cancel-button", state="detached")
    assert page.locator("img[alt='Final image']").count() == 0


def test_keyboard_alone_generates_downloads_and_copies(page, app_server):
    generate_with_the_keyboard(page, app_server.url, "Keyboard only: summer hats")
    page.wait_for_selector("#download-button")
    tab_to(page, "download-button")
    with page.expect_download() as download_info:
        page.keyboard.press("Enter")
    downloaded = Path(download_info.value.path()).read_bytes()
    assert downloaded[:8] == b"\x89PNG\r\n\x1a\n"
    tab_to(page, "copy-base64-button", limit=5)
    page.keyboard.press("Space")
    page.wait_for_selector("text=Base64 copied")
    assert base64.b64decode(page.evaluate("navigator.clipboard.readText()")) == downloaded
