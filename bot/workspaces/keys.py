"""Starleads API keys at rest: encrypted under the operator's keys, shown only masked.

MultiFernet takes a list, newest first: it encrypts under the newest and decrypts under any, so an
operator adds a new key in front, rotates the stored tokens, then drops the old key.
"""

from __future__ import annotations


class KeyUnreadable(Exception):
    """A stored Starleads key that none of the encryption keys opens: the message names the workspace
    only, never the key, the token or the encryption keys."""

    def __init__(self, workspace: str) -> None:
        super().__init__(
            f"the Starleads key stored for workspace {workspace} can't be read with any of "
            "STARLEADS_KEY_ENCRYPTION_KEYS"
        )
        self.workspace = workspace


class KeyVault:
    def __init__(self, keys: list[str]) -> None:
        """`keys`: Fernet keys, newest first (at least one)."""
        # Imported here: only a distributed bot keeps keys, and a bot starting up has better to do.
        from cryptography.fernet import Fernet, InvalidToken, MultiFernet

        self._fernet = MultiFernet([Fernet(key) for key in keys])
        self._unreadable = (InvalidToken, UnicodeError)

    def encrypt(self, api_key: str) -> str:
        """The token to store in place of `api_key`, under the newest key."""
        return self._fernet.encrypt(api_key.encode()).decode("ascii")

    def decrypt(self, token: str, *, workspace: str) -> str:
        """The API key behind `workspace`'s stored token; KeyUnreadable when no key opens it."""
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode()
        except self._unreadable:
            raise KeyUnreadable(workspace) from None

    def rotate(self, token: str, *, workspace: str) -> str:
        """The same API key encrypted under the newest key (its timestamp kept)."""
        try:
            return self._fernet.rotate(token.encode("ascii")).decode("ascii")
        except self._unreadable:
            raise KeyUnreadable(workspace) from None


def mask(api_key: str) -> str:
    """The only form of a Starleads key ever shown: enough to recognise it, not to use it."""
    return "…" + api_key[-4:]
