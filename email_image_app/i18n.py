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
    # Campaign page
    "campaign_title": ("Make a whole email campaign", "Créer toute une campagne d'e-mail"),
    "campaign_subtitle": (
        "Every image of the email at once, at email sizes, compressed and ready to send.",
        "Toutes les images de l'e-mail d'un coup, aux tailles e-mail, compressées et prêtes à envoyer.",
    ),
    "campaign_section": ("Campaign", "Campagne"),
    "campaign_subject": ("Campaign subject", "Objet de la campagne"),
    "campaign_subject_placeholder": ("e.g. Summer sale: 30% off sneakers", "ex. Soldes d'été : -30 % sur les baskets"),
    "brand_notes": ("Brand and style notes (optional)", "Notes de marque et de style (facultatif)"),
    "brand_notes_placeholder": (
        "e.g. pastel colours, flat illustration, our teal #0fa3a3",
        "ex. couleurs pastel, illustration à plat, notre bleu-vert #0fa3a3",
    ),
    "brand_notes_help": ("Added to the end of every image's prompt.", "Ajoutées à la fin de la description de chaque image."),
    "products_section": ("Products", "Produits"),
    "product_id": ("Product ID", "ID du produit"),
    "product_name": ("Name", "Nom"),
    "product_description": ("Description", "Description"),
    "remove_product": ("Remove product", "Retirer le produit"),
    "add_product": ("Add product", "Ajouter un produit"),
    "paste_csv": ("Paste CSV", "Coller un CSV"),
    "csv_label": ("Products as CSV: id,name,description", "Produits en CSV : id,nom,description"),
    "csv_import": ("Use these products", "Utiliser ces produits"),
    "csv_help": (
        "Replaces the rows above. A header line is optional; quote text that contains commas.",
        "Remplace les lignes ci-dessus. L'en-tête est facultatif ; mettez entre guillemets un texte avec des virgules.",
    ),
    "images_section": ("Images to make", "Images à créer"),
    "product_image_size": ("Product images", "Images produit"),
    "extra_images": ("Also make", "Créer aussi"),
    "prompts_help": (
        "Each prompt is prefilled from the subject and products; edit any before generating.",
        "Chaque description est préremplie depuis l'objet et les produits ; modifiez-la avant de générer.",
    ),
    "reset_prompt": ("Reset", "Réinitialiser"),
    "slot_hero": ("Hero", "Image principale"),
    "slot_product": ("Product", "Produit"),
    "slot_logo": ("Logo", "Logo"),
    "slot_banner": ("Banner", "Bannière"),
    "options_section": ("Options for every image", "Options de toutes les images"),
    "concurrency": ("Images at once", "Images en même temps"),
    "email_format": ("Email format", "Format e-mail"),
    "email_background": ("Email background", "Fond de l'e-mail"),
    "email_version_help": (
        "Each image also gets an email-ready copy: transparency filled with the email background, "
        "compressed under its budget (hero 200 KB, product 80 KB, logo 60 KB, banner 120 KB). "
        "JPEG shows everywhere; WebP is smaller but Outlook for Windows does not show it.",
        "Chaque image reçoit aussi une copie prête pour l'e-mail : transparence remplie avec le fond de l'e-mail, "
        "compressée sous son budget (principale 200 Ko, produit 80 Ko, logo 60 Ko, bannière 120 Ko). "
        "Le JPEG s'affiche partout ; le WebP est plus léger mais Outlook pour Windows ne l'affiche pas.",
    ),
    "generate_campaign": ("Generate campaign", "Générer la campagne"),
    "images_to_make_count": ("images to make", "images à créer"),
    "at_once": ("at once", "en même temps"),
    "generate_help": (
        "Each image streams into its own tile below; cancel or retry any one of them.",
        "Chaque image arrive dans sa propre vignette ci-dessous ; annulez ou relancez-en une seule.",
    ),
    "results_section": ("Images", "Images"),
    "results_empty": (
        "Fill in the subject and products, then Generate campaign: one tile per image appears here.",
        "Renseignez l'objet et les produits, puis Générer la campagne : une vignette par image apparaît ici.",
    ),
    "of": ("of", "sur"),
    "done": ("done", "terminées"),
    "failed": ("failed", "en échec"),
    "cancelled_count": ("cancelled", "annulées"),
    "cancel_all": ("Cancel all", "Tout annuler"),
    "rate_limit_pause": (
        "The provider is rate-limiting us: new images start again in",
        "Le fournisseur limite le débit : les nouvelles images reprennent dans",
    ),
    "tile_waiting": ("Waiting for its turn", "En attente de son tour"),
    "request_sent": ("Request sent", "Demande envoyée"),
    "partial": ("Partial", "Étape"),
    "rate_limited_wait": ("Rate limited: one more try in", "Débit limité : nouvel essai dans"),
    "rate_limited_retrying": ("Rate limited: trying again…", "Débit limité : nouvel essai…"),
    "tile_compressing": ("Making the email-ready copy…", "Préparation de la copie e-mail…"),
    "tile_done": ("Done", "Terminée"),
    "tile_failed": ("Failed", "Échec"),
    "tile_cancelled": ("Cancelled", "Annulée"),
    "retry": ("Retry", "Réessayer"),
    "original": ("Original", "Originale"),
    "email_ready": ("Email", "E-mail"),
    "of_budget": ("of", "sur"),
    "export_section": ("Email and export", "E-mail et export"),
    "download_zip": ("Download ZIP", "Télécharger le ZIP"),
    "zip_contents": (
        "The ZIP holds originals/, email/ (the email-ready images), email.html (uses email/ by relative path) "
        "and manifest.json (prompts, options, usage, file sizes).",
        "Le ZIP contient originals/, email/ (les images prêtes pour l'e-mail), email.html (qui utilise email/ en "
        "chemin relatif) et manifest.json (descriptions, options, consommation, tailles).",
    ),
    "email_preview": ("Email preview", "Aperçu de l'e-mail"),
    "list_price": ("(estimate at list price)", "(estimation au prix catalogue)"),
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
