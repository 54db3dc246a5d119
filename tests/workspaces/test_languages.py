"""Each workspace's default language, and the languages kept with creations and subscriptions: what a
later process (a restart, another machine) speaks. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import Engine

from bot.call_results.result_queue import ResultQueue
from bot.call_results.subscriptions import Subscriptions
from bot.i18n import speaking
from bot.store import (
    CreationState,
    CreationStore,
    LanguageStore,
    ResultStore,
    SubscriptionStore,
    UninstallStore,
)
from bot.workspaces.languages import WorkspaceLanguages
from tests.races import Clock, held_read, settled
from tests.store_rows import LEASE, THREAD, add_results, two_workspaces, unique_id


def test_a_workspaces_language_is_its_own_and_another_process_reads_it(engines: list[Engine]) -> None:
    a, b = two_workspaces()
    here, elsewhere = (
        WorkspaceLanguages(LanguageStore(engines[0])),
        WorkspaceLanguages(LanguageStore(engines[1])),
    )

    asyncio.run(here.choose(a, "fr", chosen_by="U0ADMIN"))

    assert asyncio.run(elsewhere.default_for(a)) == "fr"
    assert asyncio.run(elsewhere.default_for(b)) == "en"  # DEFAULT_LANGUAGE's
    asyncio.run(here.choose(a, "en", chosen_by="U0ADMIN"))
    assert asyncio.run(here.default_for(a)) == "en"


def test_a_read_begun_before_a_choice_does_not_bring_the_old_language_back(engines: list[Engine]) -> None:
    a, _ = two_workspaces()
    languages = WorkspaceLanguages(LanguageStore(engines[0]))

    async def race() -> tuple[str, str]:
        with held_read(engines[0], "workspace_languages") as held:
            early = asyncio.create_task(languages.default_for(a))  # someone German, as the admin chooses
            await held.found()
            await languages.choose(a, "fr", chosen_by="U0ADMIN")
        return await early, await languages.default_for(a)

    early, next_one = asyncio.run(race())

    assert early == "en"  # read before the choice
    assert next_one == "fr"


def test_a_known_workspaces_language_is_answered_at_once_while_it_is_read_again(
    engines: list[Engine],
) -> None:
    a, _ = two_workspaces()
    clock = Clock()
    here = WorkspaceLanguages(LanguageStore(engines[0]), clock=clock)

    async def served_while_held() -> tuple[list[str], int, str]:
        assert await here.default_for(a) == "en"
        await WorkspaceLanguages(LanguageStore(engines[1])).choose(a, "fr", chosen_by="U0ADMIN")
        clock.now += 11  # what this process knows is stale
        with held_read(engines[0], "workspace_languages") as held:
            served = [await asyncio.wait_for(here.default_for(a), 2) for _ in range(3)]  # none waits
            await held.found()
        await settled()
        return served, held.selects, await here.default_for(a)

    served, reads, now = asyncio.run(served_while_held())

    assert served == ["en"] * 3
    assert reads == 1  # one read again for the three
    assert now == "fr"


def test_an_uninstall_forgets_the_workspaces_language_only(engines: list[Engine]) -> None:
    a, b = two_workspaces()
    store = LanguageStore(engines[0])
    for workspace in (a, b):
        asyncio.run(store.save(workspace, "fr", set_by="U0ADMIN"))

    asyncio.run(UninstallStore(engines[0]).forget(a))

    assert asyncio.run(store.get(a)) is None
    assert asyncio.run(store.get(b)) == "fr"


def test_a_subscriptions_results_are_claimed_in_the_language_it_was_made_in(engines: list[Engine]) -> None:
    a, _ = two_workspaces()
    subscriptions = Subscriptions(SubscriptionStore(engines[0]))
    tokens = {}
    for language in ("fr", "en"):
        with speaking(language):
            tokens[language] = asyncio.run(
                subscriptions.create(unique_id("C"), "U0ALICE", "cmp-1", thread_ts=THREAD, workspace=a)
            )
        found = asyncio.run(subscriptions.find(tokens[language]))
        assert found is not None
        add_results(engines[0], found, 1)

    claimed = asyncio.run(ResultQueue(ResultStore(engines[1])).claim(10, LEASE, workspace=a))

    languages = {result.subscription_key: result.language for result in claimed}
    assert sorted(languages.values()) == ["en", "fr"]


def test_a_late_lookup_left_by_a_stop_keeps_its_creators_language(engines: list[Engine]) -> None:
    a, _ = two_workspaces()
    creations, key = CreationStore(engines[0]), unique_id("V")
    claim = creations.claim(
        key,
        fingerprint="f",
        draft_input={"name": "Relance"},
        user_id="U0ALICE",
        channel_id="C0TEAM01",
        language="fr",
        workspace=a,
    )
    assert asyncio.run(claim).granted
    asyncio.run(creations.finish(key, CreationState.UNKNOWN, late_lookup="{}", workspace=a))

    [record] = asyncio.run(CreationStore(engines[1]).unfinished_lookups(timedelta(hours=1), workspace=a))

    assert record.language == "fr"
