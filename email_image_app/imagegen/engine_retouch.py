"""Retouching uploaded images for the offline engine's `edit()`: reading them, the area a mask opens,
colour grading toward the prompt's palette, a caption band and reference insets.
"""

from __future__ import annotations

import colorsys
from typing import Iterable, Sequence

from PIL import Image, ImageDraw, ImageOps

from .engine_draw import Box, draw_text, overlay
from .engine_prompt import BLACK, RGB, WHITE, Palette, PromptReading, mix


def has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info


def dominant_colours(images: Iterable[Image.Image], limit: int = 3) -> list[RGB]:
    """The most colourful frequent colours of some images (for a palette when the prompt names none)."""
    scored: list[tuple[float, RGB]] = []
    for image in images:
        thumb = image.convert("RGB").resize((48, 48), Image.Resampling.BOX)
        quantized = thumb.quantize(colors=4, method=Image.Quantize.MEDIANCUT)
        palette = quantized.getpalette() or []
        for count, index in quantized.getcolors() or []:
            colour = (palette[index * 3], palette[index * 3 + 1], palette[index * 3 + 2])
            _, lightness, saturation = colorsys.rgb_to_hls(*(c / 255 for c in colour))
            scored.append((count * (0.25 + saturation) * (1 - abs(lightness - 0.5)), colour))
    scored.sort(key=lambda item: (-item[0], item[1]))
    colours: list[RGB] = []
    for _, colour in scored:
        if colour not in colours:
            colours.append(colour)
    return colours[:limit]


def change_region(mask: Image.Image, size: tuple[int, int]) -> Image.Image:
    """An L image: 255 where the mask's alpha is 0 (the area to change), 0 elsewhere."""
    if mask.size != size:
        raise ValueError(f"mask is {mask.size[0]}x{mask.size[1]}, image is {size[0]}x{size[1]}")
    alpha = mask.convert("RGBA").getchannel("A")
    return alpha.point(lambda value: 255 if value == 0 else 0)


def grade(image: Image.Image, palette: Palette, detail: float) -> Image.Image:
    """Tint toward the palette and darken the edges (a vignette); keeps the image's alpha."""
    rgb = image.convert("RGB")
    toned = ImageOps.colorize(
        ImageOps.grayscale(rgb), black=mix(palette.base, BLACK, 0.75), white=mix(palette.base, WHITE, 0.85), mid=palette.base
    )
    graded = Image.blend(rgb, toned, 0.25 + 0.15 * detail)
    vignette = Image.radial_gradient("L").resize(image.size, Image.Resampling.BILINEAR)
    # 0 in the middle, up to ~45 % darkening at the corners.
    vignette = vignette.point(lambda v: 0 if v < 110 else min(115, (v - 110) * 115 // 100))
    graded = Image.composite(Image.new("RGB", image.size, mix(palette.deep, BLACK, 0.5)), graded, vignette)
    result = graded.convert("RGBA")
    result.putalpha(image.getchannel("A"))
    return result


def caption_band(canvas: Image.Image, reading: PromptReading, palette: Palette, box: Box) -> None:
    x0, y0, x1, y1 = box

    def band(layer: ImageDraw.ImageDraw) -> None:
        layer.rectangle(box, fill=palette.base + (205,))

    overlay(canvas, band)
    pad = (y1 - y0) * 0.2
    draw_text(canvas, reading.headline, (x0 + pad * 2, y0 + pad, x1 - pad * 2, y1 - pad), palette.ink, align="center", bold=True)


def inset_side(canvas_size: tuple[int, int]) -> int:
    """The side of the square thumbnails `reference_insets` draws on a canvas of that size."""
    return round(min(canvas_size) * 0.2)


def reference_insets(canvas: Image.Image, references: Sequence[Image.Image]) -> None:
    """Up to three reference images as small framed thumbnails along the top-right edge."""
    w, h = canvas.size
    side = inset_side(canvas.size)
    if side < 16:
        return
    margin, border = round(side * 0.12), max(2, side // 24)
    for i, reference in enumerate(references[:3]):
        thumb = ImageOps.fit(reference.convert("RGBA"), (side, side), Image.Resampling.BILINEAR)
        x = w - margin - (i + 1) * (side + margin)
        if x < 0:
            break
        ImageDraw.Draw(canvas).rectangle((x - border, margin - border, x + side + border - 1, margin + side + border - 1), fill=WHITE + (255,))
        canvas.alpha_composite(thumb, (x, margin))
