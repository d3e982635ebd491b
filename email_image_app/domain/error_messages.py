"""What to tell a marketer when an image request fails: what happened, and what to do next."""

from __future__ import annotations

from email_image_app.imagegen import events as ev


def _wait(seconds: float | None, lang: str) -> str:
    if seconds is None:
        return "in a minute" if lang == "en" else "dans une minute"
    return f"after {seconds:.0f} s" if lang == "en" else f"dans {seconds:.0f} s"


def describe_error(exc: Exception, lang: str = "en", *, partials_received: int = 0) -> str:
    """A one-line message in `lang` ('en' or 'fr'); never includes the API key."""
    fr = lang == "fr"
    kept = ""
    if partials_received:
        kept = (
            f" Les {partials_received} étape(s) reçues sont conservées."
            if fr
            else f" The {partials_received} step(s) received are kept."
        )
    detail = getattr(exc, "message", str(exc))
    if isinstance(exc, ev.AuthenticationError):
        text = (
            f"Clé API refusée (HTTP {exc.status}). Vérifiez OPENAI_API_KEY sur le serveur."
            if fr
            else f"The API key was rejected (HTTP {exc.status}). Check OPENAI_API_KEY on the server."
        )
    elif isinstance(exc, ev.RateLimitError):
        text = (
            f"Limite de débit atteinte chez le fournisseur. Réessayez {_wait(exc.retry_after, lang)}."
            if fr
            else f"Rate limited by the provider. Try again {_wait(exc.retry_after, lang)}."
        )
    elif isinstance(exc, ev.ModerationBlockedError):
        text = (
            "Bloqué par le filtre de sécurité du fournisseur. Reformulez la description."
            if fr
            else "Blocked by the provider's safety system. Rephrase the prompt and try again."
        )
    elif isinstance(exc, ev.StreamTimeoutError):
        text = (
            "Le fournisseur n'a pas répondu à temps. Réessayez, ou baissez la qualité."
            if fr
            else "The provider did not answer in time. Try again, or choose a lower quality."
        )
    elif isinstance(exc, ev.IncompleteStreamError):
        text = (
            "Le flux s'est interrompu avant l'image finale. Réessayez."
            if fr
            else "The stream was cut before the final image. Try again."
        )
    elif isinstance(exc, ev.APIConnectionError):
        text = (
            "Impossible de joindre le fournisseur d'images. Vérifiez OPENAI_BASE_URL et le réseau."
            if fr
            else "Could not reach the image provider. Check OPENAI_BASE_URL and the network."
        )
    elif isinstance(exc, ev.InvalidRequestError):
        text = (f"Réglage refusé : {detail}" if fr else f"Setting rejected: {detail}")
    elif isinstance(exc, ev.ServerError):
        text = (
            f"Erreur du fournisseur (HTTP {exc.status}). Réessayez dans un instant."
            if fr
            else f"The provider had an error (HTTP {exc.status}). Try again in a moment."
        )
    elif isinstance(exc, ev.ImageStreamError):
        text = (f"Le fournisseur a signalé une erreur : {detail}" if fr else f"The provider reported an error: {detail}")
    else:
        text = "Erreur inattendue. Réessayez." if fr else "Unexpected error. Try again."
    return text + kept
