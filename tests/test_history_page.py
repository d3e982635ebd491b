"""The history in a real chromium against the production app: a generated image shows up in
`/history`, its settings come back on `/`, an identical request is offered from the history, and
a deleted job loses its files."""

from __future__ import annotations

import io
import secrets

import httpx
import pytest
from PIL import Image

from email_image_app.domain.messages import message
from email_image_app.domain.history import GalleryQuery, JobHistory
from email_image_app.domain.job_leases import new_lease
from email_image_app.domain.job_records import JobInfo
from email_image_app.domain.store import new_job_id
from tests.test_generate_page import choose

pytestmark = pytest.mark.browser


def unique_word() -> str:
    """A word no other test's prompt has, to find this test's job among the session's."""
    return "zq" + secrets.token_hex(4)


def app_history(app_server) -> JobHistory:
    return JobHistory(f"sqlite:///{app_server.data_dir / 'studio.db'}")


def generate(page, url: str, prompt: str) -> str:
    """Run `prompt` on `/` with the form as it is; the final image's URL."""
    page.fill("#prompt", prompt)
    page.wait_for_function("!document.querySelector('#generate-button').disabled")
    page.click("#generate-button")
    page.wait_for_selector("img[alt='Final image']")
    return page.get_attribute("img[alt='Final image']", "src")


def find_card(page, url: str, word: str):
    page.goto(url + "/history")
    page.fill("#history-search", word)
    card = page.locator(".job-card", has_text=word)
    card.wait_for()
    return card


def fetch_image(app_server, url: str) -> Image.Image:
    response = httpx.get(app_server.url + url, cookies=app_server.cookies, timeout=5)
    assert response.status_code == 200, url
    image = Image.open(io.BytesIO(response.content))
    image.load()
    return image


def test_a_generated_image_is_in_the_history_and_its_settings_come_back(browser, page, app_server):
    word = unique_word()
    prompt = f"Lavender soap gift set {word}, soft purple"
    page.goto(app_server.url)
    choose(page, "option-size", "Product 400×400")
    choose(page, "option-format", "WEBP")
    choose(page, "option-partials", "2")
    final_url = generate(page, app_server.url, prompt)

    card = find_card(page, app_server.url, word)
    assert card.count() == 1 and card.get_attribute("data-status") == "completed"
    card_text = card.inner_text()
    assert "Completed" in card_text and "400×400" in card_text and "gpt-image-1.5" in card_text and "free" in card_text
    cover = card.locator("img.job-cover")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=cover.element_handle())
    cover_url = cover.get_attribute("src")
    assert cover_url.endswith("/final-card.webp") and cover_url.rsplit("/", 1)[0] == final_url.rsplit("/", 1)[0]
    assert fetch_image(app_server, cover_url).format == "WEBP"

    card.click()
    page.wait_for_selector("#job-dialog")
    assert page.inner_text("#opened-prompt") == prompt
    labels = [label.split(" · ")[0] for label in page.locator(".history-tile img").evaluate_all("els => els.map(e => e.alt)")]
    assert labels == ["Step 1", "Step 2", "Final"]
    assert page.get_attribute("#opened-image", "src") == final_url
    with page.expect_download() as download_info:
        page.click("#history-download-button")
    downloaded = open(download_info.value.path(), "rb").read()
    assert downloaded == httpx.get(app_server.url + final_url, cookies=app_server.cookies, timeout=5).content
    assert Image.open(io.BytesIO(downloaded)).size == (400, 400)

    # In another browser (a new session), "Use these settings" brings the form back from the history.
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    app_server.sign_in(context)
    other = context.new_page()
    other.set_default_timeout(30_000)
    find_card(other, app_server.url, word).click()
    other.click("#use-settings-button")
    other.wait_for_url(app_server.url + "/")
    other.wait_for_function(f"document.querySelector('#prompt')?.value === {prompt!r}")
    assert "400×400" in other.inner_text("#option-size")
    assert other.inner_text("#option-format").strip() == "WEBP"
    assert other.inner_text("#option-partials").strip() == "2"
    context.close()


def test_asking_again_for_the_same_image_offers_the_stored_one(browser, page, app_server):
    word = unique_word()
    prompt = f"Coffee beans autumn promo {word}"
    page.goto(app_server.url)
    choose(page, "option-partials", "1")
    first_final = generate(page, app_server.url, prompt)
    history = app_history(app_server)
    assert history.gallery(GalleryQuery(search=word)).total == 1

    # Someone else (a new session, nothing on screen yet) asks for exactly the same image.
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    app_server.sign_in(context)
    other = context.new_page()
    other.set_default_timeout(30_000)
    other.goto(app_server.url)
    choose(other, "option-partials", "1")
    other.fill("#prompt", prompt)
    other.wait_for_function("!document.querySelector('#generate-button').disabled")
    other.click("#generate-button")
    other.wait_for_selector("#stored-offer")
    assert "Already made" in other.inner_text("#stored-offer")
    assert other.locator("img[alt^='Step ']").count() == 0
    assert history.gallery(GalleryQuery(search=word)).total == 1, "nothing was paid for again"

    other.click("#show-stored-button")
    other.wait_for_selector("img[alt='Final image']")
    assert other.get_attribute("img[alt='Final image']", "src") == first_final
    assert other.locator("img[alt^='Step ']").count() == 1
    assert other.locator("#stored-offer").count() == 0

    other.click("#generate-button")
    other.click("#generate-anyway-button")
    other.wait_for_function(
        "document.querySelector(\"img[alt='Final image']\")?.getAttribute('src') !== " + repr(first_final)
        + " && !!document.querySelector(\"img[alt='Final image']\")"
    )
    assert history.gallery(GalleryQuery(search=word)).total == 2
    context.close()


def test_deleting_a_job_removes_its_card_and_files(page, app_server):
    word = unique_word()
    page.goto(app_server.url)
    choose(page, "option-partials", "1")
    final_url = generate(page, app_server.url, f"Clearance rack {word}")
    assert httpx.get(app_server.url + final_url, cookies=app_server.cookies, timeout=5).status_code == 200

    find_card(page, app_server.url, word).click()
    page.click("#delete-button")
    page.click("#confirm-delete-button")
    page.wait_for_selector("#history-empty")
    assert page.locator(".job-card", has_text=word).count() == 0
    assert httpx.get(app_server.url + final_url, cookies=app_server.cookies, timeout=5).status_code == 404
    assert app_history(app_server).gallery(GalleryQuery(search=word)).total == 0


def test_a_running_job_is_seen_to_finish_without_pressing_refresh(page, app_server):
    word = unique_word()
    history = app_history(app_server)
    job_id = new_job_id()
    info = JobInfo("generation", f"Flash sale countdown {word}", "gpt-image-1.5", "Offline engine",
                   {"quality": "medium", "target_size": "400x400"}, owner_id=app_server.admin_id)
    # As a run in another process would record it: holding a live lease, so the app's sweep of
    # dead processes' jobs (every few seconds) leaves it running.
    history.start(job_id, info, 400, 400, lease=new_lease("another-process"))
    card = find_card(page, app_server.url, word)
    assert card.get_attribute("data-status") == "running"
    card.click()
    page.wait_for_selector("#job-dialog")

    history.finish(job_id, "failed", error=message("error_incomplete"), duration_ms=1500)
    # The page looks again by itself every 2 s while a job it shows is running: card and dialog follow.
    page.wait_for_selector(f".job-card[data-job-id='{job_id}'][data-status='failed']", timeout=8_000)
    page.wait_for_function("document.querySelector('#job-dialog .status-badge')?.innerText === 'Failed'")
    assert "stream was cut" in page.inner_text("#opened-error")


def test_the_when_label_and_a_failed_jobs_reason_re_word_when_the_language_switches(page, app_server):
    word = unique_word()
    history = app_history(app_server)
    job_id = new_job_id()
    info = JobInfo("generation", f"Spring boots teaser {word}", "gpt-image-1.5", "Offline engine", {"quality": "low"},
                   owner_id=app_server.admin_id)
    history.start(job_id, info, 400, 400, lease=new_lease("another-process"))
    history.finish(job_id, "failed", error=message("error_incomplete"), duration_ms=700)

    card = find_card(page, app_server.url, word)
    when = card.locator(".job-when")
    assert when.inner_text() == "just now"
    # The card may show before the search narrows the gallery to it: the count follows.
    page.wait_for_function("document.querySelector('#history-count')?.innerText === '1 job · Page 1 of 1'")
    choose(page, "language-select", "Français")  # the header's language, no reload
    page.wait_for_function("document.querySelector('.job-card .job-when')?.innerText === \"à l'instant\"")
    assert page.inner_text("#history-count") == "1 tâche · Page 1 sur 1"

    card.click()
    page.wait_for_selector("#opened-error")
    assert page.inner_text("#opened-error").strip() == "Le flux s'est interrompu avant l'image finale. Réessayez."
    assert page.inner_text("#opened-when").startswith("à l'instant · ")
    page.keyboard.press("Escape")
    choose(page, "language-select", "English")
    page.wait_for_function("document.querySelector('.job-card .job-when')?.innerText === 'just now'")
    card.click()
    page.wait_for_selector("#opened-error")
    assert page.inner_text("#opened-error").strip() == "The stream was cut before the final image. Try again."
    assert page.inner_text("#opened-when").startswith("just now · ")
