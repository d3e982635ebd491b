"""List prices of the image models, to show what a run's tokens would cost.

Prices are USD per 1M tokens, as published on OpenAI's pricing page and relayed by third parties;
last checked 2026-09. They change: treat the figures as an estimate and update `PRICES_AS_OF` with
the table. The offline engine costs nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from email_image_app.imagegen.events import ImageUsage
from email_image_app.imagegen.options import parse_size

PRICES_AS_OF = "2026-09"


@dataclass(frozen=True)
class TokenPrices:
    text_input: float
    image_input: float
    image_output: float


PRICES: dict[str, TokenPrices] = {
    "gpt-image-2": TokenPrices(text_input=5.00, image_input=8.00, image_output=30.00),
    "gpt-image-1.5": TokenPrices(text_input=5.00, image_input=8.00, image_output=32.00),
    "gpt-image-1": TokenPrices(text_input=5.00, image_input=10.00, image_output=40.00),
    "gpt-image-1-mini": TokenPrices(text_input=2.00, image_input=2.50, image_output=8.00),
}

# Output tokens of one gpt-image-1 image by quality and size (OpenAI's published table).
OUTPUT_TOKENS: dict[str, dict[str, int]] = {
    "low": {"1024x1024": 272, "1024x1536": 408, "1536x1024": 400},
    "medium": {"1024x1024": 1056, "1024x1536": 1584, "1536x1024": 1568},
    "high": {"1024x1024": 4160, "1024x1536": 6240, "1536x1024": 6208},
}
TOKENS_PER_PARTIAL_IMAGE = 100


def output_tokens(size: str, quality: str, partial_images: int = 0) -> int:
    """Output tokens for one image: the table for native sizes, scaled by area otherwise."""
    table = OUTPUT_TOKENS.get(quality if quality in OUTPUT_TOKENS else "medium")
    if size == "auto":
        size = "1024x1024"
    if size in table:
        base = table[size]
    else:
        width, height = parse_size(size)
        base = round(table["1024x1024"] * width * height / (1024 * 1024))
    return base + TOKENS_PER_PARTIAL_IMAGE * partial_images


def cost_usd(model: str, usage: ImageUsage | None, *, offline: bool = False) -> float:
    """What `usage` would cost at the model's list price (0 for the offline engine)."""
    if offline or usage is None or model not in PRICES:
        return 0.0
    prices = PRICES[model]
    text_tokens = usage.text_tokens or max(usage.input_tokens - usage.image_tokens, 0)
    return (
        text_tokens * prices.text_input
        + usage.image_tokens * prices.image_input
        + usage.output_tokens * prices.image_output
    ) / 1_000_000


def estimate_cost_usd(model: str, size: str, quality: str, partial_images: int, prompt_chars: int) -> float:
    """A before-the-run estimate: prompt tokens at ~4 characters each plus the output table."""
    usage = ImageUsage(
        input_tokens=max(prompt_chars // 4, 1),
        text_tokens=max(prompt_chars // 4, 1),
        output_tokens=output_tokens(size, quality, partial_images),
    )
    return cost_usd(model, usage)
