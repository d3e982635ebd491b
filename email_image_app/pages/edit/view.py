"""`/edit`: the editor's page. Upload an image (plus optional reference images and a mask, uploaded
or painted), describe the changes, watch the edit stream in, compare before and after, download."""

from __future__ import annotations

import reflex as rx

from email_image_app.components.before_after import before_after
from email_image_app.components.layout import form_and_result, page_shell
from email_image_app.components.mask_painter import export_painted_mask, mask_section, masked_image
from email_image_app.components.options_form import labelled_select, options_form, prompt_field
from email_image_app.components.reference_images import reference_images
from email_image_app.components.run_view import estimate_note, preview, run_controls, run_messages, run_result
from email_image_app.components.upload_zone import section_title, upload_feedback, upload_zone
from email_image_app.domain.edit_uploads import MAX_REFERENCE_IMAGES
from email_image_app.imagegen.options import INPUT_FIDELITIES
from email_image_app.pages.edit.inputs_state import UPLOAD_LIMITS
from email_image_app.pages.edit.state import RESULT_CARD_ID, EditState
from email_image_app.state.language import figures, say, tr

IMAGE_UPLOAD_ID = "edit-image-upload"
REFERENCES_UPLOAD_ID = "edit-references-upload"
MASK_UPLOAD_ID = "edit-mask-upload"


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
    edit_again = rx.button(
        rx.icon("repeat", size=16), tr("edit_again"),
        on_click=state.edit_again, size="3", variant="outline", id="edit-again-button",
    )
    return rx.card(
        run_result(
            state,
            rx.cond(
                state.completed & (state.original_display_url != ""),
                before_after(
                    state.original_display_url, state.preview_url, after_alt=rx.cond(is_final, "Final", "Preview")
                ),
                preview(state, final_alt="Final", empty_key="edit_preview_empty"),
            ),
            final_detail=rx.fragment(tr("tokens"), tr("colon"), state.usage_total),
            extra_actions=[edit_again],
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
