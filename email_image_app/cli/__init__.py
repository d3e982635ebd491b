"""`email-image`: the studio from a terminal and from scripts (generate, edit, campaign).

Reflex-free by design: it drives the same domain code as the pages (image_job, campaign_runner,
campaign_export, history) and the same `imagegen` client, with Typer for commands and Rich for
progress. `app.py` is the root; each command group or command lives in its own module.
"""
