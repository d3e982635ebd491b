"""Drawing a new email draft for the offline engine: the scene and its layouts, shapes, type, and the
coarse-to-fine degradation of partial stages.

The layout follows the aspect ratio: wide banner (≥ 2.5:1), header (≥ 1.5:1), square product (or
logo badge), tall poster. Type is Pillow's bundled scalable font (`ImageFont.load_default(size=)`),
the same on every machine; it has no accented glyphs, so accents are dropped when words are set
("Fête" is drawn as "Fete"). Any variation comes from the seed the caller passes.
"""

from __future__ import annotations

import math
import random
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont, ImageOps

from .engine_prompt import (
    BLACK,
    RGB,
    WHITE,
    Palette,
    PromptReading,
    build_palette,
    contrasting_ink,
    luminance,
    mix,
    read_prompt,
)
from .engine_shapes import ASPECTS, draw_silhouette, fit_in_circle, fit_subject
from .engine_usage import resolve_quality

Box = tuple[float, float, float, float]

# ---------------------------------------------------------------------------------------------
# Type and shapes
# ---------------------------------------------------------------------------------------------


_NOTDEF_PROBE = "\uffff"


@lru_cache(maxsize=512)
def _has_glyph(char: str) -> bool:
    """Whether the bundled font draws `char` (it is a Latin subset: no accented letters)."""
    font = _font(24)
    return char.isspace() or bytes(font.getmask(char)) != bytes(font.getmask(_NOTDEF_PROBE)) or font.getbbox(char) != font.getbbox(_NOTDEF_PROBE)


def _printable(text: str) -> str:
    """`text` with accents dropped ("Fête" -> "Fete") and characters the font lacks removed."""
    folded = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    folded = folded.replace("Œ", "OE").replace("œ", "oe").replace("ß", "ss")
    return "".join(ch for ch in folded if _has_glyph(ch))


@lru_cache(maxsize=64)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    # Pillow's bundled scalable font: no system fonts, same glyphs on every machine.
    return ImageFont.load_default(size=max(6, size))


def _fit_font(text: str, max_width: float, max_height: float) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """The largest bundled font size whose rendering of `text` fits in max_width x max_height."""
    reference = 100
    left, top, right, bottom = _font(reference).getbbox(text)
    width, height = max(1, right - left), max(1, bottom - top)
    size = int(reference * min(max_width / width, max_height / height))
    size = max(6, min(size, 400))
    while size > 6:
        left, top, right, bottom = _font(size).getbbox(text)
        if right - left <= max_width and bottom - top <= max_height:
            break
        size = int(size * 0.92)
    return _font(size)


def draw_text(
    canvas: Image.Image,
    text: str,
    box: Box,
    fill: RGB,
    *,
    align: str = "left",
    bold: bool = False,
) -> None:
    """Set `text` as large as fits in `box`, vertically centred; `align` is left or center."""
    x0, y0, x1, y1 = box
    text = _printable(text)
    if x1 - x0 < 4 or y1 - y0 < 4 or not text.strip():
        return
    font = _fit_font(text, x1 - x0, y1 - y0)
    size = getattr(font, "size", 10)
    stroke = max(1, round(size / 28)) if bold else 0
    draw = ImageDraw.Draw(canvas)
    y_centre = (y0 + y1) / 2
    if align == "center":
        draw.text(((x0 + x1) / 2, y_centre), text, font=font, fill=fill, anchor="mm", stroke_width=stroke, stroke_fill=fill)
    else:
        draw.text((x0, y_centre), text, font=font, fill=fill, anchor="lm", stroke_width=stroke, stroke_fill=fill)


def _gradient(size: tuple[int, int], start: RGB, end: RGB, direction: str) -> Image.Image:
    """An RGBA gradient from `start` to `end`: 'vertical', 'horizontal' or 'diagonal'."""
    ramp = Image.linear_gradient("L")  # 256x256, black at top to white at bottom
    if direction == "horizontal":
        ramp = ramp.transpose(Image.Transpose.ROTATE_90).transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    elif direction == "diagonal":
        ramp = ImageChops.add(ramp, ramp.transpose(Image.Transpose.ROTATE_90).transpose(Image.Transpose.FLIP_LEFT_RIGHT), scale=2)
    small = Image.composite(Image.new("RGBA", ramp.size, end + (255,)), Image.new("RGBA", ramp.size, start + (255,)), ramp)
    return small.resize(size, Image.Resampling.BILINEAR)


def overlay(canvas: Image.Image, paint: Callable[[ImageDraw.ImageDraw], None]) -> None:
    """Draw translucent shapes on a clear layer and composite it, so alpha blends correctly."""
    layer = Image.new("RGBA", canvas.size, (0, 0, 0, 0))
    paint(ImageDraw.Draw(layer))
    canvas.alpha_composite(layer)


def _soft_shadow(canvas: Image.Image, box: Box, opacity: int = 110) -> None:
    """A blurred ellipse under an object. Drawn at a quarter size then upscaled: blur is costly."""
    w, h = canvas.size
    scale = 4
    small = Image.new("L", (max(1, w // scale), max(1, h // scale)), 0)
    x0, y0, x1, y1 = (v / scale for v in box)
    ImageDraw.Draw(small).ellipse((x0, y0, x1, y1), fill=opacity)
    small = small.filter(ImageFilter.GaussianBlur(max(1.0, (x1 - x0) / 10)))
    alpha = small.resize((w, h), Image.Resampling.BILINEAR)
    shade = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    shade.putalpha(alpha)
    canvas.alpha_composite(shade)


def _button(canvas: Image.Image, box: Box, label: str, palette: Palette) -> None:
    x0, y0, x1, y1 = box
    radius = (y1 - y0) / 2
    ImageDraw.Draw(canvas).rounded_rectangle(box, radius=radius, fill=palette.accent)
    pad_x, pad_y = (x1 - x0) * 0.16, (y1 - y0) * 0.26
    draw_text(canvas, label, (x0 + pad_x, y0 + pad_y, x1 - pad_x, y1 - pad_y), palette.ink_on_accent, align="center", bold=True)


def draft_tag(canvas: Image.Image, ink: RGB) -> None:
    """A small, faint "offline draft" mark in the bottom-right corner."""
    w, h = canvas.size
    height = max(8, min(w, h) // 28)
    if height * 8 > w:
        return
    font = _font(height)
    text = "offline draft"
    left, top, right, bottom = font.getbbox(text)
    margin = height // 2
    position = (w - margin - (right - left), h - margin - (bottom - top) - top)

    def paint(draw: ImageDraw.ImageDraw) -> None:
        draw.text(position, text, font=font, fill=ink + (110,))

    overlay(canvas, paint)


def draw_subject(canvas: Image.Image, box: Box, palette: Palette, kind: str, detail: float) -> None:
    """A product-like shape filling `box`: a bottle, a gift box, a mug, or one of the silhouettes
    of engine_shapes (shoe, bag, garment, candle, headphones, watch), which keep their own
    proportions inside `box` (see engine_shapes.fit_subject)."""
    x0, y0, x1, y1 = box
    bw, bh = x1 - x0, y1 - y0
    if bw < 6 or bh < 6:
        return
    if kind in ASPECTS:
        draw_silhouette(canvas, box, palette, kind, detail)
        return
    draw = ImageDraw.Draw(canvas)
    body, dark, trim = palette.accent, mix(palette.accent, BLACK, 0.35), palette.accent2
    if kind == "box":
        lid_top, body_top = y0 + bh * 0.22, y0 + bh * 0.38
        draw.rectangle((x0 + bw * 0.05, body_top, x1 - bw * 0.05, y1), fill=body)
        draw.rectangle((x0, lid_top, x1, body_top), fill=dark)
        draw.rectangle((x0 + bw * 0.44, lid_top, x0 + bw * 0.56, y1), fill=trim)
        if detail >= 0.5:
            draw.rectangle((x0 + bw * 0.05, y0 + bh * 0.62, x1 - bw * 0.05, y0 + bh * 0.7), fill=trim)
            draw.ellipse((x0 + bw * 0.2, y0 + bh * 0.04, x0 + bw * 0.5, lid_top + bh * 0.02), outline=trim, width=max(2, round(bw * 0.06)))
            draw.ellipse((x0 + bw * 0.5, y0 + bh * 0.04, x0 + bw * 0.8, lid_top + bh * 0.02), outline=trim, width=max(2, round(bw * 0.06)))
    elif kind == "mug":
        mx1 = x0 + bw * 0.78
        handle_width = max(2, round(bw * 0.08))
        draw.ellipse((mx1 - bw * 0.14, y0 + bh * 0.38, x1, y0 + bh * 0.78), outline=dark, width=handle_width)
        draw.rounded_rectangle((x0, y0 + bh * 0.25, mx1, y1), radius=bw * 0.12, fill=body)
        draw.ellipse((x0, y0 + bh * 0.2, mx1, y0 + bh * 0.32), fill=dark)
        if detail >= 0.5:
            draw.rectangle((x0, y0 + bh * 0.5, mx1, y0 + bh * 0.62), fill=trim)
        if detail >= 0.75:
            for i in range(3):
                sx = x0 + bw * (0.2 + 0.2 * i)
                draw.arc((sx, y0, sx + bw * 0.14, y0 + bh * 0.18), 200, 340, fill=palette.ink, width=max(1, round(bw * 0.02)))
    else:  # bottle
        draw.rounded_rectangle((x0 + bw * 0.3, y0, x1 - bw * 0.3, y0 + bh * 0.14), radius=bw * 0.05, fill=dark)
        draw.rectangle((x0 + bw * 0.36, y0 + bh * 0.12, x1 - bw * 0.36, y0 + bh * 0.32), fill=mix(body, WHITE, 0.2))
        draw.rounded_rectangle((x0, y0 + bh * 0.28, x1, y1), radius=bw * 0.2, fill=body)
        if detail >= 0.5:
            draw.rectangle((x0, y0 + bh * 0.55, x1, y0 + bh * 0.8), fill=trim)
    if detail >= 0.75:
        # A glossy highlight: what makes a flat shape read as a product.
        def paint(layer: ImageDraw.ImageDraw) -> None:
            layer.rounded_rectangle(
                (x0 + bw * 0.1, y0 + bh * 0.36, x0 + bw * 0.18, y1 - bh * 0.1), radius=bw * 0.04, fill=(255, 255, 255, 80)
            )

        overlay(canvas, paint)


# ---------------------------------------------------------------------------------------------
# Layouts. Each draws the final composition at `detail` 1.0; previews pass less.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Scene:
    canvas: Image.Image
    palette: Palette
    reading: PromptReading
    rng: random.Random
    detail: float
    transparent: bool

    @property
    def size(self) -> tuple[int, int]:
        return self.canvas.size

    @property
    def ink(self) -> RGB:
        """Text colour: contrasting with the backdrop, or a deep shade of the base when there is none."""
        if not self.transparent:
            return self.palette.ink
        base = self.palette.base
        return mix(base, BLACK, 0.45) if luminance(base) > 0.45 else base

    def backdrop(self, direction: str) -> None:
        if not self.transparent:
            self.canvas.alpha_composite(_gradient(self.size, self.palette.base, self.palette.deep, direction))


def _layout_banner(scene: _Scene) -> None:
    """Wide banner: horizontal bands, headline on the left, the product in a circle on the right (a
    logo prompt has no product: its button sits on the circle)."""
    w, h = scene.size
    palette, rng = scene.palette, scene.rng
    scene.backdrop("horizontal")
    draw = ImageDraw.Draw(scene.canvas)
    if not scene.transparent:
        draw.rectangle((0, h * 0.86, w, h * 0.92), fill=palette.accent)
        draw.rectangle((0, h * 0.94, w, h), fill=palette.accent2)
    cx, cy = w * (0.8 + rng.uniform(-0.03, 0.03)), h * 0.45
    radius = h * 0.5
    # A product (drawn in the accent colour) stands in the big circle: give the circle a tint of it.
    disc = palette.accent if scene.reading.subject == "logo" else _tint_behind(palette.accent)

    def circles(layer: ImageDraw.ImageDraw) -> None:
        layer.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=disc + (200,))
        r2 = radius * 0.55
        layer.ellipse((cx + radius * 0.45 - r2, cy - radius * 0.55 - r2, cx + radius * 0.45 + r2, cy - radius * 0.55 + r2), fill=palette.accent2 + (190,))
        for _ in range(round(6 * scene.detail)):
            dx, dy, r3 = rng.uniform(w * 0.6, w * 0.98), rng.uniform(h * 0.1, h * 0.8), rng.uniform(h * 0.03, h * 0.07)
            layer.ellipse((dx - r3, dy - r3, dx + r3, dy + r3), fill=palette.ink + (90,))

    overlay(scene.canvas, circles)
    draw_text(scene.canvas, scene.reading.headline.upper(), (w * 0.05, h * 0.14, w * 0.58, h * 0.56), scene.ink, bold=True)
    if scene.reading.subject == "logo":
        # No product: the button sits on the circle.
        if scene.detail >= 0.5:
            draw_text(scene.canvas, scene.reading.subline, (w * 0.05, h * 0.6, w * 0.5, h * 0.78), scene.ink)
        if scene.detail >= 0.66:
            bw, bh = min(w * 0.16, h * 1.2), h * 0.3
            _button(scene.canvas, (cx - bw / 2, cy - bh / 2 + h * 0.08, cx + bw / 2, cy + bh / 2 + h * 0.08), scene.reading.call_to_action, _on_circle(palette))
        return
    # The product stands in the circle; the button goes beside the subline.
    product = fit_in_circle(scene.reading.subject, cx, cy, radius * 0.78)
    _soft_shadow(scene.canvas, (product[0] - h * 0.04, product[3] - h * 0.035, product[2] + h * 0.04, product[3] + h * 0.035))
    draw_subject(scene.canvas, product, palette, scene.reading.subject, scene.detail)
    bw, bh = min(w * 0.16, h * 1.2), h * 0.22
    if scene.detail >= 0.5:
        draw_text(scene.canvas, scene.reading.subline, (w * 0.05, h * 0.6, w * 0.41, h * 0.78), scene.ink)
    if scene.detail >= 0.66:
        bx = w * 0.44
        _button(scene.canvas, (bx, h * 0.6, bx + bw, h * 0.6 + bh), scene.reading.call_to_action, palette)


def _tint_behind(colour: RGB) -> RGB:
    """A shade of `colour` that a shape in `colour` stands out on: lighter, or darker if it is light."""
    return mix(colour, WHITE, 0.62) if luminance(colour) < 0.5 else mix(colour, BLACK, 0.38)


def _on_circle(palette: Palette) -> Palette:
    """The button sits on an accent circle, so give it the backdrop colour instead of the accent."""
    return Palette(palette.base, palette.deep, palette.deep, palette.accent2, palette.ink, contrasting_ink(palette.deep))


def _layout_header(scene: _Scene) -> None:
    """Email header (about 2:1): gradient backdrop, big headline, subline, a button, product on the right."""
    w, h = scene.size
    palette, rng = scene.palette, scene.rng
    scene.backdrop("diagonal")
    cx, cy, radius = w * 0.78, h * (0.45 + rng.uniform(-0.04, 0.04)), h * 0.42

    def shapes(layer: ImageDraw.ImageDraw) -> None:
        layer.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=palette.accent2 + (150,))
        ring = radius * 1.18
        layer.ellipse((cx - ring, cy - ring, cx + ring, cy + ring), outline=palette.ink + (70,), width=max(1, round(h * 0.008)))
        for _ in range(round(5 * scene.detail)):
            dx, dy, r = rng.uniform(w * 0.55, w * 0.97), rng.uniform(h * 0.05, h * 0.95), rng.uniform(h * 0.01, h * 0.03)
            layer.ellipse((dx - r, dy - r, dx + r, dy + r), fill=palette.ink + (110,))

    overlay(scene.canvas, shapes)
    if scene.reading.subject in ASPECTS:
        product = fit_in_circle(scene.reading.subject, cx, cy, radius * 0.9)
    else:
        product = (cx - radius * 0.42, cy - radius * 0.8, cx + radius * 0.42, cy + radius * 0.78)
    _soft_shadow(scene.canvas, (product[0] - radius * 0.1, product[3] - h * 0.04, product[2] + radius * 0.1, product[3] + h * 0.04))
    draw_subject(scene.canvas, product, palette, scene.reading.subject, scene.detail)
    # Text stops short of the ring around the product, whatever the aspect: a long headline shrinks.
    text_right = min(w * 0.56, cx - radius * 1.18 - w * 0.03)
    draw_text(scene.canvas, scene.reading.headline, (w * 0.06, h * 0.16, text_right, h * 0.46), scene.ink, bold=True)
    if scene.detail >= 0.5:
        draw_text(scene.canvas, scene.reading.subline, (w * 0.06, h * 0.5, min(w * 0.5, text_right), h * 0.6), scene.ink)
    if scene.detail >= 0.66:
        _button(scene.canvas, (w * 0.06, h * 0.68, w * 0.06 + min(w * 0.2, h * 0.55), h * 0.8), scene.reading.call_to_action, palette)


def _layout_product(scene: _Scene) -> None:
    """Square or tall product shot: product on a plinth with a soft shadow, caption around it."""
    w, h = scene.size
    palette = scene.palette
    tall = h >= w * 1.4
    scene.backdrop("vertical")
    plinth_top = h * (0.58 if tall else 0.72)
    plinth_rx, plinth_ry = w * 0.3, h * (0.035 if tall else 0.05)
    plinth_height = h * (0.07 if tall else 0.1)
    cx = w / 2
    plinth_colour = mix(palette.base, WHITE, 0.55) if luminance(palette.base) < 0.7 else mix(palette.base, BLACK, 0.15)
    draw = ImageDraw.Draw(scene.canvas)
    side = mix(plinth_colour, BLACK, 0.18)
    draw.rectangle((cx - plinth_rx, plinth_top, cx + plinth_rx, plinth_top + plinth_height), fill=side)
    draw.ellipse((cx - plinth_rx, plinth_top + plinth_height - plinth_ry, cx + plinth_rx, plinth_top + plinth_height + plinth_ry), fill=side)
    draw.ellipse((cx - plinth_rx, plinth_top - plinth_ry, cx + plinth_rx, plinth_top + plinth_ry), fill=plinth_colour)
    product_height = plinth_top - h * (0.12 if tall else 0.2)
    if scene.reading.subject in ASPECTS:
        product = fit_subject(scene.reading.subject, (cx - w * 0.29, plinth_top - product_height, cx + w * 0.29, plinth_top))
        product_width = product[2] - product[0]
    else:
        product_width = min(w * 0.32, product_height * 0.62)
        product = (cx - product_width / 2, plinth_top - product_height, cx + product_width / 2, plinth_top)
    shadow_rx = min(product_width * 0.7, plinth_rx * 0.95)
    _soft_shadow(scene.canvas, (cx - shadow_rx, plinth_top - plinth_ry * 0.6, cx + shadow_rx, plinth_top + plinth_ry * 0.6), opacity=140)
    draw_subject(scene.canvas, product, palette, scene.reading.subject, scene.detail)
    if tall:
        draw_text(scene.canvas, scene.reading.headline, (w * 0.08, h * 0.7, w * 0.92, h * 0.8), scene.ink, align="center", bold=True)
        if scene.detail >= 0.5:
            draw_text(scene.canvas, scene.reading.subline, (w * 0.12, h * 0.81, w * 0.88, h * 0.85), scene.ink, align="center")
        if scene.detail >= 0.66:
            _button(scene.canvas, (w * 0.3, h * 0.88, w * 0.7, h * 0.94), scene.reading.call_to_action, palette)
    else:
        draw_text(scene.canvas, scene.reading.headline, (w * 0.08, h * 0.04, w * 0.92, h * 0.16), scene.ink, align="center", bold=True)
        if scene.detail >= 0.5:
            draw_text(scene.canvas, scene.reading.subline, (w * 0.15, h * 0.88, w * 0.85, h * 0.95), scene.ink, align="center")


def _layout_logo(scene: _Scene) -> None:
    """Logo-ish: a round badge with a monogram, the name underneath."""
    w, h = scene.size
    palette = scene.palette
    if not scene.transparent:
        scene.canvas.alpha_composite(_gradient(scene.size, mix(palette.base, WHITE, 0.9), mix(palette.base, WHITE, 0.78), "vertical"))
    cx, cy, radius = w / 2, h * 0.42, min(w, h) * 0.3
    draw = ImageDraw.Draw(scene.canvas)
    ring = max(2, round(radius * 0.07))
    draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=palette.base, outline=palette.accent2, width=ring)
    inner = radius * 0.84
    draw.ellipse((cx - inner, cy - inner, cx + inner, cy + inner), outline=contrasting_ink(palette.base), width=max(1, ring // 3))
    if scene.detail >= 0.75:
        dot = radius * 0.035
        for i in range(12):
            angle = 2 * math.pi * i / 12
            dx, dy = cx + math.cos(angle) * radius * 0.92, cy + math.sin(angle) * radius * 0.92
            draw.ellipse((dx - dot, dy - dot, dx + dot, dy + dot), fill=palette.accent2)
    initials = "".join(word[0] for word in scene.reading.words[:2]).upper() or "A"
    draw_text(scene.canvas, initials, (cx - inner * 0.7, cy - inner * 0.5, cx + inner * 0.7, cy + inner * 0.5), contrasting_ink(palette.base), align="center", bold=True)
    name_ink = palette.base if luminance(palette.base) < 0.6 else mix(palette.base, BLACK, 0.5)
    draw_text(scene.canvas, scene.reading.headline, (w * 0.12, h * 0.78, w * 0.88, h * 0.9), name_ink, align="center", bold=True)


def _layout_for(width: int, height: int, reading: PromptReading) -> Callable[[_Scene], None]:
    ratio = width / height
    if ratio >= 2.5:
        return _layout_banner
    if ratio >= 1.5:
        return _layout_header
    if reading.subject == "logo" and ratio > 0.67:
        return _layout_logo
    return _layout_product


# ---------------------------------------------------------------------------------------------
# Compositions: a prompt drawn at a size, and an extension around it
# ---------------------------------------------------------------------------------------------


def composition(
    prompt: str, size: tuple[int, int], seed: bytes, stage: int, stages: int, quality: str, transparent: bool
) -> Image.Image:
    """The prompt laid out on a clear `size` canvas, at the stage's detail; the final stage is tagged as a draft."""
    reading = read_prompt(prompt)
    palette = build_palette(reading.colours, seed)
    canvas = Image.new("RGBA", size, (0, 0, 0, 0))
    scene = _Scene(canvas, palette, reading, random.Random(seed), stage_detail(stage, stages, quality), transparent)
    _layout_for(size[0], size[1], reading)(scene)
    if stage == stages - 1:
        draft_tag(canvas, scene.ink)
    return canvas


def extended(inner: Image.Image, width: int, height: int, transparent: bool) -> Image.Image:
    """`inner` centred on a `width`x`height` canvas: transparent around it, or its own blurred cover."""
    if transparent:
        canvas = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    else:
        canvas = ImageOps.fit(inner, (width, height), Image.BILINEAR).filter(ImageFilter.GaussianBlur(24))
    canvas.paste(inner, ((width - inner.width) // 2, (height - inner.height) // 2), inner)
    return canvas


# ---------------------------------------------------------------------------------------------
# Stages
# ---------------------------------------------------------------------------------------------


def check_stage(stage: int, stages: int) -> None:
    if stages < 1 or not 0 <= stage < stages:
        raise ValueError(f"stage must be in 0..{stages - 1}, got {stage}")


def stage_detail(stage: int, stages: int, quality: str) -> float:
    """How much detail a stage draws: 1.0 for the final (a bit less for low quality)."""
    final = 0.7 if resolve_quality(quality) == "low" else 1.0
    if stage == stages - 1:
        return final
    return final * (stage + 1) / stages


def degrade(image: Image.Image, stage: int, stages: int) -> Image.Image:
    """Coarse-to-fine previews: 1/3 resolution just before the final, 1/9 before that, and so on.

    The coarsest previews are upscaled as mosaics, the last one smoothly, like a picture coming
    into focus.
    """
    distance = stages - 1 - stage
    if distance <= 0:
        return image
    w, h = image.size
    factor = 3**distance
    small_size = (max(8, round(w / factor)), max(8, round(h / factor)))
    if small_size[0] >= w or small_size[1] >= h:
        small_size = (max(1, w // 2), max(1, h // 2))
    small = image.resize(small_size, Image.Resampling.BOX)
    upscale = Image.Resampling.NEAREST if distance >= 2 else Image.Resampling.BILINEAR
    return small.resize((w, h), upscale)
