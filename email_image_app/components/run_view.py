"""Widgets that show a streaming image run: progress, step thumbnails, the preview, the final
image's actions and its usage. They read any state that mixes in `ImageRunState` (`state.image_run`)."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex_base.vars.base import Var

from email_image_app.components.styles import checkerboard

from email_image_app.state.language import figures, money, say, tr
from email_image_app.state.provider import ProviderState


def stage_text(state: Any) -> rx.Component:
    """Where the run is ("Partial 2 of 3", "Done"…), from the state's stage, in the page's language."""
    return rx.match(
        state.stage,
        (
            "queued",
            rx.fragment(
                tr("queued"), " (",
                rx.cond(state.queue_ahead == 0, tr("queued_next"), rx.fragment(state.queue_ahead, " ", tr("queued_ahead"))),
                ")",
            ),
        ),
        ("request_sent", rx.fragment(tr("request_sent"))),
        ("partial", rx.fragment(tr("partial"), " ", state.stage_step, " ", tr("of"), " ", state.stage_steps)),
        ("done", rx.fragment(tr("tile_done"))),
        ("cancelled", rx.fragment(tr("tile_cancelled"))),
        ("failed", rx.fragment(tr("tile_failed"))),
        ("from_history", rx.fragment(tr("from_history"))),
        rx.fragment(state.stage),
    )


def progress_panel(state: Any) -> rx.Component:
    return rx.vstack(
        rx.progress(value=state.progress, max=100, width="100%", id="run-progress", aria_label=tr("progress_label")),
        rx.hstack(
            rx.text(tr("partial_images"), tr("colon"), state.steps.length(), size="2", id="partial-count"),
            rx.spacer(),
            rx.cond(
                state.stage != "",
                rx.text(
                    stage_text(state), " · ", tr("elapsed"), " ", state.elapsed_s, " s",
                    rx.cond(say(state.time_left) != "", rx.el.span(" · ", say(state.time_left), id="run-eta")),
                    size="2", color_scheme="gray", id="run-stage",
                ),
            ),
            width="100%",
            flex_wrap="wrap",  # on a phone the stage goes under the count instead of squeezing it
            row_gap="1",
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
        rx.text(tr("step"), " ", step.number, " · ", figures(step.elapsed_label), size="1", color_scheme="gray"),
        spacing="1",
        align="center",
        class_name="step-thumb",
    )


def steps_strip(state: Any, *, alt_prefix: str = "Step", final_detail: Any = None) -> rx.Component:
    """Thumbnails of the steps as they arrive (index and arrival time under each), then the final
    one; `final_detail` is shown beside it (the editor shows "Tokens: N"). The thumbnails' alt text
    ("Step N") stays English: page scripts and tests find the steps by it."""
    return rx.cond(
        state.steps.length() > 0,
        rx.hstack(
            rx.foreach(state.steps, lambda step: _step_thumb(step, alt_prefix, state.show_preview)),
            rx.cond(
                state.final_url != "",
                rx.hstack(
                    rx.button(
                        rx.icon("check", size=14), tr("final"),
                        on_click=state.show_preview(state.final_url), variant="soft", size="1",
                    ),
                    *([] if final_detail is None else [rx.text(final_detail, size="1", color_scheme="gray", id="final-detail")]),
                    spacing="2",
                    align="center",
                ),
            ),
            spacing="3",
            wrap="wrap",
            id="steps-strip",
            width="100%",
        ),
    )


def preview(state: Any, *, final_alt: str = "Final image", empty_key: str = "preview_empty") -> rx.Component:
    frame = dict(
        width="100%",
        max_height="520px",
        object_fit="contain",
        border_radius="8px",
    )
    return image_frame(
        rx.cond(
            (state.final_url != "") & (state.preview_url == state.final_url),
            rx.image(src=state.final_url, alt=final_alt, id="final-image", **frame),
            rx.cond(
                state.preview_url != "",
                rx.image(src=state.preview_url, alt="Preview", id="preview-image", **frame),
                empty_note("image", empty_key, min_height="260px", icon_size=40),
            ),
        ),
    )


def image_frame(*children: rx.Component, **props: Any) -> rx.Component:
    """The frame images are shown in. A checkerboard shows transparent areas as transparent, not as white."""
    return rx.box(
        *children,
        width="100%",
        padding="10px",
        border_radius="12px",
        background=checkerboard(20),
        border=f"1px solid {rx.color('gray', 5)}",
        **props,
    )


def image_actions(state: Any, *extra_actions: rx.Component) -> rx.Component:
    """Download and Copy Base64 of the final image; `extra_actions` follow them (e.g. "Edit again")."""
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
            *extra_actions,
            rx.text(figures(state.final_info), size="2", color_scheme="gray", id="final-info"),
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
                tr("tokens"), tr("colon"), state.usage_input, " ", tr("input"), " + ", state.usage_output, " ",
                tr("output"), " = ", state.usage_total, " ", tr("total"),
                size="2", id="usage-tokens",
            ),
            rx.text(tr("duration"), tr("colon"), figures(state.duration_label), size="2"),
            rx.text(
                tr("cost"), tr("colon"),
                rx.cond(ProviderState.provider_is_offline, tr("free_offline"), money(state.cost_label)),
                size="2",
                id="usage-cost",
            ),
            spacing="4",
            wrap="wrap",
            color=rx.color("gray", 11),
        ),
    )


def estimate_note(amount: Any, model: Any, **props: Any) -> rx.Component:
    """"Estimated cost: ≈ $0.042 at gpt-image-1.5 list price" for a paid provider; nothing for the
    offline engine or when `amount` (a "$0.042" Var) is ""."""
    return rx.cond(
        ~ProviderState.provider_is_offline & (amount != ""),
        rx.text(
            tr("estimate"), tr("colon"), "≈ ", money(amount), " ",
            say(Var.create({"key": "estimate_at_list_price", "params": {"model": model}})),
            size="1", color_scheme="gray", **props,
        ),
    )


def error_callout(state: Any) -> rx.Component:
    return message_callout(state.error, "run-error")


def message_callout(message: Any, element_id: str, *, size: str = "2", **props: Any) -> rx.Component:
    """A red callout with `message` (a message Var: `Message.to_dict()`, `{}` for none) in the page's
    language, shown only while there is one."""
    text = say(message)
    return rx.cond(
        text != "",
        rx.callout(
            text, icon="circle-alert", color_scheme="red", size=size, width="100%", id=element_id, role="alert",
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


def run_controls(
    state: Any, *, label_key: str, running_key: str, icon: str, on_click: Any, disabled: Any, button_id: str
) -> rx.Component:
    """The page's run button ("Generate", "Edit Image"), reading "<running_key> N%" during a run and
    "Retry" after a failed or interrupted one, with Cancel beside it while the run goes."""
    return rx.hstack(
        rx.button(
            rx.cond(
                state.running,
                rx.fragment(rx.spinner(size="2"), tr(running_key), " ", state.progress, tr("percent")),
                rx.cond(
                    state.stage == "failed",
                    rx.fragment(rx.icon("rotate-ccw", size=16), tr("retry")),
                    rx.fragment(rx.icon(icon, size=16), tr(label_key)),
                ),
            ),
            on_click=on_click,
            disabled=disabled,
            size="3",
            id=button_id,
            flex_grow="1",
        ),
        rx.cond(
            state.running,
            rx.button(
                rx.icon("square", size=14), tr("cancel"),
                on_click=state.cancel, color_scheme="gray", variant="soft", size="3", id="cancel-button",
            ),
        ),
        width="100%",
    )


def run_messages(state: Any) -> rx.Component:
    """Under the run button: the request's notices, the error, and "Cancelled"."""
    return rx.fragment(
        rx.foreach(state.notices, lambda note: rx.callout(say(note), icon="info", size="1", width="100%")),
        error_callout(state),
        rx.cond(
            state.running & state.no_worker,
            rx.callout(tr("no_worker_up"), icon="hourglass", color_scheme="amber", size="1", width="100%",
                       id="no-worker", role="status"),
        ),
        rx.cond(state.cancelled, rx.text(tr("cancelled"), size="2", color_scheme="gray")),
    )


def overlay_style(**extra: Any) -> dict[str, Any]:
    """Style of an element laid over the whole of its (positioned) parent, e.g. over an image."""
    return {"position": "absolute", "top": "0", "left": "0", "width": "100%", "height": "100%", **extra}


def run_result(state: Any, image: rx.Component, *, final_detail: Any = None, extra_actions: Any = ()) -> rx.Component:
    """A run's result under `image` (the preview, or the editor's before/after): the progress, the
    steps, the final image's actions (`extra_actions` after Download and Copy Base64) and usage."""
    return rx.vstack(
        image,
        progress_panel(state),
        steps_strip(state, alt_prefix="Step", final_detail=final_detail),
        image_actions(state, *extra_actions),
        usage_panel(state),
        offline_note(),
        spacing="4",
        width="100%",
    )
