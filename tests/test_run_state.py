"""The run state's one way out, without a browser: however a run ends (cancelled, refused by the
provider, cut short, an edit's inputs gone, or anything unexpected), the view keeps one stage and a
reason worded when shown."""

from __future__ import annotations

import logging

import pytest

from email_image_app.domain.cancellation import RunCancelled
from email_image_app.domain.upload_checks import UploadError
from email_image_app.domain.messages import Message, message
from email_image_app.domain.run_progress import STAGE_PARTIAL
from email_image_app.domain.run_progress import StepView
from email_image_app.imagegen.events import AuthenticationError
from email_image_app.pages.generate.state import GenerateState


def ended(exc: BaseException | None, *, steps: int = 0, stage: str = STAGE_PARTIAL) -> GenerateState:
    state = GenerateState()
    state.stage = stage
    state.steps = [StepView(n + 1, f"/files/j/step-{n + 1}.png", "", "", "0.4 s") for n in range(steps)]
    state._end_run(exc, "job-1")
    return state


def reason(state: GenerateState) -> str:
    return Message.from_dict(state.error).render("en")


def test_a_cancel_ends_the_run_cancelled_without_an_error():
    state = ended(RunCancelled(), steps=1)
    assert (state.stage, state.running, state.cancelled, state.error) == ("cancelled", False, True, {})


def test_a_refused_request_ends_failed_with_the_provider_s_reason():
    state = ended(AuthenticationError(status=401))
    assert (state.stage, state.running) == ("failed", False)
    assert reason(state).startswith("The API key was rejected (HTTP 401).")


def test_a_stream_closed_without_a_final_image_ends_failed_and_keeps_the_steps():
    state = ended(None, steps=2)
    assert state.stage == "failed" and "The 2 step(s) received are kept." in reason(state)


def test_a_completed_run_stays_completed():
    state = ended(None, stage="done")
    assert (state.stage, state.completed, state.error) == ("done", True, {})


def test_an_edit_whose_inputs_are_gone_ends_failed_with_that_reason():
    state = ended(UploadError("unreadable", message("inputs_unreadable")))
    assert reason(state) == "The uploaded files could not be read back. Upload the image again."


def test_anything_unexpected_ends_failed_and_is_logged(caplog: pytest.LogCaptureFixture):
    with caplog.at_level(logging.ERROR):
        state = ended(RuntimeError("disk on fire"))
    assert reason(state) == "Unexpected error. Try again."
    assert "job-1" in caplog.text and "disk on fire" in caplog.text


def test_a_queued_run_says_how_many_go_first_then_runs_when_its_turn_comes():
    from email_image_app.domain.jobs.events import Queued, Started

    state = GenerateState()
    state.stage = "request_sent"
    state._apply_job_event(Queued(2), total_events=4, offline=True)
    assert (state.stage, state.queue_ahead, state.running) == ("queued", 2, True)
    state._apply_job_event(Started("worker-1"), total_events=4, offline=True)
    assert (state.stage, state.queue_ahead, state.running) == ("request_sent", 0, True)


def test_a_job_ended_interrupted_ends_the_run_failed_with_the_reason_and_offers_retry():
    from email_image_app.domain.jobs.events import INTERRUPTED, JobEnded

    state = GenerateState()
    state.stage = "partial"
    state._apply_job_event(JobEnded(INTERRUPTED, message("job_interrupted"), 1), total_events=4, offline=True)
    assert state.stage == "failed" and not state.running
    assert reason(state) == "The app stopped while this image was being made; the steps received are kept."
