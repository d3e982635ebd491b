"""The offline draft renderer: marketer-style email drafts drawn with Pillow, no network, no model.

`render()` draws a new image from a prompt, `edit()` transforms an uploaded image (`edit_loaded()`
does it from inputs loaded once with `load_edit_inputs()`), and `usage_for()`
reports OpenAI-style token usage. Both renderers are progressive: stage `stages - 1` is the final
image and earlier stages are coarse-to-fine previews (fewer details, then downsampled and upscaled),
each a complete image in the requested format, so the server can stream them as partial images.

Everything is deterministic: the same prompt, options and inputs give the same bytes. Any
variation comes from a `random.Random` seeded with a sha256 of the inputs, and the encoders write no
timestamps or other metadata.

This module is the engine's public face: the two renderers, the seed and the encoder. The work is in
- engine_prompt.py: reading the prompt (words, language, subject, colours) and building the palette;
- engine_draw.py: drawing a new image (scene, layouts, shapes, type) and degrading partial stages;
- engine_shapes.py: the product silhouettes beyond bottle, box and mug (shoe, bag, garment, ...);
- engine_inputs.py: an edit's uploads decoded once per request, reduced to the output size;
- engine_retouch.py: what an edit does to uploaded images (mask, colour grading, caption, insets);
- engine_usage.py: the quality and background reported back, and token usage.
"""

from __future__ import annotations

import hashlib
import io
from typing import Sequence, TypedDict, Unpack

from PIL import Image

from .engine_draw import check_stage, composition, degrade, draft_tag, draw_subject, extended, stage_detail
from .engine_prompt import COLOUR_WORDS, RGB, PromptReading, build_palette, read_prompt
from .engine_inputs import EditInputs, load_edit_inputs
from .engine_retouch import caption_band, change_region, dominant_colours, grade, reference_insets
from .engine_shapes import ASPECTS
from .engine_usage import resolve_background, resolve_quality, usage_for
from .sizing import read_composition_hint

__all__ = [
    "COLOUR_WORDS",
    "PromptReading",
    "EditInputs",
    "edit",
    "edit_loaded",
    "load_edit_inputs",
    "read_prompt",
    "render",
    "resolve_background",
    "resolve_quality",
    "usage_for",
]


def render(
    prompt: str,
    width: int,
    height: int,
    *,
    output_format: str = "png",
    background: str = "auto",
    quality: str = "auto",
    output_compression: int | None = None,
    stage: int,
    stages: int,
    variant: int = 0,
) -> bytes:
    """Draw stage `stage` of `stages` for a new image; stage `stages - 1` is the final image.

    `variant` tells apart the images of one n>1 request (it only moves decorative details). A prompt
    saying that only a central area is kept (`sizing.composition_hint`) gets its composition drawn
    inside that area, as a real model told so would, and a blurred extension of it around.
    """
    check_stage(stage, stages)
    transparent = resolve_background(background, output_format) == "transparent"
    text, kept = read_composition_hint(prompt)
    seed = _seed("render", prompt, width, height, transparent, variant)
    if kept is not None and (kept[0] < width or kept[1] < height):
        inner_size = (min(kept[0], width), min(kept[1], height))
        inner = composition(text, inner_size, seed, stage, stages, quality, transparent)
        canvas = extended(inner, width, height, transparent)
    else:
        canvas = composition(text, (width, height), seed, stage, stages, quality, transparent)
    return _encode(degrade(canvas, stage, stages), output_format, output_compression, transparent)


class StageOptions(TypedDict, total=False):
    """The drawing options `edit` passes on to `edit_loaded` (see there)."""

    output_format: str
    background: str
    quality: str
    output_compression: int | None
    stage: int
    stages: int
    variant: int


def edit(
    images: Sequence[bytes], prompt: str, width: int, height: int, *, mask: bytes | None = None, **options: Unpack[StageOptions]
) -> bytes:
    """Transform the first image according to the prompt; stage `stages - 1` is the final image.

    One-shot form of `load_edit_inputs` + `edit_loaded`; a server drawing several stages of one
    request loads the inputs once and calls `edit_loaded` per stage.
    """
    check_stage(options["stage"], options["stages"])
    return edit_loaded(load_edit_inputs(images, width, height, mask), prompt, width, height, **options)


def edit_loaded(
    inputs: EditInputs,
    prompt: str,
    width: int,
    height: int,
    *,
    output_format: str = "png",
    background: str = "auto",
    quality: str = "auto",
    output_compression: int | None = None,
    stage: int,
    stages: int,
    variant: int = 0,
) -> bytes:
    """Draw stage `stage` of an edit from inputs already at working size (`load_edit_inputs`).

    Without a mask the first image (cover-cropped to `width` x `height` when loaded) is
    colour-graded toward the prompt's palette, vignetted, and captioned with the prompt's key words;
    images 2..16 appear as small insets (and give the palette when the prompt names no colour).

    With a mask (same size as the first image; alpha 0 marks the area to change) only pixels whose
    mask alpha is 0 change: the rest is copied bit-for-bit, in every stage. Image and mask were
    cropped and scaled alike to the output size when loaded, so that guarantee holds exactly when
    the output size is the input size, which is what callers pass.
    """
    check_stage(stage, stages)
    if inputs.source.size != (width, height):
        raise ValueError(f"inputs were loaded for {inputs.source.size}, not {width}x{height}")
    reading = read_prompt(prompt)
    seed = _seed("edit", prompt, width, height, background, variant, *inputs.seed_material)
    source, references = inputs.source, list(inputs.references)
    colours = reading.colours or tuple(dominant_colours(references or [source]))
    palette = build_palette(colours, seed)
    detail = stage_detail(stage, stages, quality)
    keep_alpha = output_format != "jpeg" and (
        background == "transparent" or (background == "auto" and inputs.source_has_alpha)
    )

    if inputs.mask is not None:
        original = source.convert("RGBA")
        change = change_region(inputs.mask, original.size)
        edited = grade(original, palette, detail)
        hole = change.getbbox()
        if hole is not None:
            hx0, hy0, hx1, hy1 = hole
            # Something new where the mask is open: the prompt's product, centred in the hole.
            subject = "bottle" if reading.subject == "logo" else reading.subject
            pw, ph = (hx1 - hx0) * 0.5, (hy1 - hy0) * 0.7
            # A silhouette keeps its own proportions inside that room; the others fill it.
            pw = (hx1 - hx0) * 0.7 if subject in ASPECTS else min(pw, ph * 0.62)
            cx, cy = (hx0 + hx1) / 2, (hy0 + hy1) / 2
            draw_subject(edited, (cx - pw / 2, cy - ph / 2, cx + pw / 2, cy + ph / 2), palette, subject, detail)
        if references:
            reference_insets(edited, references)
        edited = degrade(edited, stage, stages)
        result = Image.composite(edited, original, change)
    else:
        edited = grade(source.convert("RGBA"), palette, detail)
        if detail >= 0.5:
            caption_band(edited, reading, palette, (0, height * 0.8, width, height * 0.94))
        if references:
            reference_insets(edited, references)
        if stage == stages - 1:
            draft_tag(edited, palette.ink)
        result = degrade(edited, stage, stages)
    return _encode(result, output_format, output_compression, keep_alpha)


# ---------------------------------------------------------------------------------------------
# Seeding and encoding
# ---------------------------------------------------------------------------------------------


def _flatten(image: Image.Image, colour: RGB = (255, 255, 255)) -> Image.Image:
    if image.mode != "RGBA":
        return image.convert("RGB")
    if image.getchannel("A").getextrema()[0] == 255:
        return image.convert("RGB")
    backdrop = Image.new("RGBA", image.size, colour + (255,))
    backdrop.alpha_composite(image)
    return backdrop.convert("RGB")


def _encode(image: Image.Image, output_format: str, compression: int | None, keep_alpha: bool) -> bytes:
    """Encode without metadata. `compression` is OpenAI's output_compression, read as a quality."""
    image = image if keep_alpha and output_format != "jpeg" else _flatten(image)
    buffer = io.BytesIO()
    quality = 95 if compression is None else max(1, min(100, compression))
    if output_format == "png":
        image.save(buffer, format="PNG", compress_level=6)
    elif output_format == "jpeg":
        image.save(buffer, format="JPEG", quality=quality)
    elif output_format == "webp":
        image.save(buffer, format="WEBP", quality=quality, method=4)
    else:
        raise ValueError(f"unsupported output format {output_format!r}")
    return buffer.getvalue()


def _seed(*parts: object) -> bytes:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part if isinstance(part, bytes) else repr(part).encode())
        digest.update(b"\x00")
    return digest.digest()
