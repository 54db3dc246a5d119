"""The create-once guard and channel memory on real databases: SQLite, and PostgreSQL when reachable."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from sqlalchemy import Engine

from bot.store import ChannelPreferences, CreationState, CreationStore, PreferenceStore
from tests.races import held_read
from tests.store_rows import two_workspaces


async def claim_all(stores: list[CreationStore], key: str, attempts: int) -> list[bool]:
    claims = await asyncio.gather(
        *[
            stores[i % len(stores)].claim(
                key, fingerprint="f", draft_input={"name": "X"}, user_id="U1", channel_id="C1"
            )
            for i in range(attempts)
        ]
    )
    return [claim.granted for claim in claims]


def test_many_simultaneous_claims_of_one_key_grant_exactly_one(engines: list[Engine]) -> None:
    stores = [CreationStore(engine) for engine in engines]
    key = f"V{uuid.uuid4().hex}"

    granted = asyncio.run(claim_all(stores, key, 16))

    assert granted.count(True) == 1


def test_a_failed_create_can_be_retried_once_and_a_created_one_never(engines: list[Engine]) -> None:
    stores = [CreationStore(engine) for engine in engines]
    key = f"V{uuid.uuid4().hex}"
    asyncio.run(claim_all(stores, key, 1))
    asyncio.run(stores[0].finish(key, CreationState.FAILED))

    assert asyncio.run(claim_all(stores, key, 8)).count(True) == 1

    asyncio.run(stores[1].finish(key, CreationState.CREATED, campaign={"id": "abc"}, agent_name="Chloé"))
    assert asyncio.run(claim_all(stores, key, 8)).count(True) == 0
    record = asyncio.run(stores[0].get(key))
    assert record is not None
    assert record.state is CreationState.CREATED
    assert record.campaign == {"id": "abc"}


def test_a_created_campaign_is_recorded_even_when_its_agent_name_is_very_long(
    engines: list[Engine],
) -> None:
    store = CreationStore(engines[0])
    key = f"V{uuid.uuid4().hex}"
    asyncio.run(claim_all([store], key, 1))

    recorded = asyncio.run(
        store.finish(key, CreationState.CREATED, campaign={"id": "abc"}, agent_name="Chloé & co " * 200)
    )

    record = asyncio.run(store.get(key))
    assert recorded is True
    assert record is not None
    assert record.state is CreationState.CREATED
    assert record.agent_name is not None
    assert record.agent_name.startswith("Chloé & co Chloé")


def test_a_create_left_unfinished_by_a_dead_process_becomes_unknown_not_retried(
    engines: list[Engine],
) -> None:
    crashed, survivor = CreationStore(engines[0]), CreationStore(engines[1], stale_after=timedelta(0))
    key = f"V{uuid.uuid4().hex}"
    asyncio.run(claim_all([crashed], key, 1))  # then the process died: the row stays "creating"

    again = asyncio.run(
        survivor.claim(key, fingerprint="f", draft_input={"name": "X"}, user_id="U1", channel_id="C1")
    )
    anyway = asyncio.run(
        survivor.claim(
            key, fingerprint="f", draft_input={"name": "X"}, user_id="U1", channel_id="C1", after_unknown=True
        )
    )

    assert again.granted is False
    assert again.record.state is CreationState.UNKNOWN
    assert anyway.granted is True  # only when the user chose to try again anyway


def test_channel_preferences_are_remembered_and_replaced(engines: list[Engine]) -> None:
    first, second = (PreferenceStore(engine) for engine in engines)
    channel = f"C{uuid.uuid4().hex[:10].upper()}"

    asyncio.run(
        first.remember(channel, ChannelPreferences(agent_id="a1", timezone="Europe/Paris", max_retries=2))
    )
    asyncio.run(second.remember(channel, ChannelPreferences(agent_id="a2", phone_number="+33123456789")))

    assert asyncio.run(first.get(channel)) == ChannelPreferences(agent_id="a2", phone_number="+33123456789")
    assert asyncio.run(first.get("CNEVERSEEN")) == ChannelPreferences()


def test_a_write_shows_at_once_in_the_process_that_made_it_though_it_reads_from_memory(
    engines: list[Engine],
) -> None:
    store = PreferenceStore(engines[0])
    channel = f"C{uuid.uuid4().hex[:10].upper()}"

    async def read_write_read() -> tuple[ChannelPreferences, ChannelPreferences]:
        before = await store.get(channel)  # the workspace's preferences are now kept in memory
        await store.remember(channel, ChannelPreferences(agent_id="a3", max_retries=1))
        return before, await store.get(channel)

    before, after = asyncio.run(read_write_read())
    assert before == ChannelPreferences()
    assert after == ChannelPreferences(agent_id="a3", max_retries=1)


def test_a_form_opened_after_a_write_shows_it_though_an_older_read_is_still_under_way(
    engines: list[Engine],
) -> None:
    workspace, _ = two_workspaces()
    store = PreferenceStore(engines[0])
    remembered = ChannelPreferences(agent_id="a4", max_retries=3)

    async def race() -> tuple[ChannelPreferences, ChannelPreferences, ChannelPreferences]:
        with held_read(engines[0], "channel_preferences") as held:
            early = asyncio.create_task(store.get("C0TEAM01", workspace=workspace))  # a first form
            await held.found()
            await store.remember("C0TEAM01", remembered, workspace=workspace)  # a create, meanwhile
            after = asyncio.create_task(store.get("C0TEAM01", workspace=workspace))  # the next form
            held.release()
            return await early, await after, await store.get("C0TEAM01", workspace=workspace)

    early, after, later = asyncio.run(race())

    assert early == ChannelPreferences()  # read before the write
    assert after == later == remembered


def test_a_notice_is_given_once_per_person_and_channel(engines: list[Engine]) -> None:
    first, second = (PreferenceStore(engine) for engine in engines)
    channel = f"C{uuid.uuid4().hex[:10].upper()}"

    assert asyncio.run(first.first_notice(channel, "U1", "invite")) is True
    assert asyncio.run(second.first_notice(channel, "U1", "invite")) is False
    assert asyncio.run(second.first_notice(channel, "U2", "invite")) is True
