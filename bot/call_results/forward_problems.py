"""Why a call result was not forwarded to the team's own webhook, as stored and as the thread says it.

The forwarder stores the English message id of its own sentences (and the host apart, in the note), so
the operator's log lines stay English while each thread's note says the problem in the thread's
language. Technical problems ("HTTP 500", an exception's class name) read the same in every language
and are stored as they are; so are the whole sentences rows stored before problems were translated:
neither is a message of the catalog, so they show unchanged.
"""

from __future__ import annotations

from bot.i18n import N_, _

# Translators: after "… could not be forwarded to `hooks.example.com`:".
NOT_RESOLVED = N_("DNS lookup failed")
# Translators: after "… could not be forwarded to `hooks.example.com`:"; "it": the call result.
UNUSABLE_URL = N_("its URL can't be sent to; check the campaign's webhook URL")
# Translators: after "… could not be forwarded to `hooks.example.com`:"; "it": the call result.
UNEXPECTED = N_("the bot hit an unexpected error sending it")
# Translators: after "… could not be forwarded to `hooks.example.com`:"; {host}: that host;
# RESULT_FORWARD_PRIVATE_ADDRESSES: a setting's name, as is.
INSIDE_THE_NETWORK = N_(
    "{host} resolves to an address inside the bot's network; the bot's admin may allow it with "
    "RESULT_FORWARD_PRIVATE_ADDRESSES"
)
"""Told without the address: whoever may use the form could otherwise type an internal name and read
its address back in the thread."""

_NAMING_THE_HOST = frozenset({INSIDE_THE_NETWORK})


def said(problem: str, host: str) -> str:
    """A stored `problem` in the language being spoken, about `host` (its note's). Only our own messages
    that name the host get it filled in: any other stored text is shown as it is, braces and all."""
    if problem in _NAMING_THE_HOST:
        return _(problem).format(host=host)
    return _(problem) if problem else problem  # gettext's "" is the catalog's header
