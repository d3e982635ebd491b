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
    # The stored result of an identical request, offered on the generator page.
    "stored_offer_hint": (
        "Same prompt, options and provider: the image is in your history.",
        "Même description, mêmes réglages, même fournisseur : l'image est dans votre historique.",
    ),
    "show_stored": ("Show it", "L'afficher"),
    "generate_anyway": ("Generate again anyway", "Générer quand même"),
    # History page.
    "history_title": ("Image history", "Historique des images"),
    "history_subtitle": (
        "Every image you made, kept. Find one, download it, or run its settings again.",
        "Toutes vos images, conservées. Retrouvez-en une, téléchargez-la ou relancez ses réglages.",
    ),
    "search_prompts": ("Search prompts…", "Rechercher dans les descriptions…"),
    "kind": ("Kind", "Type"),
    "status": ("Status", "Statut"),
    "all_kinds": ("All kinds", "Tous les types"),
    "kind_generation": ("Generation", "Génération"),
    "kind_edit": ("Edit", "Retouche"),
    "kind_campaign": ("Campaign tile", "Vignette de campagne"),
    "all_statuses": ("All statuses", "Tous les statuts"),
    "status_running": ("Running", "En cours"),
    "status_completed": ("Completed", "Terminée"),
    "status_failed": ("Failed", "Échec"),
    "status_cancelled": ("Cancelled", "Annulée"),
    "status_interrupted": ("Interrupted", "Interrompue"),
    "job": ("job", "tâche"),
    "jobs": ("jobs", "tâches"),
    "page": ("Page", "Page"),
    "page_of": ("of", "sur"),
    "previous": ("Previous", "Précédente"),
    "next": ("Next", "Suivante"),
    "refresh": ("Refresh", "Actualiser"),
    "history_empty": (
        "No images yet. Everything you generate is kept here, even after a restart.",
        "Aucune image pour l'instant. Tout ce que vous générez est conservé ici, même après un redémarrage.",
    ),
    "create_image": ("Create an image", "Créer une image"),
    "no_match": ("No job matches these filters.", "Aucune tâche ne correspond à ces filtres."),
    "clear_filters": ("Clear filters", "Effacer les filtres"),
    "no_image": ("No image received", "Aucune image reçue"),
    "made": ("Made", "Créée"),
    "free": ("free", "gratuit"),
    "tokens_unit": ("tokens", "jetons"),
    "use_settings": ("Use these settings", "Utiliser ces réglages"),
    "delete": ("Delete", "Supprimer"),
    "delete_confirm": (
        "Delete this job and its images? This cannot be undone.",
        "Supprimer cette tâche et ses images ? C'est définitif.",
    ),
    "keep": ("Keep it", "La garder"),
    "close": ("Close", "Fermer"),
    "job_details": ("Job details", "Détails de la tâche"),
    "history_unavailable": (
        "The history could not be read. Check the database (EMAIL_IMAGE_DB_URL) and the server log.",
        "Impossible de lire l'historique. Vérifiez la base de données (EMAIL_IMAGE_DB_URL) et le journal du serveur.",
    ),
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
