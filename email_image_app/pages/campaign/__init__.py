"""`/campaign`: the page (`view`) and its three states: the form (`form_state`), the run of its tiles
(`run_state`) and the export (`export_state`); `tiles` holds the typed rows, tiles and requests."""

from email_image_app.pages.campaign.run_state import CampaignRunState
from email_image_app.pages.campaign.view import campaign_page

__all__ = ["CampaignRunState", "campaign_page"]
