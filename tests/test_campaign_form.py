"""The campaign form, built without HTTP: forms that share most of their input (a burst of
`/starleads campaign` in one channel) still each show exactly their own."""

from __future__ import annotations

from typing import Any

from bot.campaigns.draft import DraftField, DraftInput
from bot.i18n import speaking
from bot.slack.blocks.campaign_form import campaign_form, next_schedule_block
from tests.slack_views import texts


def _timezone_groups(view: dict[str, Any]) -> list[str]:
    menu = next(b for b in view["blocks"] if b.get("block_id") == DraftField.TIMEZONE.value)["element"]
    return [group["label"]["text"] for group in menu["option_groups"]]


def test_alike_forms_each_show_their_own_problems_banner_and_origin() -> None:
    typed = DraftInput(name="Relance Q4", phone_number="12")
    refused = campaign_form(
        typed, "origin-1", problems={DraftField.PHONE_NUMBER: "Not a number"}, banner="Starleads said no"
    )
    fresh = campaign_form(typed, "origin-2")

    assert "Not a number" in texts(refused)
    assert "Starleads said no" in texts(refused)
    assert "Not a number" not in texts(fresh)
    assert "Starleads said no" not in texts(fresh)
    assert (refused["private_metadata"], fresh["private_metadata"]) == ("origin-1", "origin-2")
    again = campaign_form(
        typed, "origin-1", problems={DraftField.PHONE_NUMBER: "Not a number"}, banner="Starleads said no"
    )
    assert again == refused


def test_the_form_shows_the_typed_values_and_schedule_block_it_is_built_with() -> None:
    paris = campaign_form(DraftInput(schedule="weekdays 9-12"), "origin")
    picked = campaign_form(
        DraftInput(schedule="Mon 10-11", timezone="Asia/Kathmandu"),
        "origin",
        schedule_block_id=next_schedule_block(DraftField.SCHEDULE.value),
    )

    assert "Selected" not in _timezone_groups(paris)
    assert "Selected" in _timezone_groups(picked)
    assert "Mon 10:00–11:00 (Asia/Kathmandu)" in texts(picked)
    assert "Mon 10:00" not in texts(paris)
    assert "Mon–Fri 09:00–12:00 (Europe/Paris)" in texts(paris)
    assert [b.get("block_id") for b in picked["blocks"]].count("schedule.2") == 1
    assert "schedule.2" not in [b.get("block_id") for b in paris["blocks"]]


def test_alike_forms_each_speak_their_readers_language() -> None:
    typed = DraftInput(name="Relance Q4", schedule="weekdays 9-12")
    english = campaign_form(typed, "origin")
    with speaking("fr"):
        french = campaign_form(typed, "origin")

    assert texts(english) != texts(french)
    assert campaign_form(typed, "origin") == english
    assert "Heures d’appel" in texts(french)
    assert "Heures d’appel" not in texts(english)
