"""Every sentence the studio shows people, in English and French: one catalogue of message keys.

The domain returns keys (and their parameters), never finished sentences; the Reflex layer renders
them in the page's language when it shows them (`state.language`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Mapping, Union

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
    "setting_refused": ("Setting rejected: {message}", "Réglage refusé : {message}"),
    "cancelled": ("Cancelled. The last step is kept.", "Annulé. La dernière étape est conservée."),
    "prompt_missing": ("Enter a prompt describing the image.", "Entrez une description de l'image."),
    # The campaign page's form, CSV and export (pages/campaign, domain.campaign.plan)
    "csv_fields": (
        "Line {line}: {found} field(s) instead of id,name,description. Put quotes around text that contains a comma.",
        "Ligne {line} : {found} champ(s) au lieu de id,nom,description. "
        "Mettez entre guillemets un texte qui contient une virgule.",
    ),
    "csv_empty_id": ("Line {line}: the id is empty.", "Ligne {line} : l'id est vide."),
    "csv_empty_name": ("Line {line}: the name is empty.", "Ligne {line} : le nom est vide."),
    "csv_duplicate_id": ("Line {line}: the id '{value}' is already used.", "Ligne {line} : l'id « {value} » est déjà utilisé."),
    "csv_more_errors": ("… and {count} more.", "… et {count} autre(s)."),
    "csv_no_products": ("The CSV has no products.", "Le CSV ne contient aucun produit."),
    # UI inputs (issue 10): the products CSV, prompt limits (pages/campaign, pages/generate, pages/edit, cli)
    "csv_quote_open": (
        "Line {line}: a quote opens and is never closed, so the lines after it would be read as one field. "
        "Close the quote or remove it.",
        "Ligne {line} : un guillemet est ouvert et jamais fermé ; les lignes suivantes seraient lues comme un seul "
        "champ. Fermez le guillemet ou retirez-le.",
    ),
    "prompt_too_long": (
        "The prompt is {length} characters long; the limit is {limit} ({over} over). Shorten it.",
        "La description fait {length} caractères ; la limite est de {limit} ({over} de trop). Raccourcissez-la.",
    ),
    "prompt_too_long_with_additions": (
        "With the {added} characters the app adds (brand notes, background, framing), the prompt is {length} "
        "characters long; the limit is {limit}. Shorten it.",
        "Avec les {added} caractères ajoutés par l'application (notes de marque, fond, cadrage), la description "
        "fait {length} caractères ; la limite est de {limit}. Raccourcissez-la.",
    ),
    "prompt_counter": ("{count} / {limit} characters", "{count} / {limit} caractères"),
    "prompt_counter_with_additions": (
        "{count} / {limit} characters (the app adds {added} for the size and background)",
        "{count} / {limit} caractères (l'application en ajoute {added} pour le format et le fond)",
    ),
    "campaign_prompt_too_long": ("{image}: {reason}", "{image} : {reason}"),
    "slot_product_named": ("Product · {name}", "Produit · {name}"),
    "csv_unreadable": ("Line {line} cannot be read as CSV.", "La ligne {line} ne peut pas être lue comme du CSV."),
    "csv_read_as_cp1252": (
        "The file is not UTF-8: it was read as Windows-1252 (Latin-1). Save it as UTF-8 if letters look wrong.",
        "Le fichier n'est pas en UTF-8 : il a été lu en Windows-1252 (Latin-1). Enregistrez-le en UTF-8 si des "
        "lettres s'affichent mal.",
    ),
    "campaign_subject_missing": ("Enter the campaign subject.", "Entrez l'objet de la campagne."),
    "campaign_prompt_missing": ("Every image needs a prompt.", "Chaque image a besoin d'une description."),
    "zip_failed": ("The ZIP could not be built. Try again.", "Le ZIP n'a pas pu être créé. Réessayez."),
    # Accounts, sign-in and budgets (domain.accounts, domain.spending)
    "account_email_invalid": ("'{email}' is not an email address.", "« {email} » n'est pas une adresse e-mail."),
    "account_role_invalid": ("Unknown role '{role}': use admin or member.", "Rôle inconnu « {role} » : admin ou member."),
    "account_password_short": (
        "The password needs at least {count} characters.",
        "Le mot de passe doit compter au moins {count} caractères.",
    ),
    "account_budget_negative": ("A budget cannot be negative.", "Un budget ne peut pas être négatif."),
    "account_email_taken": ("An account already uses {email}.", "Un compte utilise déjà {email}."),
    "account_first_exists": (
        "The first account already exists: ask an admin for yours.",
        "Le premier compte existe déjà : demandez le vôtre à un administrateur.",
    ),
    "account_unknown": ("No account for {email}.", "Aucun compte pour {email}."),
    "account_last_admin": (
        "This is the last active admin: make another admin first.",
        "C'est le dernier administrateur actif : nommez-en un autre d'abord.",
    ),
    "signin_refused": ("Wrong email or password.", "E-mail ou mot de passe incorrect."),
    "budget_exceeded": (
        "Over your monthly budget: this request is estimated at {estimate}, and {left} of your {budget} is left this month. Nothing was sent to the provider.",
        "Budget mensuel dépassé : cette demande est estimée à {estimate}, et il vous reste {left} sur {budget} ce mois-ci. Rien n'a été envoyé au fournisseur.",
    ),
    # Sign-in, header, admin and account pages (state.auth, pages/signin, pages/admin, pages/account)
    "signin_title": ("Sign in", "Connexion"),
    "signin_needed": ("Sign in to continue.", "Connectez-vous pour continuer."),
    "signin_email": ("Email", "E-mail"),
    "signin_password": ("Password", "Mot de passe"),
    "signin_button": ("Sign in", "Se connecter"),
    "signin_first_account": ("Create the first account", "Créer le premier compte"),
    "signin_first_note": (
        "No account exists yet: this first account is the admin. Choose a password of at least {count} characters.",
        "Aucun compte n'existe encore : ce premier compte sera administrateur. Choisissez un mot de passe d'au moins {count} caractères.",
    ),
    "signup_note": ("New here? Create your own account.", "Nouveau ? Créez votre compte."),
    "signup_button": ("Create an account", "Créer un compte"),
    "signup_closed": ("Accounts are created by an admin.", "Les comptes sont créés par un administrateur."),
    "signout_button": ("Sign out", "Se déconnecter"),
    "budget_left_label": ("Left this month:", "Reste ce mois-ci :"),
    "admin_only": ("Only an admin can open this page.", "Seul un administrateur peut ouvrir cette page."),
    "nav_admin": ("Admin", "Administration"),
    "nav_account": ("My account", "Mon compte"),
    "history_mine": ("Mine", "Les miennes"),
    "history_team": ("Team", "Équipe"),
    "history_owner": ("By {email}", "Par {email}"),
    "job_not_yours": ("Only its owner or an admin can delete this job.", "Seul son auteur ou un administrateur peut supprimer cette tâche."),
    "admin_title": ("Admin", "Administration"),
    "admin_subtitle": (
        "Accounts, roles, monthly budgets and this month's use.",
        "Comptes, rôles, budgets mensuels et consommation du mois.",
    ),
    "admin_accounts": ("Accounts", "Comptes"),
    "admin_add": ("Add an account", "Ajouter un compte"),
    "admin_role": ("Role", "Rôle"),
    "admin_budget": ("Monthly budget (USD)", "Budget mensuel (USD)"),
    "admin_budget_hint": ("empty = unlimited", "vide = illimité"),
    "admin_images": ("Images", "Images"),
    "admin_tokens": ("Tokens", "Jetons"),
    "admin_cost": ("Cost", "Coût"),
    "admin_status": ("Status", "État"),
    "admin_active": ("Active", "Actif"),
    "admin_disabled": ("Disabled", "Désactivé"),
    "admin_disable": ("Disable", "Désactiver"),
    "admin_enable": ("Enable", "Activer"),
    "admin_save_budget": ("Save", "Enregistrer"),
    "admin_unlimited": ("Unlimited", "Illimité"),
    "admin_initial_password": ("Initial password", "Mot de passe initial"),
    "admin_added": ("Account {email} added.", "Compte {email} ajouté."),
    "admin_saved": ("Saved.", "Enregistré."),
    "admin_budget_invalid": ("'{value}' is not an amount in USD.", "« {value} » n'est pas un montant en USD."),
    "account_title": ("My account", "Mon compte"),
    "account_subtitle": (
        "Personal API tokens for the offline engine's /v1 routes (the openai SDK's api_key).",
        "Jetons d'API personnels pour les routes /v1 du moteur hors ligne (l'api_key du SDK openai).",
    ),
    "account_signed_in_as": ("Signed in as {email} ({role}).", "Connecté en tant que {email} ({role})."),
    "account_token_label": ("Label", "Libellé"),
    "account_create_token": ("Create a token", "Créer un jeton"),
    "account_token_once": (
        "Copy it now: it is shown only once.",
        "Copiez-le maintenant : il n'est affiché qu'une fois.",
    ),
    "account_tokens": ("My tokens", "Mes jetons"),
    "account_no_tokens": ("No token yet.", "Aucun jeton pour l'instant."),
    "account_created": ("Created", "Créé"),
    "account_last_used": ("Last used", "Dernière utilisation"),
    "account_never_used": ("never", "jamais"),
    # The time left beside a run's bar (domain.eta)
    "eta_left": ("about {seconds} s left", "environ {seconds} s restantes"),
    "eta_any_moment": ("any moment now", "d'un instant à l'autre"),
    # Why a request failed (domain.error_messages)
    "verbatim": ("{text}", "{text}"),
    "sentences": ("{first} {rest}", "{first} {rest}"),
    "job_interrupted": (
        "The app stopped while this image was being made; the steps received are kept.",
        "L'application s'est arrêtée pendant la création de cette image ; les étapes reçues sont conservées.",
    ),
    "error_with_kept_steps": ("{error} The {count} step(s) received are kept.", "{error} Les {count} étape(s) reçues sont conservées."),
    "error_wait_minute": ("in a minute", "dans une minute"),
    "error_wait_seconds": ("after {seconds} s", "dans {seconds} s"),
    "error_auth": (
        "The API key was rejected (HTTP {status}). Check OPENAI_API_KEY on the server.",
        "Clé API refusée (HTTP {status}). Vérifiez OPENAI_API_KEY sur le serveur.",
    ),
    "error_rate_limited": (
        "Rate limited by the provider. Try again {wait}.",
        "Limite de débit atteinte chez le fournisseur. Réessayez {wait}.",
    ),
    "error_moderation": (
        "Blocked by the provider's safety system. Rephrase the prompt and try again.",
        "Bloqué par le filtre de sécurité du fournisseur. Reformulez la description.",
    ),
    "error_timeout": (
        "The provider did not answer in time. Try again, or choose a lower quality.",
        "Le fournisseur n'a pas répondu à temps. Réessayez, ou baissez la qualité.",
    ),
    "error_incomplete": (
        "The stream was cut before the final image. Try again.",
        "Le flux s'est interrompu avant l'image finale. Réessayez.",
    ),
    "error_connection": (
        "Could not reach the image provider. Check OPENAI_BASE_URL and the network.",
        "Impossible de joindre le fournisseur d'images. Vérifiez OPENAI_BASE_URL et le réseau.",
    ),
    "error_server": (
        "The provider had an error (HTTP {status}). Try again in a moment.",
        "Erreur du fournisseur (HTTP {status}). Réessayez dans un instant.",
    ),
    "error_provider": ("The provider reported an error: {detail}", "Le fournisseur a signalé une erreur : {detail}"),
    "error_unexpected": ("Unexpected error. Try again.", "Erreur inattendue. Réessayez."),
    "size_note": ("Provider size", "Taille demandée au fournisseur"),
    # Editor page (/edit)
    "edit_title": ("Edit an image", "Modifier une image"),
    "edit_subtitle": (
        "Upload a picture, mark what to change, describe the change, and watch it take shape.",
        "Importez une image, indiquez ce qui doit changer, décrivez la modification et regardez-la prendre forme.",
    ),
    "image_to_edit": ("Image to edit", "Image à modifier"),
    "drop_image": (
        "Drop the image to edit here, or click to choose it",
        "Déposez l'image à modifier ici, ou cliquez pour la choisir",
    ),
    "accepted_images": ("PNG, JPEG or WebP · up to {max_mb} MB", "PNG, JPEG ou WebP · {max_mb} Mo au plus"),
    "replace_image": ("Replace image", "Remplacer l'image"),
    "references": ("Reference images", "Images de référence"),
    "references_hint": (
        "Optional: up to {max_refs} pictures (products, logos, styles) for the edit to draw from.",
        "Facultatif : jusqu'à {max_refs} images (produits, logos, styles) dont la modification s'inspire.",
    ),
    "add_references": ("Add reference images", "Ajouter des images de référence"),
    "remove": ("Remove", "Retirer"),
    "mask": ("Area to change", "Zone à modifier"),
    "mask_none": ("Whole image", "Toute l'image"),
    "mask_paint": ("Paint", "Peindre"),
    "mask_upload": ("Mask file", "Fichier masque"),
    "brush_size": ("Brush", "Pinceau"),
    "erase": ("Eraser", "Gomme"),
    "clear_mask": ("Clear", "Tout effacer"),
    "paint_hint": (
        "Paint over the part of the image to change.",
        "Peignez sur la partie de l'image à modifier.",
    ),
    "mask_guidance": (
        "Providers treat a mask as guidance: pixels outside it may still change slightly.",
        "Les fournisseurs prennent le masque comme une indication : les pixels hors de la zone peuvent légèrement changer.",
    ),
    "drop_mask": ("Drop a mask PNG here, or click to choose it", "Déposez un masque PNG ici, ou cliquez pour le choisir"),
    "mask_upload_hint": (
        "A PNG the size of the image: its transparent pixels (alpha 0) mark the area to change.",
        "Un PNG de la taille de l'image : ses pixels transparents (alpha 0) marquent la zone à modifier.",
    ),
    "edit_prompt": ("Changes", "Modifications"),
    "edit_prompt_placeholder": ("Describe the changes…", "Décrivez les modifications…"),
    "input_fidelity": ("Input fidelity", "Fidélité à l'original"),
    "edit_image": ("Edit Image", "Modifier l'image"),
    "editing": ("Editing…", "Modification…"),
    "before": ("Before", "Avant"),
    "after": ("After", "Après"),
    "compare_hint": ("Drag across the image to compare before and after.", "Glissez sur l'image pour comparer avant et après."),
    "edit_again": ("Edit again", "Modifier encore"),
    "edit_preview_empty": (
        "The edited image will appear here, sharper at every step.",
        "L'image modifiée apparaîtra ici, plus nette à chaque étape.",
    ),
    # Editor messages built on the server (with {placeholders})
    "need_image": ("Upload the image to edit first.", "Importez d'abord l'image à modifier."),
    "need_edit_prompt": ("Describe the changes to make.", "Décrivez les modifications à faire."),
    "need_painting": (
        "Paint over the part of the image to change, or choose Whole image.",
        "Peignez la partie de l'image à modifier, ou choisissez Toute l'image.",
    ),
    "need_mask_file": ("Upload a mask PNG, or choose Whole image.", "Importez un masque PNG, ou choisissez Toute l'image."),
    "mask_needs_image": (
        "Upload the image to edit first: the mask must be the same size as the image.",
        "Importez d'abord l'image à modifier : le masque doit avoir la même taille qu'elle.",
    ),
    "inputs_unreadable": (
        "The uploaded files could not be read back. Upload the image again.",
        "Les fichiers importés n'ont pas pu être relus. Importez l'image à nouveau.",
    ),
    # Refused uploads, by UploadError.reason (domain.imaging, domain.edit_uploads): the facts of
    # the file. Pixel sizes and byte sizes come as ready-made text ("512x512", "60.0 MB").
    "upload_refused_empty": ("{name} is empty.", "{name} est vide."),
    "upload_refused_too_large": ("{name} is {size}; the limit is {limit}.", "{name} pèse {size} ; la limite est de {limit}."),
    "upload_refused_not_image": (
        "{name} is not an image (its content is not {accepted}).",
        "{name} n'est pas une image (son contenu n'est pas {accepted}).",
    ),
    "upload_refused_unsupported_type": (
        "{name} is a {actual} image; upload a {accepted} image instead.",
        "{name} est une image {actual} ; importez plutôt une image {accepted}.",
    ),
    "upload_refused_corrupt": (
        "{name} is damaged or incomplete: it could not be read as a {format} image.",
        "{name} est endommagé ou incomplet : il n'a pas pu être lu comme une image {format}.",
    ),
    "upload_refused_too_many_pixels": (
        "{name} is {size} ({megapixels} megapixels); the limit is {max_mp} megapixels.",
        "{name} fait {size} ({megapixels} mégapixels) ; la limite est de {max_mp} mégapixels.",
    ),
    "upload_refused_mask_size_mismatch": (
        "{name} is {size} but the image is {image_size}. The mask must be the same size as the image; "
        "its transparent pixels (alpha 0) mark the area to change.",
        "{name} fait {size} mais l'image fait {image_size}. Le masque doit avoir la même taille que l'image ; "
        "ses pixels transparents (alpha 0) marquent la zone à modifier.",
    ),
    "upload_refused_empty_mask": (
        "Nothing is painted yet: paint over the part of the image to change.",
        "Rien n'est peint : peignez la partie de l'image à modifier.",
    ),
    "painted_mask_not_png": (
        "The painted mask could not be read: expected a PNG image.",
        "Le masque peint n'a pas pu être lu : une image PNG est attendue.",
    ),
    "painted_mask_unreadable": ("The painted mask could not be read.", "Le masque peint n'a pas pu être lu."),
    "checking_file": ("Checking {name}…", "Vérification de {name}…"),
    "uploading": ("Uploading… {percent}%", "Envoi… {percent} %"),
    "too_many_references": (
        "At most {max_refs} reference images: {names} not added.",
        "{max_refs} images de référence au plus : {names} non ajoutée(s).",
    ),
    "not_an_accepted_image": ("{name} is not a PNG, JPEG or WebP image.", "{name} n'est pas une image PNG, JPEG ou WebP."),
    "one_file_at_a_time": ("Choose one file at a time here.", "Choisissez un seul fichier à la fois ici."),
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
    # History page (pages/history): how long ago a job was made (domain.history_cards.how_long_ago)
    # and the page's toasts.
    "when_just_now": ("just now", "à l'instant"),
    "when_minutes": ("{count} min ago", "il y a {count} min"),
    "when_hours": ("{count} h ago", "il y a {count} h"),
    "when_yesterday": ("yesterday", "hier"),
    "when_days": ("{count} days ago", "il y a {count} jours"),
    "when_date": ("{date}", "{date}"),
    "job_gone": ("This job is no longer in the history.", "Cette tâche n'est plus dans l'historique."),
    "job_not_deleted": ("This job is running or already deleted.", "Cette tâche est en cours ou déjà supprimée."),
    "job_deleted": ("Job and images deleted.", "Tâche et images supprimées."),
    "history_count_one": ("{count} job · Page {page} of {pages}", "{count} tâche · Page {page} sur {pages}"),
    "history_count": ("{count} jobs · Page {page} of {pages}", "{count} tâches · Page {page} sur {pages}"),
    # History on PostgreSQL, fast prompt search (issue 12): a count that stops past the page shown
    "history_count_more": ("More than {count} jobs · Page {page}", "Plus de {count} tâches · Page {page}"),
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
    # The header the parser recognises is English in both languages (campaign_plan.CSV_HEADER).
    "csv_label": ("Products as CSV: id,name,description", "Produits en CSV : id,name,description"),
    "csv_placeholder": (
        'id,name,description\nSKU-1,Red sneakers,"Canvas upper, white sole"',
        'id,name,description\nSKU-1,Baskets rouges,"Dessus en toile, semelle blanche"',
    ),
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
    "campaign_plan_one": ("{count} image to make · {at_once} at once", "{count} image à créer · {at_once} en même temps"),
    "campaign_plan_many": ("{count} images to make · {at_once} at once", "{count} images à créer · {at_once} en même temps"),
    "generate_help": (
        "Each image streams into its own tile below; cancel or retry any one of them.",
        "Chaque image arrive dans sa propre vignette ci-dessous ; annulez ou relancez-en une seule.",
    ),
    "results_section": ("Images", "Images"),
    "results_empty": (
        "Fill in the subject and products, then Generate campaign: one tile per image appears here.",
        "Renseignez l'objet et les produits, puis Générer la campagne : une vignette par image apparaît ici.",
    ),
    "of": ("of", "sur"),  # the generator's "Partial 2 of 3" too (components.run_view)
    "campaign_progress": ("{done} of {total} done", "{done} sur {total} terminées"),
    "campaign_failed_count": ("{count} failed", "{count} en échec"),
    "campaign_cancelled_count": ("{count} cancelled", "{count} annulées"),
    "campaign_elapsed": ("Elapsed {seconds} s", "Écoulé {seconds} s"),
    "cancel_all": ("Cancel all", "Tout annuler"),
    "rate_limit_pause": (
        "The provider is rate-limiting us: new images start again in {seconds} s.",
        "Le fournisseur limite le débit : les nouvelles images reprennent dans {seconds} s.",
    ),
    "tile_waiting": ("Waiting for its turn", "En attente de son tour"),
    "request_sent": ("Request sent", "Demande envoyée"),
    # The job tier: a run waiting for a provider stream (EMAIL_IMAGE_MAX_STREAMS)
    "queued": ("Queued", "En file d'attente"),
    "queued_ahead": ("ahead", "avant"),
    "queued_next": ("next in line", "prochaine"),
    "no_worker_up": (
        "The studio's image workers are not running right now: this image starts as soon as one is back. Nothing is lost.",
        "Les processus qui fabriquent les images ne tournent pas en ce moment : cette image commencera dès que l'un d'eux sera de retour. Rien n'est perdu.",
    ),
    "partial": ("Partial", "Étape"),
    "tile_partial": ("Partial {step} / {steps}", "Étape {step} / {steps}"),
    "rate_limited_wait": ("Rate limited: one more try in {seconds} s", "Débit limité : nouvel essai dans {seconds} s"),
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
    "email_too_large": (
        "The image cannot be compressed to {budget_kb} KB as {format}, even small and at low quality.",
        "L'image ne peut pas être compressée à {budget_kb} Ko en {format}, même petite et de faible qualité.",
    ),
    # Shared by every page
    "colon": (": ", " : "),  # French sets a space before the colon
    "percent": ("%", "\u202f%"),  # and before the percent sign (a narrow no-break one)
    "offline_engine": ("Offline engine", "Moteur hors ligne"),
    "step": ("Step", "Étape"),
    "final": ("Final", "Finale"),
    "from_history": ("From the history", "Depuis l'historique"),
    "kb": ("KB", "Ko"),
    "bytes": ("bytes", "octets"),
    "base64_copied": (
        "Base64 copied to the clipboard ({size} bytes of image).",
        "Base64 copié dans le presse-papiers ({size} octets d'image).",
    ),
    "run_shortcut_generate": ("Ctrl+Enter to generate", "Ctrl+Entrée pour générer"),
    "run_shortcut_edit": ("Ctrl+Enter to edit", "Ctrl+Entrée pour modifier"),
    # The options form's choices
    "quality_low": ("Low", "Basse"),
    "quality_medium": ("Medium", "Moyenne"),
    "quality_high": ("High", "Haute"),
    "quality_auto": ("Auto", "Auto"),
    "background_auto": ("Auto", "Auto"),
    "background_opaque": ("Opaque", "Opaque"),
    "background_white": ("White", "Blanc"),
    "background_transparent": ("Transparent", "Transparent"),
    "fidelity_low": ("Low", "Faible"),
    "fidelity_high": ("High", "Élevée"),
    "size_header": ("Email header", "En-tête d'e-mail"),
    "size_product_small": ("Product", "Produit"),
    "size_product": ("Product", "Produit"),
    "size_logo": ("Logo", "Logo"),
    "size_banner": ("Banner", "Bannière"),
    "size_choice": ("{name} {size}", "{name} {size}"),
    "size_choice_native": ("{size} (native)", "{size} (natif)"),
    "size_original": ("Original", "D'origine"),
    "size_note_fit": (
        "{model} draws {request}; the result is cropped and resized to exactly {target}.",
        "{model} dessine en {request} ; le résultat est recadré et redimensionné à exactement {target}.",
    ),
    "size_note_direct": (
        "{model} works at {request} directly: no cropping or resizing.",
        "{model} travaille directement en {request} : ni recadrage ni redimensionnement.",
    ),
    # The generator and editor pages (pages/generate, pages/edit, state.image_run, state.stored_offer)
    "estimate_at_list_price": ("at {model} list price", "au prix catalogue de {model}"),
    "notice_model_retired": (
        "The model '{asked}' was retired on 2026-05-12; using '{used}' instead.",
        "Le modèle « {asked} » a été retiré le 2026-05-12 ; « {used} » le remplace.",
    ),
    "notice_quality_renamed": (
        "Quality '{asked}' is called '{used}' on {model}.",
        "La qualité « {asked} » s'appelle « {used} » sur {model}.",
    ),
    "already_made": ("Already made {when}.", "Déjà créée {when}."),
    "already_made_on": ("Already made on {date}.", "Déjà créée le {date}."),
    "settings_job_gone": ("This job is no longer in the history.", "Cette tâche n'est plus dans l'historique."),
    # Accessibility (issue 10): names screen readers read for landmarks and controls without a visible label
    "nav_label": ("Pages", "Pages"),
    "progress_label": ("Progress", "Progression"),
}


def translate(key: str, lang: str, **values: object) -> str:
    """The string `key` in `lang` ('en' or 'fr'), for text the server builds; `values` fill its
    {placeholders}."""
    english, french = STRINGS[key]
    return (french if lang == "fr" else english).format(**values)


# ----- messages: a key and its values, put into words only when shown ------------------------------

MessageValue = Union[str, int, float, "Message"]

# French groups thousands with a narrow no-break space and writes decimals with a comma.
_FRENCH_THOUSANDS = "\u202f"


@dataclass(frozen=True)
class Message:
    """A sentence for people, not yet in a language: a catalogue key and the values of its
    placeholders. Numbers stay numbers, so each language writes them its own way ('1,368' / '1 368');
    a value may itself be a message (a sentence inside a sentence)."""

    key: str
    params: Mapping[str, MessageValue] = field(default_factory=dict)

    def render(self, lang: str) -> str:
        values = {name: _render_value(value, lang) for name, value in self.params.items()}
        return translate(self.key, lang, **values)

    def to_dict(self) -> dict[str, Any]:
        """The message as plain data, for a Reflex state (the page renders it: `state.language.say`)."""
        return {
            "key": self.key,
            "params": {
                name: value.to_dict() if isinstance(value, Message) else value for name, value in self.params.items()
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Message:
        params = {
            name: cls.from_dict(value) if isinstance(value, Mapping) else value
            for name, value in (data.get("params") or {}).items()
        }
        return cls(str(data["key"]), params)


def message(key: str, **params: MessageValue) -> Message:
    if key not in STRINGS:
        raise KeyError(f"no message {key!r} in the catalogue")
    return Message(key, params)


def sentences(first: Message, *rest: Message) -> Message:
    """Several messages shown one after the other, as one message."""
    if not rest:
        return first
    return Message("sentences", {"first": first, "rest": sentences(*rest)})


def format_number(value: int | float, lang: str) -> str:
    """`value` as `lang` writes it: the same rules as the browser's Intl.NumberFormat for en-US / fr-FR."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = f"{value:,}" if isinstance(value, int) else str(value)
    if lang == "fr":
        text = text.replace(",", _FRENCH_THOUSANDS).replace(".", ",")
    return text


def _render_value(value: MessageValue, lang: str) -> str:
    if isinstance(value, Message):
        return value.render(lang)
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        return format_number(value, lang)
    return str(value)


def browser_catalogue_module() -> str:
    """The catalogue as a JavaScript module for the pages: `studioSay(lang, message)` is the
    browser's twin of `Message.render`. A message kept in state as data is worded when shown, so
    switching the language re-words it without a round trip. (Written to `assets/` by the app and
    imported by the pages' code, so the server-side render and the browser agree.)"""
    catalogue = json.dumps(STRINGS, ensure_ascii=False, indent=0, sort_keys=True)
    return (
        "// Generated from email_image_app/domain/messages.py (browser_catalogue_module): do not edit.\n"
        f"export const STUDIO_MESSAGES = {catalogue};\n"
        "export function studioSay(lang, m) {\n"
        "  if (!m || !m.key) return '';\n"
        "  const entry = STUDIO_MESSAGES[m.key];\n"
        "  if (!entry) return m.key;\n"
        "  const fr = lang === 'fr', params = m.params || {};\n"
        "  return entry[fr ? 1 : 0].replace(/\\{(\\w+)\\}/g, (all, name) => {\n"
        "    const v = params[name];\n"
        "    if (v && typeof v === 'object') return studioSay(lang, v);\n"
        "    if (typeof v === 'number') {\n"
        "      return Number.isInteger(v) ? v.toLocaleString(fr ? 'fr-FR' : 'en-US') : String(v).replace('.', fr ? ',' : '.');\n"
        "    }\n"
        "    return v == null ? '' : String(v);\n"
        "  });\n"
        "}\n"
    )
