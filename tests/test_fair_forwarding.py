"""Fair forwarding across workspaces: one workspace's hanging or failing webhook never holds back
another workspace's forwards, and each workspace's dead forwards get their note in its thread. The
forwarder goes round the workspaces with forwards due (`ForwardStore.due_workspaces`) and gives each
its own lane."""

from __future__ import annotations

from tests.call_results_driver import PASCAL, forward_state, post, stored, subscribe_in_another_workspace
from tests.conftest import RunningBot
from tests.slack_views import texts
from tests.standins.customer_webhook import CustomerWebhook
from tests.standins.slack_api import FakeSlack

THREAD = "1700000000.800001"


def test_a_workspace_whose_webhook_hangs_does_not_hold_back_another_workspaces_forwards(
    bot: RunningBot, hook: CustomerWebhook
) -> None:
    _, hanging_token = subscribe_in_another_workspace(bot, THREAD, f"{hook.url}/hangs")
    _, other_token = subscribe_in_another_workspace(bot, THREAD, f"{hook.url}/answers")
    hook.hold("/hangs")
    try:
        post(bot, hanging_token, PASCAL)
        hook.wait_for(lambda r: r.path == "/hangs")

        assert post(bot, other_token, PASCAL).status_code == 200

        hook.wait_for(lambda r: r.path == "/answers", timeout=30)
        other_id, hanging_id = stored(bot, other_token)[0]["id"], stored(bot, hanging_token)[0]["id"]
        log = bot.wait_for_log(f"result_forwarded result={other_id} ")
        forwarded_at = log.index(f"result_forwarded result={other_id} ")
        # The hanging forward's first try was still under way: the other one did not wait for its end.
        assert f"forward_failed result={hanging_id} " not in log[:forwarded_at]
    finally:
        hook.release()
    assert forward_state(bot, other_token) == ["forwarded"]
    assert forward_state(bot, hanging_token, timeout=30) == ["forwarded"]  # and it still went out


def test_a_dead_forward_of_another_workspace_gets_its_note_in_that_workspaces_thread(
    bot: RunningBot, fake_slack: FakeSlack, hook: CustomerWebhook
) -> None:
    channel, token = subscribe_in_another_workspace(bot, THREAD, f"{hook.url}/fails")
    hook.answer(500, 500, 500)  # the first try and one per backoff step: [0.3, 0.6]

    post(bot, token, PASCAL)

    assert forward_state(bot, token, timeout=15) == ["dead"]
    notes = fake_slack.wait_timed(
        "chat.postMessage",
        lambda c: c.get("channel") == channel and c.get("thread_ts") == THREAD and "forwarded" in texts(c),
        timeout=30,
    )
    assert "1 call result could not be forwarded to `127.0.0.1`: HTTP 500" in texts(notes[0][1])
