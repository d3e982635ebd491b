"""From the options a person picks to the request sent and the job recorded. No Reflex here.

The same choices as the generator's options form (model, quality, background with its "white"
choice, format, compression, partial images) become, for a planned size: the `ImageOptions` to send,
the `JobTarget` to deliver, the prompt as sent, and the history's `JobInfo`. The command line uses
it; the pages' `ImageOptionsState` builds the same things from its fields (and can delegate here).
"""

from __future__ import annotations

from dataclasses import dataclass

from email_image_app.domain.job_stream import JobTarget
from email_image_app.domain.job_records import JobInfo
from email_image_app.imagegen.options import DEFAULT_MODEL, ImageOptions
from email_image_app.imagegen.sizing import SizePlan, composition_hint

BACKGROUND_CHOICES = ("auto", "opaque", "white", "transparent")
# The "white" background: an opaque image asked for with these words at the prompt's end.
WHITE_BACKGROUND_PROMPT_SUFFIX = ", on a plain white background"
WHITE = "#ffffff"


@dataclass(frozen=True)
class RequestChoices:
    """What a person chose, prompt-independent; `background` may be "white" (not an API value)."""

    model: str = DEFAULT_MODEL
    quality: str = "medium"
    background: str = "auto"
    output_format: str = "png"
    compression: int = 85
    partial_images: int = 3

    @property
    def _compression(self) -> int | None:
        return self.compression if self.output_format in ("jpeg", "webp") else None

    def for_plan(self, plan: SizePlan) -> tuple[ImageOptions, JobTarget]:
        """What to ask the provider for, and what to make of its image (exact size, format)."""
        options = ImageOptions(
            model=self.model,
            size=plan.request_size,
            quality=self.quality,
            background="opaque" if self.background == "white" else self.background,
            output_format=self.output_format,
            output_compression=self._compression,
            partial_images=self.partial_images,
        ).normalized()
        target = JobTarget(
            width=plan.target_width,
            height=plan.target_height,
            output_format=self.output_format,
            compression=self._compression,
            flatten_color=WHITE if self.background == "white" else None,
        )
        return options, target

    def prompt_for_new_image(self, prompt: str, options: ImageOptions, target: JobTarget) -> str:
        """A new image's prompt as sent: "white" in words (the API has no such value), and a hard
        crop (a 4:1 banner from a 3:2 image) says which area survives."""
        return self.prompt_for_edit(prompt) + composition_hint(options.size, target.width, target.height)

    def prompt_for_edit(self, prompt: str) -> str:
        """An edit's prompt as sent: the edited image sets the composition, so only "white" is added."""
        return prompt + WHITE_BACKGROUND_PROMPT_SUFFIX if self.background == "white" else prompt

    def job_info(
        self,
        prompt_sent: str,
        options: ImageOptions,
        target: JobTarget,
        *,
        kind: str,
        provider: str,
        parent_id: str | None = None,
        owner_id: int | None = None,
        **details: object,
    ) -> JobInfo:
        """The history's record of the request about to be made; `details` join its options."""
        return JobInfo(
            kind=kind,
            prompt=prompt_sent,
            model=options.model,
            provider=provider,
            options={
                **options.request_fields(edit=kind == "edit"),
                "partial_images": options.partial_images,
                "target_size": f"{target.width}x{target.height}",
                "background_choice": self.background,  # "white" is sent as opaque + prompt words
                **details,
            },
            parent_id=parent_id,
            owner_id=owner_id,
        )
