"""UI inputs (issue 10) without a browser: the products CSV as people save it (BOM, Windows-1252,
a quote left open), prompts and names in any script (file names, the store, the ZIP, the manifest,
the HTML email, the history search), and the prompt's limit said the same way on every path."""

from __future__ import annotations

import io
import json
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
from PIL import Image
from starlette.applications import Starlette
from starlette.routing import Mount

from email_image_app.domain import database, history
from email_image_app.domain.campaign.export import CampaignExport, ExportImage, build_zip, render_email_html, zip_filename
from email_image_app.domain.campaign.plan import (
    BYTE_BUDGETS,
    Product,
    ProductCsvError,
    decode_products_csv,
    parse_products_csv,
    plan_slots,
    slot_prompt_refusal,
    with_brand_notes,
)
from email_image_app.domain.file_names import filename_stem, is_safe_file_name
from email_image_app.domain.history import GalleryQuery, JobHistory
from email_image_app.domain.job_records import JobInfo
from email_image_app.domain.prompt_limit import prompt_counter, prompt_length_refusal
from email_image_app.domain.files_route import StoredFiles
from email_image_app.domain.store import ImageStore
from email_image_app.imagegen.engine_requests import EngineLimits
from email_image_app.imagegen.options import MAX_PROMPT_CHARS
from email_image_app.pages.campaign.form_state import CampaignFormState
from tests.loopback import serve_asgi

SUMMER_FR = "Soldes d'été ☀️ -30 %"
SUMMER_ZH = "夏季特卖 红色运动鞋"
SUMMER_AR = "تخفيضات الصيف"
MIXED = "Sale تخفيضات الصيف 2026 夏季 ☀️"


# ----- the products CSV ---------------------------------------------------------------------------


def test_a_csv_saved_by_excel_as_utf8_with_a_bom_reads_without_the_bom():
    decoded = decode_products_csv("\ufeffid,name,description\nsku-1,Été,Sandales\n".encode("utf-8"))
    assert (decoded.encoding, decoded.encoding_matters) == ("utf-8", False)
    assert parse_products_csv(decoded.text) == [Product("sku-1", "Été", "Sandales")]


def test_a_windows_1252_csv_reads_its_accents_euro_and_dashes_and_says_how_it_was_read():
    data = "id,name,description\nsku-1,Crème brûlée – 5 €,Été « chaud »\n".encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    decoded = decode_products_csv(data)
    assert (decoded.encoding, decoded.encoding_matters) == ("cp1252", True)
    assert parse_products_csv(decoded.text) == [Product("sku-1", "Crème brûlée – 5 €", "Été « chaud »")]


def test_plain_ascii_reads_the_same_either_way_so_the_encoding_is_not_mentioned():
    assert decode_products_csv(b"1,Hat\n").encoding_matters is False
    # Bytes Windows-1252 leaves undefined still read (as ISO-8859-1): a file is never refused for them.
    assert decode_products_csv(b"1,Hat\x81\n").text == "1,Hat\x81\n"


def test_utf8_names_in_any_script_read_as_written():
    text = f"id,name,description\nzh-1,{SUMMER_ZH},运动鞋\nar-1,{SUMMER_AR},صيف\nfr-1,{SUMMER_FR},\n"
    decoded = decode_products_csv(text.encode("utf-8"))
    assert decoded.encoding == "utf-8"
    assert [product.name for product in parse_products_csv(decoded.text)] == [SUMMER_ZH, SUMMER_AR, SUMMER_FR]


@pytest.mark.parametrize(
    "text, line",
    [
        ('id,name\n1,"Shoe, red\n2,Hat\n3,Bag\n', 2),  # would swallow lines 3 and 4 into one name
        ('1,Shoe\n2,Hat\n3,"Bag', 3),  # the last line, no newline at the end
        ('1,"Multi\nline",ok\n2,"Open\n', 3),  # a closed multi-line field before it stays fine
    ],
)
def test_a_quote_left_open_is_refused_at_the_line_it_opens(text: str, line: int):
    with pytest.raises(ProductCsvError) as caught:
        parse_products_csv(text)
    assert [(error.line, error.reason) for error in caught.value.errors][-1] == (line, "quote_open")
    assert f"Line {line}: a quote opens and is never closed" in caught.value.as_message().render("en")
    assert f"Ligne {line} : un guillemet est ouvert" in caught.value.as_message().render("fr")


def test_a_closed_multi_line_quoted_description_is_still_one_product():
    assert parse_products_csv('1,Shoe,"Red\nand light"\n2,Hat\n') == [Product("1", "Shoe", "Red\nand light"), Product("2", "Hat")]


def test_the_other_line_errors_still_name_their_lines_next_to_an_open_quote():
    with pytest.raises(ProductCsvError) as caught:
        parse_products_csv('1,Shoe,a,b\n2,\n1,Again\n4,"Open\n')
    assert [(error.line, error.reason) for error in caught.value.errors] == [
        (1, "fields"), (2, "empty_name"), (4, "quote_open"),
    ]


# ----- names in any script ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, stem",
    [
        (SUMMER_FR, "soldes-d-ete-30"),
        (SUMMER_ZH, "夏季特卖-红色运动鞋"),
        (SUMMER_AR, "تخفيضات-الصيف"),
        (MIXED, "sale-تخفيضات-الصيف-2026-夏季"),
        ("Summer sale, red shoes!", "summer-sale-red-shoes"),
        ("☀️🎁 ✨", "image"),
        ("", "image"),
        ("CON", "con-image"),
        ("\u202eevil\u202c ../../etc/passwd", "evil-etc-passwd"),
        ("हिन्दी सेल", "हिन्दी-सेल"),
    ],
)
def test_file_stems_are_readable_safe_and_never_empty(text: str, stem: str):
    assert filename_stem(text) == stem
    assert is_safe_file_name(f"{stem}-1200x600.png")


def test_a_long_prompt_without_spaces_gives_a_stem_that_fits_a_file_system():
    stem = filename_stem("夏" * 500)
    assert 0 < len(stem.encode("utf-8")) <= 120 and is_safe_file_name(stem + ".png")


@pytest.mark.parametrize("name", ["../x.png", ".hidden", "a/b.png", "a\\b.png", "a\u202eb.png", "a b.png", "", "x" * 201])
def test_names_that_could_escape_or_mislead_are_not_stored(name: str):
    assert not is_safe_file_name(name)


def test_campaign_stems_stay_unique_for_ids_in_any_script():
    products = [Product("夏季", "A"), Product("夏季", "B"), Product("☀️", "C"), Product("🎁", "D"), Product("صيف", "E")]
    stems = [slot.file_stem for slot in plan_slots(SUMMER_FR, products)]
    assert stems == ["hero", "product-夏季", "product-夏季-2", "product-image", "product-image-2", "product-صيف"]
    assert len(set(stems)) == len(stems)


def test_the_store_keeps_and_serves_files_named_in_any_script(tmp_path: Path):
    store = ImageStore(tmp_path)
    name = f"{filename_stem(SUMMER_ZH)}-1200x600.png"
    saved = store.save("job1", name, b"bytes")
    assert saved.name == name and store.read(saved.url) == b"bytes"
    with pytest.raises(ValueError):
        store.save("job1", "../escape.png", b"x")
    # Served the way the app serves /files: the browser asks for the percent-encoded path.
    app = Starlette(routes=[Mount("/files", app=StoredFiles(store))])
    with serve_asgi(app) as base:
        response = httpx.get(base + httpx.URL(saved.url).raw_path.decode())
    assert response.status_code == 200 and response.content == b"bytes"


def png(path: Path, size: tuple[int, int]) -> Path:
    buffer = io.BytesIO()
    Image.new("RGB", size, "#c33").save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    return path


def unicode_campaign(tmp_path: Path) -> CampaignExport:
    products = {
        "zh": Product("zh-1", SUMMER_ZH, "运动鞋 <轻>"),
        "ar": Product("ar-1", SUMMER_AR, "صيف & شمس"),
    }
    slots = plan_slots(SUMMER_FR, list(products.values()))
    images = []
    for slot in slots:
        stem = filename_stem(slot.product.name) if slot.product else slot.file_stem
        images.append(
            ExportImage(
                slot_key=slot.key, kind=slot.kind, prompt=slot.default_prompt,
                prompt_sent=with_brand_notes(slot.default_prompt, MIXED),
                original=png(tmp_path / f"{stem}-{slot.size}.png", (slot.width, slot.height)),
                email=png(tmp_path / f"{stem}-email.jpg", (slot.width, slot.height)),
                budget_bytes=BYTE_BUDGETS[slot.kind], job_id=f"job-{slot.key}", product=slot.product,
            )
        )
    return CampaignExport(
        campaign_id="c1", subject=SUMMER_FR, brand_notes=MIXED, provider="offline", offline=True,
        model="gpt-image-1.5", options={}, email_background="#ffffff", images=tuple(images),
    )


def test_the_zip_names_its_entries_in_utf8_and_the_manifest_is_readable_utf8(tmp_path: Path):
    campaign = unicode_campaign(tmp_path)
    assert zip_filename(campaign) == "campaign-soldes-d-ete-30.zip"
    with zipfile.ZipFile(io.BytesIO(build_zip(campaign))) as archive:
        infos = {info.filename: info for info in archive.infolist()}
        raw_manifest = archive.read("manifest.json")
    assert "originals/夏季特卖-红色运动鞋-400x400.png" in infos and "email/تخفيضات-الصيف-email.jpg" in infos
    # The UTF-8 flag (bit 11): unzip tools show the names as written, not as code-page noise.
    assert all(info.flag_bits & 0x800 for name, info in infos.items() if not name.isascii())
    text = raw_manifest.decode("utf-8")
    assert SUMMER_ZH in text and SUMMER_AR in text and SUMMER_FR in text and "\\u" not in text
    manifest = json.loads(text)
    assert manifest["subject"] == SUMMER_FR and manifest["brand_notes"] == MIXED
    assert [image["product"]["name"] for image in manifest["images"] if image["product"]] == [SUMMER_ZH, SUMMER_AR]


class TextDirections(HTMLParser):
    """The dir attribute of the element around each piece of text, as a browser's parser reads it."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[dict[str, str | None]] = []
        self.texts: dict[str, str | None] = {}
        self.alts: dict[str, str | None] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "img":
            self.alts[found.get("alt") or ""] = found.get("dir")
        else:
            self.open.append(found)

    def handle_endtag(self, tag: str) -> None:
        if self.open:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        if data.strip() and self.open:
            self.texts[data.strip()] = self.open[-1].get("dir")


def test_the_email_escapes_typed_text_and_lets_right_to_left_text_read_right_to_left(tmp_path: Path):
    page = render_email_html(unicode_campaign(tmp_path))
    parsed = TextDirections()
    parsed.feed(page)
    for text in (SUMMER_FR, SUMMER_ZH, SUMMER_AR, "运动鞋 <轻>", "صيف & شمس"):
        assert parsed.texts.get(text) == "auto", text
    assert "运动鞋 &lt;轻&gt;" in page and "صيف &amp; شمس" in page
    assert parsed.alts[f"{SUMMER_AR} – {SUMMER_FR}"] == "auto"


def job_info(prompt: str) -> JobInfo:
    return JobInfo(kind="generation", prompt=prompt, model="gpt-image-1.5", provider="offline", options={})


def test_the_history_search_finds_prompts_in_any_script_and_accented_words_in_any_case(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'studio.db'}"
    database.upgrade(url)
    jobs = JobHistory(url)
    monkeypatch.setattr(history, "_default", jobs)
    for job_id, prompt in (("fr", SUMMER_FR), ("zh", SUMMER_ZH), ("ar", SUMMER_AR), ("mixed", MIXED), ("up", "ÉTÉ EN VILLE")):
        jobs.start(job_id, job_info(prompt), 400, 400)

    def found(search: str) -> set[str]:
        return {job.id for job in jobs.gallery(GalleryQuery(search=search)).jobs}

    assert found("红色运动鞋") == {"zh"}
    assert found("الصيف") == {"ar", "mixed"}
    assert found("☀️") == {"fr", "mixed"}
    assert found("été") == {"fr", "up"} and found("ÉTÉ") == {"fr", "up"} and found("Été") == {"fr", "up"}
    assert found("夏季 sale") == {"mixed"}


# ----- the prompt's limit -------------------------------------------------------------------------


def test_the_app_the_client_and_the_engine_count_the_same_limit():
    assert MAX_PROMPT_CHARS == 32_000 and EngineLimits().max_prompt_chars == MAX_PROMPT_CHARS


@pytest.mark.parametrize("unit", ["x", "é", "夏", "ت", "🎁"])
def test_a_prompt_at_the_limit_passes_and_one_character_over_is_refused_naming_the_limit(unit: str):
    assert prompt_length_refusal(unit * MAX_PROMPT_CHARS) is None
    refusal = prompt_length_refusal(unit * (MAX_PROMPT_CHARS + 1))
    assert refusal is not None
    assert refusal.render("en") == "The prompt is 32,001 characters long; the limit is 32,000 (1 over). Shorten it."
    assert refusal.render("fr") == (
        "La description fait 32\u202f001 caractères ; la limite est de 32\u202f000 (1 de trop). Raccourcissez-la."
    )


def test_what_the_app_adds_counts_and_is_named_when_it_tips_the_prompt_over():
    typed = "x" * (MAX_PROMPT_CHARS - 5)
    refusal = prompt_length_refusal(typed, typed + ", on a plain white background")
    assert refusal is not None and refusal.key == "prompt_too_long_with_additions"
    assert refusal.params["added"] == 29 and refusal.params["limit"] == MAX_PROMPT_CHARS
    assert "32,024 characters long; the limit is 32,000" in refusal.render("en")
    assert prompt_counter("夏季☀️").render("en") == "4 / 32,000 characters"
    assert prompt_counter("夏季☀️", 113).render("en") == "4 / 31,887 characters (the app adds 113 for the size and background)"
    # Typed over the limit itself, with words added: the message still gives both numbers.
    assert prompt_length_refusal("x" * 32_001, "x" * 32_001 + "!").key == "prompt_too_long_with_additions"


def test_a_campaign_slot_over_the_limit_with_its_brand_notes_is_refused_naming_the_slot():
    slots = plan_slots("Sale", [Product("1", SUMMER_AR)])
    product = slots[1]
    notes = "n" * (MAX_PROMPT_CHARS - len(product.default_prompt) - 2)  # '. ' joins them
    exact = with_brand_notes(product.default_prompt, notes)
    assert len(exact) == MAX_PROMPT_CHARS and slot_prompt_refusal(product.kind, product.product, product.default_prompt, exact) is None
    over = with_brand_notes(product.default_prompt, notes + "n")
    refusal = slot_prompt_refusal(product.kind, product.product, product.default_prompt, over)
    assert refusal is not None
    assert refusal.render("en").startswith(f"Product · {SUMMER_AR}: With the ")
    assert "the limit is 32,000" in refusal.render("en")


def test_the_campaign_form_refuses_a_run_whose_brand_notes_take_a_prompt_over_the_limit():
    form = CampaignFormState()
    form.set_subject(SUMMER_FR)
    form.set_product_field(0, "name", SUMMER_ZH)
    form.set_brand_notes("b" * MAX_PROMPT_CHARS)
    assert len(form.brand_notes) == MAX_PROMPT_CHARS  # kept whole, not cut
    assert form.requests_for_run() is None
    assert form.form_error["key"] == "campaign_prompt_too_long"
    assert form.form_error["params"]["image"] == {"key": "slot_hero", "params": {}}
    form.set_brand_notes("pastel")
    requests = form.requests_for_run()
    assert requests is not None and form.form_error == {}
    assert requests["product-1"].target.name_stem == "product-1"


def test_a_retry_whose_edited_prompt_is_over_the_limit_is_refused_naming_the_image():
    form = CampaignFormState()
    form.set_subject("Sale")
    form.set_product_field(0, "name", SUMMER_AR)
    request = form.requests_for_run()["product-1"]
    form.set_slot_prompt("product-1", "p" * (MAX_PROMPT_CHARS + 1))
    assert len(form.slots[1].prompt) == MAX_PROMPT_CHARS + 1  # kept whole, not cut
    retried = form.retried_request("product-1", request)
    assert form.refuse_long_prompt(retried) is True
    assert form.form_error["params"]["image"] == {"key": "slot_product_named", "params": {"name": SUMMER_AR}}
    assert form.refuse_long_prompt(request) is False
