"""The campaign form's state: subject, brand notes, products (typed or pasted as CSV), the slots they
give and their prompts, and the options of every image. It turns itself into the tiles' requests
when a run starts (`requests_for_run`); the run state (`run_state`) asks for them."""

from __future__ import annotations

import datetime
from typing import Any

import reflex as rx
from PIL import ImageColor

from email_image_app.domain.campaign.plan import (
    DEFAULT_PRODUCT_SIZE,
    PRODUCT_SIZES,
    Product,
    ProductCsvError,
    Slot,
    parse_products_csv,
    plan_slots,
    slot_prompt_refusal,
    with_brand_notes,
)
from email_image_app.domain.campaign.runner import DEFAULT_CONCURRENCY, MAX_CONCURRENCY, MIN_CONCURRENCY
from email_image_app.domain.formatting import format_usd
from email_image_app.domain.messages import message
from email_image_app.domain.prompt_limit import PROMPT_KEEP_CHARS
from email_image_app.domain.run_progress import describe_options_error
from email_image_app.imagegen.options import OptionsError
from email_image_app.imagegen.pricing import estimate_cost_usd
from email_image_app.pages.campaign.tiles import ProductRow, SlotRow, TileRequest, slot_rows
from email_image_app.state.image_options import ImageOptionsState

EMAIL_FORMATS = ("jpeg", "webp")
DEFAULT_EMAIL_BACKGROUND = "#ffffff"


class CampaignFormState(ImageOptionsState, rx.State):
    subject: str = ""
    brand_notes: str = ""
    products: list[ProductRow] = [ProductRow(row=1, id="1", name="", description="")]
    csv_open: bool = False
    csv_text: str = ""
    csv_error: dict[str, Any] = {}
    product_size: str = DEFAULT_PRODUCT_SIZE
    include_logo: bool = False
    include_banner: bool = False
    slots: list[SlotRow] = slot_rows(plan_slots("", []), {})
    concurrency: int = DEFAULT_CONCURRENCY
    email_format: str = "jpeg"
    email_background: str = DEFAULT_EMAIL_BACKGROUND
    form_error: dict[str, Any] = {}  # why the campaign cannot start: a message

    # ----- the campaign and its products -----

    @rx.event
    def set_subject(self, value: str) -> None:
        self.subject = value[:300]
        self._refresh_slots()

    @rx.event
    def set_brand_notes(self, value: str) -> None:
        self.brand_notes = value[:PROMPT_KEEP_CHARS]  # too long is refused at the run, naming the limit

    @rx.event
    def set_product_field(self, index: int, field: str, value: str) -> None:
        if field not in ("id", "name", "description") or not 0 <= index < len(self.products):
            return
        setattr(self.products[index], field, value[:500])
        self._refresh_slots()

    @rx.event
    def add_product(self) -> None:
        next_row = max((row.row for row in self.products), default=0) + 1
        self.products.append(ProductRow(row=next_row, id=str(len(self.products) + 1), name="", description=""))

    @rx.event
    def remove_product(self, index: int) -> None:
        if 0 <= index < len(self.products):
            del self.products[index]
            self._refresh_slots()

    @rx.event
    def toggle_csv(self) -> None:
        self.csv_open = not self.csv_open
        self.csv_error = {}

    @rx.event
    def set_csv_text(self, value: str) -> None:
        self.csv_text = value[:100_000]
        self.csv_error = {}

    @rx.event
    def import_csv(self) -> None:
        try:
            products = parse_products_csv(self.csv_text)
        except ProductCsvError as exc:
            self.csv_error = exc.as_message().to_dict()
            return
        if not products:
            self.csv_error = message("csv_no_products").to_dict()
            return
        # The pasted list replaces the rows; edited prompts of the old rows no longer apply.
        self.products = [
            ProductRow(row=number, id=product.id, name=product.name, description=product.description)
            for number, product in enumerate(products, start=1)
        ]
        self.slots = [slot for slot in self.slots if slot.kind != "product"]
        self._refresh_slots()
        self.csv_text = ""
        self.csv_error = {}
        self.csv_open = False

    # ----- the images to make and their prompts -----

    @rx.event
    def set_product_size(self, value: str) -> None:
        if value in PRODUCT_SIZES:
            self.product_size = value
            self._refresh_slots()

    @rx.event
    def set_include_logo(self, value: bool) -> None:
        self.include_logo = bool(value)
        self._refresh_slots()

    @rx.event
    def set_include_banner(self, value: bool) -> None:
        self.include_banner = bool(value)
        self._refresh_slots()

    @rx.event
    def set_slot_prompt(self, key: str, value: str) -> None:
        for slot in self.slots:
            if slot.key == key:
                slot.prompt = value[:PROMPT_KEEP_CHARS]  # too long is refused at the run, naming the limit
                slot.edited = True

    @rx.event
    def reset_slot_prompt(self, key: str) -> None:
        for slot in self.slots:
            if slot.key == key:
                slot.edited = False
        self._refresh_slots()

    # ----- options of every image (the image options themselves come from ImageOptionsState) -----

    @rx.event
    def set_concurrency(self, value: str) -> None:
        self.concurrency = max(MIN_CONCURRENCY, min(MAX_CONCURRENCY, int(value)))

    @rx.event
    def set_email_format(self, value: str) -> None:
        if value in EMAIL_FORMATS:
            self.email_format = value

    @rx.event
    def set_email_background(self, value: str) -> None:
        try:
            red, green, blue = ImageColor.getrgb(value)[:3]
        except ValueError:
            return
        self.email_background = f"#{red:02x}{green:02x}{blue:02x}"

    # ----- what the form shows -----

    def _planned_slots(self) -> list[Slot]:
        products = [Product(row.id.strip(), row.name.strip(), row.description.strip()) for row in self.products]
        return plan_slots(
            self.subject,
            products,
            product_size=self.product_size,
            include_logo=self.include_logo,
            include_banner=self.include_banner,
            product_keys=[f"product-{row.row}" for row in self.products],
        )

    def _refresh_slots(self) -> None:
        """Re-plan the slots from the form, keeping the prompts the marketer edited."""
        edited = {slot.key: slot.prompt for slot in self.slots if slot.edited}
        self.slots = slot_rows(self._planned_slots(), edited)

    @rx.var
    def has_subject(self) -> bool:
        return self.subject.strip() != ""

    @rx.var
    def estimate_amount(self) -> str:
        """The campaign's list-price estimate before the run ("$0.42"; not shown for the offline engine)."""
        total = 0.0
        try:
            for slot in self._planned_slots():
                options, _ = self._options_for_size(slot.width, slot.height)
                total += estimate_cost_usd(
                    options.model, options.size, options.quality, options.partial_images, len(slot.default_prompt)
                )
        except (OptionsError, ValueError):
            return ""
        return format_usd(total)

    # ----- what a run takes from the form -----

    def requests_for_run(self) -> dict[str, TileRequest] | None:
        """Each slot's request, by slot key in email order, from the form as it is now; None (and
        `form_error` says why) when the form cannot start a campaign."""
        if not self.subject.strip():
            self.form_error = message("campaign_subject_missing").to_dict()
            return None
        self._refresh_slots()
        if any(not row.prompt.strip() for row in self.slots):
            self.form_error = message("campaign_prompt_missing").to_dict()
            return None
        planned = {slot.key: slot for slot in self._planned_slots()}
        try:
            requests = {row.key: self._tile_request(row.prompt, planned[row.key]) for row in self.slots}
        except OptionsError as exc:
            self.form_error = describe_options_error(exc).to_dict()
            return None
        if any(self.refuse_long_prompt(request) for request in requests.values()):
            return None
        self.form_error = {}
        return requests

    def _tile_request(self, prompt: str, slot: Slot) -> TileRequest:
        options, target = self._options_for_size(slot.width, slot.height)
        options.validate()
        prompt = prompt.strip()
        return TileRequest(
            kind=slot.kind,
            prompt=prompt,
            prompt_sent=self._prompt_to_send(with_brand_notes(prompt, self.brand_notes), options, target),
            options=options.replace(notices=()),
            target=target.with_stem(slot.file_stem),
            product=slot.product,
        )

    def refuse_long_prompt(self, request: TileRequest) -> bool:
        """Refuse (in `form_error`, naming the image) a request whose prompt as sent is over the
        provider's limit; True if refused."""
        refusal = slot_prompt_refusal(request.kind, request.product, request.prompt, request.prompt_sent)
        if refusal is not None:
            self.form_error = refusal.to_dict()
        return refusal is not None

    def retried_request(self, key: str, request: TileRequest) -> TileRequest:
        """`request` again, with the slot's prompt if it was edited since the run (e.g. after a safety
        refusal)."""
        slot = next((row for row in self.slots if row.key == key), None)
        prompt = slot.prompt.strip() if slot is not None else ""
        if not prompt or prompt == request.prompt:
            return request
        prompt_sent = self._prompt_to_send(with_brand_notes(prompt, self.brand_notes), request.options, request.target)
        return request.with_prompt(prompt, prompt_sent)

    def run_meta(self) -> dict[str, Any]:
        """The campaign's settings as the manifest records them."""
        return {
            "subject": self.subject.strip(),
            "brand_notes": self.brand_notes.strip(),
            "product_size": self.product_size,
            "email_format": self.email_format,
            "email_background": self.email_background,
            "concurrency": self.concurrency,
            "model": self.model,
            "quality": self.quality,
            "background": self.background,
            "output_format": self.output_format,
            "partial_images": self.partial_images,
            "created_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        }
