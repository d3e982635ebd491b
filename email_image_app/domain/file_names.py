"""File names made from what people type (prompts, product ids, campaign subjects), in any script.

'Soldes d'été ☀️ -30 %' -> 'soldes-d-ete-30', '夏季特卖 红色运动鞋' -> '夏季特卖-红色运动鞋',
'تخفيضات الصيف' -> 'تخفيضات-الصيف'. The same names are stored on disk, served under /files, put
in the ZIP and offered as downloads, so one rule (`is_safe_file_name`) says what a stored name may
be: letters and digits of any script (with their combining marks), '.', '-' and '_' — no separator,
no control or bidi-override character, never starting with a dot. No Reflex here.
"""

from __future__ import annotations

import unicodedata

FALLBACK_STEM = "image"
STEM_MAX_CHARS = 60
# Filesystems count bytes (255 per name); a stem leaves room for '-2', '-1200x600' and an extension.
STEM_MAX_BYTES = 120
FILE_NAME_MAX_BYTES = 200
# Names Windows refuses whatever the extension: a ZIP unpacked there must not trip on them.
_WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{n}" for n in range(1, 10)), *(f"lpt{n}" for n in range(1, 10))}


def filename_stem(text: str, max_words: int = 5) -> str:
    """A readable, safe file stem from free text: its first words, lower-case, joined by '-'.

    Latin letters lose their accents (as before: 'été' -> 'ete'); other scripts are kept as they
    are (Chinese, Arabic, Cyrillic...); emoji, punctuation and symbols separate words. Never empty
    ('image' when nothing is left)."""
    words = _words(_fold_latin(text).lower())[:max_words]
    stem = ""
    for word in words:
        candidate = f"{stem}-{word}" if stem else word
        if len(candidate) > STEM_MAX_CHARS or len(candidate.encode("utf-8")) > STEM_MAX_BYTES:
            break
        stem = candidate
    if not stem and words:  # one very long word (a language written without spaces): cut it
        stem = _cut_to_fit(words[0])
    if not stem or stem in _WINDOWS_RESERVED:
        return f"{stem}-{FALLBACK_STEM}" if stem else FALLBACK_STEM
    return stem


def is_safe_file_name(name: str) -> bool:
    """Whether `name` may be a stored file's name: see the module's docstring."""
    if not name or len(name.encode("utf-8")) > FILE_NAME_MAX_BYTES or not name[0].isalnum():
        return False
    return unicodedata.is_normalized("NFC", name) and all(_is_word_char(ch) or ch in "._-" for ch in name)


def _fold_latin(text: str) -> str:
    """'Ünïcode' -> 'Unicode', 'ﬁ' -> 'fi', full-width 'Ａ' -> 'A'; a character whose plain form is
    not ASCII ('夏', 'ت', 'ж') stays as it is (NFC)."""
    folded = []
    for char in unicodedata.normalize("NFC", text):
        plain = "".join(part for part in unicodedata.normalize("NFKD", char) if not unicodedata.combining(part))
        folded.append(plain if plain and plain.isascii() else char)
    return unicodedata.normalize("NFC", "".join(folded))


def _is_word_char(char: str) -> bool:
    # Letters, digits and the marks that complete them (Devanagari vowel signs, Arabic harakat);
    # not the variation selectors that turn a symbol into an emoji (☀️ = ☀ + U+FE0F).
    category = unicodedata.category(char)
    if category in ("Mn", "Mc"):
        return not ("\ufe00" <= char <= "\ufe0f" or "\U000e0100" <= char <= "\U000e01ef")
    return category[0] in "LN"


def _words(text: str) -> list[str]:
    words, current = [], []
    for char in text:
        if _is_word_char(char) and (current or not unicodedata.category(char).startswith("M")):
            current.append(char)
        elif current:
            words.append("".join(current))
            current = []
    if current:
        words.append("".join(current))
    return words


def _cut_to_fit(word: str) -> str:
    cut = word[:STEM_MAX_CHARS]
    while len(cut.encode("utf-8")) > STEM_MAX_BYTES:
        cut = cut[:-1]
    return cut
