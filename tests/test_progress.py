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


def test_what_a_request_changed_of_what_was_asked_is_said_in_either_language() -> None:
    from email_image_app.domain.run_progress import option_notices
    from email_image_app.imagegen.options import ImageOptions

    asked = ImageOptions(model="dall-e-3", size="1024x1024", quality="hd")
    notices = option_notices(asked.model, asked.quality, asked.normalized())
    assert [notice.render("en") for notice in notices] == list(asked.normalized().notices)
    assert notices[0].render("fr") == "Le modèle « dall-e-3 » a été retiré le 2026-05-12 ; « gpt-image-1.5 » le remplace."
    assert option_notices("gpt-image-1.5", "medium", ImageOptions(model="gpt-image-1.5", quality="medium")) == []


def test_size_choices_are_labelled_in_either_language_with_their_pixels() -> None:
    from email_image_app.domain.messages import Message
    from email_image_app.domain.run_progress import size_choices

    labels = {choice.value: Message.from_dict(choice.label) for choice in size_choices("gpt-image-1.5")}
    assert labels["1200x600"].render("en") == "Email header 1200×600"
    assert labels["1200x600"].render("fr") == "En-tête d'e-mail 1200×600"
    assert labels["1024x1024"].render("fr") == "1024×1024 (natif)"
