"""Chapter: Sam registers Sheffield's application and the working group sees it."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from bot.demo.story import STAFF_ID, Story
from bot.domain import ids
from bot.domain.dates import day
from bot.domain.terms import years_later


def _answers(today: date, council: dict[str, Any]) -> dict[str, Any]:
    """What Sam types into the modal: the five criteria for Sheffield."""
    start = today - timedelta(days=90)
    return {
        ids.COUNCIL_BLOCK: council,
        "motion_date": today - timedelta(days=240),
        "motion_url": "https://democracy.sheffield.gov.uk/mgIssueHistoryHome.aspx?IId=42",
        "charter_date": today - timedelta(days=180),
        "group_names": "City of Sanctuary Sheffield; ASSIST Sheffield",
        "joint_work": "Welcome events, Refugee Week & a shared ESOL directory since 2023.",
        "joint_work_url": "https://sheffield.cityofsanctuary.org/joint-work",
        "endorsed_by": "City of Sanctuary Sheffield steering group",
        "endorsement_date": today - timedelta(days=20),
        "strategy_url": "https://www.sheffield.gov.uk/sanctuary-strategy",
        "strategy_kind": "part_of_broader",
        "strategy_start": start,
        # The mistake: a two-year strategy.
        "strategy_end": start + timedelta(days=2 * 365),
        "councillor_name": "Cllr Jane Doe",
        "councillor_email": "jane.doe@sheffield.gov.uk",
        "councillor_portfolio": "Communities and Inclusion",
        "officer1_name": "Priya Shah",
        "officer1_role": "Refugee Resettlement Manager",
        "officer1_email": "priya.shah@sheffield.gov.uk",
    }


async def registration_chapter(story: Story) -> None:
    story.chapter("Staff register Sheffield's application")
    story.say("Sam types `/sanctuary apply`; a form opens with the five criteria.")
    await story.client.slash_command(STAFF_ID, "apply")
    await story.slack.wait_until(lambda: story.slack.last_view(STAFF_ID) is not None)
    view = story.slack.last_view(STAFF_ID)
    if view is None:
        raise RuntimeError("the registration modal did not open")

    story.say("In the council field Sam types “sheff”. The bot suggests:")
    reply = await story.client.block_suggestion(STAFF_ID, ids.COUNCIL_PICKER, "sheff", view=view)
    options = (reply.json or {}).get("options", []) if isinstance(reply.json, dict) else []
    for option in options:
        story.say(f"   • {option['text']['text']}")
    if not options:
        raise RuntimeError("the council picker found nothing for 'sheff'")
    council = options[0]
    story.say(f"Sam picks {council['text']['text']} and fills in the evidence.")

    today = story.clock.now().date()
    answers = _answers(today, council)
    await story.client.view_submission(STAFF_ID, view, story.client.fill_view_state(view, answers))
    errors = story.slack.view_errors(view["id"]) or {}
    story.say("Sam submits, but the strategy only runs for two years. The form says, on the field:")
    labels = {
        str(block.get("block_id")): str((block.get("label") or {}).get("text", ""))
        for block in view.get("blocks", [])
        if block.get("type") == "input"
    }
    for block_id, message in errors.items():
        story.say(f"   under “{labels.get(block_id, block_id)}”: {message}")
    if "strategy_end" not in errors:
        raise RuntimeError("the two-year strategy was not refused")

    # The council's strategy in fact runs five years: it outlasts the three-year membership.
    answers["strategy_end"] = years_later(answers["strategy_start"], 5)
    story.say(
        "Everything Sam typed is still there; Sam corrects the end date (the strategy runs "
        f"five years, to {day(answers['strategy_end'])}) and submits again."
    )
    before = len(story.slack.messages())
    told_before = len(story.slack.ephemerals(STAFF_ID))
    await story.client.view_submission(STAFF_ID, view, story.client.fill_view_state(view, answers))
    if story.slack.view_errors(view["id"]):
        raise RuntimeError(f"the corrected form was refused: {story.slack.view_errors(view['id'])}")
    await story.slack.wait_until(lambda: len(story.slack.messages()) > before)
    post = story.slack.messages()[-1]

    await story.slack.wait_until(lambda: len(story.slack.ephemerals(STAFF_ID)) > told_before)
    confirmation = story.slack.ephemerals(STAFF_ID)[-1]
    story.show_private("Sam", confirmation.text, confirmation.blocks)
    story.show_channel("The application, posted for review")

    # The post's "Edit evidence" button carries the application's id.
    application_id = next(
        int(element["value"])
        for block in post.blocks or []
        for element in block.get("elements", [])
        if isinstance(element, dict) and element.get("action_id") == ids.EDIT_APPLICATION
    )
    story.facts["application_id"] = application_id
    story.facts["council"] = str(council["text"]["text"])
