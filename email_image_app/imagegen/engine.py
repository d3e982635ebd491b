"""The offline draft renderer: marketer-style email drafts drawn with Pillow, no network, no model.

`render()` draws a new image from a prompt, `edit()` transforms an uploaded image, and `usage_for()`
reports OpenAI-style token usage. Both renderers are progressive: stage `stages - 1` is the final
image and earlier stages are coarse-to-fine previews (fewer details, then downsampled and upscaled),
each a complete image in the requested format, so the server can stream them as partial images.

Everything is deterministic: the same prompt, options and inputs give the same bytes. Any
variation comes from a `random.Random` seeded with a sha256 of the inputs, and the encoders write no
timestamps or other metadata.

The prompt is read for:
- colour words (English and French) and mood words (summer/été, christmas/noël, sale/soldes, ...):
  they set the palette; without any, the palette comes from the prompt's hash;
- its salient words (stop words dropped in both languages): they are set as headline and subline;
- a few subject words: "logo" gives a monogram badge, "gift"/"cadeau" a box, "coffee"/"tasse" a mug,
  anything else a bottle-like product.

The layout follows the aspect ratio: wide banner (≥ 2.5:1), header (≥ 1.5:1), square product (or
logo badge), tall poster. Type is Pillow's bundled scalable font (`ImageFont.load_default(size=)`),
the same on every machine; it has no accented glyphs, so accents are dropped when words are set
("Fête" is drawn as "Fete").
"""

from __future__ import annotations

import colorsys
import hashlib
import io
import math
import random
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Iterable, Sequence

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont, ImageOps

from .sizing import read_composition_hint

RGB = tuple[int, int, int]
Box = tuple[float, float, float, float]

WHITE: RGB = (250, 250, 247)
BLACK: RGB = (22, 22, 28)

# ---------------------------------------------------------------------------------------------
# Reading the prompt
# ---------------------------------------------------------------------------------------------

# Keys are lower-case and accent-free (see `_fold`), so "doré", "dore" and "DORÉ" all match "dore".
COLOUR_WORDS: dict[str, RGB] = {
    **dict.fromkeys(("red", "rouge", "rouges"), (204, 36, 52)),
    **dict.fromkeys(("blue", "bleu", "bleue", "bleus"), (34, 98, 204)),
    **dict.fromkeys(("green", "vert", "verte", "verts"), (38, 140, 84)),
    **dict.fromkeys(("gold", "golden", "dore", "doree", "dores"), (212, 172, 52)),
    **dict.fromkeys(("pink", "rose", "roses"), (236, 110, 160)),
    **dict.fromkeys(("purple", "violet", "violette", "mauve"), (122, 62, 170)),
    **dict.fromkeys(("orange", "oranges"), (245, 128, 30)),
    **dict.fromkeys(("black", "noir", "noire", "noirs"), (24, 24, 30)),
    **dict.fromkeys(("white", "blanc", "blanche", "blancs"), (248, 248, 244)),
    **dict.fromkeys(("teal", "sarcelle"), (0, 128, 128)),
    **dict.fromkeys(("navy", "marine"), (22, 36, 84)),
    **dict.fromkeys(("beige", "sand", "sable"), (226, 206, 168)),
    **dict.fromkeys(("silver", "argent", "argente", "argentee"), (190, 192, 202)),
    **dict.fromkeys(("yellow", "jaune", "jaunes"), (248, 206, 44)),
    **dict.fromkeys(("brown", "marron", "brun", "brune", "chocolate", "chocolat"), (120, 78, 46)),
    **dict.fromkeys(("grey", "gray", "gris", "grise"), (128, 128, 134)),
    **dict.fromkeys(("turquoise", "cyan", "aqua"), (52, 196, 196)),
    **dict.fromkeys(("cream", "creme", "ivory", "ivoire"), (250, 240, 214)),
    **dict.fromkeys(("coral", "corail"), (255, 112, 96)),
    **dict.fromkeys(("mint", "menthe"), (150, 222, 188)),
    **dict.fromkeys(("burgundy", "bordeaux", "wine"), (128, 16, 40)),
    **dict.fromkeys(("lavender", "lavande", "lilac", "lilas"), (182, 160, 222)),
    **dict.fromkeys(("magenta", "fuchsia"), (210, 30, 150)),
    **dict.fromkeys(("olive",), (120, 128, 48)),
    **dict.fromkeys(("peach", "peche"), (255, 190, 150)),
}

# Mood words bring a whole palette; named colours (above) take precedence over them.
MOOD_PALETTES: dict[str, tuple[RGB, ...]] = {
    **dict.fromkeys(("summer", "ete", "beach", "plage", "sun", "soleil"), ((255, 180, 0), (0, 164, 200), (255, 104, 104))),
    **dict.fromkeys(("winter", "hiver", "snow", "neige", "ski"), ((196, 222, 244), (36, 76, 140), (255, 255, 255))),
    **dict.fromkeys(("christmas", "xmas", "noel", "holiday", "holidays", "fetes"), ((176, 30, 36), (18, 108, 60), (214, 174, 56))),
    **dict.fromkeys(("sale", "sales", "soldes", "promo", "promotion", "discount", "deal", "deals"), ((218, 22, 58), (20, 20, 24), (255, 212, 0))),
    **dict.fromkeys(("spring", "printemps", "easter", "paques"), ((250, 196, 214), (124, 196, 120), (255, 240, 170))),
    **dict.fromkeys(("autumn", "fall", "automne"), ((196, 92, 30), (120, 70, 36), (236, 176, 70))),
    **dict.fromkeys(("halloween",), ((240, 120, 20), (26, 22, 30), (110, 50, 150))),
    **dict.fromkeys(("valentine", "valentines", "valentin", "love", "amour"), ((224, 40, 90), (255, 190, 210), (150, 20, 50))),
    **dict.fromkeys(("luxury", "luxe", "premium", "prestige"), ((20, 20, 24), (200, 164, 70), (240, 232, 214))),
    **dict.fromkeys(("eco", "nature", "organic", "bio", "garden", "jardin"), ((70, 140, 70), (236, 226, 196), (150, 190, 90))),
    **dict.fromkeys(("ocean", "sea", "mer", "ocean"), ((0, 110, 160), (120, 210, 220), (250, 240, 220))),
}

_STOP_WORDS_EN = frozenset(
    """a an the and or but of for with without in on at to by from into onto over under about as is are be
    been this that these those it its our your my their his her we you i me us they them some any very more most
    all just like using use featuring feature feat make create generate design draw show render please
    made give get put add want need should would could can will one two""".split()
)
_STOP_WORDS_FR = frozenset(
    """un une le la les l d de du des et ou mais au aux en dans sur sous pour par avec sans ce cet cette ces
    son sa ses notre nos votre vos leur leurs mon ma mes je tu il elle nous vous ils elles on qui que quoi
    est sont etre faire fais faites creer cree creez genere generer generez dessine dessiner montre montrer
    tres plus tout tous toute toutes y ne pas se s c j m n t qu""".split()
)
# Words about the image itself rather than what it sells: never headline material.
_LAYOUT_WORDS = frozenset(
    """image images picture photo photos photograph illustration banner banners header hero email emails mail
    newsletter background backdrop graphic visual poster flyer ad advert advertisement template mockup layout
    wide square format size text title headline caption font minimal minimalist modern clean simple beautiful
    elegant professional quality detailed hd realistic photorealistic vibrant bright soft light dark color
    colour colors colours tone tones palette shade theme themed style styled draft product shot render
    banniere bannieres entete tete visuel fond arriere plan affiche moderne minimaliste elegante beau belle
    couleur couleurs ton tons theme courriel infolettre lettre texte titre produit clair claire fonce foncee
    logo logotype monogram monogramme icon icone emblem embleme badge
    marketing showcase campaign promotional promo campagne vitrine""".split()
)
_LOGO_WORDS = frozenset(("logo", "logotype", "monogram", "monogramme", "icon", "icone", "emblem", "embleme", "badge"))
_BOX_WORDS = frozenset(("gift", "gifts", "box", "boxes", "cadeau", "cadeaux", "coffret", "package", "parcel", "colis"))
_MUG_WORDS = frozenset(("coffee", "cafe", "tea", "the", "mug", "mugs", "cup", "tasse", "tasses", "latte", "espresso"))
_FRENCH_HINT = re.compile(r"[éèêàçùâîôœ]", re.IGNORECASE)
_MARKER = re.compile(r"\[\[[^\]]*\]\]")
_TOKEN = re.compile(r"\d+\s?%|[^\W\d_]+", re.UNICODE)


def _fold(word: str) -> str:
    """Lower-case without accents, for table look-ups ("Été" -> "ete")."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@dataclass(frozen=True)
class PromptReading:
    """What the renderer takes from a prompt."""

    words: tuple[str, ...]  # 0–5 salient words in display case
    colours: tuple[RGB, ...]  # named colours, in prompt order, then mood colours
    french: bool
    subject: str  # "logo" | "box" | "mug" | "bottle"

    @property
    def headline(self) -> str:
        if not self.words:
            return "Votre titre" if self.french else "Your headline"
        return " ".join(self.words[:3] if len(self.words) <= 3 else self.words[:2])

    @property
    def subline(self) -> str:
        if len(self.words) > 3:
            return " · ".join(self.words[2:5])
        return "Découvrez la collection" if self.french else "Discover the collection"

    @property
    def call_to_action(self) -> str:
        return "Découvrir" if self.french else "Shop now"


@lru_cache(maxsize=256)
def read_prompt(prompt: str) -> PromptReading:
    text = _MARKER.sub(" ", prompt).replace("’", " ").replace("'", " ")
    tokens = _TOKEN.findall(text)
    folded = [_fold(token) for token in tokens]
    french_votes = sum(word in _STOP_WORDS_FR for word in folded)
    english_votes = sum(word in _STOP_WORDS_EN for word in folded)
    french = french_votes > english_votes or (french_votes == english_votes and bool(_FRENCH_HINT.search(text)))

    colours: list[RGB] = []
    moods: list[RGB] = []
    salient: list[str] = []
    colour_names: list[str] = []
    seen: set[str] = set()
    for token, word in zip(tokens, folded):
        # "or" is gold only in French prompts; in English it is a conjunction.
        colour = COLOUR_WORDS.get(word) or ((212, 172, 52) if french and word == "or" else None)
        if colour is not None:
            if colour not in colours:
                colours.append(colour)
            colour_names.append(token)
            continue
        moods.extend(c for c in MOOD_PALETTES.get(word, ()) if c not in moods)
        if word in _STOP_WORDS_EN or word in _STOP_WORDS_FR or word in _LAYOUT_WORDS or word in seen:
            continue
        if len(word) < 2 and not word.isdigit():
            continue
        seen.add(word)
        salient.append(token.replace(" ", "") if any(ch.isupper() for ch in token[1:]) or token.isupper()
                       else token[:1].upper() + token[1:])
    if not salient:
        salient = [name.capitalize() for name in colour_names]

    words_set = set(folded)
    if words_set & _LOGO_WORDS:
        subject = "logo"
    elif words_set & _BOX_WORDS:
        subject = "box"
    elif words_set & _MUG_WORDS:
        subject = "mug"
    else:
        subject = "bottle"
    palette_colours = tuple(colours) + tuple(c for c in moods if c not in colours)
    return PromptReading(tuple(salient[:5]), palette_colours, french, subject)


# ---------------------------------------------------------------------------------------------
# Palette
# ---------------------------------------------------------------------------------------------


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    """Linear mix: t=0 gives a, t=1 gives b."""
    return (round(a[0] + (b[0] - a[0]) * t), round(a[1] + (b[1] - a[1]) * t), round(a[2] + (b[2] - a[2]) * t))


def _luminance(c: RGB) -> float:
    return (0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]) / 255


def _hls(h: float, l: float, s: float) -> RGB:
    r, g, b = colorsys.hls_to_rgb(h % 1.0, l, s)
    return (round(r * 255), round(g * 255), round(b * 255))


def _contrasting_ink(background: RGB) -> RGB:
    return WHITE if _luminance(background) < 0.58 else BLACK


@dataclass(frozen=True)
class Palette:
    base: RGB  # the dominant colour (backdrop)
    deep: RGB  # second backdrop colour (gradient end), same hue as base
    accent: RGB  # shapes, button, product
    accent2: RGB  # secondary shapes, ribbons, rings
    ink: RGB  # text on the backdrop
    ink_on_accent: RGB  # text on the button

    @property
    def mean_backdrop(self) -> RGB:
        return _mix(self.base, self.deep, 0.5)


def build_palette(colours: Sequence[RGB], seed: bytes) -> Palette:
    """A palette led by the first named colour, or derived from `seed` when the prompt names none."""
    if colours:
        base = colours[0]
    else:
        hue = seed[0] / 255
        base = _hls(hue, 0.42 + seed[1] / 255 * 0.16, 0.5 + seed[2] / 255 * 0.3)
        colours = [base, _hls(hue + 0.5, 0.6, 0.7), _hls(hue + 0.1, 0.82, 0.45)]
    # Keep the backdrop in the base hue so the named colour dominates the picture.
    deep = _mix(base, WHITE, 0.3) if _luminance(base) < 0.12 else _mix(base, BLACK, 0.4)
    if len(colours) >= 2:
        accent = colours[1]
    else:
        accent = _mix(base, WHITE, 0.78) if _luminance(base) < 0.55 else _mix(base, BLACK, 0.55)
    accent2 = colours[2] if len(colours) >= 3 else _mix(accent, base, 0.45)
    ink = _contrasting_ink(_mix(base, deep, 0.5))
    return Palette(base, deep, accent, accent2, ink, _contrasting_ink(accent))


# ---------------------------------------------------------------------------------------------
# Drawing helpers
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


def _draw_text(
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


def _overlay(canvas: Image.Image, paint: Callable[[ImageDraw.ImageDraw], None]) -> None:
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
    _draw_text(canvas, label, (x0 + pad_x, y0 + pad_y, x1 - pad_x, y1 - pad_y), palette.ink_on_accent, align="center", bold=True)


def _draft_tag(canvas: Image.Image, ink: RGB) -> None:
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

    _overlay(canvas, paint)


def _draw_subject(canvas: Image.Image, box: Box, palette: Palette, kind: str, detail: float) -> None:
    """A product-like shape filling `box`: a bottle, a gift box or a mug."""
    x0, y0, x1, y1 = box
    bw, bh = x1 - x0, y1 - y0
    if bw < 6 or bh < 6:
        return
    draw = ImageDraw.Draw(canvas)
    body, dark, trim = palette.accent, _mix(palette.accent, BLACK, 0.35), palette.accent2
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
        draw.rectangle((x0 + bw * 0.36, y0 + bh * 0.12, x1 - bw * 0.36, y0 + bh * 0.32), fill=_mix(body, WHITE, 0.2))
        draw.rounded_rectangle((x0, y0 + bh * 0.28, x1, y1), radius=bw * 0.2, fill=body)
        if detail >= 0.5:
            draw.rectangle((x0, y0 + bh * 0.55, x1, y0 + bh * 0.8), fill=trim)
    if detail >= 0.75:
        # A glossy highlight: what makes a flat shape read as a product.
        def paint(layer: ImageDraw.ImageDraw) -> None:
            layer.rounded_rectangle(
                (x0 + bw * 0.1, y0 + bh * 0.36, x0 + bw * 0.18, y1 - bh * 0.1), radius=bw * 0.04, fill=(255, 255, 255, 80)
            )

        _overlay(canvas, paint)


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
        return _mix(base, BLACK, 0.45) if _luminance(base) > 0.45 else base

    def backdrop(self, direction: str) -> None:
        if not self.transparent:
            self.canvas.alpha_composite(_gradient(self.size, self.palette.base, self.palette.deep, direction))


def _layout_banner(scene: _Scene) -> None:
    """Wide banner: horizontal bands, headline on the left, accent shapes on the right."""
    w, h = scene.size
    palette, rng = scene.palette, scene.rng
    scene.backdrop("horizontal")
    draw = ImageDraw.Draw(scene.canvas)
    if not scene.transparent:
        draw.rectangle((0, h * 0.86, w, h * 0.92), fill=palette.accent)
        draw.rectangle((0, h * 0.94, w, h), fill=palette.accent2)
    cx, cy = w * (0.8 + rng.uniform(-0.03, 0.03)), h * 0.45
    radius = h * 0.5

    def circles(layer: ImageDraw.ImageDraw) -> None:
        layer.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=palette.accent + (200,))
        r2 = radius * 0.55
        layer.ellipse((cx + radius * 0.45 - r2, cy - radius * 0.55 - r2, cx + radius * 0.45 + r2, cy - radius * 0.55 + r2), fill=palette.accent2 + (190,))
        for _ in range(round(6 * scene.detail)):
            dx, dy, r3 = rng.uniform(w * 0.6, w * 0.98), rng.uniform(h * 0.1, h * 0.8), rng.uniform(h * 0.03, h * 0.07)
            layer.ellipse((dx - r3, dy - r3, dx + r3, dy + r3), fill=palette.ink + (90,))

    _overlay(scene.canvas, circles)
    _draw_text(scene.canvas, scene.reading.headline.upper(), (w * 0.05, h * 0.14, w * 0.58, h * 0.56), scene.ink, bold=True)
    if scene.detail >= 0.5:
        _draw_text(scene.canvas, scene.reading.subline, (w * 0.05, h * 0.6, w * 0.5, h * 0.78), scene.ink)
    if scene.detail >= 0.66:
        bw, bh = min(w * 0.16, h * 1.2), h * 0.3
        _button(scene.canvas, (cx - bw / 2, cy - bh / 2 + h * 0.08, cx + bw / 2, cy + bh / 2 + h * 0.08), scene.reading.call_to_action, _on_circle(palette))


def _on_circle(palette: Palette) -> Palette:
    """The button sits on an accent circle, so give it the backdrop colour instead of the accent."""
    return Palette(palette.base, palette.deep, palette.deep, palette.accent2, palette.ink, _contrasting_ink(palette.deep))


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

    _overlay(scene.canvas, shapes)
    product = (cx - radius * 0.42, cy - radius * 0.8, cx + radius * 0.42, cy + radius * 0.78)
    _soft_shadow(scene.canvas, (product[0] - radius * 0.1, product[3] - h * 0.04, product[2] + radius * 0.1, product[3] + h * 0.04))
    _draw_subject(scene.canvas, product, palette, scene.reading.subject, scene.detail)
    _draw_text(scene.canvas, scene.reading.headline, (w * 0.06, h * 0.16, w * 0.56, h * 0.46), scene.ink, bold=True)
    if scene.detail >= 0.5:
        _draw_text(scene.canvas, scene.reading.subline, (w * 0.06, h * 0.5, w * 0.5, h * 0.6), scene.ink)
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
    plinth_colour = _mix(palette.base, WHITE, 0.55) if _luminance(palette.base) < 0.7 else _mix(palette.base, BLACK, 0.15)
    draw = ImageDraw.Draw(scene.canvas)
    side = _mix(plinth_colour, BLACK, 0.18)
    draw.rectangle((cx - plinth_rx, plinth_top, cx + plinth_rx, plinth_top + plinth_height), fill=side)
    draw.ellipse((cx - plinth_rx, plinth_top + plinth_height - plinth_ry, cx + plinth_rx, plinth_top + plinth_height + plinth_ry), fill=side)
    draw.ellipse((cx - plinth_rx, plinth_top - plinth_ry, cx + plinth_rx, plinth_top + plinth_ry), fill=plinth_colour)
    product_height = plinth_top - h * (0.12 if tall else 0.2)
    product_width = min(w * 0.32, product_height * 0.62)
    product = (cx - product_width / 2, plinth_top - product_height, cx + product_width / 2, plinth_top)
    _soft_shadow(scene.canvas, (cx - product_width * 0.7, plinth_top - plinth_ry * 0.6, cx + product_width * 0.7, plinth_top + plinth_ry * 0.6), opacity=140)
    _draw_subject(scene.canvas, product, palette, scene.reading.subject, scene.detail)
    if tall:
        _draw_text(scene.canvas, scene.reading.headline, (w * 0.08, h * 0.7, w * 0.92, h * 0.8), scene.ink, align="center", bold=True)
        if scene.detail >= 0.5:
            _draw_text(scene.canvas, scene.reading.subline, (w * 0.12, h * 0.81, w * 0.88, h * 0.85), scene.ink, align="center")
        if scene.detail >= 0.66:
            _button(scene.canvas, (w * 0.3, h * 0.88, w * 0.7, h * 0.94), scene.reading.call_to_action, palette)
    else:
        _draw_text(scene.canvas, scene.reading.headline, (w * 0.08, h * 0.04, w * 0.92, h * 0.16), scene.ink, align="center", bold=True)
        if scene.detail >= 0.5:
            _draw_text(scene.canvas, scene.reading.subline, (w * 0.15, h * 0.88, w * 0.85, h * 0.95), scene.ink, align="center")


def _layout_logo(scene: _Scene) -> None:
    """Logo-ish: a round badge with a monogram, the name underneath."""
    w, h = scene.size
    palette = scene.palette
    if not scene.transparent:
        scene.canvas.alpha_composite(_gradient(scene.size, _mix(palette.base, WHITE, 0.9), _mix(palette.base, WHITE, 0.78), "vertical"))
    cx, cy, radius = w / 2, h * 0.42, min(w, h) * 0.3
    draw = ImageDraw.Draw(scene.canvas)
    ring = max(2, round(radius * 0.07))
    draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=palette.base, outline=palette.accent2, width=ring)
    inner = radius * 0.84
    draw.ellipse((cx - inner, cy - inner, cx + inner, cy + inner), outline=_contrasting_ink(palette.base), width=max(1, ring // 3))
    if scene.detail >= 0.75:
        dot = radius * 0.035
        for i in range(12):
            angle = 2 * math.pi * i / 12
            dx, dy = cx + math.cos(angle) * radius * 0.92, cy + math.sin(angle) * radius * 0.92
            draw.ellipse((dx - dot, dy - dot, dx + dot, dy + dot), fill=palette.accent2)
    initials = "".join(word[0] for word in scene.reading.words[:2]).upper() or "A"
    _draw_text(scene.canvas, initials, (cx - inner * 0.7, cy - inner * 0.5, cx + inner * 0.7, cy + inner * 0.5), _contrasting_ink(palette.base), align="center", bold=True)
    name_ink = palette.base if _luminance(palette.base) < 0.6 else _mix(palette.base, BLACK, 0.5)
    _draw_text(scene.canvas, scene.reading.headline, (w * 0.12, h * 0.78, w * 0.88, h * 0.9), name_ink, align="center", bold=True)


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
# Stages and encoding
# ---------------------------------------------------------------------------------------------


def _check_stage(stage: int, stages: int) -> None:
    if stages < 1 or not 0 <= stage < stages:
        raise ValueError(f"stage must be in 0..{stages - 1}, got {stage}")


def _stage_detail(stage: int, stages: int, quality: str) -> float:
    """How much detail a stage draws: 1.0 for the final (a bit less for low quality)."""
    final = 0.7 if resolve_quality(quality) == "low" else 1.0
    if stage == stages - 1:
        return final
    return final * (stage + 1) / stages


def _degrade(image: Image.Image, stage: int, stages: int) -> Image.Image:
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


def resolve_quality(quality: str | None) -> str:
    """The quality reported back (and billed): 'auto' and unknown words count as medium."""
    quality = {"standard": "medium", "hd": "high"}.get(quality or "auto", quality or "auto")
    return quality if quality in ("low", "medium", "high") else "medium"


def resolve_background(background: str | None, output_format: str) -> str:
    """The background reported back: 'transparent' only when asked for and the format has alpha."""
    return "transparent" if background == "transparent" and output_format != "jpeg" else "opaque"


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


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


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
    _check_stage(stage, stages)
    transparent = resolve_background(background, output_format) == "transparent"
    text, kept = read_composition_hint(prompt)
    seed = _seed("render", prompt, width, height, transparent, variant)
    if kept is not None and (kept[0] < width or kept[1] < height):
        inner_size = (min(kept[0], width), min(kept[1], height))
        inner = _composition(text, inner_size, seed, stage, stages, quality, transparent)
        canvas = _extended(inner, width, height, transparent)
    else:
        canvas = _composition(text, (width, height), seed, stage, stages, quality, transparent)
    return _encode(_degrade(canvas, stage, stages), output_format, output_compression, transparent)


def _composition(
    prompt: str, size: tuple[int, int], seed: int, stage: int, stages: int, quality: str, transparent: bool
) -> Image.Image:
    reading = read_prompt(prompt)
    palette = build_palette(reading.colours, seed)
    canvas = Image.new("RGBA", size, (0, 0, 0, 0))
    scene = _Scene(canvas, palette, reading, random.Random(seed), _stage_detail(stage, stages, quality), transparent)
    _layout_for(size[0], size[1], reading)(scene)
    if stage == stages - 1:
        _draft_tag(canvas, scene.ink)
    return canvas


def _extended(inner: Image.Image, width: int, height: int, transparent: bool) -> Image.Image:
    """`inner` centred on a `width`x`height` canvas: transparent around it, or its own blurred cover."""
    if transparent:
        canvas = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    else:
        canvas = ImageOps.fit(inner, (width, height), Image.BILINEAR).filter(ImageFilter.GaussianBlur(24))
    canvas.paste(inner, ((width - inner.width) // 2, (height - inner.height) // 2), inner)
    return canvas


def _open_image(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info


def _dominant_colours(images: Iterable[Image.Image], limit: int = 3) -> list[RGB]:
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


def _change_region(mask_data: bytes, size: tuple[int, int]) -> Image.Image:
    """An L image: 255 where the mask's alpha is 0 (the area to change), 0 elsewhere."""
    mask = _open_image(mask_data)
    if mask.size != size:
        raise ValueError(f"mask is {mask.size[0]}x{mask.size[1]}, image is {size[0]}x{size[1]}")
    alpha = mask.convert("RGBA").getchannel("A")
    return alpha.point(lambda value: 255 if value == 0 else 0)


def _grade(image: Image.Image, palette: Palette, detail: float) -> Image.Image:
    """Tint toward the palette and darken the edges (a vignette); keeps the image's alpha."""
    rgb = image.convert("RGB")
    toned = ImageOps.colorize(
        ImageOps.grayscale(rgb), black=_mix(palette.base, BLACK, 0.75), white=_mix(palette.base, WHITE, 0.85), mid=palette.base
    )
    graded = Image.blend(rgb, toned, 0.25 + 0.15 * detail)
    vignette = Image.radial_gradient("L").resize(image.size, Image.Resampling.BILINEAR)
    # 0 in the middle, up to ~45 % darkening at the corners.
    vignette = vignette.point(lambda v: 0 if v < 110 else min(115, (v - 110) * 115 // 100))
    graded = Image.composite(Image.new("RGB", image.size, _mix(palette.deep, BLACK, 0.5)), graded, vignette)
    result = graded.convert("RGBA")
    result.putalpha(image.getchannel("A"))
    return result


def _caption_band(canvas: Image.Image, reading: PromptReading, palette: Palette, box: Box) -> None:
    x0, y0, x1, y1 = box

    def band(layer: ImageDraw.ImageDraw) -> None:
        layer.rectangle(box, fill=palette.base + (205,))

    _overlay(canvas, band)
    pad = (y1 - y0) * 0.2
    _draw_text(canvas, reading.headline, (x0 + pad * 2, y0 + pad, x1 - pad * 2, y1 - pad), palette.ink, align="center", bold=True)


def _reference_insets(canvas: Image.Image, references: Sequence[Image.Image]) -> None:
    """Up to three reference images as small framed thumbnails along the top-right edge."""
    w, h = canvas.size
    side = round(min(w, h) * 0.2)
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


def edit(
    images: Sequence[bytes],
    prompt: str,
    width: int,
    height: int,
    *,
    mask: bytes | None = None,
    output_format: str = "png",
    background: str = "auto",
    quality: str = "auto",
    output_compression: int | None = None,
    stage: int,
    stages: int,
    variant: int = 0,
) -> bytes:
    """Transform the first image according to the prompt; stage `stages - 1` is the final image.

    Without a mask the first image is cover-cropped to `width` x `height`, colour-graded toward the
    prompt's palette, vignetted, and captioned with the prompt's key words; images 2..16 appear as
    small insets (and give the palette when the prompt names no colour).

    With a mask (same size as the first image; alpha 0 marks the area to change) the work happens at
    the first image's size and only pixels whose mask alpha is 0 change: the rest is copied
    bit-for-bit, in every stage. The result is resized to `width` x `height` only if they differ
    from the input size, which breaks that guarantee, so callers pass the input size.
    """
    _check_stage(stage, stages)
    if not images:
        raise ValueError("edit needs at least one image")
    reading = read_prompt(prompt)
    seed = _seed("edit", prompt, width, height, background, variant, *(hashlib.sha256(b).digest() for b in images), mask or b"")
    source = _open_image(images[0])
    references = [_open_image(data) for data in images[1:]]
    colours = reading.colours or tuple(_dominant_colours(references or [source]))
    palette = build_palette(colours, seed)
    detail = _stage_detail(stage, stages, quality)
    keep_alpha = output_format != "jpeg" and (
        background == "transparent" or (background == "auto" and _has_alpha(source))
    )

    if mask is not None:
        original = source.convert("RGBA")
        change = _change_region(mask, original.size)
        edited = _grade(original, palette, detail)
        hole = change.getbbox()
        if hole is not None:
            hx0, hy0, hx1, hy1 = hole
            # Something new where the mask is open: the prompt's product, centred in the hole.
            pw, ph = (hx1 - hx0) * 0.5, (hy1 - hy0) * 0.7
            pw = min(pw, ph * 0.62)
            cx, cy = (hx0 + hx1) / 2, (hy0 + hy1) / 2
            subject = "bottle" if reading.subject == "logo" else reading.subject
            _draw_subject(edited, (cx - pw / 2, cy - ph / 2, cx + pw / 2, cy + ph / 2), palette, subject, detail)
        if references:
            _reference_insets(edited, references)
        edited = _degrade(edited, stage, stages)
        result = Image.composite(edited, original, change)
        if result.size != (width, height):
            result = ImageOps.fit(result, (width, height), Image.Resampling.LANCZOS)
    else:
        oriented = ImageOps.exif_transpose(source).convert("RGBA")
        fitted = ImageOps.fit(oriented, (width, height), Image.Resampling.LANCZOS)
        edited = _grade(fitted, palette, detail)
        if detail >= 0.5:
            _caption_band(edited, reading, palette, (0, height * 0.8, width, height * 0.94))
        if references:
            _reference_insets(edited, references)
        if stage == stages - 1:
            _draft_tag(edited, palette.ink)
        result = _degrade(edited, stage, stages)
    return _encode(result, output_format, output_compression, keep_alpha)


# ---------------------------------------------------------------------------------------------
# Usage (token accounting, after OpenAI's gpt-image-1 figures)
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
