import reflex as rx

config = rx.Config(
    app_name="email_image_app",
    telemetry_enabled=False,
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="indigo", gray_color="slate", radius="large"))],
    disable_plugins=[rx.plugins.SitemapPlugin],
    show_built_with_reflex=False,
)
