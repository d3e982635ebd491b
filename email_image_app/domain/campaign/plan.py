"""What a campaign is made of: products (typed or pasted as CSV), the image slots they give, the
prompts prefilled the way the seed built them, and each slot's byte budget for email. No Reflex.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Sequence

from email_image_app.domain.messages import Message, message, sentences

from email_image_app.domain.file_names import filename_stem
from email_image_app.domain.prompt_limit import prompt_length_refusal

# Byte budgets of the email-ready images: what an email can carry without clipping or slow loads.
# Decimal kilobytes, so "200 KB" holds whichever way a mail client counts.
BYTE_BUDGETS: dict[str, int] = {"hero": 200_000, "product": 80_000, "logo": 60_000, "banner": 120_000}
SLOT_SIZES: dict[str, tuple[int, int]] = {"hero": (1200, 600), "logo": (512, 512), "banner": (1200, 300)}
PRODUCT_SIZES: tuple[str, ...] = ("400x400", "600x600")
DEFAULT_PRODUCT_SIZE = "400x400"
SLOT_KINDS: tuple[str, ...] = ("hero", "product", "logo", "banner")

CSV_HEADER = ("id", "name", "description")
MAX_CSV_ERRORS_SHOWN = 5


@dataclass(frozen=True)
class Product:
    id: str
    name: str
    description: str = ""


@dataclass(frozen=True)
class CsvRowError:
    """One refused CSV line: `line` is 1-based, as an editor shows it."""

    line: int
    reason: str  # "fields" | "empty_id" | "empty_name" | "duplicate_id" | "quote_open" | "unreadable"
    found: int = 0  # field count, for "fields"
    value: str = ""  # the offending id, for "duplicate_id"

    def as_message(self) -> Message:
        # The line number is a label, not a quantity: kept as text so 1000 is not written "1,000".
        return message(f"csv_{self.reason}", line=str(self.line), found=self.found, value=self.value)


class ProductCsvError(ValueError):
    """The pasted CSV has bad rows; nothing is imported. `errors` lists every bad line."""

    def __init__(self, errors: list[CsvRowError]) -> None:
        self.errors = errors
        super().__init__(self.as_message().render("en"))

    def as_message(self) -> Message:
        shown = [error.as_message() for error in self.errors[:MAX_CSV_ERRORS_SHOWN]]
        hidden = len(self.errors) - len(shown)
        if hidden:
            shown.append(message("csv_more_errors", count=hidden))
        return sentences(*shown)


@dataclass(frozen=True)
class DecodedCsv:
    """A products file's text and the encoding it was read with ("utf-8" or "cp1252")."""

    text: str
    encoding: str

    @property
    def encoding_matters(self) -> bool:
        """Whether the person should be told: only a non-UTF-8 file with letters beyond ASCII reads
        differently depending on the guess (plain ASCII reads the same either way)."""
        return self.encoding != "utf-8" and not self.text.isascii()


def decode_products_csv(data: bytes) -> DecodedCsv:
    """A CSV file's bytes as text: UTF-8 (a BOM, as Excel writes it, is dropped), else Windows-1252,
    the 'Latin-1' of spreadsheets saved on Windows (the few bytes it leaves undefined read as
    ISO-8859-1, which accepts every byte: a file is never refused for its encoding)."""
    try:
        return DecodedCsv(data.decode("utf-8-sig"), "utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return DecodedCsv(data.decode("cp1252"), "cp1252")
    except UnicodeDecodeError:
        return DecodedCsv(data.decode("latin-1"), "cp1252")


def parse_products_csv(text: str) -> list[Product]:
    """Products from `id,name,description` lines, header optional, quotes as Python's csv reads them.

    The description may be left out (`id,name`). Blank lines are skipped. Raises ProductCsvError
    listing every bad line, so the marketer can fix them all at once. A quote left open is refused
    at the line it opens: read on, it would silently swallow every line after it into one field.
    """
    products: list[Product] = []
    errors: list[CsvRowError] = []
    seen_ids: set[str] = set()
    text = text.strip("\ufeff")
    lines = text.split("\n")  # as the reader counts them (io.StringIO splits at \n only)
    if lines[-1] == "":
        lines.pop()
    reader = csv.reader(io.StringIO(text), skipinitialspace=True)
    row_start = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error:  # e.g. a field beyond csv's size limit: that line cannot be read
            errors.append(CsvRowError(row_start, "unreadable"))
            row_start = reader.line_num + 1
            continue
        line, row_start = row_start, reader.line_num + 1
        if reader.line_num >= len(lines) and _quote_left_open("\n".join(lines[line - 1 :])):
            errors.append(CsvRowError(line, "quote_open"))
            break
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue
        if not products and not errors and tuple(cell.lower() for cell in cells) in (CSV_HEADER, CSV_HEADER[:2]):
            continue  # the header line
        if len(cells) not in (2, 3):
            errors.append(CsvRowError(line, "fields", found=len(cells)))
            continue
        product = Product(*cells)
        if not product.id:
            errors.append(CsvRowError(line, "empty_id"))
        elif not product.name:
            errors.append(CsvRowError(line, "empty_name"))
        elif product.id in seen_ids:
            errors.append(CsvRowError(line, "duplicate_id", value=product.id))
        else:
            seen_ids.add(product.id)
            products.append(product)
    if errors:
        raise ProductCsvError(errors)
    return products


def _quote_left_open(last_row: str) -> bool:
    """Whether the file's last row (from its first line to the end) ends inside a quoted field.
    The lenient reader above accepts that silently; the strict one says 'unexpected end of data'."""
    if '"' not in last_row:
        return False
    try:
        next(csv.reader(io.StringIO(last_row), skipinitialspace=True, strict=True), None)
    except csv.Error as exc:
        return "end of data" in str(exc)
    return False


@dataclass(frozen=True)
class Slot:
    """One image of the campaign: where it goes in the email, its exact size and byte budget."""

    key: str  # "hero", "product-1".., "logo", "banner": stable while the form is edited
    kind: str  # one of SLOT_KINDS
    width: int
    height: int
    default_prompt: str
    file_stem: str  # unique within the campaign, for file names in the ZIP
    product: Product | None = None

    @property
    def size(self) -> str:
        return f"{self.width}x{self.height}"

    @property
    def byte_budget(self) -> int:
        return BYTE_BUDGETS[self.kind]


def hero_prompt(subject: str) -> str:
    return f"Professional marketing image for: {subject}"


def product_prompt(product: Product) -> str:
    if not product.description:
        return f"Product showcase: {product.name}"
    return f"Product showcase: {product.name} - {product.description}"


def logo_prompt(subject: str) -> str:
    return f"Simple brand logo for: {subject}, flat, centred, plain background"


def banner_prompt(subject: str) -> str:
    return f"Wide promotional email banner for: {subject}"


def plan_slots(
    subject: str,
    products: Sequence[Product],
    *,
    product_size: str = DEFAULT_PRODUCT_SIZE,
    include_logo: bool = False,
    include_banner: bool = False,
    product_keys: Sequence[str] | None = None,
) -> list[Slot]:
    """The campaign's slots in email order: hero, logo, products, banner. Products without a name
    are skipped (a row being typed). `product_keys` (one per product) keep a product's slot key
    stable while rows are added or removed; by default 'product-1', 'product-2'... by position."""
    subject = subject.strip()
    if product_size not in PRODUCT_SIZES:
        raise ValueError(f"product size must be one of {', '.join(PRODUCT_SIZES)}")
    product_width, product_height = (int(side) for side in product_size.split("x"))
    stems = _UniqueStems()
    slots = [Slot("hero", "hero", *SLOT_SIZES["hero"], hero_prompt(subject), stems.take("hero"))]
    if include_logo:
        slots.append(Slot("logo", "logo", *SLOT_SIZES["logo"], logo_prompt(subject), stems.take("logo")))
    keys = list(product_keys) if product_keys is not None else [f"product-{n}" for n in range(1, len(products) + 1)]
    if len(keys) != len(products):
        raise ValueError("product_keys must have one key per product")
    for number, (key, product) in enumerate(zip(keys, products), start=1):
        if not product.name.strip():
            continue
        stem = stems.take(f"product-{filename_stem(product.id or str(number), max_words=4)}")
        slots.append(Slot(key, "product", product_width, product_height, product_prompt(product), stem, product))
    if include_banner:
        slots.append(Slot("banner", "banner", *SLOT_SIZES["banner"], banner_prompt(subject), stems.take("banner")))
    return slots


# Screen readers and mail clients showing alt text cut long ones short; 125 is the usual advice.
ALT_MAX_CHARS = 125


def alt_text(kind: str, subject: str, product_name: str = "") -> str:
    """What an image says to someone reading the email with images off (or through a screen
    reader): the product's name and the campaign's offer (its subject), never the prompt.
    A logo is only "Logo": the campaign knows no brand name to put in it."""
    offer = " ".join(subject.split()).rstrip(" .")
    name = " ".join(product_name.split())
    if kind == "logo":
        return "Logo"
    if kind == "product" and name:
        return _shortened(f"{name} – {offer}" if offer else name)
    return _shortened(offer)


def _shortened(text: str, limit: int = ALT_MAX_CHARS) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:–-")
    return cut + "…"


def with_brand_notes(prompt: str, brand_notes: str) -> str:
    """The prompt sent: the slot's prompt, then the campaign's brand/style notes when there are any."""
    notes = brand_notes.strip()
    prompt = prompt.strip()
    if not notes:
        return prompt
    return f"{prompt.rstrip('.')}. {notes}"


def slot_prompt_refusal(kind: str, product: Product | None, prompt: str, prompt_sent: str) -> Message | None:
    """Why an image's prompt cannot be sent, naming the image ("Product · Red sneakers: ..."): over
    the provider's limit once the brand notes and the options' words are added. None when it can."""
    refusal = prompt_length_refusal(prompt, prompt_sent)
    if refusal is None:
        return None
    image = message("slot_product_named", name=product.name) if product else message(f"slot_{kind}")
    return message("campaign_prompt_too_long", image=image, reason=refusal)


class _UniqueStems:
    """File stems that never collide: 'product-a', then 'product-a-2' for a second 'A'."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def take(self, stem: str) -> str:
        candidate, number = stem, 2
        while candidate in self._taken:
            candidate, number = f"{stem}-{number}", number + 1
        self._taken.add(candidate)
        return candidate
