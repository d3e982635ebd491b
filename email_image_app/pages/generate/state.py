"""The generator's state: a prompt and the options form, run as one streamed image, with the
stored result of an identical request offered first and a past job's settings brought back from
the history (`/?settings_from=<job id>`)."""

from __future__ import annotations

import asyncio
import logging

import reflex as rx

from email_image_app.domain.formatting import format_usd
from email_image_app.domain.jobs.spec import JobSpec
from email_image_app.domain.messages import message
from email_image_app.domain.prompt_limit import PROMPT_KEEP_CHARS
from email_image_app.domain.run_progress import describe_options_error
from email_image_app.domain.stored_results import settings_of_job
from email_image_app.imagegen.options import ImageOptions, OptionsError
from email_image_app.imagegen.pricing import estimate_cost_usd
from email_image_app.state.auth import AuthState, budget_refusal, require_signed_in
from email_image_app.state.language import LanguageState
from email_image_app.state.stored_offer import StoredOfferState

logger = logging.getLogger(__name__)

# The query parameter the history's "Use these settings" opens this page with.
SETTINGS_FROM = "settings_from"


class GenerateState(StoredOfferState, rx.State):
    @rx.event
    def set_prompt(self, value: str) -> None:
        self.prompt = value[:PROMPT_KEEP_CHARS]  # over the limit it is refused when run, not cut
        self._clear_stored_offer()

    @rx.event
    async def load_settings_from(self):
        """On load: with `?settings_from=<job id>`, fill the prompt and options from that job of the
        history, then take the parameter out of the address (a reload keeps what was typed since)."""
        job_id = self.router.url.query_parameters.get(SETTINGS_FROM, "")
        if not job_id or await require_signed_in(self) is None:
            return None
        try:
            settings = await asyncio.to_thread(settings_of_job, job_id)
        except Exception:  # the history must never keep the page from opening
            logger.exception("history: could not read the settings of %s", job_id)
            settings = None
        if settings is None:
            lang = (await self.get_state(LanguageState)).lang
            return [rx.redirect("/", replace=True), rx.toast.error(message("settings_job_gone").render(lang))]
        if not self.running:
            self._use_settings(settings)
        return rx.redirect("/", replace=True)

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
        return format_usd(self._estimate_usd(options))

    def _estimate_usd(self, options: ImageOptions) -> float:
        return estimate_cost_usd(options.model, options.size, options.quality, options.partial_images, len(self.prompt))

    def _prompt_added_chars(self) -> int:
        try:
            options, target = self._image_options()
        except OptionsError:
            return 0
        return len(self._prompt_to_send("", options, target))

    @rx.event(background=True)
    async def generate(self):
        async with self:
            who = await require_signed_in(self)
            if who is None or self.running:
                return
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
            info = self._job_info(
                self._prompt_to_send(prompt, options, target), options, target, kind="generation", owner=who
            )
            if self._refuse_long_prompt(prompt, info):
                return
            if await self._offer_stored_result(info):
                return  # exactly this was made before: the marketer chooses (show it / generate anyway)
            self._clear_stored_offer()
            refusal = await budget_refusal(who, self._estimate_usd(options))
            if refusal is not None:  # over this month's budget: nothing goes to the provider
                self.error = refusal.to_dict()
                return
            run = self._start_run(info, options, target)
        spec = JobSpec(run.job_id, "generate", run.prompt, options, run.target, info=run.info)
        async for browser_event in self._run_job(spec, model=options.model, quality=options.quality):
            yield browser_event
        yield AuthState.refresh_budget
