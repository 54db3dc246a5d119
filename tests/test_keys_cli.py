"""`starleads-bot keys new` and `keys rotate`: the operator's encryption keys for workspaces' Starleads
keys at rest, run as the command line runs them, on a real SQLite database."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import Engine

from bot.store import ConnectionStore, connect
from bot.workspaces.keys import KeyVault
from tests.standins.starleads_api import API_KEY, OTHER_API_KEY
from tests.store_rows import save_key


def starleads_bot(workdir: Path, *arguments: str, **settings: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "STARLEADS_", "DATABASE_URL"))}
    return subprocess.run(
        [sys.executable, "-m", "bot", *arguments],
        cwd=workdir,
        env={**env, **settings},
        capture_output=True,
        text=True,
        timeout=60,
    )


def new_key() -> str:
    return Fernet.generate_key().decode()


def stored_tokens(engine: Engine) -> dict[str, str]:
    return {stored.workspace: stored.encrypted_key for stored in asyncio.run(ConnectionStore(engine).all())}


def test_keys_new_prints_a_fernet_key_each_time_a_new_one(tmp_path: Path) -> None:
    first, second = starleads_bot(tmp_path, "keys", "new"), starleads_bot(tmp_path, "keys", "new")

    assert first.returncode == 0
    Fernet(first.stdout.strip())  # a key Fernet accepts
    assert first.stdout.strip() != second.stdout.strip()
    assert "STARLEADS_KEY_ENCRYPTION_KEYS" in first.stderr


def test_rotate_reencrypts_every_key_so_the_old_encryption_key_can_be_dropped(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    engine = connect(url)
    old, newest = new_key(), new_key()
    save_key(engine, "T0A", API_KEY, old)
    save_key(engine, "E0ORG", OTHER_API_KEY, old)

    result = starleads_bot(
        tmp_path, "keys", "rotate", DATABASE_URL=url, STARLEADS_KEY_ENCRYPTION_KEYS=f"{newest},{old}"
    )

    assert result.returncode == 0, result.stderr
    assert (
        result.stdout.strip() == "starleads-bot: re-encrypted 2 Starleads keys with the newest encryption key"
    )
    only_newest = KeyVault([newest])
    tokens = stored_tokens(engine)
    assert only_newest.decrypt(tokens["T0A"], workspace="T0A") == API_KEY
    assert only_newest.decrypt(tokens["E0ORG"], workspace="E0ORG") == OTHER_API_KEY
    for secret in (API_KEY, OTHER_API_KEY, old, newest):
        assert secret not in result.stdout + result.stderr
    engine.dispose()


def test_a_key_no_encryption_key_opens_is_named_and_the_others_still_rotate(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    engine = connect(url)
    lost, kept, newest = new_key(), new_key(), new_key()
    save_key(engine, "T0LOST", API_KEY, lost)
    save_key(engine, "T0KEPT", OTHER_API_KEY, kept)
    before = stored_tokens(engine)

    result = starleads_bot(
        tmp_path, "keys", "rotate", DATABASE_URL=url, STARLEADS_KEY_ENCRYPTION_KEYS=f"{newest},{kept}"
    )

    assert result.returncode == 1
    assert result.stderr.strip() == (
        "starleads-bot: the Starleads key stored for workspace T0LOST can't be read with any of "
        "STARLEADS_KEY_ENCRYPTION_KEYS; it was left as it is"
    )
    assert "re-encrypted 1 Starleads key with" in result.stdout
    after = stored_tokens(engine)
    assert after["T0LOST"] == before["T0LOST"]
    assert KeyVault([newest]).decrypt(after["T0KEPT"], workspace="T0KEPT") == OTHER_API_KEY
    engine.dispose()


def test_rotate_without_the_encryption_keys_says_so_in_one_line(tmp_path: Path) -> None:
    result = starleads_bot(tmp_path, "keys", "rotate", DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}")

    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == "starleads-bot: configuration error: STARLEADS_KEY_ENCRYPTION_KEYS is missing"
    )
