"""What the offline engine reports about an image: the quality and background it counts as made
with, and its OpenAI-style token usage.

The reported quality is the one billed, and the one the drawing reads ("low" draws a little less).
"""

from __future__ import annotations

import math
from typing import Sequence


def resolve_quality(quality: str | None) -> str:
    """The quality reported back (and billed): 'auto' and unknown words count as medium."""
    quality = {"standard": "medium", "hd": "high"}.get(quality or "auto", quality or "auto")
    return quality if quality in ("low", "medium", "high") else "medium"


def resolve_background(background: str | None, output_format: str) -> str:
    """The background reported back: 'transparent' only when asked for and the format has alpha."""
    return "transparent" if background == "transparent" and output_format != "jpeg" else "opaque"


# ---------------------------------------------------------------------------------------------
# Token accounting, after OpenAI's gpt-image-1 figures
# ---------------------------------------------------------------------------------------------

# Base output tokens of GPT Image 1 / 1.5 / mini by quality and (width, height).
OUTPUT_TOKENS: dict[str, dict[tuple[int, int], int]] = {
    "low": {(1024, 1024): 272, (1024, 1536): 408, (1536, 1024): 400},
    "medium": {(1024, 1024): 1056, (1024, 1536): 1584, (1536, 1024): 1568},
    "high": {(1024, 1024): 4160, (1024, 1536): 6240, (1536, 1024): 6208},
}
PARTIAL_IMAGE_TOKENS = 100  # each preview actually sent costs 100 output tokens
IMAGE_INPUT_TOKENS_PER_MEGAPIXEL = 194  # one 1024x1024 input image, as observed on edits
_REFERENCE_AREA = 1024 * 1024


def output_tokens_for(width: int, height: int, quality: str) -> int:
    """Table value for the three classic sizes, else the 1024x1024 figure scaled by pixel area."""
    table = OUTPUT_TOKENS[resolve_quality(quality)]
    if (width, height) in table:
        return table[(width, height)]
    return max(1, round(table[(1024, 1024)] * width * height / _REFERENCE_AREA))


def text_tokens_for(prompt: str) -> int:
    """A deterministic estimate: about four characters per token."""
    return max(1, math.ceil(len(prompt) / 4))


def image_tokens_for(width: int, height: int) -> int:
    """Input tokens of one uploaded image: 194 for 1024x1024, scaled by pixel area."""
    return max(1, math.ceil(IMAGE_INPUT_TOKENS_PER_MEGAPIXEL * width * height / _REFERENCE_AREA))


def usage_for(
    prompt: str,
    width: int,
    height: int,
    quality: str,
    partial_images_sent: int,
    *,
    input_images: Sequence[tuple[int, int]] = (),
) -> dict[str, object]:
    """OpenAI's `ImagesUsage` dict for one image: output by size and quality plus 100 per partial."""
    text_tokens = text_tokens_for(prompt)
    image_tokens = sum(image_tokens_for(w, h) for w, h in input_images)
    output_tokens = output_tokens_for(width, height, quality) + PARTIAL_IMAGE_TOKENS * partial_images_sent
    input_tokens = text_tokens + image_tokens
    return {
        "input_tokens": input_tokens,
        "input_tokens_details": {"text_tokens": text_tokens, "image_tokens": image_tokens},
        "output_tokens": output_tokens,
        "total_tokens": input_tokens + output_tokens,
    }
