"""SQLModel tables for the whole domain of DESIGN.md.

Statuses are stored as short strings (not database enums) so that adding one is a code change,
not a migration on every database.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import MetaData, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime

# Stable constraint names, so that Alembic can alter them on every database.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata


class ApplicationKind(StrEnum):
    NEW = "new"
    RENEWAL = "renewal"


class ApplicationStatus(StrEnum):
    UNDER_REVIEW = "under_review"
    FURTHER_WORK = "further_work"
    APPROVED = "approved"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"

    @property
    def is_open(self) -> bool:
        return self in (ApplicationStatus.UNDER_REVIEW, ApplicationStatus.FURTHER_WORK)


class VoteChoice(StrEnum):
    APPROVE = "approve"
    FURTHER_WORK = "further_work"
    DECLINE = "decline"
    ABSTAIN = "abstain"


class Outcome(StrEnum):
    APPROVED = "approved"
    FURTHER_WORK = "further_work"
    DECLINED = "declined"


class StrategyKind(StrEnum):
    STANDALONE = "standalone"
    PART_OF_BROADER = "part_of_broader"


class EndorsementStatus(StrEnum):
    """Where the local group's endorsement stands (criterion 3)."""

    GIVEN = "given"  # stated on the form (by name), given in Slack, or recorded by staff
    PENDING = "pending"  # the endorser named in Slack has not answered yet
    DECLINED = "declined"  # the endorser named in Slack said they cannot endorse


class LedgerState(StrEnum):
    CLAIMED = "claimed"
    SENT = "sent"
    SKIPPED = "skipped"


class Council(SQLModel, table=True):
    """A council that has applied; `code` is its ONS GSS code, or `local:<slug>` off the list."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=120, unique=True)
    name: str = Field(max_length=200)
    authority_type: str | None = Field(default=None, max_length=80)
    nation: str | None = Field(default=None, max_length=40)
    region: str | None = Field(default=None, max_length=80)
    created_at: datetime = Field(sa_type=UTCDateTime)


class Application(SQLModel, table=True):
    """An application with the evidence for the five criteria (DESIGN.md section 2)."""

    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id", index=True)
    kind: str = Field(max_length=20, default=ApplicationKind.NEW)
    status: str = Field(max_length=20, default=ApplicationStatus.UNDER_REVIEW, index=True)
    # The membership this renews (no foreign key: membership already points here).
    renewal_of_id: int | None = Field(default=None)
    current_round: int = Field(default=1)
    registered_by: str = Field(max_length=32)
    registered_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    # Where the review thread lives; empty until Slack accepted the post.
    channel: str | None = Field(default=None, max_length=32)
    message_ts: str | None = Field(default=None, max_length=32)
    # 1. Council motion
    motion_date: date
    motion_url: str = Field(max_length=2000)
    # 2. Charter
    charter_date: date
    # 3. Local group: joint work and endorsement
    group_names: str = Field(sa_type=Text)
    joint_work: str = Field(sa_type=Text)
    joint_work_url: str | None = Field(default=None, max_length=2000)
    endorsed_by: str = Field(max_length=500)
    # For an endorser named in Slack, the day of their latest answer (or of the request, while
    # pending); else the date the form gives.
    endorsement_date: date
    endorsement_url: str | None = Field(default=None, max_length=2000)
    # The endorser as a Slack user, asked to endorse by DM (bot/services/endorsements.py).
    endorser_user_id: str | None = Field(default=None, max_length=32)
    endorsement_status: str = Field(
        max_length=20, default=EndorsementStatus.GIVEN, sa_column_kwargs={"server_default": "given"}
    )
    # Staff who recorded an endorsement given outside Slack, and what they noted.
    endorsement_recorded_by: str | None = Field(default=None, max_length=32)
    endorsement_note: str | None = Field(default=None, sa_type=Text)
    # 4. Strategy
    strategy_url: str = Field(max_length=2000)
    strategy_kind: str = Field(max_length=20, default=StrategyKind.STANDALONE)
    strategy_start: date
    strategy_end: date
    # 5. Contacts: the councillor here, officers in ContactOfficer (personal data)
    councillor_name: str | None = Field(default=None, max_length=200)
    councillor_email: str | None = Field(default=None, max_length=320)
    councillor_portfolio: str | None = Field(default=None, max_length=300)
    contacts_erased_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # A renewal's account of the term that is ending (DESIGN.md section 5)
    term_activity: str | None = Field(default=None, sa_type=Text)
    guidance_response: str | None = Field(default=None, sa_type=Text)


class ContactOfficer(SQLModel, table=True):
    """A council officer named as a contact (criterion 5)."""

    __tablename__ = "contact_officer"

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    position: int = Field(default=0)
    name: str = Field(max_length=200)
    role: str = Field(max_length=300)
    email: str = Field(max_length=320)


class ReviewRound(SQLModel, table=True):
    """One round of review; further work opens the next round in the same thread."""

    __tablename__ = "review_round"

    __table_args__ = (UniqueConstraint("application_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    number: int
    opened_at: datetime = Field(sa_type=UTCDateTime)
    # Set when the round's message reached the channel; the deadline runs from then.
    posted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    message_ts: str | None = Field(default=None, max_length=32)
    deadline_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class RoundExtension(SQLModel, table=True):
    """Staff reopened or prolonged a round's voting until a new deadline (`/sanctuary extend`).

    Each extension is a deadline of its own: its reminders and its closing are keyed by it.
    """

    __tablename__ = "round_extension"

    __table_args__ = (UniqueConstraint("application_id", "round", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    round: int
    number: int  # 1 for the round's first extension
    days: int
    reason: str = Field(sa_type=Text)
    previous_deadline: datetime = Field(sa_type=UTCDateTime)
    deadline: datetime = Field(sa_type=UTCDateTime)
    extended_by: str = Field(max_length=32)
    extended_at: datetime = Field(sa_type=UTCDateTime)


class Member(SQLModel, table=True):
    """A working-group member; removal is soft so that past votes keep their author."""

    id: int | None = Field(default=None, primary_key=True)
    slack_user_id: str = Field(max_length=32, unique=True)
    constituency: str = Field(max_length=20)
    display_name: str | None = Field(default=None, max_length=200)
    active: bool = Field(default=True)
    added_by: str = Field(max_length=32)
    added_at: datetime = Field(sa_type=UTCDateTime)
    removed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Vote(SQLModel, table=True):
    """A member's current vote in a round: one row, upserted."""

    __table_args__ = (UniqueConstraint("application_id", "round", "member_id"),)

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    round: int
    member_id: int = Field(foreign_key="member.id", index=True)
    # The member's constituency when they voted: moving them later does not rewrite the tally.
    constituency: str = Field(max_length=20, sa_column_kwargs={"server_default": ""})
    choice: str = Field(max_length=20)
    cast_at: datetime = Field(sa_type=UTCDateTime)


class VoteChange(SQLModel, table=True):
    """Every vote cast, changed or withdrawn, with its time (the history)."""

    __tablename__ = "vote_change"

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    round: int
    member_id: int = Field(foreign_key="member.id")
    choice: str | None = Field(default=None, max_length=20)  # None: withdrawn
    at: datetime = Field(sa_type=UTCDateTime)


class Conflict(SQLModel, table=True):
    """A declared conflict of interest: the person is recused from the application.

    Keyed by Slack user: staff, who need not be on the roster, declare conflicts too (and may
    then not record the decision); `member_id` is set when the person is on the roster.
    """

    __table_args__ = (UniqueConstraint("application_id", "slack_user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    slack_user_id: str = Field(max_length=32, sa_column_kwargs={"server_default": ""})
    member_id: int | None = Field(default=None, foreign_key="member.id")
    reason: str = Field(sa_type=Text)
    declared_at: datetime = Field(sa_type=UTCDateTime)


class ConnectionKind(StrEnum):
    COUNCIL = "council"
    REGION = "region"
    GROUP = "group"


class Connection(SQLModel, table=True):
    """A person's standing connection to a council, a region or a local group (recorded by
    staff): applications from it prompt them to declare a conflict or confirm they have none."""

    __table_args__ = (UniqueConstraint("slack_user_id", "kind", "value"),)

    id: int | None = Field(default=None, primary_key=True)
    slack_user_id: str = Field(max_length=32, index=True)
    kind: str = Field(max_length=20)
    # What is compared: a council's code, a region's name, a group's normalised name.
    value: str = Field(max_length=300)
    label: str = Field(max_length=300)  # as people read it
    added_by: str = Field(max_length=32)
    added_at: datetime = Field(sa_type=UTCDateTime)


class ConnectionAnswer(SQLModel, table=True):
    """A connected person's answer to the prompt about one application: no conflict (or a
    conflict, declared in `Conflict`). Until there is one, their votes are not recorded."""

    __tablename__ = "connection_answer"

    __table_args__ = (UniqueConstraint("application_id", "slack_user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    slack_user_id: str = Field(max_length=32)
    answer: str = Field(max_length=20)  # "no_conflict" or "conflict"
    connected_to: str = Field(sa_type=Text)
    answered_at: datetime = Field(sa_type=UTCDateTime)


class Comment(SQLModel, table=True):
    """A reply in an application's thread."""

    __table_args__ = (UniqueConstraint("channel", "ts"),)

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    round: int
    channel: str = Field(max_length=32)
    ts: str = Field(max_length=32)
    slack_user_id: str = Field(max_length=32)
    text: str | None = Field(default=None, sa_type=Text)
    posted_at: datetime = Field(sa_type=UTCDateTime)
    edited_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Decision(SQLModel, table=True):
    """Staff's decision on one round."""

    __table_args__ = (UniqueConstraint("application_id", "round"),)

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    round: int
    outcome: str = Field(max_length=20)
    rationale: str = Field(sa_type=Text)
    without_quorum_reason: str | None = Field(default=None, sa_type=Text)
    decided_by: str = Field(max_length=32)
    # Indexed: staff's Home lists the decisions of the last weeks on every render.
    decided_at: datetime = Field(sa_type=UTCDateTime, index=True)
    # Corrections of the rationale (each audited with its reason); the post shows the latest.
    revision: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    amended_by: str | None = Field(default=None, max_length=32)
    amended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Membership(SQLModel, table=True):
    """A three-year membership term created by an approval."""

    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id", index=True)
    application_id: int | None = Field(default=None, foreign_key="application.id", unique=True)
    starts_on: date
    ends_on: date = Field(index=True)
    renewed_by_id: int | None = Field(default=None, foreign_key="membership.id")
    created_at: datetime = Field(sa_type=UTCDateTime)
    # Memberships imported from the organisation's spreadsheet have no application.
    source: str = Field(default="application", max_length=20)
    strategy_url: str | None = Field(default=None, max_length=2000)
    # Ended early (the council rescinded its motion): off the register, no more nags.
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ended_by: str | None = Field(default=None, max_length=32)
    end_reason: str | None = Field(default=None, sa_type=Text)


class CheckIn(SQLModel, table=True):
    """Progress a council made during its term, logged by staff (DESIGN.md section 5)."""

    __tablename__ = "check_in"

    id: int | None = Field(default=None, primary_key=True)
    membership_id: int = Field(foreign_key="membership.id", index=True)
    what: str = Field(sa_type=Text)
    url: str | None = Field(default=None, max_length=2000)
    logged_by: str = Field(max_length=32)
    logged_at: datetime = Field(sa_type=UTCDateTime, index=True)


class ReminderLedger(SQLModel, table=True):
    """What was (or is being) sent, so each reminder goes exactly once however often scans run."""

    __tablename__ = "reminder_ledger"

    __table_args__ = (UniqueConstraint("kind", "subject_id", "round", "offset_days", "recipient"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=30)
    subject_id: int
    round: int = Field(default=0)
    offset_days: int
    recipient: str = Field(default="", max_length=32)
    state: str = Field(max_length=10, default=LedgerState.CLAIMED)
    claimed_at: datetime = Field(sa_type=UTCDateTime)
    # When the message was first handed to Slack (by the clock Slack's timestamps follow); kept
    # when the claim is retaken. NULL: never handed over, so there is nothing to look for.
    first_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    attempts: int = Field(default=1)
    note: str | None = Field(default=None, max_length=500)


class ProcessedEvent(SQLModel, table=True):
    """Slack event ids already handled: Slack delivers events at least once."""

    __tablename__ = "processed_event"

    event_id: str = Field(primary_key=True, max_length=64)
    received_at: datetime = Field(sa_type=UTCDateTime)


class InboundRequest(SQLModel, table=True):
    """A signed request from Slack that may change something (DESIGN.md, "Guarantees").

    Written before Slack is answered, so that what Slack was told was received survives a
    crash: a request whose listener never finished is handled again after a restart. Its
    signature is kept for Slack's five-minute window, so that a replay of it is refused.
    """

    __tablename__ = "inbound_request"

    id: int | None = Field(default=None, primary_key=True)
    signature: str = Field(max_length=100, unique=True)
    received_at: datetime = Field(sa_type=UTCDateTime, index=True)
    content_type: str = Field(max_length=100)
    # The raw body until the listener has finished; then cleared (it holds people's words).
    body: str | None = Field(default=None, sa_type=Text)
    handled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The running instance handling it (models/locks.py InstanceLife), since when, how often.
    instance: int = 0
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    attempts: int = 0


class AuditEntry(SQLModel, table=True):
    """Every state change: who, what, when."""

    __tablename__ = "audit_entry"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime, index=True)
    actor: str = Field(max_length=64)
    action: str = Field(max_length=60, index=True)
    council_id: int | None = Field(default=None, index=True)
    application_id: int | None = Field(default=None, index=True)
    detail: str = Field(default="{}", sa_type=Text)
