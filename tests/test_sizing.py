"""The size planner: every email size on every model becomes a request the model accepts."""

from __future__ import annotations

import math
import random

import pytest

from email_image_app.imagegen.options import (
    EMAIL_SIZES,
    MODELS,
    ImageOptions,
    ModelCapabilities,
    OptionsError,
    parse_size,
)
from email_image_app.imagegen.sizing import plan_edit_size, plan_size, plan_size_for

FIXED_MODELS = [name for name, model in MODELS.items() if not model.free_size]


def aspect_distance(width: int, height: int, target_width: int, target_height: int) -> float:
    return abs(math.log((width / height) / (target_width / target_height)))


@pytest.mark.parametrize("email_size", EMAIL_SIZES, ids=lambda size: size.key)
@pytest.mark.parametrize("model", list(MODELS))
def test_every_email_size_gets_a_request_the_model_accepts(model: str, email_size) -> None:
    plan = plan_size(model, email_size.width, email_size.height)

    MODELS[model].check_size(plan.request_size)  # raises if the provider would refuse it
    assert (plan.target_width, plan.target_height) == (email_size.width, email_size.height)
    assert plan.request_size == f"{plan.request_width}x{plan.request_height}"
    assert plan.needs_fit == (plan.request_size != email_size.size)
    assert email_size.size in plan.explanation and plan.request_size in plan.explanation


@pytest.mark.parametrize("email_size", EMAIL_SIZES, ids=lambda size: size.key)
@pytest.mark.parametrize("model", FIXED_MODELS)
def test_fixed_size_models_use_the_nearest_aspect_ratio(model: str, email_size) -> None:
    plan = plan_size(model, email_size.width, email_size.height)

    distances = [
        aspect_distance(*parse_size(size), email_size.width, email_size.height) for size in MODELS[model].fixed_sizes
    ]
    chosen = aspect_distance(plan.request_width, plan.request_height, email_size.width, email_size.height)
    assert chosen == pytest.approx(min(distances))


def test_email_header_on_gpt_image_1_5_asks_for_landscape_and_explains() -> None:
    plan = plan_size("gpt-image-1.5", 1200, 600)

    assert plan.request_size == "1536x1024"
    assert plan.needs_fit
    assert plan.explanation == (
        "gpt-image-1.5 has no 1200x600; asking for 1536x1024 and cropping/resizing to 1200x600."
    )


def test_banner_on_gpt_image_2_asks_for_a_three_to_one_size_at_least_as_large() -> None:
    plan = plan_size("gpt-image-2", 1200, 300)

    MODELS["gpt-image-2"].check_size(plan.request_size)
    assert plan.request_width / plan.request_height == pytest.approx(3.0, abs=0.1)
    assert plan.request_width >= 1200 and plan.request_height >= 300
    assert "aspect ratio" in plan.explanation


@pytest.mark.parametrize("email_size", EMAIL_SIZES, ids=lambda size: size.key)
def test_gpt_image_2_never_needs_upscaling_for_email_sizes(email_size) -> None:
    plan = plan_size("gpt-image-2", email_size.width, email_size.height)

    assert plan.request_width >= email_size.width and plan.request_height >= email_size.height
    # Closest shape: no worse than rounding sides to multiples of 16 (or clamping to 3:1) costs.
    target_ratio = min(email_size.width / email_size.height, 3.0)
    assert plan.request_width / plan.request_height == pytest.approx(target_ratio, rel=0.03)


@pytest.mark.parametrize(
    ("model", "size"),
    [(name, size) for name in FIXED_MODELS for size in MODELS[name].fixed_sizes]
    + [("gpt-image-2", size) for size in ("1024x1024", "1536x1024", "2048x1024", "1280x3840", "3840x2160")],
)
def test_sizes_the_model_makes_are_requested_as_they_are(model: str, size: str) -> None:
    plan = plan_size(model, *parse_size(size))

    assert plan.request_size == size
    assert not plan.needs_fit


def test_any_size_plans_to_a_valid_request_and_covers_when_the_model_can() -> None:
    rng = random.Random(20260512)
    sizes = [(rng.randint(1, 6000), rng.randint(1, 6000)) for _ in range(400)]
    sizes += [(1, 1), (10_000, 1), (1, 10_000), (3840, 3840), (3841, 1000)]
    free = MODELS["gpt-image-2"]
    for width, height in sizes:
        for model in MODELS:
            MODELS[model].check_size(plan_size(model, width, height).request_size)
        plan = plan_size("gpt-image-2", width, height)
        ratio = max(width / height, height / width)
        largest_side = max(width, height)
        if ratio <= free.max_ratio and largest_side <= free.max_width and width * height <= free.max_pixels / 2:
            assert plan.request_width >= width and plan.request_height >= height, (width, height)


def test_equally_shaped_sizes_prefer_the_one_needing_less_upscaling(monkeypatch) -> None:
    monkeypatch.setitem(MODELS, "two-landscapes", ModelCapabilities("two-landscapes", "T", ("1024x512", "2048x1024")))

    assert plan_size("two-landscapes", 800, 800).request_size == "2048x1024"


def test_upscaling_is_named_in_the_explanation() -> None:
    plan = plan_size("gpt-image-1", 3000, 3000)

    assert plan.request_size == "1024x1024"
    assert "upscaling" in plan.explanation


@pytest.mark.parametrize(("width", "height"), [(0, 600), (600, 0), (-1, 100)])
def test_non_positive_sizes_are_refused(width: int, height: int) -> None:
    with pytest.raises(OptionsError) as caught:
        plan_size("gpt-image-1.5", width, height)
    assert caught.value.field == "size"


def test_unknown_model_is_refused() -> None:
    with pytest.raises(OptionsError) as caught:
        plan_size("dall-e-9", 600, 600)
    assert caught.value.field == "model"


def test_plan_size_for_uses_the_options_model_after_mapping_legacy_names() -> None:
    plan = plan_size_for(ImageOptions(model="dall-e-3"), 1200, 600)

    assert plan.model == "gpt-image-1.5"
    assert plan.request_size == "1536x1024"


@pytest.mark.parametrize(
    ("model", "image", "request_size", "target"),
    [
        ("gpt-image-1.5", (1024, 1024), "1024x1024", (1024, 1024)),  # exact: masks keep pixels
        ("gpt-image-1.5", (4000, 3000), "1536x1024", (1365, 1024)),  # never blown up past the request
        ("gpt-image-1.5", (400, 300), "1536x1024", (400, 300)),
        ("gpt-image-2", (1200, 800), "1200x800", (1200, 800)),
    ],
)
def test_edit_size_keeps_the_image_size_when_it_can(model, image, request_size, target):
    plan = plan_edit_size(model, *image)
    assert (plan.request_size, (plan.target_width, plan.target_height)) == (request_size, target)


def test_a_hard_crop_is_announced_in_the_prompt_and_read_back() -> None:
    from email_image_app.imagegen.sizing import composition_hint, read_composition_hint

    plan = plan_size("gpt-image-1.5", 1200, 300)  # 4:1 out of 1536x1024: three quarters are cut away
    hint = composition_hint(plan.request_size, 1200, 300)
    assert "central 1536x384 area" in hint
    prompt, kept = read_composition_hint("Winter sale banner" + hint)
    assert (prompt, kept) == ("Winter sale banner", (1536, 384))
    # No crop, or no size asked for: nothing to say.
    assert composition_hint("1024x1024", 600, 600) == ""
    assert composition_hint("auto", 1200, 300) == ""
    assert read_composition_hint("Plain prompt") == ("Plain prompt", None)
