"""The progress bar's arithmetic: real stages, and life between them while the provider is silent."""

from email_image_app.domain.run_progress import creeping_progress, progress_for


def test_each_stage_moves_the_bar_and_only_the_final_image_fills_it() -> None:
    stages = [progress_for(received, 4) for received in range(5)]
    assert stages == sorted(stages) and stages[0] == 5 and stages[-1] == 95


def test_with_no_partial_images_the_bar_still_moves_while_the_provider_is_silent() -> None:
    # partial_images=0: one event (the final image) that may take a minute to come.
    over_a_minute = [creeping_progress(0, 1, seconds, seconds_per_event=25.0) for seconds in (0, 5, 15, 30, 60)]
    assert over_a_minute == sorted(over_a_minute)
    assert over_a_minute[0] == progress_for(0, 1) < over_a_minute[1] < over_a_minute[-1]
    # It never claims the stage it waits for: only the final image brings the bar there.
    assert creeping_progress(0, 1, 3600, seconds_per_event=25.0) < progress_for(1, 1)
