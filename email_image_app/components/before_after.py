"""Before/after comparison: the result, with the original laid over its left part. Dragging across
the image moves the split (an invisible range input; assets/image_editor.js moves it in the browser,
so dragging costs no round trip to the server)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from email_image_app.components.run_view import image_frame, overlay_style
from email_image_app.state.language import tr

_SPLIT = "var(--split, 50%)"


def _corner_badge(text: Any, side: str) -> rx.Component:
    return rx.badge(
        text,
        variant="solid",
        color_scheme="gray",
        high_contrast=True,
        size="1",
        style={"position": "absolute", "top": "8px", side: "8px", "opacity": "0.85", "pointer_events": "none"},
    )


def before_after(before_url: Any, after_url: Any, *, after_alt: Any) -> rx.Component:
    """`after_url` sets the frame's size; the original is cover-fitted to it, as a size change
    crops it (`imaging.fit_exact`), so the two line up."""
    return image_frame(
        rx.box(
            rx.image(
                src=after_url,
                alt=after_alt,
                id="after-image",
                display="block",
                max_width="100%",
                max_height="520px",
                width="auto",
                height="auto",
                border_radius="6px",
            ),
            rx.image(
                src=before_url,
                alt="Before",
                id="before-image",
                style=overlay_style(
                    object_fit="cover",
                    border_radius="6px",
                    clip_path=f"inset(0 calc(100% - {_SPLIT}) 0 0)",
                    pointer_events="none",
                ),
            ),
            rx.box(
                style={
                    "position": "absolute",
                    "top": "0",
                    "bottom": "0",
                    "left": _SPLIT,
                    "width": "2px",
                    "margin_left": "-1px",
                    "background": "white",
                    "box_shadow": "0 0 4px rgba(0,0,0,0.5)",
                    "pointer_events": "none",
                },
            ),
            _corner_badge(tr("before"), "left"),
            _corner_badge(tr("after"), "right"),
            rx.el.input(
                type="range",
                min=0,
                max=100,
                default_value="50",
                data_compare_slider="",
                aria_label="Compare before and after",
                id="compare-slider",
                style=overlay_style(margin="0", opacity="0", cursor="ew-resize"),
            ),
            data_compare="",
            position="relative",
            width="fit-content",
            max_width="100%",
            margin_x="auto",
        ),
        rx.text(tr("compare_hint"), size="1", color_scheme="gray", text_align="center", margin_top="6px"),
        id="before-after",
    )
