"""Who was called, as much as a channel should see: a first name and a masked phone number.

A results thread is read by the whole channel, so the number keeps only what tells contacts apart at
a glance (country code, first digit, last two) and the rest of the DataBag stays in the database.
"""

from __future__ import annotations

from typing import Any

_MASK = "••"
_FIRST_NAME_KEYS = ("firstname", "first_name", "prenom", "prénom", "givenname")
MAX_FIRST_NAME_LENGTH = 40


def first_name(data_bag: dict[str, Any] | None) -> str | None:
    """The contact's first name from the DataBag, whichever usual spelling the import used."""
    for key, value in (data_bag or {}).items():
        folded = str(key).replace(" ", "").replace("-", "").lower()
        if folded in _FIRST_NAME_KEYS and isinstance(value, str) and value.strip():
            return value.strip()[:MAX_FIRST_NAME_LENGTH]
    return None


def masked_phone(number: str | None) -> str | None:
    """`+33612345678` → `+33 6 •• •• •• 78`; a number that can't be read keeps its last two digits only."""
    digits = "".join(c for c in number or "" if c.isdigit())
    if len(digits) < 4:
        return None
    import phonenumbers  # imported here, with the first result: start-up has no number to read

    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed and parsed.country_code and parsed.national_number:
        national = str(parsed.national_number)
        if len(national) >= 4:
            return f"+{parsed.country_code} {national[0]} {_pairs(len(national) - 3)} {national[-2:]}"
    return f"{digits[0]} {_pairs(len(digits) - 3)} {digits[-2:]}"


def _pairs(count: int) -> str:
    """`count` hidden digits as bullets grouped in twos, the way numbers are read out."""
    return " ".join([_MASK] * ((count + 1) // 2))
