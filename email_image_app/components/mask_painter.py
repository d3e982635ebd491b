"""The edit mask: chosen (whole image / painted / uploaded file) in `mask_section`, and shown over
the image to edit by `masked_image`, as a canvas to paint the area to change with a brush
(assets/image_editor.js does the painting) or as an uploaded mask's tint of the same colour.

The canvas has the image's proportions at up to 1024 px (`edit_uploads.mask_canvas_size`); the
server scales the exported painting up to the image's exact size.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from email_image_app.components.labels import label_for
from email_image_app.components.styles import checkerboard

from email_image_app.components.run_view import overlay_style
from email_image_app.components.upload_zone import ACCEPTED_MASK_TYPES, section_title, upload_zone
from email_image_app.state.language import figures, tr

MASK_CANVAS_ID = "mask-canvas"
# Painted strokes are opaque on the canvas; the canvas is shown half transparent.
PAINT_OPACITY = "0.5"


def export_painted_mask() -> str:
    """JS that yields the painted mask as a PNG data URL, or "" (see window.maskPainter.exportMask)."""
    return f"window.maskPainter.exportMask('{MASK_CANVAS_ID}')"


def clear_painted_mask() -> rx.event.EventSpec:
    return rx.call_script(f"window.maskPainter.clear('{MASK_CANVAS_ID}')")


def masked_image(state: Any) -> rx.Component:
    """The original image; over it the painting canvas (paint mode) or the uploaded mask's tint."""
    painting = state.mask_mode == "paint"
    return rx.box(
        rx.image(
            src=state.original_display_url,
            alt="Original",
            id="original-image",
            width="100%",
            height="auto",
            display="block",
            border_radius="6px",
            draggable=False,
        ),
        # Always mounted, only hidden outside paint mode, so switching modes keeps the painting;
        # keyed by the image so a new image starts with a clean canvas.
        rx.el.canvas(
            key=state.original_url,
            id=MASK_CANVAS_ID,
            custom_attrs={"width": state.mask_canvas_width, "height": state.mask_canvas_height},
            data_mask_painter="",
            data_brush=state.brush_size,
            data_erase=rx.cond(state.erasing, "true", "false"),
            aria_label="Mask painting area",
            style=overlay_style(
                display=rx.cond(painting, "block", "none"),
                opacity=PAINT_OPACITY,
                cursor="crosshair",
                touch_action="none",  # a finger paints instead of scrolling the page
                border_radius="6px",
            ),
        ),
        rx.box(
            data_mask_ring="",
            style={
                "position": "absolute",
                "display": "none",
                "pointer_events": "none",
                "border": "2px solid white",
                "border_radius": "50%",
                "box_shadow": "0 0 0 1px rgba(0,0,0,0.6)",
            },
        ),
        rx.cond(
            (state.mask_mode == "upload") & (state.mask_display_url != ""),
            rx.image(src=state.mask_display_url, alt="Mask", style=overlay_style(pointer_events="none")),
        ),
        position="relative",
        width="100%",
        overflow="hidden",
        border_radius="6px",
        background=checkerboard(),
        id="masked-image",
    )


def brush_tools(state: Any) -> rx.Component:
    """Brush size, eraser and clear; shown in paint mode."""
    return rx.flex(
        rx.hstack(
            rx.icon("brush", size=16, color=rx.color("gray", 11)),
            rx.text(tr("brush_size"), size="2", white_space="nowrap"),
            rx.slider(
                value=[state.brush_size],
                min=8,
                max=120,
                step=2,
                on_change=state.set_brush_size,
                aria_label="Brush size",
                width="100%",
                min_width="100px",
            ),
            align="center",
            spacing="2",
            flex_grow="1",
            min_width="200px",
        ),
        rx.hstack(
            label_for(tr("erase"), "mask-erase", size="2"),
            rx.switch(checked=state.erasing, on_change=state.set_erasing, id="mask-erase"),
            rx.button(
                rx.icon("eraser", size=14),
                tr("clear_mask"),
                on_click=clear_painted_mask(),
                variant="soft",
                color_scheme="gray",
                size="1",
                id="mask-clear",
            ),
            align="center",
            spacing="2",
        ),
        spacing="4",
        align="center",
        wrap="wrap",
        width="100%",
    )


def _mask_file(state: Any, upload_id: str) -> rx.Component:
    """The uploaded mask's name and size with a remove button, or the zone to drop one."""
    return rx.cond(
        state.mask_url == "",
        upload_zone(
            state,
            upload_id,
            state.upload_mask,
            title=tr("drop_mask"),
            hint=tr("mask_upload_hint"),
            icon="square-dashed-mouse-pointer",
            accept=ACCEPTED_MASK_TYPES,
            compact=True,
        ),
        rx.hstack(
            rx.icon("square-dashed", size=16, color=rx.color("gray", 11)),
            rx.text(state.mask_name, " · ", figures(state.mask_label), size="2", id="mask-info", trim="both"),
            rx.spacer(),
            rx.icon_button(
                rx.icon("x", size=14),
                on_click=state.remove_mask,
                variant="ghost",
                color_scheme="gray",
                size="1",
                aria_label="Remove the mask",
            ),
            align="center",
            width="100%",
        ),
    )


def mask_section(state: Any, upload_id: str) -> rx.Component:
    """The choice of area to change: whole image, painted, or a mask file; with the brush tools or
    the mask's drop zone, and the warning that providers take masks as guidance."""
    return rx.vstack(
        section_title("mask"),
        rx.segmented_control.root(
            rx.segmented_control.item(tr("mask_none"), value="none"),
            rx.segmented_control.item(tr("mask_paint"), value="paint"),
            rx.segmented_control.item(tr("mask_upload"), value="upload"),
            value=state.mask_mode,
            on_change=state.set_mask_mode,
            disabled=state.running,
            size=rx.breakpoints(initial="1", sm="2"),
            width="100%",
            id="mask-mode",
        ),
        rx.cond(
            state.mask_mode == "paint",
            rx.vstack(
                rx.text(
                    rx.cond(state.original_url == "", tr("need_image"), tr("paint_hint")), size="1", color_scheme="gray"
                ),
                brush_tools(state),
                width="100%",
                spacing="2",
            ),
        ),
        rx.cond(state.mask_mode == "upload", _mask_file(state, upload_id)),
        rx.cond(
            state.mask_mode != "none",
            rx.text(tr("mask_guidance"), size="1", color_scheme="gray", id="mask-guidance"),
        ),
        width="100%",
        spacing="2",
    )
