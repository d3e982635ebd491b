import reflex as rx

def index() -> rx.Component:
    return rx.text("placeholder")

app = rx.App()
app.add_page(index, route="/")
