"""`/`: the generator's page. Type a prompt, watch partial images stream in, download the final image."""

from __future__ import annotations

import reflex as rx

from email_image_app.components.layout import form_and_result, page_shell
from email_image_app.components.options_form import options_form, prompt_field
from email_image_app.components.run_view import estimate_note, preview, run_controls, run_messages, run_result
from email_image_app.components.stored_offer import stored_offer_callout
from email_image_app.pages.generate.state import GenerateState


def _prompt_card() -> rx.Component:
    state = GenerateState
    return rx.card(
        rx.vstack(
            prompt_field(
                state, label_key="prompt", placeholder_key="prompt_placeholder",
                run_button_id="generate-button", shortcut_key="run_shortcut_generate",
            ),
            options_form(state),
            estimate_note(state.estimate_amount, state.model, id="cost-estimate"),
            run_controls(
                state,
                label_key="generate",
                running_key="generating",
                icon="sparkles",
                on_click=state.generate,
                disabled=state.running | (state.prompt.strip() == ""),
                button_id="generate-button",
            ),
            stored_offer_callout(state),
            run_messages(state),
            spacing="4",
            width="100%",
        ),
        size="3",
        width="100%",
    )


def _result_card() -> rx.Component:
    state = GenerateState
    return rx.card(run_result(state, preview(state, final_alt="Final image")), size="3", width="100%")


def generate_page() -> rx.Component:
    return page_shell(
        "generate_title",
        "generate_subtitle",
        form_and_result(_prompt_card(), _result_card()),
    )
