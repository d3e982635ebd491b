"""The editor's state: the inputs (`inputs_state`), the edit's options (size "Original" keeps the
image's own size; input fidelity where the model has it), and the edit run as one streamed image.

Reading the stored inputs back is part of the run's stream, so a run whose inputs cannot be read
ends like any other failed run: in the view and in the history, with the reason.
"""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from email_image_app.domain import edit_uploads
from email_image_app.domain.formatting import format_usd
from email_image_app.domain.job_stream import JobTarget
from email_image_app.domain.jobs.spec import EditInputs, JobSpec
from email_image_app.domain.messages import message
from email_image_app.domain.run_progress import SizeChoice, describe_options_error, size_note
from email_image_app.domain.store import image_store, new_job_id
from email_image_app.imagegen.options import DEFAULT_MODEL, INPUT_FIDELITIES, MODELS, ImageOptions, OptionsError, parse_size
from email_image_app.imagegen.pricing import estimate_cost_usd
from email_image_app.imagegen.sizing import SizePlan, plan_edit_size, plan_size
from email_image_app.domain.upload_checks import UploadError
from email_image_app.pages.edit.inputs_state import UPLOAD_LIMITS, EditInputsState
from email_image_app.state.auth import AuthState, budget_refusal, require_signed_in

AUTO_SIZE = "auto"  # keep the image's own size
RESULT_CARD_ID = "edit-result"


def reveal(element_id: str) -> rx.event.EventSpec:
    """Scroll smoothly to an element unless its top is already in the upper half of the window
    (on a phone the result is below the form; on a laptop the form is taller than the window)."""
    return rx.call_script(
        f"(() => {{ const el = document.getElementById({element_id!r}); if (!el) return;"
        " const top = el.getBoundingClientRect().top;"
        " if (top < 0 || top > window.innerHeight / 2) el.scrollIntoView({behavior: 'smooth', block: 'start'}); })()"
    )


def _edit_plan(model: str, size: str, image_width: int, image_height: int) -> SizePlan:
    """What to ask the provider for and the size to deliver: "auto" keeps the image's size."""
    if size == AUTO_SIZE:
        return plan_edit_size(model, image_width, image_height)
    width, height = parse_size(size)
    return plan_size(model, width, height)


class EditState(EditInputsState, rx.State):
    size: str = AUTO_SIZE
    input_fidelity: str = "low"

    @rx.event
    def set_input_fidelity(self, value: str) -> None:
        if value in INPUT_FIDELITIES:
            self.input_fidelity = value

    # ----- what the page shows -----

    @rx.var
    def edit_size_choices(self) -> list[SizeChoice]:
        # The select is narrow: the note under the form gives the size.
        return [SizeChoice(AUTO_SIZE, message("size_original").to_dict()), *self.size_choices]

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
        return format_usd(self._estimate_usd(options))

    def _estimate_usd(self, options: ImageOptions) -> float:
        return estimate_cost_usd(options.model, options.size, options.quality, options.partial_images, len(self.prompt))

    @rx.var
    def has_input_fidelity(self) -> bool:
        return MODELS.get(self.model, MODELS[DEFAULT_MODEL]).supports_input_fidelity

    # ----- the edit -----

    def _edit_options(self) -> tuple[ImageOptions, JobTarget]:
        plan = _edit_plan(self.model, self.size, self.original_width, self.original_height)
        options, target = self._options_for(plan)
        if MODELS[options.model].supports_input_fidelity:
            options = options.replace(input_fidelity=self.input_fidelity)
        return options, target

    def _prompt_added_chars(self) -> int:
        return len(self._prompt_for_background(""))

    def _missing_input(self, prompt: str, painted_mask: str) -> str:
        """The catalogue key of what is missing before an edit can start, or ""."""
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
            who = await require_signed_in(self)
            if who is None or self.running:
                return
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
            info = self._job_info(
                self._prompt_for_background(prompt), options, target,
                kind="edit", owner=who, input_images=len(image_urls), mask=self.mask_mode,
            )
            if self._refuse_long_prompt(prompt, info):
                return
            refusal = await budget_refusal(who, self._estimate_usd(options))
            if refusal is not None:  # over this month's budget: nothing goes to the provider
                self.error = refusal.to_dict()
                return
            run = self._start_run(info, options, target)
            inputs = EditInputs(
                image_urls=tuple(image_urls),
                mask_mode=self.mask_mode,
                mask_source={"paint": painted_mask, "upload": self.mask_url}.get(self.mask_mode, ""),
                width=self.original_width,
                height=self.original_height,
            )
            spec = JobSpec(run.job_id, "edit", run.prompt, options, run.target, info=run.info, edit=inputs)
        yield reveal(RESULT_CARD_ID)
        async for browser_event in self._run_job(
            spec, model=options.model, quality=options.quality, event_prefix="image-edit"
        ):
            yield browser_event
        yield AuthState.refresh_budget

    @rx.event
    async def edit_again(self):
        """The result becomes the image to edit (stored again as a new upload); the run is cleared."""
        if self.running or not self.final_url or await require_signed_in(self) is None:
            return
        name = self.final_filename or "edited.png"
        data = await asyncio.to_thread(image_store.read, self.final_url)
        upload_id = new_job_id()
        try:
            stored = await asyncio.to_thread(
                edit_uploads.store_image, upload_id, "original", data, name, limits=UPLOAD_LIMITS
            )
        except UploadError as exc:
            self._refuse(exc.refusal)
            return
        self._use_original(upload_id, stored)
        return reveal("masked-image")
