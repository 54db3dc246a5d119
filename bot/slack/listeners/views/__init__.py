from bot.slack.listeners.views import campaign_submission, schedule_picker_submission

__all__ = ["campaign_submission", "schedule_picker_submission"]
