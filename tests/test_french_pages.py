"""The pages in French, in a real chromium against the production app and the offline engine: what
the server builds (stages, size labels and notes, figures, toasts) is in French too, not only the
fixed labels."""

from __future__ import annotations

import re

import pytest

from tests.test_generate_page import choose
from tests.test_history_page import find_card, unique_word

pytestmark = pytest.mark.browser

# Records every text the run's stage line shows, however briefly.
RECORD_STAGES = """
window.__stages = [];
new MutationObserver(() => {
  const stage = document.querySelector('#run-stage');
  const text = stage && stage.innerText.split(' · ')[0].trim();
  if (text && window.__stages[window.__stages.length - 1] !== text) window.__stages.push(text);
}).observe(document.body, {childList: true, subtree: true, characterData: true});
"""

# English a French marketer must not see once a run is done (words of labels the server builds).
ENGLISH_LEFT = re.compile(
    r"\b(Request sent|Partial \d|Done|Step \d|Final\b|Tokens|Duration|KB|Medium|Email header|native|draws|"
    r"Offline engine|Elapsed|Cancelled|Failed)"
)


def in_french(page, url: str) -> None:
    page.goto(url)
    choose(page, "language-select", "Français")
    page.wait_for_selector("text=Historique")


def test_a_run_on_the_generator_speaks_french_from_the_first_stage_to_the_history(page, app_server):
    word = unique_word()
    in_french(page, app_server.url)
    assert page.inner_text("#provider-badge").strip() == "Moteur hors ligne"
    assert page.inner_text("#option-size").strip() == "En-tête d'e-mail 1200×600"
    assert page.inner_text("#option-quality").strip() == "Moyenne"
    assert page.inner_text("#size-note").startswith("gpt-image-1.5 dessine en 1536×1024 ; le résultat est recadré")
    assert page.inner_text("#prompt-shortcut-hint") == "Ctrl+Entrée pour générer"
    page.click("#option-size")
    assert page.get_by_role("option", name="1024×1024 (natif)", exact=True).count() == 1
    page.keyboard.press("Escape")

    page.evaluate(RECORD_STAGES)
    page.fill("#prompt", f"Soldes d'été, baskets rouges {word}")
    page.wait_for_function("!document.querySelector('#generate-button').disabled")
    page.click("#generate-button")
    page.wait_for_selector("img[alt='Step 1']")  # the alt text stays English: scripts find steps by it
    assert re.fullmatch(r"Génération… \d+\u202f%", page.inner_text("#generate-button").strip())
    page.wait_for_selector("img[alt='Final image']")
    page.wait_for_function("document.querySelector('#run-stage')?.innerText.startsWith('Terminée')")

    stages = page.evaluate("window.__stages")
    assert stages[-1] == "Terminée" and "Étape 3 sur 3" in stages, stages
    assert set(stages) <= {"Demande envoyée", "Étape 1 sur 3", "Étape 2 sur 3", "Étape 3 sur 3", "Terminée"}, stages
    assert page.inner_text("#partial-count") == "Images partielles : 3"
    captions = page.locator(".step-thumb").all_inner_texts()
    assert all(re.fullmatch(r"Étape \d · \d+,\d s", caption.strip()) for caption in captions), captions
    assert re.fullmatch(r"1200×600 · PNG · \d+ Ko", page.inner_text("#final-info").strip())
    assert page.inner_text("#usage-tokens").startswith("Jetons : ")
    assert page.inner_text("#usage-cost") == "Coût : gratuit (moteur hors ligne)"
    leftover = ENGLISH_LEFT.findall(page.inner_text("body"))
    assert not leftover, f"English left on the French page: {leftover}"

    page.click("#copy-base64-button")
    page.wait_for_selector("text=Base64 copié dans le presse-papiers")

    # The job in the history: its facts and its steps in French as well.
    find_card(page, app_server.url, word).click()
    page.wait_for_selector("#job-dialog")
    dialog = page.inner_text("#job-dialog")
    assert "Moteur hors ligne" in dialog and "Moyenne" in dialog and "Terminée" in dialog
    captions = page.locator(".history-tile").all_inner_texts()
    assert [caption.split(" · ")[0] for caption in captions] == ["Étape 1", "Étape 2", "Étape 3", "Finale"]
    assert not ENGLISH_LEFT.findall(dialog), dialog


def test_history_filters_fit_a_phone_in_french(page, app_server):
    page.set_viewport_size({"width": 390, "height": 844})
    in_french(page, app_server.url + "/history")
    page.wait_for_selector("#history-status")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "the page scrolls sideways"


def test_a_setting_the_model_refuses_is_explained_in_french(page, app_server):
    in_french(page, app_server.url)
    choose(page, "option-background", "Transparent")
    choose(page, "option-format", "JPEG")
    page.fill("#prompt", "Logo sur fond transparent")
    page.wait_for_function("!document.querySelector('#generate-button').disabled")
    page.click("#generate-button")
    page.wait_for_selector("#run-error")
    assert page.inner_text("#run-error").strip() == "La transparence demande PNG ou WebP."
