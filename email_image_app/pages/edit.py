"""`/edit`: the editor. Upload an image (plus optional reference images and a mask, uploaded or
painted), describe the changes, watch the edit stream in, compare before and after, download.

Uploads are validated and stored by `edit_uploads` in a thread; the state keeps URLs and sizes.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import reflex as rx

from email_image_app.domain import edit_uploads
from email_image_app.components.before_after import before_after
from email_image_app.components.layout import form_and_result, page_shell
from email_image_app.components.mask_painter import export_painted_mask, mask_section, masked_image
from email_image_app.components.options_form import labelled_select, options_form, prompt_field
from email_image_app.components.reference_images import reference_images
from email_image_app.components.run_view import (
    estimate_note,
    image_actions,
    offline_note,
    preview,
    progress_panel,
    run_controls,
    run_messages,
    steps_strip,
    usage_panel,
)
from email_image_app.components.upload_zone import section_title, upload_feedback, upload_zone
from email_image_app.domain.edit_uploads import MAX_REFERENCE_IMAGES, StoredUpload, UploadLimits
from email_image_app.domain.messages import STRINGS, message, translate
from email_image_app.state.language import LanguageState, figures, say, tr
from email_image_app.domain.job_stream import JobTarget
from email_image_app.domain.run_progress import describe_options_error, size_note
from email_image_app.state.image_run import ImageRunState
from email_image_app.imagegen.options import (
    DEFAULT_MODEL,
    INPUT_FIDELITIES,
    MODELS,
    ImageOptions,
    OptionsError,
    parse_size,
)
from email_image_app.imagegen.pricing import estimate_cost_usd
from email_image_app.imagegen.sizing import SizePlan, plan_edit_size, plan_size
from email_image_app.domain.imaging import UploadError
from email_image_app.state.provider import get_client
from email_image_app.domain.store import image_store, new_job_id
from email_image_app.domain.formatting import format_usd

logger = logging.getLogger(__name__)

AUTO_SIZE = "auto"  # keep the image's own size
MASK_MODES = ("none", "paint", "upload")
IMAGE_UPLOAD_ID = "edit-image-upload"
REFERENCES_UPLOAD_ID = "edit-references-upload"
MASK_UPLOAD_ID = "edit-mask-upload"
UPLOAD_LIMITS = UploadLimits()
RESULT_CARD_ID = "edit-result"


def reveal(element_id: str) -> rx.event.EventSpec:
    """Scroll smoothly to an element unless its top is already in the upper half of the window
    (on a phone the result is below the form; on a laptop the form is taller than the window)."""
    return rx.call_script(
        f"(() => {{ const el = document.getElementById({element_id!r}); if (!el) return;"
        " const top = el.getBoundingClientRect().top;"
        " if (top < 0 || top > window.innerHeight / 2) el.scrollIntoView({behavior: 'smooth', block: 'start'}); })()"
    )


@dataclass
class ReferenceView:
    url: str
    thumb_url: str
    name: str
    label: str


def _edit_plan(model: str, size: str, image_width: int, image_height: int) -> SizePlan:
    """What to ask the provider for and the size to deliver: "auto" keeps the image's size."""
    if size == AUTO_SIZE:
        return plan_edit_size(model, image_width, image_height)
    width, height = parse_size(size)
    return plan_size(model, width, height)


def load_edit_inputs(
    image_urls: list[str], mask_mode: str, mask_source: str, width: int, height: int, job_id: str
) -> tuple[list[bytes], bytes | None]:
    """The stored images' bytes and the mask to send (blocking: run it in a thread).

    `mask_source` is the stored mask's URL (upload mode) or the painter's data URL (paint mode);
    a painted mask is kept with the job's files, so the job shows what was asked.
    """
    images = [image_store.read(url) for url in image_urls]
    if mask_mode == "upload":
        return images, image_store.read(mask_source)
    if mask_mode == "paint":
        mask = edit_uploads.mask_from_painting(mask_source, width, height)
        image_store.save(job_id, "mask.png", mask)
        return images, mask
    return images, None


def rejection_messages(rejected: list[dict[str, Any]], lang: str) -> list[str]:
    """The browser's refusals ([{name, codes}] from `rejected_files_summary`) in our words."""
    messages = []
    for record in rejected:
        name = str(record.get("name") or "file")
        codes = set(record.get("codes") or [])
        if "too-many-files" in codes:
            messages.append(translate("one_file_at_a_time", lang))
            break
        messages.append(translate("not_an_accepted_image", lang, name=name))
    return messages


def describe_upload_error(exc: UploadError, lang: str, image_width: int = 0, image_height: int = 0) -> str:
    """A refused upload in `lang`: imaging's own message in English, a translation otherwise."""
    key = f"upload_refused_{exc.reason}"
    if lang == "en" or key not in STRINGS:
        return exc.message
    return translate(
        key,
        lang,
        name=exc.filename,
        max_mb=UPLOAD_LIMITS.max_megabytes,
        max_mp=f"{UPLOAD_LIMITS.max_pixels / 1e6:g}",
        width=image_width,
        height=image_height,
    )


class EditState(ImageRunState, rx.State):
    size: str = AUTO_SIZE
    input_fidelity: str = "low"

    # The inputs, as stored files (URLs and sizes only).
    upload_id: str = ""
    original_url: str = ""
    original_display_url: str = ""
    original_name: str = ""
    original_width: int = 0
    original_height: int = 0
    original_label: str = ""
    references: list[ReferenceView] = []
    mask_mode: str = "none"
    mask_url: str = ""
    mask_display_url: str = ""
    mask_name: str = ""
    mask_label: str = ""

    # The brush (read by assets/image_editor.js from the canvas's data- attributes).
    brush_size: int = 40
    erasing: bool = False

    upload_error: str = ""
    upload_status: str = ""

    # ----- setters -----

    @rx.event
    def set_input_fidelity(self, value: str) -> None:
        if value in INPUT_FIDELITIES:
            self.input_fidelity = value

    @rx.event
    def set_mask_mode(self, value: str | list[str]) -> None:
        value = value[0] if isinstance(value, list) else value
        if value in MASK_MODES:
            self.mask_mode = value

    @rx.event
    def set_brush_size(self, value: list[int | float]) -> None:
        self.brush_size = int(value[0]) if value else 40

    @rx.event
    def set_erasing(self, value: bool) -> None:
        self.erasing = bool(value)

    # ----- what the page shows -----

    @rx.var
    def mask_canvas_width(self) -> int:
        return edit_uploads.mask_canvas_size(self.original_width, self.original_height)[0]

    @rx.var
    def mask_canvas_height(self) -> int:
        return edit_uploads.mask_canvas_size(self.original_width, self.original_height)[1]

    @rx.var
    def edit_size_choices(self) -> list[list[str]]:
        # The select is narrow: the note under the form gives the size.
        return [[AUTO_SIZE, *(translate("size_original", lang) for lang in ("en", "fr"))], *self.size_choices]

    @rx.var
    def edit_size_note(self) -> dict[str, Any]:
        """What the provider is asked for and what comes back (a message; {} before an image)."""
        model, size, width, height = self.model, self.size, self.original_width, self.original_height
        if size == AUTO_SIZE and not width:
            return {}
        try:
            plan = _edit_plan(model, size, width, height)
        except OptionsError as exc:
            return message("verbatim", text=exc.message).to_dict()
        return size_note(model, plan).to_dict()

    @rx.var
    def estimate_amount(self) -> str:
        """The edit's list-price estimate ("$0.042") once its size is known (with "Original", once
        the image is uploaded); shown for a paid provider."""
        if self.size == AUTO_SIZE and not self.original_width:
            return ""
        try:
            options, _ = self._edit_options()
        except (OptionsError, ValueError):
            return ""
        return format_usd(
            estimate_cost_usd(options.model, options.size, options.quality, options.partial_images, len(self.prompt))
        )

    @rx.var
    def has_input_fidelity(self) -> bool:
        return MODELS.get(self.model, MODELS[DEFAULT_MODEL]).supports_input_fidelity

    @rx.var
    def can_add_references(self) -> bool:
        return len(self.references) < MAX_REFERENCE_IMAGES

    # ----- uploads -----

    async def _lang(self) -> str:
        return (await self.get_state(LanguageState)).lang

    async def _refusal(self, exc: UploadError) -> str:
        return describe_upload_error(exc, await self._lang(), self.original_width, self.original_height)

    def _use_original(self, upload_id: str, stored: StoredUpload) -> None:
        self.upload_id = upload_id
        self.original_url = stored.url
        self.original_display_url = stored.display_url
        self.original_name = stored.filename
        self.original_width, self.original_height = stored.width, stored.height
        self.original_label = stored.label
        # A mask belongs to one image size; and a result is about the previous image.
        self._forget_mask()
        self._clear_run()
        self.error = {}

    def _forget_mask(self) -> None:
        self.mask_url = self.mask_display_url = self.mask_name = self.mask_label = ""

    async def _begin_upload(self, names: list[str]) -> None:
        self.upload_error = ""
        self.upload_status = translate("checking_file", await self._lang(), name=", ".join(names))

    @rx.event
    async def upload_image(self, files: list[rx.UploadFile]):
        if self.running or not files:
            return
        file = files[0]
        name = file.name or "image"
        await self._begin_upload([name])
        yield  # show "Checking…" while Pillow works
        upload_id = new_job_id()
        try:
            edit_uploads.refuse_if_too_large(name, file.size, UPLOAD_LIMITS)
            data = await file.read()
            stored = await asyncio.to_thread(
                edit_uploads.store_image, upload_id, "original", data, name, limits=UPLOAD_LIMITS
            )
        except UploadError as exc:
            self.upload_error = await self._refusal(exc)
        else:
            self._use_original(upload_id, stored)
        finally:
            self.upload_status = ""

    @rx.event
    async def upload_references(self, files: list[rx.UploadFile]):
        if self.running or not files:
            return
        lang = await self._lang()
        slots = max(0, MAX_REFERENCE_IMAGES - len(self.references))
        accepted, refused = files[:slots], files[slots:]
        problems = []
        if refused:
            names = ", ".join(file.name or "file" for file in refused)
            problems.append(translate("too_many_references", lang, max_refs=MAX_REFERENCE_IMAGES, names=names))
        await self._begin_upload([file.name or "file" for file in accepted])
        yield
        if not self.upload_id:
            self.upload_id = new_job_id()
        added = []
        for file in accepted:
            name = file.name or "image"
            try:
                edit_uploads.refuse_if_too_large(name, file.size, UPLOAD_LIMITS)
                data = await file.read()
                stored = await asyncio.to_thread(
                    edit_uploads.store_image,
                    self.upload_id,
                    "reference",
                    data,
                    name,
                    display_max_side=edit_uploads.REFERENCE_THUMB_MAX_SIDE,
                    limits=UPLOAD_LIMITS,
                )
            except UploadError as exc:
                problems.append(await self._refusal(exc))
            else:
                added.append(ReferenceView(stored.url, stored.display_url, name, stored.label))
        self.references = [*self.references, *added]
        self.upload_error = " ".join(problems)
        self.upload_status = ""

    @rx.event
    def remove_reference(self, url: str) -> None:
        self.references = [reference for reference in self.references if reference.url != url]

    @rx.event
    async def upload_mask(self, files: list[rx.UploadFile]):
        if self.running or not files:
            return
        file = files[0]
        name = file.name or "mask"
        if not self.original_url:
            self.upload_error = translate("mask_needs_image", await self._lang())
            return
        await self._begin_upload([name])
        yield
        try:
            edit_uploads.refuse_if_too_large(name, file.size, UPLOAD_LIMITS)
            data = await file.read()
            stored = await asyncio.to_thread(
                edit_uploads.store_mask,
                self.upload_id,
                data,
                name,
                self.original_width,
                self.original_height,
                limits=UPLOAD_LIMITS,
            )
        except UploadError as exc:
            self.upload_error = await self._refusal(exc)
        else:
            self.mask_url, self.mask_display_url = stored.url, stored.display_url
            self.mask_name, self.mask_label = name, stored.label
            self.mask_mode = "upload"
        finally:
            self.upload_status = ""

    @rx.event
    def remove_mask(self) -> None:
        self._forget_mask()

    @rx.event
    async def files_rejected(self, rejected: list[dict[str, Any]]) -> None:
        self.upload_error = " ".join(rejection_messages(rejected, await self._lang()))

    @rx.event
    async def upload_progress(self, progress: dict[str, Any]) -> None:
        fraction = float(progress.get("progress") or 0)
        # The last reports may be handled after the upload itself (they queue behind it while the
        # file is checked): ignore them rather than leave "Uploading… 100%" on screen.
        if 0 < fraction < 0.98:
            self.upload_status = translate("uploading", await self._lang(), percent=int(fraction * 100))

    # ----- the edit -----

    def _edit_options(self) -> tuple[ImageOptions, JobTarget]:
        plan = _edit_plan(self.model, self.size, self.original_width, self.original_height)
        options, target = self._options_for(plan)
        if MODELS[options.model].supports_input_fidelity:
            options = options.replace(input_fidelity=self.input_fidelity)
        return options, target

    def _missing_input(self, prompt: str, painted_mask: str) -> str:
        """The i18n key of what is missing before an edit can start, or ""."""
        if not self.original_url:
            return "need_image"
        if not prompt:
            return "need_edit_prompt"
        if self.mask_mode == "paint" and not painted_mask:
            return "need_painting"
        if self.mask_mode == "upload" and not self.mask_url:
            return "need_mask_file"
        return ""

    @rx.event(background=True)
    async def edit(self, painted_mask: str = ""):
        """Start an edit. `painted_mask` is the painter's export (the Edit button runs it first)."""
        async with self:
            if self.running:
                return
            lang = await self._lang()
            prompt = self.prompt.strip()
            missing = self._missing_input(prompt, painted_mask)
            if missing:
                self.error = message(missing).to_dict()
                return
            try:
                options, target = self._edit_options()
                options.validate(edit=True)
            except OptionsError as exc:
                self.error = describe_options_error(exc).to_dict()
                return
            image_urls = [self.original_url, *(reference.url for reference in self.references)]
            mask_mode = self.mask_mode
            mask_source = {"paint": painted_mask, "upload": self.mask_url}.get(mask_mode, "")
            width, height = self.original_width, self.original_height
            info = self._job_info(
                self._prompt_for_background(prompt), options, target,
                kind="edit", input_images=len(image_urls), mask=mask_mode,
            )
            run = self._start_run(info, options, target)
        yield reveal(RESULT_CARD_ID)
        try:
            images, mask = await asyncio.to_thread(
                load_edit_inputs, image_urls, mask_mode, mask_source, width, height, run.job_id
            )
        except (UploadError, OSError, ValueError) as exc:
            if not isinstance(exc, UploadError):
                logger.exception("edit %s: inputs could not be read", run.job_id)
            async with self:
                self.status, self.stage, self.running = "failed", "failed", False
                self.error = (
                    message("verbatim", text=describe_upload_error(exc, lang, width, height))
                    if isinstance(exc, UploadError)
                    else message("inputs_unreadable")
                ).to_dict()
            return
        events = get_client().stream_edit(images, run.prompt, options, mask=mask)
        async for browser_event in self._follow_run(
            events, run.job_id, run.target, model=options.model, info=run.info, event_prefix="image-edit"
        ):
            yield browser_event

    @rx.event
    async def edit_again(self):
        """The result becomes the image to edit (stored again as a new upload); the run is cleared."""
        if self.running or not self.final_url:
            return
        name = self.final_filename or "edited.png"
        data = await asyncio.to_thread(image_store.read, self.final_url)
        upload_id = new_job_id()
        try:
            stored = await asyncio.to_thread(
                edit_uploads.store_image, upload_id, "original", data, name, limits=UPLOAD_LIMITS
            )
        except UploadError as exc:
            self.upload_error = await self._refusal(exc)
            return
        self._use_original(upload_id, stored)
        return reveal("masked-image")


# ---------------------------------------------------------------------------------------------
# Page


def _image_section() -> rx.Component:
    state = EditState
    return rx.vstack(
        section_title("image_to_edit"),
        rx.cond(
            state.original_url == "",
            upload_zone(
                state,
                IMAGE_UPLOAD_ID,
                state.upload_image,
                title=tr("drop_image"),
                hint=tr("accepted_images", max_mb=UPLOAD_LIMITS.max_megabytes),
            ),
            rx.vstack(
                masked_image(state),
                rx.hstack(
                    rx.vstack(
                        rx.text(state.original_name, size="2", weight="medium", trim="both", id="original-name"),
                        rx.text(figures(state.original_label), size="1", color_scheme="gray", id="original-info"),
                        spacing="1",
                        min_width="0",
                        flex="1",
                    ),
                    rx.box(
                        upload_zone(
                            state, IMAGE_UPLOAD_ID, state.upload_image, title=tr("replace_image"), icon="refresh-cw", compact=True
                        ),
                        flex_shrink="0",
                    ),
                    align="center",
                    width="100%",
                    spacing="3",
                ),
                width="100%",
                spacing="2",
            ),
        ),
        upload_feedback(state),
        width="100%",
        spacing="2",
    )


def _fidelity_select() -> rx.Component:
    state = EditState
    choices = [[value, tr(f"fidelity_{value}")] for value in INPUT_FIDELITIES]
    return rx.cond(
        state.has_input_fidelity,
        labelled_select(
            "input_fidelity", "option-input-fidelity", choices, state.input_fidelity, state.set_input_fidelity,
            disabled=state.running,
        ),
    )


def _inputs_card() -> rx.Component:
    state = EditState
    return rx.card(
        rx.vstack(
            _image_section(),
            rx.divider(),
            mask_section(state, MASK_UPLOAD_ID),
            rx.divider(),
            prompt_field(
                state, label_key="edit_prompt", placeholder_key="edit_prompt_placeholder", rows=3,
                run_button_id="edit-button", shortcut_key="run_shortcut_edit", weight="bold",
            ),
            rx.divider(),
            reference_images(state, REFERENCES_UPLOAD_ID, MAX_REFERENCE_IMAGES),
            rx.divider(),
            options_form(
                state,
                size_choices=state.edit_size_choices,
                size_note=say(state.edit_size_note),
                extra_controls=[_fidelity_select()],
            ),
            estimate_note(state.estimate_amount, state.model, id="cost-estimate"),
            run_controls(
                state,
                label_key="edit_image",
                running_key="editing",
                icon="wand-sparkles",
                # The painter's mask is read from the canvas first and handed to the edit.
                on_click=rx.call_script(export_painted_mask(), callback=state.edit),
                disabled=state.running | (state.original_url == "") | (state.prompt.strip() == ""),
                button_id="edit-button",
            ),
            run_messages(state),
            spacing="4",
            width="100%",
        ),
        size=rx.breakpoints(initial="2", sm="3"),
        width="100%",
    )


def _result_card() -> rx.Component:
    state = EditState
    is_final = (state.final_url != "") & (state.preview_url == state.final_url)
    return rx.card(
        rx.vstack(
            rx.cond(
                (state.status == "completed") & (state.original_display_url != ""),
                before_after(
                    state.original_display_url, state.preview_url, after_alt=rx.cond(is_final, "Final", "Preview")
                ),
                preview(state, final_alt="Final", empty_key="edit_preview_empty"),
            ),
            progress_panel(state),
            steps_strip(
                state, alt_prefix="Step", final_detail=rx.fragment(tr("tokens"), tr("colon"), state.usage_total)
            ),
            image_actions(
                state,
                rx.button(
                    rx.icon("repeat", size=16),
                    tr("edit_again"),
                    on_click=state.edit_again,
                    size="3",
                    variant="outline",
                    id="edit-again-button",
                ),
            ),
            usage_panel(state),
            offline_note(),
            spacing="4",
            width="100%",
        ),
        size=rx.breakpoints(initial="2", sm="3"),
        width="100%",
        id=RESULT_CARD_ID,
    )


def edit_page() -> rx.Component:
    return page_shell(
        "edit_title",
        "edit_subtitle",
        # The form is much taller than the result: each keeps its own height.
        form_and_result(_inputs_card(), _result_card(), align_items="start"),
    )
