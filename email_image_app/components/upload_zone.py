"""A drop zone for images, on Reflex's upload component: a dropped or chosen file goes to the
server at once (no separate "Upload" button), where the page's handler validates it."""

from __future__ import annotations

from typing import Any

import reflex as rx

from email_image_app.state.language import say, tr

# What the file picker offers. The server checks the content itself (a text file renamed .png
# passes here and is refused there), so this only spares the marketer a trip.
ACCEPTED_IMAGE_TYPES: dict[str, list[str]] = {
    "image/png": [".png"],
    "image/jpeg": [".jpg", ".jpeg"],
    "image/webp": [".webp"],
}
ACCEPTED_MASK_TYPES: dict[str, list[str]] = {"image/png": [".png"]}


def rejected_files_summary(rejected: rx.Var) -> rx.Var:
    """react-dropzone's rejections as [{name, codes}]: the records hold File objects, which the
    websocket would send as binary attachments, so only the names and error codes go."""
    return rx.Var(
        _js_expr=f"{rejected}.map((record) => ({{name: record.file.name, codes: record.errors.map((e) => e.code)}}))",
        _var_type=list[dict[str, Any]],
    )


def upload_zone(
    state: Any,
    upload_id: str,
    on_upload: Any,
    *,
    title: Any,
    hint: Any = "",
    icon: str = "image-up",
    multiple: bool = False,
    accept: dict[str, list[str]] = ACCEPTED_IMAGE_TYPES,
    compact: bool = False,
) -> rx.Component:
    """`on_upload` is the page's handler taking `files: list[rx.UploadFile]`. `state` provides
    `files_rejected` (takes `rejected_files_summary`'s list: wrong type, too many files, worded like
    the server's refusals), `upload_progress` (takes the upload's progress dict) and `running`
    (no uploads during a run)."""
    files = rx.upload_files(upload_id=upload_id, on_upload_progress=state.upload_progress)
    if compact:
        heading = rx.hstack(
            rx.icon(icon, size=18, color=rx.color("accent", 10)),
            rx.text(title, size="2", weight="medium"),
            align="center",
            spacing="2",
        )
    else:
        heading = rx.vstack(
            rx.icon(icon, size=28, color=rx.color("accent", 10)),
            rx.text(title, size="3", weight="medium", text_align="center"),
            align="center",
            spacing="2",
        )
    zone = rx.upload.root(
        rx.vstack(
            heading,
            rx.cond(hint != "", rx.text(hint, size="1", color_scheme="gray", text_align="center")),
            align="center",
            spacing="1",
            width="100%",
        ),
        id=upload_id,
        accept=accept,
        multiple=multiple,
        **({} if multiple else {"max_files": 1}),
        on_drop=on_upload(files),
        on_drop_rejected=lambda rejected: state.files_rejected(rejected_files_summary(rejected)),
        disabled=state.running,
        width="100%",
        padding="10px 14px" if compact else "28px 16px",
        border=f"1.5px dashed {rx.color('accent', 7)}",
        border_radius="10px",
        background_color=rx.color("accent", 2),
        cursor="pointer",
        drag_active_style={"background_color": rx.color("accent", 4), "border_color": rx.color("accent", 9)},
        _hover={"background_color": rx.color("accent", 3)},
        class_name="upload-zone",
    )
    _name_file_input(zone, title)
    return zone


def _name_file_input(component: rx.Component, name: Any) -> None:
    """Give the zone's file input (react-dropzone's, built inside `rx.upload.root`, which passes it no
    props of ours) the zone's title as its accessible name, read by screen readers and checked by axe."""
    for child in component.children:
        if type(child).__name__ == "Input":
            child.custom_attrs["aria-label"] = name
            return
        _name_file_input(child, name)


def upload_feedback(state: Any) -> rx.Component:
    """What happens to the last upload: "Uploading… N%" / "Checking…", or why it was refused.
    Reads `upload_status` and `upload_error` (messages, `Message.to_dict()`; {} for none)."""
    return rx.fragment(
        rx.cond(
            say(state.upload_status) != "",
            rx.hstack(
                rx.spinner(size="1"),
                rx.text(say(state.upload_status), size="2", color_scheme="gray"),
                align="center",
                id="upload-status",
            ),
        ),
        rx.cond(
            say(state.upload_error) != "",
            rx.callout(
                say(state.upload_error),
                icon="file-warning",
                color_scheme="red",
                size="1",
                width="100%",
                id="upload-error",
                role="alert",
            ),
        ),
    )


def section_title(key: str, *extra: rx.Component) -> rx.Component:
    return rx.hstack(rx.text(tr(key), size="2", weight="bold"), *extra, align="center", spacing="2", width="100%")
