"""English and French UI strings. The language is chosen in the header and kept in the browser."""

from __future__ import annotations

import reflex as rx

LANGUAGES = {"en": "English", "fr": "Français"}

STRINGS: dict[str, tuple[str, str]] = {
    # key: (English, French)
    "app_title": ("Email Image Studio", "Email Image Studio"),
    "nav_generate": ("Generate", "Générer"),
    "nav_edit": ("Edit", "Modifier"),
    "nav_campaign": ("Campaign", "Campagne"),
    "nav_history": ("History", "Historique"),
    "language": ("Language", "Langue"),
    "provider": ("Provider", "Fournisseur"),
    "generate_title": ("Create an email image", "Créer une image d'e-mail"),
    "generate_subtitle": (
        "Describe it, pick a size, and watch it take shape.",
        "Décrivez-la, choisissez un format et regardez-la prendre forme.",
    ),
    "prompt": ("Prompt", "Description"),
    "prompt_placeholder": ("Describe the image for your email…", "Décrivez l'image de votre e-mail…"),
    "model": ("Model", "Modèle"),
    "size": ("Size", "Taille"),
    "quality": ("Quality", "Qualité"),
    "background": ("Background", "Arrière-plan"),
    "format": ("Format", "Format"),
    "compression": ("Compression", "Compression"),
    "partial_images_option": ("Partial images", "Images partielles"),
    "generate": ("Generate", "Générer"),
    "generating": ("Generating…", "Génération…"),
    "cancel": ("Cancel", "Annuler"),
    "download": ("Download", "Télécharger"),
    "copy_base64": ("Copy Base64", "Copier en Base64"),
    "copied": ("Base64 copied to the clipboard", "Base64 copié dans le presse-papiers"),
    "partial_images": ("Partial images", "Images partielles"),
    "steps": ("Steps", "Étapes"),
    "final_image": ("Final image", "Image finale"),
    "preview_empty": (
        "Your image will appear here, sharper at every step.",
        "Votre image apparaîtra ici, plus nette à chaque étape.",
    ),
    "estimate": ("Estimated cost", "Coût estimé"),
    "usage": ("Usage", "Consommation"),
    "tokens": ("Tokens", "Jetons"),
    "input": ("input", "entrée"),
    "output": ("output", "sortie"),
    "total": ("total", "total"),
    "duration": ("Duration", "Durée"),
    "cost": ("Cost", "Coût"),
    "free_offline": ("free (offline engine)", "gratuit (moteur hors ligne)"),
    "elapsed": ("Elapsed", "Écoulé"),
    "offline_note": (
        "Offline draft engine: a quick layout draft, not an AI picture. Set OPENAI_API_KEY for real images.",
        "Moteur hors ligne : une maquette rapide, pas une image IA. Définissez OPENAI_API_KEY pour de vraies images.",
    ),
    "transparent_needs": (
        "Transparent needs PNG or WebP.",
        "La transparence demande PNG ou WebP.",
    ),
    "cancelled": ("Cancelled. The last step is kept.", "Annulé. La dernière étape est conservée."),
    "size_note": ("Provider size", "Taille demandée au fournisseur"),
}


class LanguageState(rx.State):
    """The UI language, kept in the browser's local storage across visits."""

    lang: str = rx.LocalStorage("en", name="email_image_studio_lang", sync=True)

    @rx.event
    def set_lang(self, value: str) -> None:
        self.lang = value if value in LANGUAGES else "en"


def tr(key: str) -> rx.Var:
    """The string `key` in the current language, switched in the browser (no round trip)."""
    english, french = STRINGS[key]
    return rx.cond(LanguageState.lang == "fr", french, english)
