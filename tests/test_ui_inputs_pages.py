"""UI inputs (issue 10) on the pages, in Chromium against the production app and the offline engine:
a prompt at the limit is generated, one character over is refused naming the limit (never cut), on
the generator and the editor; the campaign page refuses a quote left open at its line, keeps names
in any script, and refuses brand notes that take a prompt over the limit."""

from __future__ import annotations

import pytest

from tests.test_edit_page import open_editor, photo, upload_original
from tests.test_generate_page import choose

pytestmark = pytest.mark.browser

LIMIT = 32_000
WORDS = "夏季特卖 红色运动鞋 تخفيضات الصيف Soldes d'été ☀️ -30 % "


def prompt_of(length: int) -> str:
    """Chinese, Arabic, French and emoji, `length` characters as the provider counts them (not
    ending in a space: the page sends the prompt trimmed)."""
    text = (WORDS * (length // len(WORDS) + 1))[:length]
    return text if not text[-1].isspace() else text[:-1] + "x"


def counter(page) -> str:
    return page.inner_text("#prompt-count")


def test_the_generator_refuses_one_character_over_naming_the_limit_then_generates_at_it(page, app_server):
    page.goto(app_server.url)
    choose(page, "option-size", "Product 400×400")  # a square: the app adds no framing words
    page.fill("#prompt", "夏季☀️")
    page.wait_for_function("document.querySelector('#prompt-count')?.innerText === '4 / 32,000 characters'")
    assert "prompt-count" in page.get_attribute("#prompt", "aria-describedby").split()  # read with the field

    over = prompt_of(LIMIT + 1)
    page.fill("#prompt", over)
    page.wait_for_function("document.querySelector('#prompt-count')?.innerText.startsWith('32,001 /')")
    assert counter(page) == "32,001 / 32,000 characters"
    page.click("#generate-button")
    page.wait_for_selector("#run-error")
    assert page.inner_text("#run-error") == (
        "The prompt is 32,001 characters long; the limit is 32,000 (1 over). Shorten it."
    )
    # Kept whole (not cut to fit): the person decides what to remove.
    assert page.evaluate("[...document.querySelector('#prompt').value].length") == LIMIT + 1
    assert page.locator("img[alt='Final image']").count() == 0

    page.fill("#prompt", prompt_of(LIMIT))
    page.wait_for_function("document.querySelector('#prompt-count')?.innerText.startsWith('32,000 /')")
    page.click("#generate-button")
    page.wait_for_selector("img[alt='Final image']", timeout=60_000)
    assert page.locator("#run-error").count() == 0
    with page.expect_download() as download_info:
        page.click("#download-button")
    assert download_info.value.suggested_filename == "夏季特卖-红色运动鞋-تخفيضات-الصيف-soldes-400x400.png"


def test_the_words_the_app_adds_for_a_cropped_size_are_counted_and_named(page, app_server):
    page.goto(app_server.url)
    choose(page, "option-size", "Banner 1200×300")  # cropped from a wider image: framing words are added
    page.fill("#prompt", prompt_of(LIMIT))
    page.wait_for_function(
        "document.querySelector('#prompt-count')?.innerText.startsWith('32,000 /')"
        " && document.querySelector('#prompt-count').innerText.includes('the app adds')"
    )
    count = counter(page)
    added = int(count.split("the app adds ")[1].split(" ")[0])
    assert added > 0 and count.startswith(f"32,000 / {LIMIT - added:,} characters")
    page.click("#generate-button")
    page.wait_for_selector("#run-error")
    assert page.inner_text("#run-error") == (
        f"With the {added} characters the app adds (brand notes, background, framing), the prompt is "
        f"{LIMIT + added:,} characters long; the limit is 32,000. Shorten it."
    )


def test_the_counter_and_the_refusal_are_worded_in_french_too(page, app_server):
    page.goto(app_server.url)
    choose(page, "language-select", "Français")
    page.wait_for_selector("text=Créer une image d'e-mail")
    choose(page, "option-size", "Produit 400×400")
    page.fill("#prompt", prompt_of(LIMIT + 1))
    page.wait_for_function("document.querySelector('#prompt-count')?.innerText.startsWith('32\u202f001')")
    assert counter(page) == "32\u202f001 / 32\u202f000 caractères"
    page.click("#generate-button")
    page.wait_for_selector("#run-error")
    assert "la limite est de 32\u202f000 (1 de trop)" in page.inner_text("#run-error")


def test_the_editor_refuses_one_character_over_naming_the_limit(page, app_server):
    open_editor(page, app_server.url)
    upload_original(page, photo(512, 512))
    page.fill("#prompt", prompt_of(LIMIT + 1))
    page.wait_for_function("!document.querySelector('#edit-button').disabled")
    assert counter(page) == "32,001 / 32,000 characters"
    page.click("#edit-button")
    page.wait_for_selector("#run-error")
    assert page.inner_text("#run-error").startswith("The prompt is 32,001 characters long; the limit is 32,000")
    assert page.locator("img[alt='Final']").count() == 0


def test_the_campaign_csv_refuses_an_open_quote_at_its_line_and_keeps_names_in_any_script(page, app_server):
    page.goto(f"{app_server.url}/campaign")
    page.click("#paste-csv")
    page.fill("#products-csv", 'id,name\n1,Hat\n2,"Shoe, red\n3,Bag\n')
    page.click("#import-csv")
    page.wait_for_selector("#csv-error")
    assert page.inner_text("#csv-error").startswith("Line 3: a quote opens and is never closed")
    assert page.locator(".product-row").count() == 1  # nothing imported

    page.fill("#products-csv", "\ufeffid,name,description\n夏季,夏季特卖 红色运动鞋,运动鞋\nصيف,تخفيضات الصيف,صيف\n")
    page.click("#import-csv")
    page.wait_for_function("document.querySelectorAll('.product-row').length === 2")
    assert [page.input_value(f"#product-name-{n}") for n in (0, 1)] == ["夏季特卖 红色运动鞋", "تخفيضات الصيف"]
    assert page.input_value("#product-id-0") == "夏季"  # the BOM is not part of the first id


def test_the_campaign_refuses_brand_notes_that_take_a_prompt_over_the_limit(page, app_server):
    page.goto(f"{app_server.url}/campaign")
    page.fill("#campaign-subject", "Soldes d'été ☀️ -30 %")
    page.fill("#brand-notes", "b" * LIMIT)
    page.wait_for_function(f"document.querySelector('#brand-notes').value.length === {LIMIT}")
    page.click("#generate-campaign")
    page.wait_for_selector("#form-error")
    text = page.inner_text("#form-error")
    assert text.startswith("Hero: With the ") and "the limit is 32,000. Shorten it." in text
    assert page.locator(".campaign-tile").count() == 0
