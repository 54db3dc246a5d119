"""French as the tests write it: plain spaces where French typography puts no-break ones."""

from __future__ import annotations

import re

NBSP = "\u00a0"


def typeset(text: str) -> str:
    """`« mot » : suite ; fin ?` as the catalog writes it: a no-break space inside « » and before : ; ? !."""
    return re.sub(r"« | »| ([:;?!])", lambda space: space[0].replace(" ", NBSP), text)
