"""Reading a prompt for the offline engine: its language, salient words, subject and colours, and
the palette those colours give.

The prompt is read for:
- colour words (English and French) and mood words (summer/été, christmas/noël, sale/soldes, ...):
  they set the palette; without any, the palette comes from the prompt's hash;
- its salient words (stop words dropped in both languages): they are set as headline and subline;
- subject words: "logo" gives a monogram badge; a product named gives its shape (box, mug, shoe, bag,
  garment, candle, headphones, watch: "sneakers"/"baskets", "handbag"/"sac", "t-shirt"/"chemise", ...),
  the first one named when there are several; failing that a theme word ("gift"/"cadeau" a box,
  "coffee"/"thé" a mug); anything else a bottle-like product.

The colour arithmetic used to build the palette (`mix`, `luminance`, `contrasting_ink`) serves the
drawing as well.
"""

from __future__ import annotations

import colorsys
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

RGB = tuple[int, int, int]

WHITE: RGB = (250, 250, 247)
BLACK: RGB = (22, 22, 28)

# ---------------------------------------------------------------------------------------------
# Words
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
# Words naming the product drawn (folded, English and French). In a prompt naming several, the
# first one named wins: "Trail runner - green running shoe", "Sac à chaussures".
_PRODUCT_WORDS: dict[str, str] = {
    **dict.fromkeys(("box", "boxes", "coffret", "coffrets", "package", "parcel", "colis"), "box"),
    **dict.fromkeys(("mug", "mugs", "cup", "cups", "tasse", "tasses"), "mug"),
    **dict.fromkeys(
        ("shoe", "shoes", "sneaker", "sneakers", "trainer", "trainers", "boot", "boots", "sandal", "sandals",
         "heel", "heels", "runner", "runners", "chaussure", "chaussures", "basket", "baskets", "botte", "bottes",
         "bottine", "bottines", "sandale", "sandales", "escarpin", "escarpins"),
        "shoe",
    ),
    **dict.fromkeys(
        ("bag", "bags", "handbag", "handbags", "tote", "totes", "backpack", "backpacks", "purse", "purses",
         "sac", "sacs", "sacoche", "sacoches", "cabas"),
        "bag",
    ),
    **dict.fromkeys(
        ("shirt", "shirts", "tshirt", "tshirts", "tee", "tees", "dress", "dresses", "sweater", "sweaters",
         "sweatshirt", "sweatshirts", "hoodie", "hoodies", "jacket", "jackets", "coat", "coats", "chemise",
         "chemises", "robe", "robes", "pull", "pulls", "sweat", "sweats", "veste", "vestes", "manteau", "manteaux"),
        "garment",
    ),
    **dict.fromkeys(("candle", "candles", "bougie", "bougies"), "candle"),
    **dict.fromkeys(
        ("headphones", "headphone", "headset", "headsets", "earphones", "casque", "casques", "ecouteurs"),
        "headphones",
    ),
    **dict.fromkeys(("watches", "wristwatch", "wristwatches", "smartwatch", "smartwatches", "montres"), "watch"),
}
# Words that suggest a product without naming it ("gift", "coffee") or that are also common verbs
# ("watch", "montre" from montrer): they count only when no word above names one.
_THEME_WORDS: dict[str, str] = {
    **dict.fromkeys(("gift", "gifts", "cadeau", "cadeaux"), "box"),
    **dict.fromkeys(("coffee", "cafe", "tea", "the", "latte", "espresso"), "mug"),
    **dict.fromkeys(("watch", "montre"), "watch"),
}
# French words that are something else in English ("the", "basket", "pull", "sweat", "robe"): they
# count in prompts that do not read as English.
_FRENCH_ONLY_WORDS = frozenset(("the", "basket", "baskets", "pull", "pulls", "sweat", "sweats", "robe", "robes"))
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
    subject: str  # "logo" | "box" | "mug" | "shoe" | "bag" | "garment" | "candle" | "headphones" | "watch" | "bottle"

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
    # An accented word is not English ("à" is not "a"), and the "t" of "t-shirt" is not French.
    french_votes = sum(
        word in _STOP_WORDS_FR and not (word == "t" and following.startswith("shirt"))
        for word, following in zip(folded, folded[1:] + [""])
    )
    english_votes = sum(word in _STOP_WORDS_EN and token.lower() == word for token, word in zip(tokens, folded))
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

    subject = _subject(tokens, folded, english=english_votes > french_votes)
    palette_colours = tuple(colours) + tuple(c for c in moods if c not in colours)
    return PromptReading(tuple(salient[:5]), palette_colours, french, subject)


def _subject(tokens: Sequence[str], folded: Sequence[str], *, english: bool) -> str:
    """What to draw: a logo if asked for, else the first product named, else one a theme word
    suggests, else a bottle. In an English prompt, a French-only word counts only with its accent
    ("thé", not "the")."""
    if not _LOGO_WORDS.isdisjoint(folded):
        return "logo"
    words = [
        word for token, word in zip(tokens, folded)
        if not (english and word in _FRENCH_ONLY_WORDS and token.lower() == word)
    ]
    for table in (_PRODUCT_WORDS, _THEME_WORDS):
        for word in words:
            if word in table:
                return table[word]
    return "bottle"


# ---------------------------------------------------------------------------------------------
# Palette
# ---------------------------------------------------------------------------------------------


def mix(a: RGB, b: RGB, t: float) -> RGB:
    """Linear mix: t=0 gives a, t=1 gives b."""
    return (round(a[0] + (b[0] - a[0]) * t), round(a[1] + (b[1] - a[1]) * t), round(a[2] + (b[2] - a[2]) * t))


def luminance(c: RGB) -> float:
    return (0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]) / 255


def _hls(h: float, l: float, s: float) -> RGB:
    r, g, b = colorsys.hls_to_rgb(h % 1.0, l, s)
    return (round(r * 255), round(g * 255), round(b * 255))


def contrasting_ink(background: RGB) -> RGB:
    return WHITE if luminance(background) < 0.58 else BLACK


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
        return mix(self.base, self.deep, 0.5)


def build_palette(colours: Sequence[RGB], seed: bytes) -> Palette:
    """A palette led by the first named colour, or derived from `seed` when the prompt names none."""
    if colours:
        base = colours[0]
    else:
        hue = seed[0] / 255
        base = _hls(hue, 0.42 + seed[1] / 255 * 0.16, 0.5 + seed[2] / 255 * 0.3)
        colours = [base, _hls(hue + 0.5, 0.6, 0.7), _hls(hue + 0.1, 0.82, 0.45)]
    # Keep the backdrop in the base hue so the named colour dominates the picture.
    deep = mix(base, WHITE, 0.3) if luminance(base) < 0.12 else mix(base, BLACK, 0.4)
    if len(colours) >= 2:
        accent = colours[1]
    else:
        accent = mix(base, WHITE, 0.78) if luminance(base) < 0.55 else mix(base, BLACK, 0.55)
    accent2 = colours[2] if len(colours) >= 3 else mix(accent, base, 0.45)
    ink = contrasting_ink(mix(base, deep, 0.5))
    return Palette(base, deep, accent, accent2, ink, contrasting_ink(accent))
