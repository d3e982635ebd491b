"""The image options form's state (model, size, quality, background, format, compression, partial
images) and the request it makes. The generator and editor take it through `ImageRunState`; the
campaign page directly."""

from __future__ import annotations

from typing import Any

import reflex as rx

from email_image_app.domain.accounts import SignedIn
from email_image_app.domain.image_request import BACKGROUND_CHOICES, RequestChoices
from email_image_app.domain.job_stream import JobTarget
from email_image_app.domain.job_records import JobInfo
from email_image_app.domain.messages import message
from email_image_app.domain.run_progress import (
    SizeChoice,
    clamp_partial_images,
    size_choices,
    size_note,
)
from email_image_app.imagegen.options import DEFAULT_MODEL, MODELS, ImageOptions, OptionsError, parse_size
from email_image_app.imagegen.sizing import SizePlan, plan_size
from email_image_app.state.provider import current_provider


class ImageOptionsState(rx.State, mixin=True):
    """The prompt-independent options of the form (`components.options_form`) and the request they
    make. The generator and editor take them through `ImageRunState`; the campaign page directly."""

    model: str = DEFAULT_MODEL
    size: str = "1200x600"
    quality: str = "medium"
    background: str = "auto"
    output_format: str = "png"
    compression: int = 85
    partial_images: int = 3

    # ----- option setters (explicit: Reflex 0.10 has no automatic setters) -----

    @rx.event
    def set_model(self, value: str) -> None:
        if value not in MODELS:
            return
        self.model = value
        if self.background == "transparent" and not MODELS[value].supports_transparent:
            self.background = "auto"

    @rx.event
    def set_size(self, value: str) -> None:
        self.size = value

    @rx.event
    def set_quality(self, value: str) -> None:
        self.quality = value

    @rx.event
    def set_background(self, value: str) -> None:
        self.background = value

    @rx.event
    def set_output_format(self, value: str) -> None:
        self.output_format = value

    @rx.event
    def set_compression(self, value: list[int | float]) -> None:
        self.compression = int(value[0]) if value else 85

    @rx.event
    def set_partial_images(self, value: str) -> None:
        self.partial_images = clamp_partial_images(int(value))

    # ----- what the options form shows -----

    @rx.var
    def size_choices(self) -> list[SizeChoice]:
        """The email presets, then the model's native sizes (labels as messages)."""
        return size_choices(self.model)

    @rx.var
    def background_choices(self) -> list[str]:
        capabilities = MODELS.get(self.model, MODELS[DEFAULT_MODEL])
        return [b for b in BACKGROUND_CHOICES if b != "transparent" or capabilities.supports_transparent]

    @rx.var
    def transparency_conflict(self) -> bool:
        return self.background == "transparent" and self.output_format == "jpeg"

    @rx.var
    def size_plan_note(self) -> dict[str, Any]:
        """What the provider is asked for when it cannot draw the size picked (a message; {} if none)."""
        try:
            width, height = parse_size(self.size)
            plan = plan_size(self.model, width, height)
        except OptionsError as exc:
            return message("verbatim", text=exc.message).to_dict()
        return size_note(self.model, plan).to_dict() if plan.needs_fit else {}

    @rx.var
    def uses_compression(self) -> bool:
        return self.output_format in ("jpeg", "webp")

    # ----- building a request -----

    def _image_options(self) -> tuple[ImageOptions, JobTarget]:
        """Options to send and what to make of the result; raises OptionsError naming the field."""
        return self._options_for_size(*parse_size(self.size))

    def _options_for_size(self, width: int, height: int) -> tuple[ImageOptions, JobTarget]:
        """`_image_options` for an exact size other than the form's (e.g. a campaign slot)."""
        return self._options_for(plan_size(self.model, width, height))

    def _choices(self) -> RequestChoices:
        """The form's choices, as the domain builds requests from them (the command line too)."""
        return RequestChoices(
            model=self.model,
            quality=self.quality,
            background=self.background,
            output_format=self.output_format,
            compression=self.compression,
            partial_images=self.partial_images,
        )

    def _options_for(self, plan: SizePlan) -> tuple[ImageOptions, JobTarget]:
        """The form's options for a planned size: what to ask for and what to make of the result."""
        return self._choices().for_plan(plan)

    def _prompt_to_send(self, prompt: str, options: ImageOptions, target: JobTarget) -> str:
        """The prompt as sent for a new image: "white" in words, and a hard crop's kept area named."""
        return self._choices().prompt_for_new_image(prompt, options, target)

    def _prompt_for_background(self, prompt: str) -> str:
        """An edit's prompt: the "white" background in words; the edited image sets the composition."""
        return self._choices().prompt_for_edit(prompt)

    def _job_info(
        self,
        prompt_sent: str,
        options: ImageOptions,
        target: JobTarget,
        *,
        kind: str,
        parent_id: str | None = None,
        owner: SignedIn | None = None,
        **details: object,
    ) -> JobInfo:
        """The history's record of the request about to be made, owned by `owner` (the signed-in
        person). `details` are added to the recorded options (e.g. how many input images an edit has)."""
        return self._choices().job_info(
            prompt_sent, options, target, kind=kind, provider=current_provider().label, parent_id=parent_id,
            owner_id=owner.account_id if owner is not None else None, **details,
        )
