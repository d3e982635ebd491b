"""Size planner: the WxH an email needs → the size to ask the provider for.

Email templates want sizes such as 1200x600 or 600x600 that most image models cannot produce.
The planner picks a size the model accepts whose aspect ratio is as close as possible to the
target, preferably at least as large, so the image can be cover-cropped and downscaled to the
exact target afterwards (`imaging.fit_exact`) instead of being upscaled.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .options import ImageOptions, ModelCapabilities, OptionsError, get_model, parse_size


@dataclass(frozen=True)
class SizePlan:
    """What to request from `model` and the exact size the result must be fitted to."""

    model: str
    target_width: int
    target_height: int
    request_width: int
    request_height: int
    explanation: str

    @property
    def request_size(self) -> str:
        """The provider's `size` field, 'WxH'."""
        return f"{self.request_width}x{self.request_height}"

    @property
    def target_size(self) -> str:
        return f"{self.target_width}x{self.target_height}"

    @property
    def needs_fit(self) -> bool:
        """True when the provider's image must be cropped/resized to reach the target."""
        return (self.request_width, self.request_height) != (self.target_width, self.target_height)


def plan_size(model: str, width: int, height: int) -> SizePlan:
    """Plan the provider request for a `width`x`height` image made by `model`.

    Raises OptionsError("size", ...) for non-positive sizes and OptionsError("model", ...) for
    unknown or retired models.
    """
    if width <= 0 or height <= 0:
        raise OptionsError("size", f"Invalid size '{width}x{height}': width and height must be positive.")
    capabilities = get_model(model)
    target = f"{width}x{height}"
    try:
        capabilities.check_size(target)
    except OptionsError as error:
        reason = error.message
    else:
        return SizePlan(model, width, height, width, height, f"{model} makes {target} directly.")

    if capabilities.fixed_sizes is not None:
        request_width, request_height = _nearest_fixed_size(capabilities.fixed_sizes, width, height)
        why = f"{model} has no {target}"
    else:
        request_width, request_height = _free_size_covering(capabilities, width, height)
        why = f"{model} cannot make {target} ({_reason_detail(reason)})"
    scaling = "upscaling" if request_width < width or request_height < height else "cropping/resizing"
    explanation = f"{why}; asking for {request_width}x{request_height} and {scaling} to {target}."
    return SizePlan(model, width, height, request_width, request_height, explanation)


def plan_edit_size(model: str, width: int, height: int) -> SizePlan:
    """Plan an edit that keeps the input image's size (`size: auto` on the editor page).

    When `model` can make width x height itself, that is the request: the provider then works at
    the image's own size and a mask keeps the unmasked pixels exactly. Otherwise the result keeps
    the image's aspect ratio, at the largest size the planned request covers without upscaling
    (a 4000x3000 photo on a 1536x1024 model comes back 1365x1024, not blown up to 4000x3000).
    """
    plan = plan_size(model, width, height)
    if not plan.needs_fit:
        return plan
    scale = min(1.0, plan.request_width / width, plan.request_height / height)
    if scale == 1.0:
        return plan
    target_width, target_height = max(1, math.floor(width * scale)), max(1, math.floor(height * scale))
    explanation = (
        f"{model} cannot edit at {width}x{height}; asking for {plan.request_size} and cropping/resizing "
        f"to {target_width}x{target_height} (the image's proportions, without upscaling)."
    )
    return SizePlan(model, target_width, target_height, plan.request_width, plan.request_height, explanation)


def plan_size_for(options: ImageOptions, width: int, height: int) -> SizePlan:
    """`plan_size` for the model of `options` (legacy model names mapped as the options would be)."""
    return plan_size(options.normalized().model, width, height)


def _reason_detail(message: str) -> str:
    """The part of a check_size message after 'Invalid size ... for model: '."""
    return message.split(": ", 1)[-1].rstrip(".")


def _log_ratio_distance(width: int, height: int, target_width: int, target_height: int) -> float:
    # Comparing log ratios treats 2:1 vs 1:1 and 1:2 vs 1:1 as equally far apart.
    return abs(math.log(width / height) - math.log(target_width / target_height))


def _nearest_fixed_size(sizes: tuple[str, ...], width: int, height: int) -> tuple[int, int]:
    """The listed size with the nearest aspect ratio; ties go to the one needing less upscaling."""

    def rank(size: tuple[int, int]) -> tuple[float, float, int]:
        candidate_width, candidate_height = size
        # Scale factor to cover the target: > 1 means the provider's image must be upscaled.
        cover_scale = max(width / candidate_width, height / candidate_height)
        distance = round(_log_ratio_distance(candidate_width, candidate_height, width, height), 9)
        return distance, cover_scale, -candidate_width * candidate_height

    return min((parse_size(size) for size in sizes), key=rank)


def _ceil_to(value: float, multiple: int) -> int:
    return max(multiple, math.ceil(value / multiple - 1e-9) * multiple)


def _floor_to(value: float, multiple: int) -> int:
    return max(multiple, math.floor(value / multiple + 1e-9) * multiple)


def _free_size_covering(model: ModelCapabilities, width: int, height: int) -> tuple[int, int]:
    """A valid size for a free-size model, close in aspect to WxH and covering it where possible."""
    multiple = model.size_multiple
    # Aspect ratio the model can make that is nearest to the target's.
    ratio = min(max(width / height, 1 / model.max_ratio), model.max_ratio)
    # Smallest real-valued height at that ratio that covers the target on both sides.
    exact_height = max(height, width / ratio)
    exact_height = max(exact_height, math.sqrt(model.min_pixels / ratio))

    candidates = [
        _round_up_from_height(exact_height, ratio, multiple),
        _round_up_from_width(exact_height * ratio, ratio, multiple),
    ]
    valid = [size for size in candidates if _fits_limits(model, *size)]
    if not valid:
        # Covering would exceed the model's maximum: take the largest size at this ratio instead.
        valid = [_largest_at_ratio(model, ratio)]
    return min(valid, key=lambda size: (_log_ratio_distance(*size, width, height), size[0] * size[1]))


def _round_up_from_height(exact_height: float, ratio: float, multiple: int) -> tuple[int, int]:
    request_height = _ceil_to(exact_height, multiple)
    return _ceil_to(request_height * ratio, multiple), request_height


def _round_up_from_width(exact_width: float, ratio: float, multiple: int) -> tuple[int, int]:
    request_width = _ceil_to(exact_width, multiple)
    return request_width, _ceil_to(request_width / ratio, multiple)


def _largest_at_ratio(model: ModelCapabilities, ratio: float) -> tuple[int, int]:
    multiple = model.size_multiple
    exact_height = min(
        math.sqrt(model.max_pixels / ratio), model.max_height, model.max_width / ratio
    )
    # Round the height down first and derive the width from it (rounded down too), so that
    # rounding can neither exceed the limits nor push the ratio past max_ratio.
    request_height = _floor_to(exact_height, multiple)
    request_width = _floor_to(request_height * ratio, multiple)
    if request_width < request_height / model.max_ratio:
        request_width = _ceil_to(request_height / model.max_ratio, multiple)
    return request_width, request_height


def _fits_limits(model: ModelCapabilities, width: int, height: int) -> bool:
    try:
        model.check_size(f"{width}x{height}")
    except OptionsError:
        return False
    return True


# A request whose result is cropped hard (a 4:1 banner out of a 3:2 image) tells the provider which
# part survives, so the text and the subject are drawn inside it rather than cut off. The wording is
# plain English for a real model; the offline engine reads the same sentence back.
_CROP_HINT = " Composition: only the central {w}x{h} area of the image is kept; place all text and the main subject inside it."
_CROP_HINT_PATTERN = re.compile(r" Composition: only the central (\d+)x(\d+) area of the image is kept; place all text and the main subject inside it\.")
# Below this difference of aspect ratio the crop loses too little to mention.
_CROP_HINT_MIN_LOSS = 0.15


def kept_area(request_width: int, request_height: int, target_width: int, target_height: int) -> tuple[int, int]:
    """The central area of the provider's image that survives the cover crop to the target aspect."""
    target_ratio = target_width / target_height
    if request_width / request_height > target_ratio:
        return round(request_height * target_ratio), request_height
    return request_width, round(request_width / target_ratio)


def composition_hint(request_size: str, target_width: int, target_height: int) -> str:
    """A sentence to add to the prompt when the crop throws away much of the image; '' otherwise."""
    if request_size == "auto":
        return ""
    request_width, request_height = parse_size(request_size)
    width, height = kept_area(request_width, request_height, target_width, target_height)
    if width * height >= (1 - _CROP_HINT_MIN_LOSS) * request_width * request_height:
        return ""
    return _CROP_HINT.format(w=width, h=height)


def read_composition_hint(prompt: str) -> tuple[str, tuple[int, int] | None]:
    """(prompt without the hint, the kept area it names or None)."""
    match = _CROP_HINT_PATTERN.search(prompt)
    if match is None:
        return prompt, None
    return prompt[: match.start()] + prompt[match.end():], (int(match.group(1)), int(match.group(2)))
