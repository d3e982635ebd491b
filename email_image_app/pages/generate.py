"""`/`: the generator. Type a prompt, watch partial images stream in, download the final image."""

from __future__ import annotations

import reflex as rx

from email_image_app.components.layout import page_shell
from email_image_app.components.options_form import options_form
from email_image_app.components.run_view import (
    error_callout,
    image_actions,
    offline_note,
    preview,
    progress_panel,
    steps_strip,
    usage_panel,
)
from email_image_app.i18n import LanguageState, tr
from email_image_app.image_job import filename_stem
from email_image_app.image_run_state import ImageRunState, format_usd
from email_image_app.imagegen.options import MAX_PROMPT_CHARS, OptionsError
from email_image_app.imagegen.pricing import estimate_cost_usd
from email_image_app.provider import ProviderState, get_client
from email_image_app.store import new_job_id


class GenerateState(ImageRunState, rx.State):
    prompt: str = ""

    @rx.event
    def set_prompt(self, value: str) -> None:
        self.prompt = value[:MAX_PROMPT_CHARS]

    @rx.var
    def estimate_label(self) -> str:
        try:
            options, _ = self._image_options()
        except OptionsError:
            return ""
        amount = estimate_cost_usd(
            options.model, options.size, options.quality, options.partial_images, len(self.prompt)
        )
        return f"≈ {format_usd(amount)} at {options.model} list price"

    @rx.event(background=True)
    async def generate(self):
        async with self:
            if self.running:
                return
            lang = (await self.get_state(LanguageState)).lang
            prompt = self.prompt.strip()
            if not prompt:
                self.error = (
                    "Entrez une description de l'image." if lang == "fr" else "Enter a prompt describing the image."
                )
                return
            try:
                options, target = self._image_options()
                options.validate()
            except OptionsError as exc:
                self.error = exc.message
                return
            prompt = self._prompt_for_background(prompt)
            job_id = new_job_id()
            self._reset_run(job_id)
            self.notices = list(options.notices)
            target = target.with_stem(filename_stem(prompt))
            info = self._job_info("generation", prompt, options, self.size)
        events = get_client().stream_generate(prompt, options)
        async for browser_event in self._follow_run(events, job_id, target, model=options.model, info=info):
            yield browser_event


def _prompt_card() -> rx.Component:
    state = GenerateState
    return rx.card(
        rx.vstack(
            rx.text(tr("prompt"), as_="label", size="2", weight="medium", html_for="prompt"),
            rx.text_area(
                id="prompt",
                value=state.prompt,
                on_change=state.set_prompt,
                placeholder=tr("prompt_placeholder"),
                rows="5",
                size="3",
                width="100%",
                disabled=state.running,
                aria_label="Prompt",
            ),
            options_form(state),
            rx.cond(
                ~ProviderState.provider_is_offline & (state.estimate_label != ""),
                rx.text(tr("estimate"), ": ", state.estimate_label, size="1", color_scheme="gray"),
            ),
            rx.hstack(
                rx.button(
                    rx.cond(
                        state.running,
                        rx.fragment(rx.spinner(size="2"), tr("generating"), " ", state.progress, "%"),
                        rx.fragment(rx.icon("sparkles", size=16), tr("generate")),
                    ),
                    on_click=state.generate,
                    disabled=state.running | (state.prompt.strip() == ""),
                    size="3",
                    id="generate-button",
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
            ),
            rx.foreach(state.notices, lambda note: rx.callout(note, icon="info", size="1", width="100%")),
            error_callout(state),
            rx.cond(state.status == "cancelled", rx.text(tr("cancelled"), size="2", color_scheme="gray")),
            spacing="4",
            width="100%",
        ),
        size="3",
        width="100%",
    )


def _result_card() -> rx.Component:
    state = GenerateState
    return rx.card(
        rx.vstack(
            preview(state, final_alt="Final image"),
            progress_panel(state),
            steps_strip(state, alt_prefix="Step", final_label="Final"),
            image_actions(state),
            usage_panel(state),
            offline_note(),
            spacing="4",
            width="100%",
        ),
        size="3",
        width="100%",
    )


def generate_page() -> rx.Component:
    return page_shell(
        "generate_title",
        "generate_subtitle",
        rx.grid(
            _prompt_card(),
            _result_card(),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="5",
            width="100%",
            style={"grid_template_columns": rx.breakpoints(initial="1fr", md="minmax(0, 5fr) minmax(0, 7fr)")},
        ),
    )
