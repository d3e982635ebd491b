"""`/`: the generator. Type a prompt, watch partial images stream in, download the final image."""

from __future__ import annotations

import reflex as rx

from email_image_app.components.layout import form_and_result, page_shell
from email_image_app.components.options_form import options_form, prompt_field
from email_image_app.components.run_view import (
    estimate_note,
    image_actions,
    offline_note,
    preview,
    progress_panel,
    run_controls,
    run_messages,
    steps_strip,
    usage_panel,
)
from email_image_app.components.stored_offer import stored_offer_callout
from email_image_app.domain.messages import message
from email_image_app.state.language import LanguageState
from email_image_app.domain.run_progress import describe_options_error
from email_image_app.state.image_run import ImageRunState
from email_image_app.imagegen.options import MAX_PROMPT_CHARS, OptionsError
from email_image_app.imagegen.pricing import estimate_cost_usd
from email_image_app.state.provider import get_client
from email_image_app.state.stored_offer import FormSettings, StoredRunState
from email_image_app.domain.formatting import format_usd


class GenerateState(ImageRunState, StoredRunState, rx.State):
    @rx.event
    def set_prompt(self, value: str) -> None:
        self.prompt = value[:MAX_PROMPT_CHARS]
        self._clear_stored_offer()

    def _use_settings(self, settings: FormSettings) -> None:
        """Prompt and options of a past job, ready to run again ("Use these settings")."""
        self.prompt = settings.prompt[:MAX_PROMPT_CHARS]
        self._apply_form_settings(settings)

    @rx.event
    def generate_anyway(self):
        self._generate_anyway()
        return GenerateState.generate

    @rx.var
    def estimate_amount(self) -> str:
        """The run's list-price estimate ("$0.042"), shown for a paid provider."""
        try:
            options, _ = self._image_options()
        except OptionsError:
            return ""
        amount = estimate_cost_usd(
            options.model, options.size, options.quality, options.partial_images, len(self.prompt)
        )
        return format_usd(amount)

    @rx.event(background=True)
    async def generate(self):
        async with self:
            if self.running:
                return
            lang = (await self.get_state(LanguageState)).lang
            prompt = self.prompt.strip()
            if not prompt:
                self.error = message("prompt_missing").to_dict()
                return
            try:
                options, target = self._image_options()
                options.validate()
            except OptionsError as exc:
                self.error = describe_options_error(exc).to_dict()
                return
            info = self._job_info(self._prompt_to_send(prompt, options, target), options, target, kind="generation")
            if await self._offer_stored_result(info, lang):
                return  # exactly this was made before: the marketer chooses (show it / generate anyway)
            self._clear_stored_offer()
            run = self._start_run(info, options, target)
        events = get_client().stream_generate(run.prompt, options)
        async for browser_event in self._follow_run(events, run.job_id, run.target, model=options.model, info=run.info):
            yield browser_event


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
    return rx.card(
        rx.vstack(
            preview(state, final_alt="Final image"),
            progress_panel(state),
            steps_strip(state, alt_prefix="Step"),
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
        form_and_result(_prompt_card(), _result_card()),
    )
