from bot.slack.listeners.actions import campaign_status

__all__ = ["campaign_status"]
