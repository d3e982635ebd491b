"""`python -m email_image_app ...` runs the `email-image` command line (same Typer app)."""

from email_image_app.cli.app import main

main()
