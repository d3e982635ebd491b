"""The campaign page's states without a browser: the form's requests for a run, a retry's request,
and what the export keeps of a run's tiles."""

from __future__ import annotations

import dataclasses

import pytest

from email_image_app.pages.campaign.export_state import CampaignExportState
from email_image_app.pages.campaign.form_state import CampaignFormState
from email_image_app.pages.campaign.tiles import TileRequest, TileView


def filled_form(subject: str = "Summer sale", brand_notes: str = "") -> CampaignFormState:
    form = CampaignFormState()
    form.set_subject(subject)
    form.set_brand_notes(brand_notes)
    form.set_product_field(0, "id", "SKU-1")
    form.set_product_field(0, "name", "Red sneakers")
    return form


def test_a_form_without_a_subject_gives_no_requests_and_says_why():
    form = CampaignFormState()
    assert form.requests_for_run() is None
    assert form.form_error == {"key": "campaign_subject_missing", "params": {}}


def test_each_slot_gets_a_typed_frozen_request_with_the_brand_notes_sent():
    form = filled_form(brand_notes="pastel colours")
    requests = form.requests_for_run()
    assert form.form_error == {}
    assert list(requests) == ["hero", "product-1"]
    product = requests["product-1"]
    assert isinstance(product, TileRequest)
    assert product.kind == "product" and product.product.name == "Red sneakers"
    assert product.prompt == "Product showcase: Red sneakers"
    assert product.prompt_sent.startswith("Product showcase: Red sneakers. pastel colours")
    assert (product.target.width, product.target.height) == (400, 400)
    assert product.target.name_stem == "product-sku-1"
    assert product.options.notices == ()
    with pytest.raises(dataclasses.FrozenInstanceError):
        product.prompt = "changed"  # type: ignore[misc]


def test_a_retry_takes_the_prompt_edited_since_the_run_and_only_then():
    form = filled_form()
    request = form.requests_for_run()["hero"]
    assert form.retried_request("hero", request) is request
    form.set_slot_prompt("hero", "  A calmer hero  ")
    retried = form.retried_request("hero", request)
    assert retried.prompt == "A calmer hero"
    assert retried.prompt_sent.startswith("A calmer hero")
    assert (retried.options, retried.target) == (request.options, request.target)


def test_the_export_keeps_finished_tiles_and_says_in_english_why_the_others_are_missing(tmp_path, monkeypatch):
    from email_image_app.domain import store

    original, email = tmp_path / "hero.png", tmp_path / "hero-email.jpg"
    monkeypatch.setattr(store.image_store, "ref", lambda url: {"/o": original, "/e": email}[url])
    form = filled_form()
    requests = form.requests_for_run()
    tiles = [
        TileView(key="hero", kind="hero", title="", size_label="1200×600", status="completed",
                 final_url="/o", email_url="/e", budget_bytes=200_000),
        TileView(key="product-1", kind="product", title="Red sneakers", size_label="400×400", status="failed",
                 message={"key": "error_auth", "params": {"status": 401}}),
    ]
    export = CampaignExportState()
    assert export.take_contents("c1", tiles, requests, {"hero": "job-1"}, form.run_meta())
    contents = export._contents
    assert [image.slot_key for image in contents.images] == ["hero"]
    assert contents.images[0].job_id == "job-1" and contents.images[0].original == original
    assert contents.not_included == (
        {"slot": "product-1", "status": "failed",
         "reason": "The API key was rejected (HTTP 401). Check OPENAI_API_KEY on the server."},
    )
    assert contents.subject == "Summer sale" and "subject" not in contents.options
