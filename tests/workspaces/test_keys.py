"""Starleads keys at rest and the workspace an install serves: fast, no database, no HTTP."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from bot.workspaces import workspace_key
from bot.workspaces.keys import KeyUnreadable, KeyVault, mask

API_KEY = "sl_live_5bd1c0ffee9f3a"


def new_key() -> str:
    return Fernet.generate_key().decode()


def test_a_stored_key_is_never_kept_in_clear_and_reads_back() -> None:
    vault = KeyVault([new_key()])

    token = vault.encrypt(API_KEY)

    assert API_KEY not in token
    assert vault.decrypt(token, workspace="T0A") == API_KEY


def test_a_key_stored_before_a_new_encryption_key_was_added_still_reads() -> None:
    old = new_key()
    token = KeyVault([old]).encrypt(API_KEY)

    assert KeyVault([new_key(), old]).decrypt(token, workspace="T0A") == API_KEY


def test_rotate_encrypts_under_the_newest_key_so_the_old_one_can_be_dropped() -> None:
    old, newest = new_key(), new_key()
    token = KeyVault([old]).encrypt(API_KEY)

    rotated = KeyVault([newest, old]).rotate(token, workspace="T0A")

    assert rotated != token
    assert KeyVault([newest]).decrypt(rotated, workspace="T0A") == API_KEY
    with pytest.raises(KeyUnreadable):
        KeyVault([old]).decrypt(rotated, workspace="T0A")


def test_a_key_no_encryption_key_opens_is_refused_naming_only_its_workspace() -> None:
    encryption_key = new_key()
    token = KeyVault([encryption_key]).encrypt(API_KEY)
    wrong = new_key()

    for read in (KeyVault([wrong]).decrypt, KeyVault([wrong]).rotate):
        with pytest.raises(KeyUnreadable) as refused:
            read(token, workspace="T0A")
        message = str(refused.value)
        assert "T0A" in message
        assert all(secret not in message for secret in (API_KEY, token, encryption_key, wrong))
        assert refused.value.__suppress_context__  # the decryption error's detail stays out too


def test_a_damaged_token_is_refused_the_same_way() -> None:
    with pytest.raises(KeyUnreadable):
        KeyVault([new_key()]).decrypt("not-a-fernet-token-é", workspace="T0A")


def test_a_key_is_shown_by_its_last_four_characters_only() -> None:
    assert mask(API_KEY) == "…9f3a"


def test_an_org_wide_install_serves_the_organization_and_any_other_its_team() -> None:
    assert workspace_key("E0ORG", None, is_enterprise_install=True) == "E0ORG"
    assert workspace_key("E0ORG", "T0TEAM", is_enterprise_install=False) == "T0TEAM"
    assert workspace_key(None, "T0TEAM", is_enterprise_install=False) == "T0TEAM"


def test_an_install_naming_no_workspace_is_refused() -> None:
    with pytest.raises(ValueError, match="names its team"):
        workspace_key(None, None, is_enterprise_install=False)
