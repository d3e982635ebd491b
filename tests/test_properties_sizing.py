"""Property: the size planner turns any asked size into a request the model accepts, and the
result fitted from that request has exactly the asked pixels. 200 examples per property (ci)."""

from __future__ import annotations

import io

from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from email_image_app.domain import imaging
from email_image_app.imagegen.options import MODELS, OptionsError
from email_image_app.imagegen.sizing import plan_edit_size, plan_size
from tests import hypothesis_profiles  # noqa: F401  (loads the settings profile)

models = st.sampled_from(sorted(MODELS))
sides = st.integers(min_value=1, max_value=6000)


@given(model=models, width=sides, height=sides)
def test_any_size_plans_a_valid_request_for_exactly_that_size(model: str, width: int, height: int) -> None:
    plan = plan_size(model, width, height)
    MODELS[model].check_size(plan.request_size)  # the provider accepts what we ask for
    assert (plan.target_width, plan.target_height) == (width, height)
    assert plan.needs_fit == ((plan.request_width, plan.request_height) != (width, height))


@st.composite
def free_sizes(draw: st.DrawFn) -> tuple[int, int]:
    """Sizes gpt-image-2 accepts as they are: multiples of 16, ratio <= 3, within its pixel range."""
    model = MODELS["gpt-image-2"]
    width = draw(st.integers(min_value=1, max_value=model.max_width // 16)) * 16
    low = max(1, -(-width // 3 // 16), -(-model.min_pixels // width // 16))
    high = min(model.max_height // 16, width * 3 // 16, model.max_pixels // width // 16)
    if low > high:
        width, low, high = 1024, 64, 64
    return width, draw(st.integers(min_value=low, max_value=high)) * 16


@given(size=free_sizes())
def test_a_size_the_model_makes_is_requested_as_it_is(size: tuple[int, int]) -> None:
    MODELS["gpt-image-2"].check_size(f"{size[0]}x{size[1]}")
    plan = plan_size("gpt-image-2", *size)
    assert (plan.request_width, plan.request_height) == size and not plan.needs_fit


@given(model=st.sampled_from(sorted(name for name, m in MODELS.items() if not m.free_size)), data=st.data())
def test_a_fixed_size_is_requested_as_it_is(model: str, data: st.DataObject) -> None:
    size = data.draw(st.sampled_from(MODELS[model].fixed_sizes))
    width, height = (int(side) for side in size.split("x"))
    plan = plan_size(model, width, height)
    assert plan.request_size == size and not plan.needs_fit


@given(model=models, width=st.integers(1, 1600), height=st.integers(1, 1600))
def test_the_fitted_result_has_exactly_the_asked_pixels(model: str, width: int, height: int) -> None:
    plan = plan_size(model, width, height)
    # What the provider sends back has the requested size; fitting it gives the email's size.
    provider_image = io.BytesIO()
    Image.new("RGB", (plan.request_width, plan.request_height), (10, 120, 200)).save(provider_image, "PNG", compress_level=0)
    fitted = Image.open(io.BytesIO(imaging.fit_exact(provider_image.getvalue(), width, height, "png")))
    assert fitted.size == (width, height)


@given(model=models, width=sides, height=sides)
def test_an_edit_plan_keeps_the_image_proportions_without_upscaling(model: str, width: int, height: int) -> None:
    plan = plan_edit_size(model, width, height)
    MODELS[model].check_size(plan.request_size)
    assert plan.target_width <= width and plan.target_height <= height
    try:
        MODELS[model].check_size(f"{width}x{height}")
    except OptionsError:
        return
    # A size the model makes itself is edited at exactly the image's pixels.
    assert (plan.target_width, plan.target_height, plan.request_width, plan.request_height) == (width, height, width, height)
