from bot.slack.listeners.views import campaign_submission

__all__ = ["campaign_submission"]
