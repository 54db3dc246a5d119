"""Call results: what Starleads sends to a campaign's webhook after each processed contact."""

from bot.call_results.payload import CallResult

__all__ = ["CallResult"]
