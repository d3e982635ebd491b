"""Campaign planning without a browser: products from CSV, slots, the seed's prompts, brand notes."""

from __future__ import annotations

import pytest

from email_image_app.domain.campaign.plan import (
    ALT_MAX_CHARS,
    alt_text,
    BYTE_BUDGETS,
    Product,
    ProductCsvError,
    parse_products_csv,
    plan_slots,
    with_brand_notes,
)


def test_csv_with_header_quotes_and_blank_lines():
    text = 'id,name,description\n\nSKU-1,Red sneakers,"Canvas upper, white sole"\nSKU-2, Blue sandals ,\n'
    assert parse_products_csv(text) == [
        Product("SKU-1", "Red sneakers", "Canvas upper, white sole"),
        Product("SKU-2", "Blue sandals", ""),
    ]


def test_csv_without_header_and_without_description_column():
    assert parse_products_csv("1,Scarf,Navy wool\n2,Hat") == [Product("1", "Scarf", "Navy wool"), Product("2", "Hat")]


def test_csv_bad_rows_are_all_reported_and_nothing_is_imported():
    text = "1,Scarf,Navy wool\n2,Hat,Red,extra\nonly-one\n,Nameless id,x\n4,,x\n1,Again,x"
    with pytest.raises(ProductCsvError) as caught:
        parse_products_csv(text)
    errors = caught.value.errors
    assert [(error.line, error.reason) for error in errors] == [
        (2, "fields"), (3, "fields"), (4, "empty_id"), (5, "empty_name"), (6, "duplicate_id"),
    ]
    message = caught.value.as_message().render("en")
    assert message.startswith("Line 2: 4 field(s) instead of id,name,description. Put quotes around text")
    assert "Line 6: the id '1' is already used." in message
    assert "Ligne 2 : 4 champ(s)" in caught.value.as_message().render("fr")


def test_csv_error_list_is_capped():
    text = "\n".join(f"{n}" for n in range(1, 9))
    with pytest.raises(ProductCsvError) as caught:
        parse_products_csv(text)
    assert caught.value.as_message().render("en").endswith("… and 3 more.")


def test_slots_follow_the_seed_prompts_and_email_sizes():
    products = [Product("SKU-1", "Red sneakers", "Canvas upper"), Product("SKU-2", "Blue sandals")]
    slots = plan_slots("Summer sale", products, product_size="600x600", include_logo=True, include_banner=True)
    assert [(slot.key, slot.kind, slot.size) for slot in slots] == [
        ("hero", "hero", "1200x600"),
        ("logo", "logo", "512x512"),
        ("product-1", "product", "600x600"),
        ("product-2", "product", "600x600"),
        ("banner", "banner", "1200x300"),
    ]
    assert slots[0].default_prompt == "Professional marketing image for: Summer sale"
    assert slots[2].default_prompt == "Product showcase: Red sneakers - Canvas upper"
    assert slots[3].default_prompt == "Product showcase: Blue sandals"
    assert "Summer sale" in slots[1].default_prompt and "Summer sale" in slots[4].default_prompt
    assert [slot.byte_budget for slot in slots] == [200_000, 60_000, 80_000, 80_000, 120_000]
    assert BYTE_BUDGETS["hero"] == 200_000


def test_rows_without_a_name_make_no_slot_and_keys_stay_with_their_rows():
    products = [Product("1", ""), Product("2", "Hat")]
    slots = plan_slots("Sale", products, product_keys=["product-7", "product-9"])
    assert [slot.key for slot in slots] == ["hero", "product-9"]


def test_file_stems_are_unique_and_safe():
    products = [Product("SKU 1", "A"), Product("sku-1", "B"), Product("Ünïcode/../x", "C")]
    stems = [slot.file_stem for slot in plan_slots("Sale", products)]
    assert stems == ["hero", "product-sku-1", "product-sku-1-2", "product-unicode-x"]


def test_unknown_product_size_is_refused():
    with pytest.raises(ValueError):
        plan_slots("Sale", [], product_size="500x500")


def test_brand_notes_are_appended_to_the_prompt():
    assert with_brand_notes("Product showcase: Hat.", " pastel colours ") == "Product showcase: Hat. pastel colours"
    assert with_brand_notes("Product showcase: Hat", "") == "Product showcase: Hat"


def test_alt_texts_are_for_readers_with_images_off():
    subject = "  Autumn sale:   30% off everything. "
    assert alt_text("hero", subject) == "Autumn sale: 30% off everything"
    assert alt_text("banner", subject) == "Autumn sale: 30% off everything"
    assert alt_text("product", subject, "Trail runner") == "Trail runner – Autumn sale: 30% off everything"
    assert alt_text("product", "", "Trail runner") == "Trail runner"
    assert alt_text("logo", subject) == "Logo"


def test_long_alt_texts_are_cut_at_a_word():
    alt = alt_text("product", "Winter " + "warm " * 40, "Wool scarf")
    assert len(alt) <= ALT_MAX_CHARS and alt.endswith("warm…") and alt.startswith("Wool scarf – Winter")
