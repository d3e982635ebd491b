"""The generator page in a real chromium against the production app and the offline engine
(step delay from conftest.STEP_DELAY)."""

from __future__ import annotations

import base64
import io
import re
import secrets
import time

import httpx
import pytest

from tests.engine_counters import engine_status
from PIL import Image

from email_image_app.domain.history import GalleryQuery

pytestmark = pytest.mark.browser

LISTEN_TO_WINDOW_EVENTS = """
window.__studioEvents = [];
for (const name of ['image-generation-progress', 'image-generation-complete']) {
  window.addEventListener(name, (e) => window.__studioEvents.push({name, detail: e.detail}));
}
"""


RECORD_ARRIVALS = """
window.__arrivals = {};
const note = (key) => {
  if (window.__arrivals[key]) return;
  const bar = document.querySelector('#run-progress');
  window.__arrivals[key] = {
    at: performance.now(),
    wall: performance.timeOrigin + performance.now(),  // comparable between pages
    progress: Number(bar && bar.getAttribute('aria-valuenow')),
  };
};
window.__seenImages = [];
new MutationObserver(() => {
  const steps = document.querySelectorAll('img[alt^="Step "]').length;
  for (let n = 1; n <= steps; n++) note(String(n));
  if (document.querySelector('img[alt="Final image"]')) note('final');
  // Every stored image this page ever showed, however briefly (steps, previews, final).
  for (const img of document.querySelectorAll('img')) {
    const src = img.getAttribute('src') || '';
    if (src.startsWith('/files/') && !window.__seenImages.includes(src)) window.__seenImages.push(src);
  }
}).observe(document.body, {childList: true, subtree: true, attributes: true});
"""


def choose(page, control_id: str, option_label: str) -> None:
    page.click(f"#{control_id}")
    page.get_by_role("option", name=option_label, exact=True).click()


def prepare_generation(page, url: str, prompt: str) -> None:
    """Open `/`, start recording what the page shows, and type `prompt` (Generate not clicked yet)."""
    page.goto(url)
    page.evaluate(LISTEN_TO_WINDOW_EVENTS)
    # The page notes when each step's thumbnail and the final image enter the DOM, and the bar's value then.
    page.evaluate(RECORD_ARRIVALS)
    assert page.locator("#generate-button").is_disabled(), "Generate must be disabled while the prompt is empty"
    page.fill("#prompt", prompt)
    page.wait_for_function("!document.querySelector('#generate-button').disabled")


def start_generation(page, url: str, prompt: str) -> None:
    prepare_generation(page, url, prompt)
    page.locator("#generate-button").click()


def step_alts(page) -> list[str]:
    """The alt texts of the step thumbnails, in the order the page shows them."""
    return page.locator("#steps-strip img").evaluate_all("els => els.map(e => e.getAttribute('alt'))")


def test_partials_stream_in_one_by_one_then_final_downloads_and_copies(page, app_server):
    start_generation(page, app_server.url, "Summer sale on red sneakers, bold headline")

    page.wait_for_selector("img[alt='Step 1']")
    assert "Generating…" in page.inner_text("#generate-button")
    page.wait_for_selector("img[alt='Final image']")
    arrivals = page.evaluate("window.__arrivals")
    final_progress = float(page.get_attribute("#run-progress", "aria-valuenow") or 0)

    steps = [arrivals[str(n)] for n in (1, 2, 3)]
    times = [step["at"] for step in steps] + [arrivals["final"]["at"]]
    # One by one at distinct times (the engine sends them 0.4 s apart), each before the final image.
    assert all(later - earlier > 50 for earlier, later in zip(times, times[1:])), times
    progress_values = [step["progress"] for step in steps]
    assert progress_values == sorted(progress_values) and progress_values[0] < progress_values[-1] < final_progress
    assert final_progress == 100
    assert page.inner_text("#partial-count").endswith("3")
    assert step_alts(page) == ["Step 1", "Step 2", "Step 3"]
    assert page.inner_text("#generate-button").strip() == "Generate"
    assert page.inner_text("#run-stage").startswith("Done · Elapsed")
    assert "Tokens" in page.inner_text("#usage-tokens")

    with page.expect_download() as download_info:
        page.click("#download-button")
    download = download_info.value
    downloaded = open(download.path(), "rb").read()
    assert download.suggested_filename.endswith("1200x600.png")
    image = Image.open(io.BytesIO(downloaded))
    assert (image.format, image.size) == ("PNG", (1200, 600))

    page.click("#copy-base64-button")
    page.wait_for_selector("text=Base64 copied")  # the toast comes once the clipboard holds the text
    copied = page.evaluate("navigator.clipboard.readText()")
    assert base64.b64decode(copied) == downloaded

    events = page.evaluate("window.__studioEvents")
    progress = [e["detail"] for e in events if e["name"] == "image-generation-progress"]
    complete = [e["detail"] for e in events if e["name"] == "image-generation-complete"]
    assert [p["index"] for p in progress] == [0, 1, 2]
    assert all(p["totalSteps"] == 4 and p["partialImage"].startswith("/files/") for p in progress)
    assert len(complete) == 1
    assert complete[0]["usage"]["total_tokens"] > 0 and complete[0]["duration"] > 0
    final_bytes = httpx.get(app_server.url + complete[0]["finalImage"], cookies=app_server.cookies, timeout=5).content
    assert final_bytes == downloaded


@pytest.mark.parametrize(
    ("size_label", "format_label", "partials", "expected"),
    [
        ("Product 400×400", "JPEG", 1, ("JPEG", (400, 400))),
        # No partial images: one silent wait, then the final image alone.
        ("Banner 1200×300", "WEBP", 0, ("WEBP", (1200, 300))),
    ],
)
def test_email_sizes_come_out_exact_in_the_chosen_format(page, app_server, size_label, format_label, partials, expected):
    page.goto(app_server.url)
    choose(page, "option-size", size_label)
    choose(page, "option-format", format_label)
    choose(page, "option-partials", str(partials))
    page.fill("#prompt", "Navy blue wool scarf, winter collection")
    page.click("#generate-button")
    page.wait_for_selector("img[alt='Final image']")
    assert page.locator("img[alt^='Step ']").count() == partials
    assert page.inner_text("#partial-count").endswith(str(partials))
    with page.expect_download() as download_info:
        page.click("#download-button")
    image = Image.open(download_info.value.path())
    assert (image.format, image.size) == expected


def test_cancel_stops_the_stream_and_keeps_the_last_step(page, app_server):
    word = "cancel" + secrets.token_hex(4)  # this request's own mark, to ask the engine about it alone
    start_generation(page, app_server.url, f"Autumn collection, golden leaves, cosy knitwear {word}")
    page.wait_for_selector("img[alt='Step 1']")
    page.click("#cancel-button")

    page.wait_for_function("document.querySelector('#generate-button').innerText.trim() === 'Generate'")
    assert page.locator("img[alt='Final image']").count() == 0
    assert page.locator("img[alt='Step 1']").count() == 1
    assert page.locator("#preview-image").count() == 1, "the last partial stays on screen"
    assert "Cancelled" in page.inner_text("body")
    # The HTTP stream was closed: the engine saw its client go away before the final image.
    deadline = time.monotonic() + 30  # a bound for a busy machine, not a timing
    while engine_status(app_server, word)["streams_ended_early_matching"] < 1:
        assert time.monotonic() < deadline, "the engine never saw the stream closed"
        page.wait_for_timeout(100)


@pytest.mark.parametrize(
    ("hook", "message", "steps_kept"),
    [
        ("[[engine:401]]", "API key was rejected", 0),
        ("[[engine:cut]]", "stream was cut", 2),
        ("[[engine:moderation]]", "safety system", 1),
        # The client waits as told (Retry-After: 1) and tries twice more before telling the marketer.
        ("[[engine:429]]", "Rate limited by the provider. Try again after 1 s", 0),
    ],
)
def test_provider_errors_show_a_message_and_unlock_the_button(page, app_server, hook, message, steps_kept):
    start_generation(page, app_server.url, f"Spring flowers banner {hook}")
    page.wait_for_selector("#run-error")
    assert message in page.inner_text("#run-error")
    assert page.locator("img[alt^='Step ']").count() == steps_kept
    # Unlocked, and saying what pressing it does now: the same request again.
    button = page.locator("#generate-button")
    assert button.inner_text().strip() == "Retry" and button.is_enabled()


def test_language_choice_is_remembered(page, app_server):
    page.goto(app_server.url)
    choose(page, "language-select", "Français")
    page.wait_for_selector("text=Créer une image d'e-mail")
    page.reload()
    page.wait_for_selector("text=Créer une image d'e-mail")
    assert page.get_attribute("#prompt", "placeholder").startswith("Décrivez")


def test_a_reload_during_a_run_shows_the_run_going_on(page, app_server):
    start_generation(page, app_server.url, "Cyber Monday laptop deals, teal and black")
    page.wait_for_selector("img[alt='Step 1']")
    page.reload()
    # The tab's state lives on the server: after the reload the same run carries on to its end.
    page.wait_for_selector("img[alt='Final image']")
    assert page.locator("img[alt^='Step ']").count() == 3
    assert page.input_value("#prompt") == "Cyber Monday laptop deals, teal and black"


def test_two_users_generate_at_once_and_each_sees_only_their_own_image(browser, app_server):
    pages = []
    for prompt in ("Red roses bouquet for Mother's day", "Blue ocean cruise holiday offer"):
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        app_server.sign_in(context)
        user_page = context.new_page()
        user_page.set_default_timeout(30_000)
        prepare_generation(user_page, app_server.url, prompt)
        pages.append(user_page)
    for user_page in pages:  # both runs asked for back to back, so that they go on together
        user_page.locator("#generate-button").click()
    finals, folders, runs = [], [], []
    for user_page in pages:
        user_page.wait_for_selector("img[alt='Final image']")
        finals.append(user_page.get_attribute("img[alt='Final image']", "src"))
        folders.append(finals[-1].rsplit("/", 1)[0])
        arrivals = user_page.evaluate("window.__arrivals")
        runs.append((arrivals["1"]["wall"], arrivals["final"]["wall"]))
        assert step_alts(user_page) == ["Step 1", "Step 2", "Step 3"]
    # The two runs overlapped in time: each page's first step came before the other's final image.
    (first_start, first_end), (second_start, second_end) = runs
    assert first_start < second_end and second_start < first_end, runs
    # Nothing of one run ever appeared in the other's page, not even for a moment during the run.
    for user_page, own_folder, other_folder in ((pages[0], folders[0], folders[1]), (pages[1], folders[1], folders[0])):
        seen = user_page.evaluate("window.__seenImages")
        assert len(seen) >= 4, seen  # three steps and the final image, at least
        assert all(src.startswith(own_folder + "/") for src in seen), f"another run's image appeared: {seen}"
        assert not [src for src in seen if src.startswith(other_folder + "/")]
    assert finals[0] != finals[1] and folders[0] != folders[1]
    for user_page in pages:
        user_page.context.close()


def test_ctrl_enter_in_the_prompt_generates(page, app_server):
    page.goto(app_server.url)
    assert page.inner_text("#prompt-shortcut-hint") == "Ctrl+Enter to generate"
    prompt = f"Ctrl+Enter launch, spring jackets {secrets.token_hex(4)}"
    page.click("#prompt")
    # Typed and sent at once: the last keystrokes reach the server with the Enter, not 300 ms later.
    page.keyboard.type(prompt)
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("img[alt='Final image']")
    assert page.input_value("#prompt") == prompt, "the shortcut adds no line break"


def test_a_failed_run_is_reworded_when_the_language_changes(page, app_server):
    from tests.test_history_page import app_history, unique_word

    word = unique_word()
    start_generation(page, app_server.url, f"Winter boots banner {word} [[engine:401]]")
    page.wait_for_selector("#run-error")
    assert page.inner_text("#run-error").strip() == (
        "The API key was rejected (HTTP 401). Check OPENAI_API_KEY on the server."
    )
    choose(page, "language-select", "Français")
    # The same error, kept as a message, re-worded in the browser: no new run, no round trip for it.
    page.wait_for_function(
        "document.querySelector('#run-error')?.innerText.trim()"
        " === 'Clé API refusée (HTTP 401). Vérifiez OPENAI_API_KEY sur le serveur.'"
    )
    assert page.inner_text("#run-stage").startswith("Échec")
    choose(page, "language-select", "English")
    page.wait_for_function("document.querySelector('#run-error')?.innerText.startsWith('The API key was rejected')")
    jobs = app_history(app_server).gallery(GalleryQuery(search=word)).jobs
    assert [job.status for job in jobs] == ["failed"], "one run, recorded once"


def test_settings_from_a_past_job_fill_the_form_and_leave_the_address(browser, page, app_server):
    from tests.test_history_page import app_history, generate, unique_word

    word = unique_word()
    prompt = f"Linen shirts summer edit {word}"
    page.goto(app_server.url)
    choose(page, "option-size", "Banner 1200×300")
    choose(page, "option-quality", "Low")
    choose(page, "option-format", "JPEG")
    choose(page, "option-partials", "1")
    generate(page, app_server.url, prompt)
    (job,) = app_history(app_server).gallery(GalleryQuery(search=word)).jobs

    # A new session opens the address the history's "Use these settings" goes to.
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    app_server.sign_in(context)
    other = context.new_page()
    other.set_default_timeout(30_000)
    other.goto(f"{app_server.url}/?settings_from={job.id}")
    other.wait_for_function(f"document.querySelector('#prompt')?.value === {prompt!r}")
    other.wait_for_url(app_server.url + "/")  # the parameter is taken out of the address
    assert other.inner_text("#option-size").strip() == "Banner 1200×300"
    assert other.inner_text("#option-quality").strip() == "Low"
    assert other.inner_text("#option-format").strip() == "JPEG"
    assert other.inner_text("#option-partials").strip() == "1"
    assert other.locator("img[alt='Final image']").count() == 0, "settings only: nothing is run"

    # A job no longer in the history: the page says so and opens as usual.
    other.goto(f"{app_server.url}/?settings_from=no-such-job")
    other.wait_for_selector("text=This job is no longer in the history.")
    other.wait_for_url(app_server.url + "/")
    context.close()


def test_a_run_shows_the_time_left_from_the_history(page, app_server):
    # A first run of these settings teaches the history how long they take...
    start_generation(page, app_server.url, "Time me once, a blue bicycle")
    page.wait_for_selector("img[alt='Final image']")
    # ...so the next one says how long is left beside its bar.
    page.fill("#prompt", "Time me twice, a red bicycle")
    page.click("#generate-button")
    page.wait_for_selector("#run-eta")
    assert re.search(r"about \d+ s left|any moment now", page.inner_text("#run-eta"))
