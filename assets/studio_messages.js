// Generated from email_image_app/domain/messages.py (browser_catalogue_module): do not edit.
export const STUDIO_MESSAGES = {
"accepted_images": [
"PNG, JPEG or WebP · up to {max_mb} MB",
"PNG, JPEG ou WebP · {max_mb} Mo au plus"
],
"account_budget_negative": [
"A budget cannot be negative.",
"Un budget ne peut pas être négatif."
],
"account_create_token": [
"Create a token",
"Créer un jeton"
],
"account_created": [
"Created",
"Créé"
],
"account_email_invalid": [
"'{email}' is not an email address.",
"« {email} » n'est pas une adresse e-mail."
],
"account_email_taken": [
"An account already uses {email}.",
"Un compte utilise déjà {email}."
],
"account_first_exists": [
"The first account already exists: ask an admin for yours.",
"Le premier compte existe déjà : demandez le vôtre à un administrateur."
],
"account_last_admin": [
"This is the last active admin: make another admin first.",
"C'est le dernier administrateur actif : nommez-en un autre d'abord."
],
"account_last_used": [
"Last used",
"Dernière utilisation"
],
"account_never_used": [
"never",
"jamais"
],
"account_no_tokens": [
"No token yet.",
"Aucun jeton pour l'instant."
],
"account_password_short": [
"The password needs at least {count} characters.",
"Le mot de passe doit compter au moins {count} caractères."
],
"account_role_invalid": [
"Unknown role '{role}': use admin or member.",
"Rôle inconnu « {role} » : admin ou member."
],
"account_signed_in_as": [
"Signed in as {email} ({role}).",
"Connecté en tant que {email} ({role})."
],
"account_subtitle": [
"Personal API tokens for the offline engine's /v1 routes (the openai SDK's api_key).",
"Jetons d'API personnels pour les routes /v1 du moteur hors ligne (l'api_key du SDK openai)."
],
"account_title": [
"My account",
"Mon compte"
],
"account_token_label": [
"Label",
"Libellé"
],
"account_token_once": [
"Copy it now: it is shown only once.",
"Copiez-le maintenant : il n'est affiché qu'une fois."
],
"account_tokens": [
"My tokens",
"Mes jetons"
],
"account_unknown": [
"No account for {email}.",
"Aucun compte pour {email}."
],
"add_product": [
"Add product",
"Ajouter un produit"
],
"add_references": [
"Add reference images",
"Ajouter des images de référence"
],
"admin_accounts": [
"Accounts",
"Comptes"
],
"admin_active": [
"Active",
"Actif"
],
"admin_add": [
"Add an account",
"Ajouter un compte"
],
"admin_added": [
"Account {email} added.",
"Compte {email} ajouté."
],
"admin_budget": [
"Monthly budget (USD)",
"Budget mensuel (USD)"
],
"admin_budget_hint": [
"empty = unlimited",
"vide = illimité"
],
"admin_budget_invalid": [
"'{value}' is not an amount in USD.",
"« {value} » n'est pas un montant en USD."
],
"admin_cost": [
"Cost",
"Coût"
],
"admin_disable": [
"Disable",
"Désactiver"
],
"admin_disabled": [
"Disabled",
"Désactivé"
],
"admin_enable": [
"Enable",
"Activer"
],
"admin_images": [
"Images",
"Images"
],
"admin_initial_password": [
"Initial password",
"Mot de passe initial"
],
"admin_only": [
"Only an admin can open this page.",
"Seul un administrateur peut ouvrir cette page."
],
"admin_role": [
"Role",
"Rôle"
],
"admin_save_budget": [
"Save",
"Enregistrer"
],
"admin_saved": [
"Saved.",
"Enregistré."
],
"admin_status": [
"Status",
"État"
],
"admin_subtitle": [
"Accounts, roles, monthly budgets and this month's use.",
"Comptes, rôles, budgets mensuels et consommation du mois."
],
"admin_title": [
"Admin",
"Administration"
],
"admin_tokens": [
"Tokens",
"Jetons"
],
"admin_unlimited": [
"Unlimited",
"Illimité"
],
"after": [
"After",
"Après"
],
"all_kinds": [
"All kinds",
"Tous les types"
],
"all_statuses": [
"All statuses",
"Tous les statuts"
],
"already_made": [
"Already made {when}.",
"Déjà créée {when}."
],
"already_made_on": [
"Already made on {date}.",
"Déjà créée le {date}."
],
"app_title": [
"Email Image Studio",
"Email Image Studio"
],
"background": [
"Background",
"Arrière-plan"
],
"background_auto": [
"Auto",
"Auto"
],
"background_opaque": [
"Opaque",
"Opaque"
],
"background_transparent": [
"Transparent",
"Transparent"
],
"background_white": [
"White",
"Blanc"
],
"base64_copied": [
"Base64 copied to the clipboard ({size} bytes of image).",
"Base64 copié dans le presse-papiers ({size} octets d'image)."
],
"before": [
"Before",
"Avant"
],
"brand_notes": [
"Brand and style notes (optional)",
"Notes de marque et de style (facultatif)"
],
"brand_notes_help": [
"Added to the end of every image's prompt.",
"Ajoutées à la fin de la description de chaque image."
],
"brand_notes_placeholder": [
"e.g. pastel colours, flat illustration, our teal #0fa3a3",
"ex. couleurs pastel, illustration à plat, notre bleu-vert #0fa3a3"
],
"brush_size": [
"Brush",
"Pinceau"
],
"budget_exceeded": [
"Over your monthly budget: this request is estimated at {estimate}, and {left} of your {budget} is left this month. Nothing was sent to the provider.",
"Budget mensuel dépassé : cette demande est estimée à {estimate}, et il vous reste {left} sur {budget} ce mois-ci. Rien n'a été envoyé au fournisseur."
],
"budget_left_label": [
"Left this month:",
"Reste ce mois-ci :"
],
"bytes": [
"bytes",
"octets"
],
"campaign_cancelled_count": [
"{count} cancelled",
"{count} annulées"
],
"campaign_elapsed": [
"Elapsed {seconds} s",
"Écoulé {seconds} s"
],
"campaign_failed_count": [
"{count} failed",
"{count} en échec"
],
"campaign_plan_many": [
"{count} images to make · {at_once} at once",
"{count} images à créer · {at_once} en même temps"
],
"campaign_plan_one": [
"{count} image to make · {at_once} at once",
"{count} image à créer · {at_once} en même temps"
],
"campaign_progress": [
"{done} of {total} done",
"{done} sur {total} terminées"
],
"campaign_prompt_missing": [
"Every image needs a prompt.",
"Chaque image a besoin d'une description."
],
"campaign_prompt_too_long": [
"{image}: {reason}",
"{image} : {reason}"
],
"campaign_section": [
"Campaign",
"Campagne"
],
"campaign_subject": [
"Campaign subject",
"Objet de la campagne"
],
"campaign_subject_missing": [
"Enter the campaign subject.",
"Entrez l'objet de la campagne."
],
"campaign_subject_placeholder": [
"e.g. Summer sale: 30% off sneakers",
"ex. Soldes d'été : -30 % sur les baskets"
],
"campaign_subtitle": [
"Every image of the email at once, at email sizes, compressed and ready to send.",
"Toutes les images de l'e-mail d'un coup, aux tailles e-mail, compressées et prêtes à envoyer."
],
"campaign_title": [
"Make a whole email campaign",
"Créer toute une campagne d'e-mail"
],
"cancel": [
"Cancel",
"Annuler"
],
"cancel_all": [
"Cancel all",
"Tout annuler"
],
"cancelled": [
"Cancelled. The last step is kept.",
"Annulé. La dernière étape est conservée."
],
"checking_file": [
"Checking {name}…",
"Vérification de {name}…"
],
"clear_filters": [
"Clear filters",
"Effacer les filtres"
],
"clear_mask": [
"Clear",
"Tout effacer"
],
"close": [
"Close",
"Fermer"
],
"colon": [
": ",
" : "
],
"compare_hint": [
"Drag across the image to compare before and after.",
"Glissez sur l'image pour comparer avant et après."
],
"compression": [
"Compression",
"Compression"
],
"concurrency": [
"Images at once",
"Images en même temps"
],
"copied": [
"Base64 copied to the clipboard",
"Base64 copié dans le presse-papiers"
],
"copy_base64": [
"Copy Base64",
"Copier en Base64"
],
"cost": [
"Cost",
"Coût"
],
"create_image": [
"Create an image",
"Créer une image"
],
"csv_duplicate_id": [
"Line {line}: the id '{value}' is already used.",
"Ligne {line} : l'id « {value} » est déjà utilisé."
],
"csv_empty_id": [
"Line {line}: the id is empty.",
"Ligne {line} : l'id est vide."
],
"csv_empty_name": [
"Line {line}: the name is empty.",
"Ligne {line} : le nom est vide."
],
"csv_fields": [
"Line {line}: {found} field(s) instead of id,name,description. Put quotes around text that contains a comma.",
"Ligne {line} : {found} champ(s) au lieu de id,nom,description. Mettez entre guillemets un texte qui contient une virgule."
],
"csv_help": [
"Replaces the rows above. A header line is optional; quote text that contains commas.",
"Remplace les lignes ci-dessus. L'en-tête est facultatif ; mettez entre guillemets un texte avec des virgules."
],
"csv_import": [
"Use these products",
"Utiliser ces produits"
],
"csv_label": [
"Products as CSV: id,name,description",
"Produits en CSV : id,name,description"
],
"csv_more_errors": [
"… and {count} more.",
"… et {count} autre(s)."
],
"csv_no_products": [
"The CSV has no products.",
"Le CSV ne contient aucun produit."
],
"csv_placeholder": [
"id,name,description\nSKU-1,Red sneakers,\"Canvas upper, white sole\"",
"id,name,description\nSKU-1,Baskets rouges,\"Dessus en toile, semelle blanche\""
],
"csv_quote_open": [
"Line {line}: a quote opens and is never closed, so the lines after it would be read as one field. Close the quote or remove it.",
"Ligne {line} : un guillemet est ouvert et jamais fermé ; les lignes suivantes seraient lues comme un seul champ. Fermez le guillemet ou retirez-le."
],
"csv_read_as_cp1252": [
"The file is not UTF-8: it was read as Windows-1252 (Latin-1). Save it as UTF-8 if letters look wrong.",
"Le fichier n'est pas en UTF-8 : il a été lu en Windows-1252 (Latin-1). Enregistrez-le en UTF-8 si des lettres s'affichent mal."
],
"csv_unreadable": [
"Line {line} cannot be read as CSV.",
"La ligne {line} ne peut pas être lue comme du CSV."
],
"delete": [
"Delete",
"Supprimer"
],
"delete_confirm": [
"Delete this job and its images? This cannot be undone.",
"Supprimer cette tâche et ses images ? C'est définitif."
],
"download": [
"Download",
"Télécharger"
],
"download_zip": [
"Download ZIP",
"Télécharger le ZIP"
],
"drop_image": [
"Drop the image to edit here, or click to choose it",
"Déposez l'image à modifier ici, ou cliquez pour la choisir"
],
"drop_mask": [
"Drop a mask PNG here, or click to choose it",
"Déposez un masque PNG ici, ou cliquez pour le choisir"
],
"duration": [
"Duration",
"Durée"
],
"edit_again": [
"Edit again",
"Modifier encore"
],
"edit_image": [
"Edit Image",
"Modifier l'image"
],
"edit_preview_empty": [
"The edited image will appear here, sharper at every step.",
"L'image modifiée apparaîtra ici, plus nette à chaque étape."
],
"edit_prompt": [
"Changes",
"Modifications"
],
"edit_prompt_placeholder": [
"Describe the changes…",
"Décrivez les modifications…"
],
"edit_subtitle": [
"Upload a picture, mark what to change, describe the change, and watch it take shape.",
"Importez une image, indiquez ce qui doit changer, décrivez la modification et regardez-la prendre forme."
],
"edit_title": [
"Edit an image",
"Modifier une image"
],
"editing": [
"Editing…",
"Modification…"
],
"elapsed": [
"Elapsed",
"Écoulé"
],
"email_background": [
"Email background",
"Fond de l'e-mail"
],
"email_format": [
"Email format",
"Format e-mail"
],
"email_preview": [
"Email preview",
"Aperçu de l'e-mail"
],
"email_ready": [
"Email",
"E-mail"
],
"email_too_large": [
"The image cannot be compressed to {budget_kb} KB as {format}, even small and at low quality.",
"L'image ne peut pas être compressée à {budget_kb} Ko en {format}, même petite et de faible qualité."
],
"email_version_help": [
"Each image also gets an email-ready copy: transparency filled with the email background, compressed under its budget (hero 200 KB, product 80 KB, logo 60 KB, banner 120 KB). JPEG shows everywhere; WebP is smaller but Outlook for Windows does not show it.",
"Chaque image reçoit aussi une copie prête pour l'e-mail : transparence remplie avec le fond de l'e-mail, compressée sous son budget (principale 200 Ko, produit 80 Ko, logo 60 Ko, bannière 120 Ko). Le JPEG s'affiche partout ; le WebP est plus léger mais Outlook pour Windows ne l'affiche pas."
],
"erase": [
"Eraser",
"Gomme"
],
"error_auth": [
"The API key was rejected (HTTP {status}). Check OPENAI_API_KEY on the server.",
"Clé API refusée (HTTP {status}). Vérifiez OPENAI_API_KEY sur le serveur."
],
"error_connection": [
"Could not reach the image provider. Check OPENAI_BASE_URL and the network.",
"Impossible de joindre le fournisseur d'images. Vérifiez OPENAI_BASE_URL et le réseau."
],
"error_incomplete": [
"The stream was cut before the final image. Try again.",
"Le flux s'est interrompu avant l'image finale. Réessayez."
],
"error_moderation": [
"Blocked by the provider's safety system. Rephrase the prompt and try again.",
"Bloqué par le filtre de sécurité du fournisseur. Reformulez la description."
],
"error_provider": [
"The provider reported an error: {detail}",
"Le fournisseur a signalé une erreur : {detail}"
],
"error_rate_limited": [
"Rate limited by the provider. Try again {wait}.",
"Limite de débit atteinte chez le fournisseur. Réessayez {wait}."
],
"error_server": [
"The provider had an error (HTTP {status}). Try again in a moment.",
"Erreur du fournisseur (HTTP {status}). Réessayez dans un instant."
],
"error_timeout": [
"The provider did not answer in time. Try again, or choose a lower quality.",
"Le fournisseur n'a pas répondu à temps. Réessayez, ou baissez la qualité."
],
"error_unexpected": [
"Unexpected error. Try again.",
"Erreur inattendue. Réessayez."
],
"error_wait_minute": [
"in a minute",
"dans une minute"
],
"error_wait_seconds": [
"after {seconds} s",
"dans {seconds} s"
],
"error_with_kept_steps": [
"{error} The {count} step(s) received are kept.",
"{error} Les {count} étape(s) reçues sont conservées."
],
"estimate": [
"Estimated cost",
"Coût estimé"
],
"estimate_at_list_price": [
"at {model} list price",
"au prix catalogue de {model}"
],
"eta_any_moment": [
"any moment now",
"d'un instant à l'autre"
],
"eta_left": [
"about {seconds} s left",
"environ {seconds} s restantes"
],
"export_section": [
"Email and export",
"E-mail et export"
],
"extra_images": [
"Also make",
"Créer aussi"
],
"fidelity_high": [
"High",
"Élevée"
],
"fidelity_low": [
"Low",
"Faible"
],
"final": [
"Final",
"Finale"
],
"final_image": [
"Final image",
"Image finale"
],
"format": [
"Format",
"Format"
],
"free": [
"free",
"gratuit"
],
"free_offline": [
"free (offline engine)",
"gratuit (moteur hors ligne)"
],
"from_history": [
"From the history",
"Depuis l'historique"
],
"generate": [
"Generate",
"Générer"
],
"generate_anyway": [
"Generate again anyway",
"Générer quand même"
],
"generate_campaign": [
"Generate campaign",
"Générer la campagne"
],
"generate_help": [
"Each image streams into its own tile below; cancel or retry any one of them.",
"Chaque image arrive dans sa propre vignette ci-dessous ; annulez ou relancez-en une seule."
],
"generate_subtitle": [
"Describe it, pick a size, and watch it take shape.",
"Décrivez-la, choisissez un format et regardez-la prendre forme."
],
"generate_title": [
"Create an email image",
"Créer une image d'e-mail"
],
"generating": [
"Generating…",
"Génération…"
],
"history_count": [
"{count} jobs · Page {page} of {pages}",
"{count} tâches · Page {page} sur {pages}"
],
"history_count_more": [
"More than {count} jobs · Page {page}",
"Plus de {count} tâches · Page {page}"
],
"history_count_one": [
"{count} job · Page {page} of {pages}",
"{count} tâche · Page {page} sur {pages}"
],
"history_empty": [
"No images yet. Everything you generate is kept here, even after a restart.",
"Aucune image pour l'instant. Tout ce que vous générez est conservé ici, même après un redémarrage."
],
"history_mine": [
"Mine",
"Les miennes"
],
"history_owner": [
"By {email}",
"Par {email}"
],
"history_subtitle": [
"Every image you made, kept. Find one, download it, or run its settings again.",
"Toutes vos images, conservées. Retrouvez-en une, téléchargez-la ou relancez ses réglages."
],
"history_team": [
"Team",
"Équipe"
],
"history_title": [
"Image history",
"Historique des images"
],
"history_unavailable": [
"The history could not be read. Check the database (EMAIL_IMAGE_DB_URL) and the server log.",
"Impossible de lire l'historique. Vérifiez la base de données (EMAIL_IMAGE_DB_URL) et le journal du serveur."
],
"image_to_edit": [
"Image to edit",
"Image à modifier"
],
"images_section": [
"Images to make",
"Images à créer"
],
"input": [
"input",
"entrée"
],
"input_fidelity": [
"Input fidelity",
"Fidélité à l'original"
],
"inputs_unreadable": [
"The uploaded files could not be read back. Upload the image again.",
"Les fichiers importés n'ont pas pu être relus. Importez l'image à nouveau."
],
"job_deleted": [
"Job and images deleted.",
"Tâche et images supprimées."
],
"job_details": [
"Job details",
"Détails de la tâche"
],
"job_gone": [
"This job is no longer in the history.",
"Cette tâche n'est plus dans l'historique."
],
"job_interrupted": [
"The app stopped while this image was being made; the steps received are kept.",
"L'application s'est arrêtée pendant la création de cette image ; les étapes reçues sont conservées."
],
"job_not_deleted": [
"This job is running or already deleted.",
"Cette tâche est en cours ou déjà supprimée."
],
"job_not_yours": [
"Only its owner or an admin can delete this job.",
"Seul son auteur ou un administrateur peut supprimer cette tâche."
],
"kb": [
"KB",
"Ko"
],
"keep": [
"Keep it",
"La garder"
],
"kind": [
"Kind",
"Type"
],
"kind_campaign": [
"Campaign tile",
"Vignette de campagne"
],
"kind_edit": [
"Edit",
"Retouche"
],
"kind_generation": [
"Generation",
"Génération"
],
"language": [
"Language",
"Langue"
],
"list_price": [
"(estimate at list price)",
"(estimation au prix catalogue)"
],
"made": [
"Made",
"Créée"
],
"mask": [
"Area to change",
"Zone à modifier"
],
"mask_guidance": [
"Providers treat a mask as guidance: pixels outside it may still change slightly.",
"Les fournisseurs prennent le masque comme une indication : les pixels hors de la zone peuvent légèrement changer."
],
"mask_needs_image": [
"Upload the image to edit first: the mask must be the same size as the image.",
"Importez d'abord l'image à modifier : le masque doit avoir la même taille qu'elle."
],
"mask_none": [
"Whole image",
"Toute l'image"
],
"mask_paint": [
"Paint",
"Peindre"
],
"mask_upload": [
"Mask file",
"Fichier masque"
],
"mask_upload_hint": [
"A PNG the size of the image: its transparent pixels (alpha 0) mark the area to change.",
"Un PNG de la taille de l'image : ses pixels transparents (alpha 0) marquent la zone à modifier."
],
"model": [
"Model",
"Modèle"
],
"nav_account": [
"My account",
"Mon compte"
],
"nav_admin": [
"Admin",
"Administration"
],
"nav_campaign": [
"Campaign",
"Campagne"
],
"nav_edit": [
"Edit",
"Modifier"
],
"nav_generate": [
"Generate",
"Générer"
],
"nav_history": [
"History",
"Historique"
],
"nav_label": [
"Pages",
"Pages"
],
"need_edit_prompt": [
"Describe the changes to make.",
"Décrivez les modifications à faire."
],
"need_image": [
"Upload the image to edit first.",
"Importez d'abord l'image à modifier."
],
"need_mask_file": [
"Upload a mask PNG, or choose Whole image.",
"Importez un masque PNG, ou choisissez Toute l'image."
],
"need_painting": [
"Paint over the part of the image to change, or choose Whole image.",
"Peignez la partie de l'image à modifier, ou choisissez Toute l'image."
],
"next": [
"Next",
"Suivante"
],
"no_image": [
"No image received",
"Aucune image reçue"
],
"no_match": [
"No job matches these filters.",
"Aucune tâche ne correspond à ces filtres."
],
"no_worker_up": [
"The studio's image workers are not running right now: this image starts as soon as one is back. Nothing is lost.",
"Les processus qui fabriquent les images ne tournent pas en ce moment : cette image commencera dès que l'un d'eux sera de retour. Rien n'est perdu."
],
"not_an_accepted_image": [
"{name} is not a PNG, JPEG or WebP image.",
"{name} n'est pas une image PNG, JPEG ou WebP."
],
"notice_model_retired": [
"The model '{asked}' was retired on 2026-05-12; using '{used}' instead.",
"Le modèle « {asked} » a été retiré le 2026-05-12 ; « {used} » le remplace."
],
"notice_quality_renamed": [
"Quality '{asked}' is called '{used}' on {model}.",
"La qualité « {asked} » s'appelle « {used} » sur {model}."
],
"of": [
"of",
"sur"
],
"of_budget": [
"of",
"sur"
],
"offline_engine": [
"Offline engine",
"Moteur hors ligne"
],
"offline_note": [
"Offline draft engine: a quick layout draft, not an AI picture. Set OPENAI_API_KEY for real images.",
"Moteur hors ligne : une maquette rapide, pas une image IA. Définissez OPENAI_API_KEY pour de vraies images."
],
"one_file_at_a_time": [
"Choose one file at a time here.",
"Choisissez un seul fichier à la fois ici."
],
"options_section": [
"Options for every image",
"Options de toutes les images"
],
"original": [
"Original",
"Originale"
],
"output": [
"output",
"sortie"
],
"paint_hint": [
"Paint over the part of the image to change.",
"Peignez sur la partie de l'image à modifier."
],
"painted_mask_not_png": [
"The painted mask could not be read: expected a PNG image.",
"Le masque peint n'a pas pu être lu : une image PNG est attendue."
],
"painted_mask_unreadable": [
"The painted mask could not be read.",
"Le masque peint n'a pas pu être lu."
],
"partial": [
"Partial",
"Étape"
],
"partial_images": [
"Partial images",
"Images partielles"
],
"partial_images_option": [
"Partial images",
"Images partielles"
],
"paste_csv": [
"Paste CSV",
"Coller un CSV"
],
"percent": [
"%",
" %"
],
"preview_empty": [
"Your image will appear here, sharper at every step.",
"Votre image apparaîtra ici, plus nette à chaque étape."
],
"previous": [
"Previous",
"Précédente"
],
"product_description": [
"Description",
"Description"
],
"product_id": [
"Product ID",
"ID du produit"
],
"product_image_size": [
"Product images",
"Images produit"
],
"product_name": [
"Name",
"Nom"
],
"products_section": [
"Products",
"Produits"
],
"progress_label": [
"Progress",
"Progression"
],
"prompt": [
"Prompt",
"Description"
],
"prompt_counter": [
"{count} / {limit} characters",
"{count} / {limit} caractères"
],
"prompt_counter_with_additions": [
"{count} / {limit} characters (the app adds {added} for the size and background)",
"{count} / {limit} caractères (l'application en ajoute {added} pour le format et le fond)"
],
"prompt_missing": [
"Enter a prompt describing the image.",
"Entrez une description de l'image."
],
"prompt_placeholder": [
"Describe the image for your email…",
"Décrivez l'image de votre e-mail…"
],
"prompt_too_long": [
"The prompt is {length} characters long; the limit is {limit} ({over} over). Shorten it.",
"La description fait {length} caractères ; la limite est de {limit} ({over} de trop). Raccourcissez-la."
],
"prompt_too_long_with_additions": [
"With the {added} characters the app adds (brand notes, background, framing), the prompt is {length} characters long; the limit is {limit}. Shorten it.",
"Avec les {added} caractères ajoutés par l'application (notes de marque, fond, cadrage), la description fait {length} caractères ; la limite est de {limit}. Raccourcissez-la."
],
"prompts_help": [
"Each prompt is prefilled from the subject and products; edit any before generating.",
"Chaque description est préremplie depuis l'objet et les produits ; modifiez-la avant de générer."
],
"provider": [
"Provider",
"Fournisseur"
],
"quality": [
"Quality",
"Qualité"
],
"quality_auto": [
"Auto",
"Auto"
],
"quality_high": [
"High",
"Haute"
],
"quality_low": [
"Low",
"Basse"
],
"quality_medium": [
"Medium",
"Moyenne"
],
"queued": [
"Queued",
"En file d'attente"
],
"queued_ahead": [
"ahead",
"avant"
],
"queued_next": [
"next in line",
"prochaine"
],
"rate_limit_pause": [
"The provider is rate-limiting us: new images start again in {seconds} s.",
"Le fournisseur limite le débit : les nouvelles images reprennent dans {seconds} s."
],
"rate_limited_retrying": [
"Rate limited: trying again…",
"Débit limité : nouvel essai…"
],
"rate_limited_wait": [
"Rate limited: one more try in {seconds} s",
"Débit limité : nouvel essai dans {seconds} s"
],
"references": [
"Reference images",
"Images de référence"
],
"references_hint": [
"Optional: up to {max_refs} pictures (products, logos, styles) for the edit to draw from.",
"Facultatif : jusqu'à {max_refs} images (produits, logos, styles) dont la modification s'inspire."
],
"refresh": [
"Refresh",
"Actualiser"
],
"remove": [
"Remove",
"Retirer"
],
"remove_product": [
"Remove product",
"Retirer le produit"
],
"replace_image": [
"Replace image",
"Remplacer l'image"
],
"request_sent": [
"Request sent",
"Demande envoyée"
],
"reset_prompt": [
"Reset",
"Réinitialiser"
],
"results_empty": [
"Fill in the subject and products, then Generate campaign: one tile per image appears here.",
"Renseignez l'objet et les produits, puis Générer la campagne : une vignette par image apparaît ici."
],
"results_section": [
"Images",
"Images"
],
"retry": [
"Retry",
"Réessayer"
],
"run_shortcut_edit": [
"Ctrl+Enter to edit",
"Ctrl+Entrée pour modifier"
],
"run_shortcut_generate": [
"Ctrl+Enter to generate",
"Ctrl+Entrée pour générer"
],
"search_prompts": [
"Search prompts…",
"Rechercher dans les descriptions…"
],
"sentences": [
"{first} {rest}",
"{first} {rest}"
],
"setting_refused": [
"Setting rejected: {message}",
"Réglage refusé : {message}"
],
"settings_job_gone": [
"This job is no longer in the history.",
"Cette tâche n'est plus dans l'historique."
],
"show_stored": [
"Show it",
"L'afficher"
],
"signin_button": [
"Sign in",
"Se connecter"
],
"signin_email": [
"Email",
"E-mail"
],
"signin_first_account": [
"Create the first account",
"Créer le premier compte"
],
"signin_first_note": [
"No account exists yet: this first account is the admin. Choose a password of at least {count} characters.",
"Aucun compte n'existe encore : ce premier compte sera administrateur. Choisissez un mot de passe d'au moins {count} caractères."
],
"signin_needed": [
"Sign in to continue.",
"Connectez-vous pour continuer."
],
"signin_password": [
"Password",
"Mot de passe"
],
"signin_refused": [
"Wrong email or password.",
"E-mail ou mot de passe incorrect."
],
"signin_title": [
"Sign in",
"Connexion"
],
"signout_button": [
"Sign out",
"Se déconnecter"
],
"signup_button": [
"Create an account",
"Créer un compte"
],
"signup_closed": [
"Accounts are created by an admin.",
"Les comptes sont créés par un administrateur."
],
"signup_note": [
"New here? Create your own account.",
"Nouveau ? Créez votre compte."
],
"size": [
"Size",
"Taille"
],
"size_banner": [
"Banner",
"Bannière"
],
"size_choice": [
"{name} {size}",
"{name} {size}"
],
"size_choice_native": [
"{size} (native)",
"{size} (natif)"
],
"size_header": [
"Email header",
"En-tête d'e-mail"
],
"size_logo": [
"Logo",
"Logo"
],
"size_note": [
"Provider size",
"Taille demandée au fournisseur"
],
"size_note_direct": [
"{model} works at {request} directly: no cropping or resizing.",
"{model} travaille directement en {request} : ni recadrage ni redimensionnement."
],
"size_note_fit": [
"{model} draws {request}; the result is cropped and resized to exactly {target}.",
"{model} dessine en {request} ; le résultat est recadré et redimensionné à exactement {target}."
],
"size_original": [
"Original",
"D'origine"
],
"size_product": [
"Product",
"Produit"
],
"size_product_small": [
"Product",
"Produit"
],
"slot_banner": [
"Banner",
"Bannière"
],
"slot_hero": [
"Hero",
"Image principale"
],
"slot_logo": [
"Logo",
"Logo"
],
"slot_product": [
"Product",
"Produit"
],
"slot_product_named": [
"Product · {name}",
"Produit · {name}"
],
"status": [
"Status",
"Statut"
],
"status_cancelled": [
"Cancelled",
"Annulée"
],
"status_completed": [
"Completed",
"Terminée"
],
"status_failed": [
"Failed",
"Échec"
],
"status_interrupted": [
"Interrupted",
"Interrompue"
],
"status_running": [
"Running",
"En cours"
],
"step": [
"Step",
"Étape"
],
"steps": [
"Steps",
"Étapes"
],
"stored_offer_hint": [
"Same prompt, options and provider: the image is in your history.",
"Même description, mêmes réglages, même fournisseur : l'image est dans votre historique."
],
"tile_cancelled": [
"Cancelled",
"Annulée"
],
"tile_compressing": [
"Making the email-ready copy…",
"Préparation de la copie e-mail…"
],
"tile_done": [
"Done",
"Terminée"
],
"tile_failed": [
"Failed",
"Échec"
],
"tile_partial": [
"Partial {step} / {steps}",
"Étape {step} / {steps}"
],
"tile_waiting": [
"Waiting for its turn",
"En attente de son tour"
],
"tokens": [
"Tokens",
"Jetons"
],
"tokens_unit": [
"tokens",
"jetons"
],
"too_many_references": [
"At most {max_refs} reference images: {names} not added.",
"{max_refs} images de référence au plus : {names} non ajoutée(s)."
],
"total": [
"total",
"total"
],
"transparent_needs": [
"Transparent needs PNG or WebP.",
"La transparence demande PNG ou WebP."
],
"upload_refused_corrupt": [
"{name} is damaged or incomplete: it could not be read as a {format} image.",
"{name} est endommagé ou incomplet : il n'a pas pu être lu comme une image {format}."
],
"upload_refused_empty": [
"{name} is empty.",
"{name} est vide."
],
"upload_refused_empty_mask": [
"Nothing is painted yet: paint over the part of the image to change.",
"Rien n'est peint : peignez la partie de l'image à modifier."
],
"upload_refused_mask_size_mismatch": [
"{name} is {size} but the image is {image_size}. The mask must be the same size as the image; its transparent pixels (alpha 0) mark the area to change.",
"{name} fait {size} mais l'image fait {image_size}. Le masque doit avoir la même taille que l'image ; ses pixels transparents (alpha 0) marquent la zone à modifier."
],
"upload_refused_not_image": [
"{name} is not an image (its content is not {accepted}).",
"{name} n'est pas une image (son contenu n'est pas {accepted})."
],
"upload_refused_too_large": [
"{name} is {size}; the limit is {limit}.",
"{name} pèse {size} ; la limite est de {limit}."
],
"upload_refused_too_many_pixels": [
"{name} is {size} ({megapixels} megapixels); the limit is {max_mp} megapixels.",
"{name} fait {size} ({megapixels} mégapixels) ; la limite est de {max_mp} mégapixels."
],
"upload_refused_unsupported_type": [
"{name} is a {actual} image; upload a {accepted} image instead.",
"{name} est une image {actual} ; importez plutôt une image {accepted}."
],
"uploading": [
"Uploading… {percent}%",
"Envoi… {percent} %"
],
"usage": [
"Usage",
"Consommation"
],
"use_settings": [
"Use these settings",
"Utiliser ces réglages"
],
"verbatim": [
"{text}",
"{text}"
],
"when_date": [
"{date}",
"{date}"
],
"when_days": [
"{count} days ago",
"il y a {count} jours"
],
"when_hours": [
"{count} h ago",
"il y a {count} h"
],
"when_just_now": [
"just now",
"à l'instant"
],
"when_minutes": [
"{count} min ago",
"il y a {count} min"
],
"when_yesterday": [
"yesterday",
"hier"
],
"zip_contents": [
"The ZIP holds originals/, email/ (the email-ready images), email.html (uses email/ by relative path) and manifest.json (prompts, options, usage, file sizes).",
"Le ZIP contient originals/, email/ (les images prêtes pour l'e-mail), email.html (qui utilise email/ en chemin relatif) et manifest.json (descriptions, options, consommation, tailles)."
],
"zip_failed": [
"The ZIP could not be built. Try again.",
"Le ZIP n'a pas pu être créé. Réessayez."
]
};
export function studioSay(lang, m) {
  if (!m || !m.key) return '';
  const entry = STUDIO_MESSAGES[m.key];
  if (!entry) return m.key;
  const fr = lang === 'fr', params = m.params || {};
  return entry[fr ? 1 : 0].replace(/\{(\w+)\}/g, (all, name) => {
    const v = params[name];
    if (v && typeof v === 'object') return studioSay(lang, v);
    if (typeof v === 'number') {
      return Number.isInteger(v) ? v.toLocaleString(fr ? 'fr-FR' : 'en-US') : String(v).replace('.', fr ? ',' : '.');
    }
    return v == null ? '' : String(v);
  });
}
