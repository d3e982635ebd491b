"""One validated image request, ready to render: its options, size, inputs and test hook, how to
draw each stage (engine.py) and what the response's usage says. The routes (server.py) serve it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping


from email_image_app.imagegen import engine
from email_image_app.imagegen.engine_inputs import EditInputs
from email_image_app.imagegen.engine_requests import ImageRequest
from email_image_app.imagegen.options import ImageOptions


@dataclass(frozen=True)
class ImageJob:
    """Everything needed to render and report one validated request."""

    request: ImageRequest
    width: int
    height: int
    hook: str | None = None  # a fault marker, only when faults are enabled
    inputs: EditInputs | None = None  # an edit's images and mask, already at working size
    input_sizes: tuple[tuple[int, int], ...] = ()  # as uploaded: usage counts those

    @property
    def prompt(self) -> str:
        return self.request.prompt

    @property
    def options(self) -> ImageOptions:
        return self.request.options

    @property
    def stream(self) -> bool:
        return self.request.stream

    @property
    def is_edit(self) -> bool:
        return self.inputs is not None

    @property
    def event_prefix(self) -> str:
        return "image_edit" if self.is_edit else "image_generation"

    @property
    def resolved_fields(self) -> dict[str, str]:
        """size/quality/background/output_format as reported: resolved, never 'auto'."""
        return {
            "size": f"{self.width}x{self.height}",
            "quality": engine.resolve_quality(self.options.quality),
            "background": engine.resolve_background(self.options.background, self.options.output_format),
            "output_format": self.options.output_format,
        }

    def render_stage(self, stage: int, stages: int, variant: int) -> bytes:
        """Blocking: run it in a worker thread."""
        common = dict(
            output_format=self.options.output_format,
            background=self.options.background,
            quality=self.options.quality,
            output_compression=self.options.output_compression,
            stage=stage,
            stages=stages,
            variant=variant,
        )
        if self.inputs is not None:
            return engine.edit_loaded(self.inputs, self.prompt, self.width, self.height, **common)
        return engine.render(self.prompt, self.width, self.height, **common)

    def usage(self, partial_images_sent: int) -> dict[str, Any]:
        return engine.usage_for(
            self.prompt,
            self.width,
            self.height,
            self.options.quality,
            partial_images_sent,
            input_images=list(self.input_sizes),
        )


def combined_usage(prompt_usage: Mapping[str, Any], outputs: list[int]) -> dict[str, Any]:
    """Usage of an n-image response: the input counted once, the outputs summed."""
    output_tokens = sum(outputs)
    return {**prompt_usage, "output_tokens": output_tokens, "total_tokens": prompt_usage["input_tokens"] + output_tokens}
