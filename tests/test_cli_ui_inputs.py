"""UI inputs (issue 10) through the `email-image` command, run as people run it against the
offline engine: a Windows-1252 CSV, names and prompts in several scripts end to end, and the
prompt's limit (exactly at it works, one character over exits 2 naming it)."""

from __future__ import annotations

import json
import zipfile

import pytest

from tests.test_cli import User, events, image_of, no_traceback, user  # noqa: F401 (the fixture)

SUMMER_FR = "Soldes d'été ☀️ -30 %"
SUMMER_ZH = "夏季特卖 红色运动鞋"
SUMMER_AR = "تخفيضات الصيف"

pytestmark = pytest.mark.timeout(180)


def test_a_windows_1252_csv_makes_its_campaign_and_the_person_is_told_how_it_was_read(user: User):
    csv = "id,name,description\ncreme,Crème brûlée – 5 €,Été « chaud »\n"
    (user.folder / "products.csv").write_bytes(csv.encode("cp1252"))
    result = user.run("campaign", "products.csv", "--subject", SUMMER_FR, "--partials", "0", "-o", "out.zip")
    assert result.returncode == 0, result.stderr
    no_traceback(result)
    assert "products.csv: The file is not UTF-8: it was read as Windows-1252 (Latin-1)." in result.stdout
    with zipfile.ZipFile(user.folder / "out.zip") as archive:
        manifest = json.loads(archive.read("manifest.json").decode("utf-8"))
    (product,) = [image["product"] for image in manifest["images"] if image["product"]]
    assert product == {"id": "creme", "name": "Crème brûlée – 5 €", "description": "Été « chaud »"}


def test_names_in_chinese_arabic_and_french_go_through_the_csv_the_zip_and_the_output(user: User):
    csv = f"\ufeffid,name,description\n夏季,{SUMMER_ZH},运动鞋\nصيف,{SUMMER_AR},\"صيف, شمس\"\n"
    (user.folder / "products.csv").write_text(csv, encoding="utf-8")
    result = user.run("campaign", "products.csv", "--subject", SUMMER_FR, "--partials", "0", "--json")
    assert result.returncode == 0, result.stderr
    lines = events(result.stdout)  # every line is JSON, names written as they are
    assert not any(line["event"] == "notice" for line in lines)  # UTF-8: nothing to say about it
    assert SUMMER_ZH in result.stdout and "\\u" not in result.stdout
    zip_path = user.folder / "campaign-soldes-d-ete-30.zip"
    assert lines[-1]["event"] == "completed" and lines[-1]["file"] == zip_path.name
    with zipfile.ZipFile(zip_path) as archive:
        names = set(archive.namelist())
        html = archive.read("email.html").decode("utf-8")
        manifest = archive.read("manifest.json").decode("utf-8")
    assert {"originals/product-夏季-400x400.png", "originals/product-صيف-400x400.png"} <= names
    assert f'<h1 dir="auto"' in html and SUMMER_AR in html and SUMMER_FR.replace("'", "&#x27;") in html
    assert SUMMER_ZH in manifest and SUMMER_AR in manifest

    plain = user.run("campaign", "products.csv", "--subject", SUMMER_FR, "--partials", "0", "-o", "again.zip")
    assert plain.returncode == 0, plain.stderr
    assert any(line.startswith("夏季特卖") for line in plain.stdout.splitlines()), plain.stdout
    assert any(line.startswith("تخفيضات") for line in plain.stdout.splitlines()), plain.stdout


def test_an_unclosed_quote_in_the_csv_exits_2_naming_its_line(user: User):
    (user.folder / "products.csv").write_text('id,name\n1,Hat\n2,"Shoe, red\n3,Bag\n', encoding="utf-8")
    result = user.run("campaign", "products.csv", "--subject", "Sale")
    assert result.returncode == 2
    assert result.stderr.startswith("error: products.csv: Line 3: a quote opens and is never closed"), result.stderr
    assert not (user.data_dir / "studio.db").exists()


def test_a_prompt_exactly_at_the_limit_is_generated_and_named_after_its_words(user: User):
    words = f"{SUMMER_ZH} {SUMMER_AR} {SUMMER_FR} "
    prompt = (words * (32_000 // len(words) + 1))[:32_000]
    result = user.run("generate", prompt, "--size", "1024x1024", "--quality", "low", "--partials", "0", "--json")
    assert result.returncode == 0, result.stderr
    done = events(result.stdout)[-1]
    assert done["event"] == "completed" and done["file"] == "夏季特卖-红色运动鞋-تخفيضات-الصيف-soldes-1024x1024.png"
    assert image_of(user.folder / done["file"]).size == (1024, 1024)
    (job,) = user.history()
    assert job.prompt == prompt and len(job.prompt) == 32_000


def test_a_prompt_one_character_over_exits_2_naming_the_limit(user: User):
    result = user.run("generate", "🎁" * 32_001, "--size", "1024x1024")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: The prompt is 32,001 characters long; the limit is 32,000 (1 over). Shorten it."
    )
    no_traceback(result)
    assert not (user.data_dir / "studio.db").exists()  # refused before anything was sent


def test_a_campaign_whose_brand_notes_take_a_prompt_over_the_limit_exits_2_naming_the_image(user: User):
    (user.folder / "products.csv").write_text(f"1,{SUMMER_ZH}\n", encoding="utf-8")
    result = user.run("campaign", "products.csv", "--subject", "Sale", "--brand", "b" * 31_990)
    assert result.returncode == 2
    assert result.stderr.startswith("error: Hero: With the "), result.stderr
    assert "the limit is 32,000. Shorten it." in result.stderr
    assert not (user.data_dir / "studio.db").exists()
