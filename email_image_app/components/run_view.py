"""Widgets that show a streaming image run: progress, step thumbnails, the preview, the final
image's actions and its usage. They read any state that mixes in `ImageRunState`."""

from __future__ import annotations

from typing import Any

import reflex as rx

from email_image_app.i18n import tr
from email_image_app.provider import ProviderState


def progress_panel(state: Any) -> rx.Component:
    return rx.vstack(
        rx.progress(value=state.progress, max=100, width="100%", id="run-progress", aria_label="Progress"),
        rx.hstack(
            rx.text(tr("partial_images"), ": ", state.received_partials, size="2", id="partial-count"),
            rx.spacer(),
            rx.cond(
                state.status != "",
                rx.text(state.stage, " · ", tr("elapsed"), " ", state.elapsed_s, " s", size="2", color_scheme="gray"),
            ),
            width="100%",
        ),
        width="100%",
        spacing="2",
    )


def _step_thumb(step: Any, alt_prefix: str, on_pick: Any) -> rx.Component:
    return rx.vstack(
        rx.image(
            src=step.thumb_url,
            alt=f"{alt_prefix} " + step.number.to_string(),
            height="64px",
            width="auto",
            max_width="128px",
            object_fit="contain",
            border_radius="6px",
            border=f"1px solid {rx.color('gray', 6)}",
            background_color="white",
            cursor="pointer",
            on_click=on_pick(step.preview_url),
        ),
        rx.text(f"{alt_prefix} ", step.number, " · ", step.elapsed_label, size="1", color_scheme="gray"),
        spacing="1",
        align="center",
        class_name="step-thumb",
    )


def steps_strip(state: Any, *, alt_prefix: str = "Step", final_label: str = "Final") -> rx.Component:
    return rx.cond(
        state.steps.length() > 0,
        rx.hstack(
            rx.foreach(state.steps, lambda step: _step_thumb(step, alt_prefix, state.show_preview)),
            rx.cond(
                state.final_url != "",
                rx.button(
                    rx.icon("check", size=14), final_label,
                    on_click=state.show_preview(state.final_url), variant="soft", size="1",
                ),
            ),
            spacing="3",
            wrap="wrap",
            id="steps-strip",
            width="100%",
        ),
    )


def preview(state: Any, *, final_alt: str = "Final image") -> rx.Component:
    frame = dict(
        width="100%",
        max_height="520px",
        object_fit="contain",
        border_radius="8px",
    )
    return rx.box(
        rx.cond(
            (state.final_url != "") & (state.preview_url == state.final_url),
            rx.image(src=state.final_url, alt=final_alt, id="final-image", **frame),
            rx.cond(
                state.preview_url != "",
                rx.image(src=state.preview_url, alt="Preview", id="preview-image", **frame),
                empty_note("image", "preview_empty", min_height="260px", icon_size=40),
            ),
        ),
        width="100%",
        padding="10px",
        border_radius="12px",
        # A checkerboard shows transparent areas as transparent, not as white.
        background=(
            "repeating-conic-gradient(#eef0f3 0% 25%, #ffffff 0% 50%) 50% / 20px 20px"
        ),
        border=f"1px solid {rx.color('gray', 5)}",
    )


def image_actions(state: Any) -> rx.Component:
    return rx.cond(
        state.final_url != "",
        rx.hstack(
            rx.button(
                rx.icon("download", size=16),
                tr("download"),
                on_click=rx.download(url=state.final_url, filename=state.final_filename),
                size="3",
                id="download-button",
            ),
            rx.button(
                rx.icon("clipboard-copy", size=16),
                tr("copy_base64"),
                on_click=rx.call_script(
                    "window.emailImageStudio.copyBase64(" + state.final_url.to_string() + ")",
                    callback=state.base64_copied,
                ),
                size="3",
                variant="soft",
                id="copy-base64-button",
            ),
            rx.text(state.final_info, size="2", color_scheme="gray", id="final-info"),
            spacing="3",
            align="center",
            wrap="wrap",
        ),
    )


def usage_panel(state: Any) -> rx.Component:
    return rx.cond(
        state.usage_total > 0,
        rx.hstack(
            rx.text(
                tr("tokens"), ": ", state.usage_input, " ", tr("input"), " + ", state.usage_output, " ",
                tr("output"), " = ", state.usage_total, " ", tr("total"),
                size="2", id="usage-tokens",
            ),
            rx.text(tr("duration"), ": ", state.duration_label, size="2"),
            rx.text(
                tr("cost"), ": ",
                rx.cond(ProviderState.provider_is_offline, tr("free_offline"), state.cost_label),
                size="2",
                id="usage-cost",
            ),
            spacing="4",
            wrap="wrap",
            color=rx.color("gray", 11),
        ),
    )


def error_callout(state: Any) -> rx.Component:
    return message_callout(state.error, "run-error")


def message_callout(message: Any, element_id: str, *, size: str = "2", **props: Any) -> rx.Component:
    """A red callout with `message` (a str Var), shown only while the message is not empty."""
    return rx.cond(
        message != "",
        rx.callout(
            message, icon="circle-alert", color_scheme="red", size=size, width="100%", id=element_id, role="alert",
            **props,
        ),
    )


def empty_note(icon: str, text_key: str, *, min_height: str, icon_size: int = 36) -> rx.Component:
    """A grey icon over a line of text, centred: what stands where a result will appear."""
    return rx.center(
        rx.vstack(
            rx.icon(icon, size=icon_size, color=rx.color("gray", 8)),
            rx.text(tr(text_key), color_scheme="gray", size="2", text_align="center"),
            align="center",
        ),
        min_height=min_height,
        width="100%",
    )


def offline_note() -> rx.Component:
    """Says that the offline engine draws drafts, not AI pictures (nothing with a real provider)."""
    return rx.cond(
        ProviderState.provider_is_offline,
        rx.text(tr("offline_note"), size="1", color_scheme="gray"),
    )
