"""Who may do what: every command, button and modal submission against six actors.

Actors: staff (in SANCTUARY_STAFF, not on the roster), a member of staff who declared a conflict
on the application, a member of the working group, a member recused by a declared conflict, a
member named in Slack as the application's endorser (recused for that, for good; only they may
press the buttons in the DM that asks them), and an outsider. Each row of the table says what
each actor gets: ALLOWED (the expected text or form, and never what `Shown.never` lists:
DESIGN.md §4, "Who sees what"), or a polite refusal only they see, with nothing changed in the
database. Staff who are not on the roster cannot vote (DESIGN.md §4: to vote, a member of staff
is added to the roster like anyone else), but they may declare conflicts, and a member of staff
with a conflict cannot record the decision: another member of staff does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from sqlmodel import func, select

from bot.domain import ids
from bot.runtime import Runtime
from bot.sending.endorsements import ask_endorser
from bot.services.endorsements import recuse_endorser
from bot.standin import SignedSlackClient, SlackStandIn
from models.db import transaction
from models.tables import Application, AuditEntry, Conflict, Decision, Member, Vote
from tests.conftest import OUTSIDER, STAFF, STAFF_2
from tests.e2e.helpers_review import add_roster, post_application
from tests.e2e.test_registration import answers, open_modal, pick

MEMBER = "U0LIVED001"
RECUSED = "U0TRUST001"
ENDORSER = "U0GROUP001"
ACTORS = {
    "staff": STAFF,
    "conflicted staff": STAFF_2,
    "member": MEMBER,
    "recused": RECUSED,
    "endorser": ENDORSER,
    "outsider": OUTSIDER,
}


class Refused(str):
    """An expected polite refusal: nothing may change in the database."""


class Shown(str):
    """An expected answer that must not contain any of `never`."""

    never: tuple[str, ...]

    def __new__(cls, text: str, never: tuple[str, ...] = ()) -> Shown:
        shown = super().__new__(cls, text)
        shown.never = never
        return shown


STAFF_ONLY = "is for City of Sanctuary UK staff"
NOT_MEMBER_VOTE = "only members of the working group can vote"
NOT_MEMBER_CONFLICT = "only members of the working group can declare a conflict"
NOT_MEMBER_ANSWER = "only members of the working group can answer a connection prompt"
RECUSED_VOTE = "declared a conflict of interest on this application"
ENDORSER_RECUSED = "named as the endorser of this application"
NOT_ENDORSER = "only the endorser named on this application"
CONFLICTED_DECIDER = "another member of staff must"
NOT_CONNECTED = "You are not connected to"
NO_CONFLICT = "You have no conflict of interest declared"
PRIVATE = "for the working group and City of Sanctuary UK staff only"
VIEW = "<opens a form>"
VOTER = "U0OFFCR001"  # voted Approve in the scene
# Never shown to an outsider: a voter's or member's name, a constituency, a conflict reason, a
# contact.
SECRETS = (VOTER, RECUSED, MEMBER, "lived", "trustee", "I chair", "example.gov.uk", "Cllr")


@dataclass(frozen=True)
class Case:
    kind: str  # command | button | home
    what: str  # command text or action id
    expect: dict[str, str]  # actor -> text they are told, or VIEW
    where: str = "post"  # the button is on the application's post, or in the endorser's DM


def everyone(text: str) -> dict[str, str]:
    return dict.fromkeys(ACTORS, text)


def staff_only(
    allowed: str, refused: str = STAFF_ONLY, *, conflicted: str | None = None
) -> dict[str, str]:
    """Staff get `allowed`; the conflicted member of staff too, unless `conflicted` says what
    they are told instead."""
    no = Refused(refused)
    also = allowed if conflicted is None else Refused(conflicted)
    return {
        "staff": allowed,
        "conflicted staff": also,
        "member": no,
        "recused": no,
        "endorser": no,
        "outsider": no,
    }


def endorser_only(allowed: str) -> dict[str, str]:
    no = Refused(NOT_ENDORSER)
    return {
        "staff": no,
        "conflicted staff": no,
        "member": no,
        "recused": no,
        "endorser": allowed,
        "outsider": no,
    }


VOTE = {"staff": Refused(NOT_MEMBER_VOTE), "member": "Vote ", "recused": Refused(RECUSED_VOTE)}
VOTE["outsider"] = VOTE["conflicted staff"] = Refused(NOT_MEMBER_VOTE)
VOTE["endorser"] = Refused(ENDORSER_RECUSED)

TABLE: list[Case] = [
    Case("command", "help", everyone("/sanctuary")),
    Case("command", "apply", staff_only(VIEW)),
    Case(
        "command",
        "status sheffield",
        {
            "staff": Shown("1 vote cast", never=("I chair",)),
            "conflicted staff": Shown("1 vote cast", never=("I chair",)),
            "member": Shown("1 vote cast", never=("I chair",)),
            "recused": Shown("1 vote cast", never=("I chair",)),
            "endorser": Shown("1 vote cast", never=("I chair",)),
            "outsider": Shown("Sheffield", never=("vote", "quorum", *SECRETS)),
        },
    ),
    Case(
        "command",
        "history sheffield",
        {
            "staff": Shown(f"<@{VOTER}> voted Approve", never=("I chair",)),
            "conflicted staff": Shown(f"<@{VOTER}> voted Approve", never=("I chair",)),
            "member": Shown("A member voted", never=(VOTER, "Approve", "I chair")),
            "recused": Shown("A member voted", never=(VOTER, "Approve", "I chair")),
            "endorser": Shown("A member voted", never=(VOTER, "Approve", "I chair")),
            "outsider": Shown("Sheffield", never=("voted", "conflict", ENDORSER, *SECRETS)),
        },
    ),
    Case("command", "list", everyone("member councils")),
    Case("command", "renewals", everyone("90 days")),
    Case(
        "command",
        "group",
        {
            "staff": "lived",
            "conflicted staff": "lived",
            "member": "lived",
            "recused": "lived",
            "endorser": "lived",
            "outsider": Refused("Sorry, the roster is " + PRIVATE),
        },
    ),
    Case(
        "home",
        "app_home_opened",
        {
            "staff": Shown("Pipeline (staff)", never=("I chair",)),
            "conflicted staff": Shown("Pipeline (staff)", never=("I chair",)),
            "member": Shown("Waiting for your vote", never=("Pipeline", "I chair")),
            "recused": Shown("You are recused from", never=("Pipeline", "I chair")),
            "endorser": Shown("You are recused from", never=("Pipeline", "I chair")),
            "outsider": Shown(
                "not on the working-group roster",
                never=("Pipeline", "Waiting for your vote", "Sheffield", *SECRETS),
            ),
        },
    ),
    Case(
        "button",
        ids.SHOW_CONTACTS,
        {
            "staff": VIEW,
            "conflicted staff": VIEW,
            "member": VIEW,
            "recused": VIEW,
            "endorser": VIEW,
            "outsider": Refused("Sorry, an application's contacts are " + PRIVATE),
        },
    ),
    Case("command", "group add <@U0NEWMEMB1> lived", staff_only("Added <@U0NEWMEMB1>")),
    Case("command", "group remove <@U0GROUP002>", staff_only("Removed <@U0GROUP002>")),
    Case(
        "command",
        "group link <@U0GROUP001> Yorkshire and the Humber",
        staff_only("Connected <@U0GROUP001> to the Yorkshire and The Humber region"),
    ),
    Case(
        "command",
        "group unlink <@U0GROUP001> yorkshire & the humber",
        staff_only("no longer connected"),
    ),
    Case("command", "decide sheffield", staff_only(VIEW, conflicted=CONFLICTED_DECIDER)),
    Case("command", "amend sheffield", staff_only("No decided application matches")),
    Case(
        "command",
        "end sheffield the council rescinded its motion",
        staff_only(Refused("has no current membership")),
    ),
    Case("command", "extend sheffield 3 Two members were away", staff_only("extended until")),
    Case("command", "endorse sheffield By email", staff_only("Recorded the endorsement")),
    Case("button", ids.VOTE_APPROVE, VOTE),
    Case("button", ids.VOTE_FURTHER_WORK, VOTE),
    Case("button", ids.VOTE_DECLINE, VOTE),
    Case("button", ids.VOTE_ABSTAIN, VOTE),
    Case(
        "button",
        ids.DECLARE_CONFLICT,
        {
            "staff": VIEW,
            "conflicted staff": Refused("already declared"),
            "member": VIEW,
            "recused": Refused("already declared"),
            "endorser": Refused(ENDORSER_RECUSED),
            "outsider": Refused(NOT_MEMBER_CONFLICT),
        },
    ),
    Case(
        "button",
        ids.CONFIRM_NO_CONFLICT,
        {
            "staff": Refused(NOT_CONNECTED),
            "conflicted staff": Refused(NOT_CONNECTED),
            "member": Refused(NOT_CONNECTED),
            "recused": Refused(NOT_CONNECTED),
            "endorser": Refused(NOT_CONNECTED),
            "outsider": Refused(NOT_MEMBER_ANSWER),
        },
    ),
    Case("button", ids.RECORD_DECISION, staff_only(VIEW, conflicted=CONFLICTED_DECIDER)),
    Case("button", ids.EDIT_APPLICATION, staff_only(VIEW)),
    Case("button", ids.WITHDRAW_APPLICATION, staff_only(VIEW)),
    Case("button", ids.ENDORSE, endorser_only("your endorsement of"), where="dm"),
    Case("button", ids.CANNOT_ENDORSE, endorser_only("you cannot endorse"), where="dm"),
    Case("button", ids.ASK_ENDORSEMENT_QUESTION, endorser_only(VIEW), where="dm"),
    # Last: withdrawing a conflict changes what the rows above would answer; the endorser's
    # recusal cannot be withdrawn.
    Case(
        "command",
        "conflict withdraw sheffield I was wrong",
        {
            "staff": Refused(NO_CONFLICT),
            "conflicted staff": "is withdrawn",
            "member": Refused(NO_CONFLICT),
            "recused": "is withdrawn",
            "endorser": Refused(ENDORSER_RECUSED),
            "outsider": Refused(NO_CONFLICT),
        },
    ),
]


async def snapshot(bot: Runtime) -> dict[str, Any]:
    """What a refused action must not change."""
    out: dict[str, Any] = {}
    async with bot.deps.sessions() as session:
        for table in (Vote, Conflict, Decision, AuditEntry):
            out[table.__name__] = (
                await session.exec(select(func.count()).select_from(table))
            ).one()
        out["members"] = sorted(
            (await session.exec(select(Member.slack_user_id).where(Member.active))).all()
        )
        out["applications"] = sorted(
            (await session.exec(select(Application.id, Application.status))).all()
        )
    return out


@pytest.fixture
async def scene(bot: Runtime, standin: SlackStandIn, slack: SignedSlackClient) -> str:
    """A roster, an application under review naming ENDORSER in Slack (asked by DM, and so
    recused), and the conflicts RECUSED and STAFF_2 declared; returns the post's ts."""
    await add_roster(bot.deps, standin)
    standin.add_user("U0NEWMEMB1", "Newcomer")
    app_id, ts = await post_application(
        bot.deps, standin, endorser_user_id=ENDORSER, endorsement_status="pending"
    )
    async with transaction(bot.deps.sessions) as session:
        application = await session.get(Application, app_id)
        assert application is not None
        await recuse_endorser(session, application, bot.deps.clock.now())
    assert (await ask_endorser(bot.deps, bot.client, app_id)).ok
    for user, reason in ((RECUSED, "I chair the group"), (STAFF_2, "I used to work there")):
        await slack.block_action(user, ids.DECLARE_CONFLICT, message_ts=ts, value=f"{app_id}:1")
        await standin.wait_until(lambda user=user: standin.last_view(user) is not None)
        modal = standin.last_view(user)
        assert modal is not None
        state = slack.fill_view_state(modal, {ids.CONFLICT_REASON_BLOCK: reason})
        await slack.view_submission(user, modal, state)
        await standin.wait_until(lambda user=user: bool(standin.ephemerals(user)))
    await slack.block_action(VOTER, ids.VOTE_APPROVE, message_ts=ts, value=f"{app_id}:1")
    await standin.wait_until(lambda: bool(standin.ephemerals(VOTER)))
    return ts


async def _act(
    slack: SignedSlackClient, standin: SlackStandIn, user: str, case: Case, ts: str
) -> str:
    """Do it; return what only `user` was told or their Home shows, or VIEW if a form opened."""
    views = len(standin.calls("views.open"))
    told = len(standin.ephemerals(user))
    if case.kind == "home":
        return await _home(slack, standin, user)
    if case.kind == "command":
        reply = await slack.slash_command(user, case.what)
    elif case.where == "dm":  # the DM that asks the endorser (a message of its own)
        [dm] = standin.messages(standin.dm_channel_id(ENDORSER))
        reply = await slack.block_action(
            user, case.what, channel_id=dm.channel, message_ts=dm.ts, value="1"
        )
    else:
        reply = await slack.block_action(user, case.what, message_ts=ts, value="1:1")
    assert reply.status == 200
    await standin.wait_until(
        lambda: len(standin.ephemerals(user)) > told or len(standin.calls("views.open")) > views
    )
    if len(standin.calls("views.open")) > views:
        standin.close_view(user, clear=True)
        return VIEW
    said = standin.ephemerals(user)[-1]
    return said.text + "\n" + json.dumps(said.blocks or [], ensure_ascii=False)


async def _home(slack: SignedSlackClient, standin: SlackStandIn, user: str) -> str:
    """Open the Home tab; what it shows once published afresh."""

    def published() -> int:
        return sum(1 for c in standin.calls("views.publish") if c.args.get("user_id") == user)

    before = published()
    reply = await slack.event({"type": "app_home_opened", "user": user, "tab": "home"})
    assert reply.status == 200
    await standin.wait_until(lambda: published() > before)
    return json.dumps(standin.home_view(user), ensure_ascii=False)


@pytest.mark.parametrize("actor", list(ACTORS))
async def test_commands_and_buttons(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn, scene: str, actor: str
) -> None:
    user = ACTORS[actor]
    for case in TABLE:
        expected = case.expect[actor]
        before = await snapshot(bot)
        said = await _act(slack, standin, user, case, scene)
        if expected == VIEW:
            assert said == VIEW, (case.what, actor, said)
        else:
            assert expected in said, (case.what, actor, said)
        for secret in getattr(expected, "never", ()):
            assert secret not in said, (case.what, actor, secret, said)
        after = await snapshot(bot)
        if case.what == ids.SHOW_CONTACTS and expected == VIEW:  # each showing is audited
            assert after["AuditEntry"] == before["AuditEntry"] + 1, actor
            after["AuditEntry"] = before["AuditEntry"]
        if isinstance(expected, Refused) or expected == VIEW:
            assert after == before, (case.what, actor)


async def _staff_form(slack: SignedSlackClient, standin: SlackStandIn, ts: str, action: str) -> Any:
    await slack.block_action(STAFF, action, message_ts=ts, value="1:1")
    await standin.wait_until(lambda: standin.last_view(STAFF) is not None)
    view = standin.last_view(STAFF)
    standin.close_view(STAFF, clear=True)
    return view


@pytest.mark.parametrize("actor", ["member", "recused", "endorser", "outsider"])
async def test_staff_forms_submitted_by_others_are_refused(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn, scene: str, actor: str
) -> None:
    """A form opened by staff, submitted by someone else (a forged or shared payload)."""
    user = ACTORS[actor]
    apply_view = await open_modal(slack, standin)
    option = await pick(slack, apply_view, "leeds")
    standin.close_view(STAFF, clear=True)
    forms = [
        (apply_view, answers(council=option), STAFF_ONLY),
        (await _staff_form(slack, standin, scene, ids.EDIT_APPLICATION), {}, STAFF_ONLY),
        (await _staff_form(slack, standin, scene, ids.WITHDRAW_APPLICATION), {}, STAFF_ONLY),
        (
            await _staff_form(slack, standin, scene, ids.RECORD_DECISION),
            {
                ids.DECISION_OUTCOME_BLOCK: "approved",
                ids.DECISION_RATIONALE_BLOCK: "Fine.",
                ids.DECISION_NO_QUORUM_BLOCK: "Urgent.",
            },
            STAFF_ONLY,
        ),
    ]
    for view, values, refusal in forms:
        before = await snapshot(bot)
        reply = await slack.view_submission(user, view, slack.fill_view_state(view, values))
        assert reply.status == 200 and isinstance(reply.json, dict)
        assert reply.json.get("response_action") == "errors"
        assert refusal in str(reply.json["errors"]), (view["callback_id"], actor)
        assert await snapshot(bot) == before


@pytest.mark.parametrize(
    ("actor", "refusal"),
    [
        ("conflicted staff", CONFLICTED_DECIDER),
        ("member", STAFF_ONLY),
        ("recused", STAFF_ONLY),
        ("endorser", STAFF_ONLY),
        ("outsider", STAFF_ONLY),
    ],
)
async def test_the_amendment_form_submitted_by_others_is_refused(
    bot: Runtime,
    slack: SignedSlackClient,
    standin: SlackStandIn,
    scene: str,
    actor: str,
    refusal: str,
) -> None:
    """The form staff open with `/sanctuary amend`, submitted by someone else: only staff
    without a conflict on the application amend a decision."""
    decision = await _staff_form(slack, standin, scene, ids.RECORD_DECISION)
    decided = {
        ids.DECISION_OUTCOME_BLOCK: "approved",
        ids.DECISION_RATIONALE_BLOCK: "Fine.",
        ids.DECISION_NO_QUORUM_BLOCK: "Urgent.",
    }
    reply = await slack.view_submission(STAFF, decision, slack.fill_view_state(decision, decided))
    assert reply.status == 200 and not reply.json
    opened = len(standin.calls("views.open"))
    await slack.slash_command(STAFF, "amend sheffield")
    await standin.wait_for("views.open", count=opened + 1)
    form = standin.last_view(STAFF)
    assert form is not None and form["callback_id"] == ids.AMEND_VIEW
    standin.close_view(STAFF, clear=True)
    amended = {ids.AMEND_RATIONALE_BLOCK: "Other words.", ids.AMEND_REASON_BLOCK: "A typo."}
    before = await snapshot(bot)
    reply = await slack.view_submission(ACTORS[actor], form, slack.fill_view_state(form, amended))
    assert reply.status == 200 and isinstance(reply.json, dict)
    assert reply.json.get("response_action") == "errors"
    assert refusal in str(reply.json["errors"]), actor
    assert await snapshot(bot) == before


@pytest.mark.parametrize(
    ("actor", "allowed"),
    [
        ("staff", True),
        ("conflicted staff", False),
        ("member", True),
        ("recused", False),
        ("endorser", False),
        ("outsider", False),
    ],
)
async def test_conflict_form_submission(
    bot: Runtime,
    slack: SignedSlackClient,
    standin: SlackStandIn,
    scene: str,
    actor: str,
    allowed: bool,
) -> None:
    await slack.block_action(MEMBER, ids.DECLARE_CONFLICT, message_ts=scene, value="1:1")
    await standin.wait_until(lambda: standin.last_view(MEMBER) is not None)
    view = standin.last_view(MEMBER)
    assert view is not None
    before = await snapshot(bot)
    state = slack.fill_view_state(view, {ids.CONFLICT_REASON_BLOCK: "My sister works there"})
    reply = await slack.view_submission(ACTORS[actor], view, state)
    assert reply.status == 200
    if allowed:
        await standin.wait_until(
            lambda: any(
                "Conflict of interest recorded" in e.text for e in standin.ephemerals(ACTORS[actor])
            )
        )
        assert (await snapshot(bot))["Conflict"] == before["Conflict"] + 1
    else:
        assert isinstance(reply.json, dict) and reply.json.get("response_action") == "errors"
        assert await snapshot(bot) == before
