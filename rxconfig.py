import reflex as rx

from email_image_app.domain import settings

config = rx.Config(
    app_name="email_image_app",
    telemetry_enabled=False,
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="indigo", gray_color="slate", radius="large"))],
    disable_plugins=[rx.plugins.SitemapPlugin],
    show_built_with_reflex=False,
    # Job history (rx.session / `reflex db ...`); read wherever the config is, so the data folder
    # of the process (EMAIL_IMAGE_DATA_DIR) decides. REFLEX_DB_URL still overrides, as in any Reflex app.
    db_url=settings.database_url(),
)
