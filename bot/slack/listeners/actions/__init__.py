from bot.slack.listeners.actions import campaign_status, schedule_editing

__all__ = ["campaign_status", "schedule_editing"]
