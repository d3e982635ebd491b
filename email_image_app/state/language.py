"""The page's language (chosen in the header, kept in the browser) and the Vars that show the
message catalogue (`domain.messages`) in it, switched in the browser without a round trip."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import reflex as rx
from reflex_base.utils.imports import ImportVar
from reflex_base.vars.base import Var, VarData

from email_image_app.domain.messages import LANGUAGES, STRINGS, browser_catalogue_module


class LanguageState(rx.State):
    """The UI language, kept in the browser's local storage across visits."""

    lang: str = rx.LocalStorage("en", name="email_image_studio_lang", sync=True)

    @rx.event
    def set_lang(self, value: str) -> None:
        self.lang = value if value in LANGUAGES else "en"


def tr(key: str, **values: object) -> rx.Var:
    """The string `key` in the current language, switched in the browser (no round trip);
    `values` fill its {placeholders} (constants, known when the page is built)."""
    english, french = STRINGS[key]
    if values:
        english, french = english.format(**values), french.format(**values)
    return rx.cond(LanguageState.lang == "fr", french, english)


def in_language(english: Any, french: Any) -> rx.Var:
    """`english` or `french` (values or Vars, e.g. two labels the server built), switched in the browser."""
    return rx.cond(LanguageState.lang == "fr", french, english)


# JavaScript that rewrites English figures the French way: thousands "1,368" -> "1 368" (narrow
# no-break space), decimals "1.5" -> "1,5", and byte units "KB"/"MB" -> "Ko"/"Mo".
_FRENCH_FIGURES_JS = (
    r"String({text}).replace(/(\d),(?=\d{{3}}\b)/g, '$1\u202f').replace(/(\d)\.(\d)/g, '$1,$2')"
    r".replace(/\bKB\b/g, 'Ko').replace(/\bMB\b/g, 'Mo')"
)


def _french_figures(text: Var) -> Var:
    return Var(
        _js_expr=_FRENCH_FIGURES_JS.format(text=text),
        _var_type=str,
        _var_data=VarData.merge(text._get_all_var_data()),
    ).to(str)


def figures(text: Any) -> rx.Var:
    """A label with figures the server built the English way ('1.5 s', '133 KB', '1,368'), written the
    French way in French ('1,5 s', '133 Ko', '1 368'). Only for labels of figures: it would also
    rewrite a dot inside a name ('gpt-image-1.5')."""
    text = Var.create(text)
    return in_language(text, _french_figures(text))


def money(amount: Any) -> rx.Var:
    """A dollar amount built as '$0.123', written '0,123 $' in French; "" stays ""."""
    amount = Var.create(amount).to(str)
    return rx.cond(amount == "", "", in_language(amount, _french_figures(amount.replace("$", "")) + " $"))


def provider_name(label: Any) -> rx.Var:
    """The provider's label ('Offline engine', 'OpenAI-compatible (host)') in the page's language."""
    label = Var.create(label).to(str)
    return in_language(
        label, label.replace("Offline engine", "Moteur hors ligne").replace("OpenAI-compatible", "Compatible OpenAI")
    )


# The catalogue module the pages import (`assets/studio_messages.js`, written by `write_catalogue_module`).
CATALOGUE_MODULE = "studio_messages.js"


def write_catalogue_module(assets_dir: Path) -> None:
    """Keep `assets/studio_messages.js` equal to the catalogue (the app calls this as it starts; the
    file is committed, and a test checks it is current, so a fresh build always has it)."""
    path = assets_dir / CATALOGUE_MODULE
    wanted = browser_catalogue_module()
    if not path.exists() or path.read_text(encoding="utf-8") != wanted:
        path.write_text(wanted, encoding="utf-8")


def say(message: Any) -> rx.Var:
    """A message kept in state as data (`domain.messages.Message.to_dict()`; `{}` for none) in the
    page's language, worded by `studioSay` (imported from the catalogue module, so the server-side
    render and the browser agree): switching the language re-words it, errors included."""
    message = Var.create(message)
    lang = LanguageState.lang
    catalogue = VarData(imports={f"$/public/{CATALOGUE_MODULE}": [ImportVar(tag="studioSay")]})
    return Var(
        _js_expr=f"studioSay({lang}, {message})",
        _var_type=str,
        _var_data=VarData.merge(lang._get_all_var_data(), message._get_all_var_data(), catalogue),
    ).to(str)


def say_key(key: str, **values: Any) -> rx.Var:
    """The catalogue's sentence `key` in the page's language, its placeholders filled from `values`
    (constants or state Vars, e.g. counts): like `say`, for a message built in the page."""
    if key not in STRINGS:
        raise KeyError(f"no message {key!r} in the catalogue")
    return say(Var.create({"key": key, "params": values}))
