from bot.slack.listeners.commands import starleads_command

__all__ = ["starleads_command"]
