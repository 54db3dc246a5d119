"""The one place the bot is put together, from its settings: the database and the Starleads client,
the domain services, the Slack side, and the workers that run beside the web server. Each piece is
handed exactly what it uses; nothing else builds one.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from slack_bolt.async_app import AsyncApp
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import Engine
from starlette.requests import Request
from starlette.responses import Response

from bot.call_results.forward_notes import ForwardNoteQueue
from bot.call_results.leases import Lease
from bot.call_results.result_queue import ResultQueue
from bot.call_results.subscriptions import Subscriptions
from bot.campaigns.create_flow import CreateFlow
from bot.campaigns.draft import normalise_phone_number
from bot.config import Settings
from bot.i18n import set_default_language
from bot.later import Later
from bot.slack.access import AccessPolicy
from bot.slack.app import OAUTH_STATE_SECONDS, create_bolt_app, slack_client
from bot.slack.background import AfterAck
from bot.slack.blocks.campaign_form import warm_up as warm_up_form
from bot.slack.campaign_flow import CampaignFlow
from bot.slack.delivery import SlackClients
from bot.slack.forwarding import ForwardNotes
from bot.slack.installations import InstalledBots, WorkspaceClients
from bot.slack.languages import UserLanguages
from bot.slack.listeners import register_listeners
from bot.slack.request_middleware import RequestMiddleware
from bot.slack.result_poster import PosterPacing, ResultPoster
from bot.slack.schedule_editing import ScheduleEditing
from bot.slack.starleads_account import StarleadsAccountCommands
from bot.slack.subscriptions import ResultSubscriptions
from bot.slack.tenancy import WorkspaceOf, installed_workspace, single_workspace
from bot.slack.uninstalls import forget_installation, register_uninstalls, tell_operator
from bot.slack.workspace_language import WorkspaceLanguageCommand
from bot.starleads import StarleadsClient, starleads_pool
from bot.starleads.client import StarleadsPool
from bot.store import (
    AuditStore,
    ConnectionStore,
    CreationStore,
    ForwardNoteStore,
    ForwardStore,
    LanguageStore,
    PreferenceStore,
    ResultStore,
    StoredCounts,
    SubscriptionStore,
    UninstallStore,
    connect,
    database_answers,
    installed_workspaces,
    slack_installation_stores,
    stored_counts,
)
from bot.webhooks.receiver import webhook_endpoint
from bot.workspaces.connections import FixedStarleads, StarleadsAccounts, StarleadsDirectory
from bot.workspaces.keys import KeyVault
from bot.workspaces.languages import WorkspaceLanguages
from bot.workspaces.uninstall import WorkspaceRemoval

if TYPE_CHECKING:
    import ssl

    from bot.campaigns.creation import CampaignCreator
    from bot.webhooks.forwarder import Forwarder


@dataclass(frozen=True)
class Bot:
    """What the web server runs: Slack's app and its workers, and what start-up and shutdown call.
    What the first answer to Slack doesn't need is loaded by `load_later`, right after start-up."""

    settings: Settings
    bolt: AsyncApp
    after_ack: AfterAck
    access: AccessPolicy
    campaigns: CampaignFlow
    poster: ResultPoster
    forwarder: Later[Forwarder]
    receive_result: Callable[[Request], Awaitable[Response]]
    clients_for: SlackClients
    database_answers: Callable[[], bool]
    stored_counts: Callable[[], StoredCounts]
    close: Callable[[], Awaitable[None]]
    load_later: Callable[[], Awaitable[None]]


def build(settings: Settings) -> Bot:
    """The whole bot; opening the database (and upgrading its schema) is the only I/O here."""
    set_default_language(settings.default_language)
    engine = connect(settings.database_url)
    # One TLS context (certificate authorities loaded once) for the bot's httpx clients, with the first.
    tls = functools.cache(_tls_context)
    starleads_connections = starleads_pool(
        str(settings.starleads_api_url), timeout_seconds=settings.starleads_timeout_seconds, tls=tls
    )
    starleads, accounts = _starleads(settings, engine, starleads_connections)
    preferences = PreferenceStore(engine)
    subscriptions = Subscriptions(SubscriptionStore(engine))
    results = ResultQueue(ResultStore(engine))
    creator = Later(lambda: _creator(settings, engine, starleads, preferences, subscriptions))
    # Response URLs on the Web API's host are trusted too (a local stand-in in tests).
    slack_api_host = urlsplit(str(settings.slack_api_url)).netloc

    after_ack, access = AfterAck(), AccessPolicy.from_settings(settings)
    slack = slack_client(settings)
    if settings.distribution:
        bots, states = _installed_bots(settings, engine, slack)
        bolt = create_bolt_app(settings, slack, (bots, states))
        installed: tuple[InstalledBots, WorkspaceClients] | None = (bots, WorkspaceClients(bots, slack))
        clients_for: SlackClients = installed[1].client_for
        workspace_of: WorkspaceOf = installed_workspace
    else:
        installed = None
        bolt = create_bolt_app(settings, slack)

        def clients_for(_workspace: str) -> AsyncWebClient:
            """One workspace, one client: the app's, with its bot token."""
            return bolt.client

        workspace_of = single_workspace
    languages = WorkspaceLanguages(LanguageStore(engine) if settings.distribution else None)
    user_languages = UserLanguages(languages, workspace_of)
    bolt.use(RequestMiddleware(user_languages.speak_their_language))
    account_commands = StarleadsAccountCommands(accounts, after_ack, workspace_of)
    form_warmed = Later(warm_up_form)

    async def form_warmed_up() -> None:
        """A failed warm-up (load_later logs it) only loses the first form its head start."""
        with contextlib.suppress(Exception):
            await form_warmed.get()

    campaigns = CampaignFlow(
        CreateFlow(creator, preferences, after_ack, offers_results=settings.public_url is not None),
        after_ack,
        access,
        workspace_of,
        account_commands.ready,
        form_warmed_up,
        slack_api_host=slack_api_host,
        starleads_app_url=str(settings.starleads_app_url),
    )
    results_here = ResultSubscriptions(
        subscriptions,
        after_ack,
        access,
        workspace_of,
        account_commands.ready,
        public_url=settings.public_url,
        slack_api_host=slack_api_host,
    )
    language_command = WorkspaceLanguageCommand(languages, accounts, after_ack, workspace_of)
    register_listeners(
        bolt, campaigns, ScheduleEditing(after_ack), results_here, account_commands, language_command
    )

    lease = Lease(settings.result_claim_lease_seconds)
    pacing = PosterPacing(lease=lease)
    notes = ForwardNoteQueue(ForwardNoteStore(engine))

    forward_notes = ForwardNotes(clients_for, notes, pacing.backoff_seconds)
    poster = ResultPoster(clients_for, results, pacing, forward_notes=forward_notes)
    forwarder = Later(lambda: _forwarder(settings, ForwardStore(engine), lease, poster.wake, tls()))

    if installed is not None and accounts is not None:
        bots, workspace_clients = installed
        # Everything this process remembers of a workspace goes with its rows.
        forgetters = [
            subscriptions.forget_seen,
            accounts.forget,
            workspace_clients.forget,
            poster.forget,
            preferences.forget,
            languages.forget,
            user_languages.forget,
        ]
        removal = WorkspaceRemoval(UninstallStore(engine), forgetters)
        register_uninstalls(bolt, forget_installation(bots, removal, after_ack))
    else:
        register_uninstalls(bolt, tell_operator)

    def result_stored() -> None:
        poster.wake()
        # Not built yet: it looks for due forwards when it starts.
        if (running := forwarder.built()) is not None:
            running.wake()

    async def close() -> None:
        await starleads_connections.aclose()
        engine.dispose()

    async def load_later() -> None:
        """What start-up left out, loaded in worker threads, so that no request waits for it: first what
        the first form needs (a command may be waiting), then what a submission needs (the campaign
        creator, the Starleads connections: httpx, the certificate authorities), the forwarder, and the
        phone numbers' metadata that a submission's ack reads."""
        await form_warmed.get()
        await creator.get()
        await starleads_connections.get()
        await forwarder.get()
        await asyncio.to_thread(normalise_phone_number, "+33 1 23 45 67 89")

    return Bot(
        settings=settings,
        bolt=bolt,
        after_ack=after_ack,
        access=access,
        campaigns=campaigns,
        poster=poster,
        forwarder=forwarder,
        receive_result=webhook_endpoint(subscriptions, results, result_stored),
        clients_for=clients_for,
        database_answers=lambda: database_answers(engine),
        stored_counts=_stored_counts(settings, engine),
        close=close,
        load_later=load_later,
    )


def _stored_counts(settings: Settings, engine: Engine) -> Callable[[], StoredCounts]:
    """The database's counts for a metrics scrape; when distributed, with the workspaces installed."""
    client_id = settings.slack_client_id
    if client_id is None:
        return lambda: stored_counts(engine)
    return lambda: stored_counts(engine, installed=installed_workspaces(engine, client_id))


def _tls_context() -> ssl.SSLContext:
    import httpx

    return httpx.create_ssl_context()


def _creator(
    settings: Settings,
    engine: Engine,
    starleads: StarleadsDirectory,
    preferences: PreferenceStore,
    subscriptions: Subscriptions,
) -> CampaignCreator:
    """Creating campaigns: its module (the create path, Starleads' answers sorted into outcomes) is
    left out of start-up, as the form a command opens doesn't need it."""
    from bot.campaigns.creation import CampaignCreator

    # A create still "creating" well after Starleads' timeout belongs to a process that died.
    stale_after = timedelta(seconds=2 * settings.starleads_timeout_seconds + 60)
    return CampaignCreator(
        starleads,
        CreationStore(engine, stale_after=stale_after),
        preferences,
        AuditStore(engine),
        subscriptions,
        public_url=str(settings.public_url) if settings.public_url else None,
        late_lookup_delays=settings.starleads_late_lookup_seconds,
    )


def _forwarder(
    settings: Settings, forwards: ForwardStore, lease: Lease, on_dead: Callable[[], None], tls: ssl.SSLContext
) -> Forwarder:
    """Forwarding to users' own webhook URLs: its module brings httpx, which start-up leaves out."""
    from bot.webhooks.forwarder import Forwarder, ForwardPacing

    pacing = ForwardPacing(
        backoff_seconds=settings.result_forward_backoff_seconds,
        private_addresses=settings.result_forward_private_addresses,
        lease=lease,
    )
    return Forwarder(forwards, pacing, on_dead=on_dead, tls=tls)


def _starleads(
    settings: Settings, engine: Engine, pool: StarleadsPool
) -> tuple[StarleadsDirectory, StarleadsAccounts | None]:
    """Whose Starleads account serves a workspace: the operator's one key, or each workspace's own
    (then also how workspaces connect theirs)."""
    if settings.starleads_api_key is not None:
        return FixedStarleads(StarleadsClient(pool, settings.starleads_api_key.get_secret_value())), None
    accounts = StarleadsAccounts(
        ConnectionStore(engine),
        KeyVault(settings.encryption_keys),
        lambda api_key: StarleadsClient(pool, api_key),
    )
    return accounts, accounts


def _installed_bots(
    settings: Settings, engine: Engine, slack: AsyncWebClient
) -> tuple[InstalledBots, AsyncOAuthStateStore]:
    """Distribution mode's installations (cached, tokens kept fresh) and OAuth states, in the bot's
    database; token refreshes go to the configured Web API like every other call."""
    client_id, client_secret = settings.slack_client_id, settings.slack_client_secret
    if client_id is None or client_secret is None:
        raise ValueError("distribution mode needs SLACK_CLIENT_ID and SLACK_CLIENT_SECRET")
    store, states = slack_installation_stores(engine, client_id, state_expiration_seconds=OAUTH_STATE_SECONDS)
    rotator = AsyncTokenRotator(
        client_id=client_id, client_secret=client_secret.get_secret_value(), client=slack
    )
    return InstalledBots(store, rotator), states
