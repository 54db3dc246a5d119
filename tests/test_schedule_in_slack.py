"""Calling hours in the form: typed in words, previewed on Enter, or written by the picker."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import open_form
from tests.slack_driver import SlackDriver
from tests.standins.slack_api import FakeSlack
from tests.standins.starleads_api import PHONE_AGENT, FakeStarleads

VALID = {"name": "Relance Q4", "agent_id": PHONE_AGENT, "phone_number": "01 23 45 67 89"}


def block_ids(view: dict[str, Any]) -> list[str]:
    return [b.get("block_id", "") for b in view["blocks"]]


def preview(view: dict[str, Any]) -> str:
    block = next(b for b in view["blocks"] if b.get("block_id") == "schedule_preview")
    return block["elements"][0]["text"]


def test_enter_in_the_calling_hours_updates_the_preview_and_keeps_every_field(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    view = open_form(slack, fake_slack)

    typed = {**VALID, "schedule": "du lundi au jeudi 9h-12h, vendredi 9h-11h", "delay_hours": "1.5"}
    assert slack.dispatch(view, "schedule", typed).status_code == 200

    update = fake_slack.wait_view_update(view["id"])
    assert update["hash"] == "h-" + view["id"]
    assert block_ids(update["view"]) == block_ids(view)
    assert preview(update["view"]) == ":white_check_mark: Mon–Thu 09:00–12:00; Fri 09:00–11:00 (Europe/Paris)"
    inputs = {b["block_id"]: b["element"] for b in update["view"]["blocks"] if b["type"] == "input"}
    assert inputs["name"]["initial_value"] == "Relance Q4"
    assert inputs["delay_hours"]["initial_value"] == "1.5"


def test_the_preview_says_what_is_wrong_in_the_calling_hours(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    view = open_form(slack, fake_slack)

    slack.dispatch(view, "schedule", {"schedule": "weekdays 9-12 and banana"})

    assert preview(fake_slack.wait_view_update(view["id"])["view"]) == (
        ':warning: I don\'t understand "banana". Write days and hours like "Mon-Fri 9-12 and 14-17".'
    )


def test_choosing_another_timezone_updates_the_preview(slack: SlackDriver, fake_slack: FakeSlack) -> None:
    view = open_form(slack, fake_slack)

    slack.dispatch(view, "timezone", {"timezone": "America/Martinique"})

    assert preview(fake_slack.wait_view_update(view["id"])["view"]).endswith("(America/Martinique)")


def test_submitting_unreadable_calling_hours_is_an_error_on_that_field(
    slack: SlackDriver, fake_slack: FakeSlack, fake_starleads: FakeStarleads
) -> None:
    view = open_form(slack, fake_slack)

    ack = slack.submit(view, {**VALID, "schedule": "next week 9-12"}).json()

    assert ack["response_action"] == "errors"
    assert "a schedule repeats every week" in ack["errors"]["schedule"]
    assert fake_starleads.creates() == []


def test_calling_hours_that_read_two_ways_are_refused_on_that_field_showing_both(
    slack: SlackDriver, fake_slack: FakeSlack, fake_starleads: FakeStarleads
) -> None:
    view = open_form(slack, fake_slack)

    ack = slack.submit(view, {**VALID, "schedule": "en semaine sauf mercredi après-midi"}).json()

    assert ack["response_action"] == "errors"
    message = ack["errors"]["schedule"]
    assert "can be read two ways" in message
    assert '"en semaine après-midi sauf mercredi"' in message
    assert '"en semaine 09:00–12:00, 14:00–17:00 sauf mercredi après-midi"' in message
    assert fake_starleads.creates() == []


def open_picker(slack: SlackDriver, fake_slack: FakeSlack, values: dict[str, Any]) -> tuple[dict, dict]:
    view = open_form(slack, fake_slack)
    slack.click(view, "schedule_picker_open", values)
    pushed = fake_slack.wait_call("views.push")[-1]
    return view, {**pushed["view"], "id": "VPICKER0001"}


def picker_defaults(picker: dict[str, Any]) -> dict[str, Any]:
    inputs = {b["block_id"]: b["element"] for b in picker["blocks"] if b["type"] == "input"}
    return {
        "days": [o["value"] for o in inputs["days"].get("initial_options", [])],
        **{k: inputs[k].get("initial_time") for k in inputs if k.startswith("window_")},
    }


def test_the_picker_starts_from_the_hours_in_the_text(slack: SlackDriver, fake_slack: FakeSlack) -> None:
    _, picker = open_picker(slack, fake_slack, {"schedule": "Tue and Thu 10-12:30"})

    assert picker["callback_id"] == "schedule_picker"
    assert picker_defaults(picker) == {
        "days": ["Tuesday", "Thursday"],
        "window_1_start": "10:00",
        "window_1_end": "12:30",
        "window_2_start": None,
        "window_2_end": None,
    }
    assert "differ from day to day" not in json.dumps(picker)


def test_the_picker_warns_when_it_cannot_show_the_hours_whole(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    _, picker = open_picker(slack, fake_slack, {"schedule": "Mon-Thu 9-12, Fri 9-11"})

    assert "differ from day to day" in json.dumps(picker)
    assert picker_defaults(picker)["days"] == ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]


@pytest.mark.parametrize(
    ("values", "control", "message"),
    [
        ({"days": []}, "days", "Tick at least one day"),
        (
            {"window_1_start": "12:00", "window_1_end": "09:00"},
            "window_1_end",
            "ends (09:00) before it starts",
        ),
        ({"window_2_start": "11:00", "window_2_end": "15:00"}, "window_2_start", "overlaps the first"),
        ({"window_2_start": "14:00", "window_2_end": None}, "window_2_end", "or clear both"),
        ({"window_1_start": None, "window_1_end": None}, "window_1_start", "Pick when the first"),
    ],
)
def test_picker_choices_that_make_no_schedule_get_an_error_next_to_the_control(
    slack: SlackDriver, fake_slack: FakeSlack, values: dict[str, Any], control: str, message: str
) -> None:
    _, picker = open_picker(slack, fake_slack, {})

    ack = slack.submit(picker, values).json()

    assert ack["response_action"] == "errors"
    assert message in ack["errors"][control]


def test_picked_hours_are_written_into_the_text_and_submitted_from_there(
    slack: SlackDriver, fake_slack: FakeSlack, fake_starleads: FakeStarleads
) -> None:
    form, picker = open_picker(slack, fake_slack, {**VALID, "timezone": "Europe/Brussels"})

    ack = slack.submit(picker, {"days": ["Saturday", "Sunday"], "window_2_start": None, "window_2_end": None})

    assert ack.status_code == 200
    assert ack.text == ""  # closes the picker, back to the form
    rewritten = fake_slack.wait_view_update(form["id"])["view"]
    schedule = next(b for b in rewritten["blocks"] if b.get("block_id", "").startswith("schedule."))
    assert schedule["block_id"] == "schedule.2"
    assert schedule["element"]["initial_value"] == "Sat, Sun 09:00–12:00"
    assert preview(rewritten) == ":white_check_mark: Sat, Sun 09:00–12:00 (Europe/Brussels)"
    assert [b for b in block_ids(rewritten) if b != "schedule.2"] == [
        b for b in block_ids(form) if b != "schedule"
    ]

    slack.submit({**rewritten, "id": form["id"]}, VALID)

    sent = fake_starleads.wait_creates()[0].json()
    assert [day["day"] for day in sent["schedule"]] == ["Saturday", "Sunday"]


def test_an_error_in_rewritten_hours_lands_on_the_rewritten_block(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    form, picker = open_picker(slack, fake_slack, {})
    slack.submit(picker, {})
    rewritten = fake_slack.wait_view_update(form["id"])["view"]

    ack = slack.submit({**rewritten, "id": form["id"]}, {**VALID, "schedule.2": "banana"}).json()

    assert list(ack["errors"]) == ["schedule.2"]


def test_the_command_text_prefills_name_fields_and_calling_hours(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    slack.command(
        'campaign "Relance Q4" agent:abc123 phone:01 23 45 67 89 tz:Europe/Brussels weekdays 9-12 et 14h-17h'
    )

    view = fake_slack.wait_call("views.open")[0]["view"]
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert inputs["name"]["initial_value"] == "Relance Q4"
    assert inputs["agent_id"]["initial_value"] == "abc123"
    assert inputs["phone_number"]["initial_value"] == "01 23 45 67 89"
    assert inputs["timezone"]["initial_option"]["value"] == "Europe/Brussels"
    assert inputs["schedule"]["initial_value"] == "weekdays 9-12 et 14h-17h"
    assert preview(view) == ":white_check_mark: Mon–Fri 09:00–12:00, 14:00–17:00 (Europe/Brussels)"
    assert view["blocks"][0]["type"] == "input"  # nothing left over, so no notice at the top


def test_what_the_command_cannot_place_stays_visible_with_a_hint(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    slack.command('campaign "Relance" "Second name" colour:blue retries:9 phone:12 lundi 9h-12h banane')

    view = fake_slack.wait_call("views.open")[0]["view"]
    notice = view["blocks"][0]["text"]["text"]
    for piece in ('"Second name"', "colour:blue", "9 is out of range"):
        assert piece in notice
    assert "`agent:`" in notice
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert inputs["max_retries"]["initial_value"] == "3"  # a number box can't hold 9: default kept
    assert inputs["phone_number"]["initial_value"] == "12"  # a text box can: kept, with a note under it
    assert "is not a phone number I can use" in json.dumps(view)
    assert inputs["schedule"]["initial_value"] == "lundi 9h-12h banane"
    assert '"banane"' in preview(view)
