"""Connected reviewers (DESIGN.md section 4, "Conflict of interest"): staff record a person's
standing connections to councils, regions and local groups; an application from one of them asks
each connected person to declare a conflict or confirm they have none, and their votes wait for
that answer. Every change is audited.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Exists
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain import councils
from bot.domain.connections import (
    council_region,
    find_region,
    group_key,
    group_keys,
    official_regions,
    region_key,
)
from bot.domain.refusals import Refusal, Refused, Task, require_staff
from bot.domain.review import require_open
from bot.services import audit
from bot.services.applications import locked_application
from bot.services.roster import active_member
from models.dialect import insert_for
from models.tables import (
    Application,
    Conflict,
    Connection,
    ConnectionAnswer,
    ConnectionKind,
    Council,
    Member,
)

NO_CONFLICT = "no_conflict"
CONFLICT = "conflict"
# Ledger kind of the prompt DM (one per person per application).
CONNECTION_PROMPT = "connection_prompt"
# Councils named in an ambiguous link before the list is cut.
MAX_CHOICES = 5
# `group:`, `council:` or `region:` before the words says which kind is meant.
_KINDS = {kind.value: kind for kind in ConnectionKind}


@dataclass(frozen=True)
class Target:
    """What a connection is to: its kind, the value compared, and its name as people read it."""

    kind: ConnectionKind
    value: str
    label: str

    @classmethod
    def of(cls, row: Connection) -> Target:
        return cls(ConnectionKind(row.kind), row.value, row.label)

    @property
    def described(self) -> str:
        return {
            ConnectionKind.COUNCIL: self.label,
            ConnectionKind.REGION: f"the {self.label} region",
            ConnectionKind.GROUP: f"the local group {self.label}",
        }[self.kind]


async def _known_local_council(session: AsyncSession, words: str) -> Council | None:
    """A town or parish council that has applied, named exactly (its name or code)."""
    wanted = councils.core(words) or councils.normalise(words)
    rows = (
        await session.exec(
            select(Council).where(col(Council.code).startswith(councils.LOCAL_PREFIX))
        )
    ).all()
    for council in rows:
        if council.code == words.strip() or councils.core(council.name) == wanted:
            return council
    return None


def _official_council(words: str, *, surely: bool = False) -> Target | None:
    """The council on the official list that `words` name (the picker's names or the code);
    Refused when several fit exactly, or (`surely`: a council is meant) several fit at all."""
    typed = words.strip()
    by_code = councils.by_gss(typed.upper())
    if by_code is not None:
        return Target(ConnectionKind.COUNCIL, by_code.gss, by_code.name)
    matches = councils.search(typed)
    wanted = {councils.core(typed), councils.normalise(typed)} - {""}
    exact = [m.authority for m in matches if wanted & set(m.authority.keys)]
    chosen = exact if exact else [m.authority for m in matches]
    if len(chosen) == 1:
        return Target(ConnectionKind.COUNCIL, chosen[0].gss, chosen[0].name)
    if len(exact) > 1 or (surely and len(chosen) > 1):
        names = [a.name for a in chosen[:MAX_CHOICES]]
        raise Refused(Refusal.UNKNOWN_CONNECTION, words=typed, choices=names)
    return None


async def resolve_target(session: AsyncSession, words: str) -> Target:
    """What `words` name: a region on the official list, a council (the picker's names or its
    code; a town or parish council by the name it applied under), or else a local group.
    `council:`, `region:` or `group:` in front says which is meant."""
    kind_word, colon, rest = words.partition(":")
    forced = _KINDS.get(kind_word.strip().lower()) if colon else None
    typed = (rest if forced else words).strip()
    if not typed:
        raise Refused(Refusal.NO_SUCH_COUNCIL, words=words)
    if forced in (None, ConnectionKind.REGION):
        region = find_region(typed)
        if region is not None:
            return Target(ConnectionKind.REGION, region_key(region), region)
    if forced in (None, ConnectionKind.COUNCIL):
        local = await _known_local_council(session, typed)
        if local is not None:
            return Target(ConnectionKind.COUNCIL, local.code, local.name)
        official = _official_council(typed, surely=forced is ConnectionKind.COUNCIL)
        if official is not None:
            return official
    if forced is ConnectionKind.GROUP or forced is None:
        return Target(ConnectionKind.GROUP, group_key(typed), " ".join(typed.split()))
    if forced is ConnectionKind.REGION:
        regions = list(official_regions().values())
        raise Refused(Refusal.NO_SUCH_REGION, words=typed, choices=regions)
    raise Refused(Refusal.NO_SUCH_COUNCIL, words=typed)


async def _require_reviewer(session: AsyncSession, user_id: str, staff: Collection[str]) -> None:
    """Connections are recorded for members of the working group and staff only."""
    if user_id not in staff and await active_member(session, user_id) is None:
        raise Refused(Refusal.NOT_REVIEWER, user=user_id)


@dataclass(frozen=True)
class LinkResult:
    target: Target
    added: bool  # False: it was already recorded


async def link(
    session: AsyncSession,
    *,
    user_id: str,
    words: str,
    actor: str,
    staff: Collection[str],
    now: datetime,
) -> LinkResult:
    """Record that `user_id` is connected to what `words` name (staff only)."""
    require_staff(actor, staff, Task.LINK)
    target = await resolve_target(session, words)
    await _require_reviewer(session, user_id, staff)
    values = {"slack_user_id": user_id, "kind": target.kind.value, "value": target.value}
    inserted = await session.exec(
        insert_for(session, Connection)
        .values(**values, label=target.label, added_by=actor, added_at=now)
        .on_conflict_do_nothing()
    )
    added = bool(inserted.rowcount)
    if added:
        trail = audit.Trail(
            session, at=now, actor=actor, council_id=await _council_id(session, target)
        )
        trail.record("connection.linked", user=user_id, kind=target.kind.value, to=target.label)
    return LinkResult(target, added)


async def unlink(
    session: AsyncSession,
    *,
    user_id: str,
    words: str,
    actor: str,
    staff: Collection[str],
    now: datetime,
) -> Target:
    """Forget `user_id`'s connection to what `words` name (staff only)."""
    require_staff(actor, staff, Task.LINK)
    target = await resolve_target(session, words)
    row = (
        await session.exec(
            select(Connection).where(
                Connection.slack_user_id == user_id,
                Connection.kind == target.kind.value,
                Connection.value == target.value,
            )
        )
    ).first()
    if row is None:
        raise Refused(Refusal.NOT_LINKED, user=user_id, connected_to=target.described)
    await session.delete(row)
    trail = audit.Trail(session, at=now, actor=actor, council_id=await _council_id(session, target))
    trail.record("connection.unlinked", user=user_id, kind=target.kind.value, to=row.label)
    return Target(target.kind, target.value, row.label)


async def _council_id(session: AsyncSession, target: Target) -> int | None:
    """The council a connection names, if it has applied (so it shows in its history)."""
    if target.kind is not ConnectionKind.COUNCIL:
        return None
    return (await session.exec(select(Council.id).where(Council.code == target.value))).first()


async def connections_of(session: AsyncSession, user_id: str) -> list[Connection]:
    """Everything `user_id` is connected to, by kind then name."""
    rows = await session.exec(
        select(Connection)
        .where(Connection.slack_user_id == user_id)
        .order_by(col(Connection.kind), col(Connection.label))
    )
    return list(rows.all())


async def connected_people(
    session: AsyncSession, application: Application, council: Council
) -> dict[str, list[str]]:
    """Who is connected to the application (its council, its region, one of its groups), with
    what they are connected to, as people read it."""
    wanted: list[tuple[ConnectionKind, str]] = [(ConnectionKind.COUNCIL, council.code)]
    region = council_region(council.code, council.name, council.region)
    if region:
        wanted.append((ConnectionKind.REGION, region_key(region)))
    wanted += [(ConnectionKind.GROUP, key) for key in sorted(group_keys(application.group_names))]
    rows = (
        await session.exec(
            select(Connection)
            .where(col(Connection.value).in_([value for _, value in wanted]))
            .order_by(col(Connection.kind), col(Connection.label))
        )
    ).all()
    found: dict[str, list[str]] = {}
    for row in rows:
        if (ConnectionKind(row.kind), row.value) in wanted:
            target = Target(ConnectionKind(row.kind), row.value, row.label)
            found.setdefault(row.slack_user_id, []).append(target.described)
    return found


def connection_words(labels: list[str]) -> str:
    """`Sheffield City Council and the local group City of Sanctuary Sheffield`."""
    if len(labels) <= 1:
        return "".join(labels)
    return ", ".join(labels[:-1]) + " and " + labels[-1]


async def _answered(session: AsyncSession, application_id: int, user_id: str) -> bool:
    """Whether `user_id` answered the prompt about the application, or declared a conflict."""
    answer = (
        await session.exec(
            select(ConnectionAnswer.id).where(
                ConnectionAnswer.application_id == application_id,
                ConnectionAnswer.slack_user_id == user_id,
            )
        )
    ).first()
    if answer is not None:
        return True
    conflict = (
        await session.exec(
            select(Conflict.id).where(
                Conflict.application_id == application_id, Conflict.slack_user_id == user_id
            )
        )
    ).first()
    return conflict is not None


def has_standing_connection(user_id: str) -> Exists:
    """Whether `user_id` has a standing connection to anything: a council, region or group."""
    return select(Connection.id).where(Connection.slack_user_id == user_id).exists()


async def connection_to(
    session: AsyncSession, application: Application, user_id: str
) -> str | None:
    """What `user_id` is connected to of the application (its council, region, groups), if
    anything."""
    # Most people have no standing connection: one indexed look-up says so.
    if not (await session.exec(select(has_standing_connection(user_id)))).one():
        return None
    council = await session.get(Council, application.council_id)
    assert council is not None
    labels = (await connected_people(session, application, council)).get(user_id)
    return connection_words(labels) if labels else None


async def unanswered_connection(
    session: AsyncSession, application: Application, user_id: str
) -> str | None:
    """What `user_id` is connected to, if they are connected to the application and have not
    yet answered its prompt (so their vote must wait); None otherwise."""
    assert application.id is not None
    connected_to = await connection_to(session, application, user_id)
    if connected_to is None or await _answered(session, application.id, user_id):
        return None
    return connected_to


async def require_answered(session: AsyncSession, application: Application, user_id: str) -> None:
    """Refuse a vote until a connected member has answered the prompt."""
    connected_to = await unanswered_connection(session, application, user_id)
    if connected_to is not None:
        council = await session.get(Council, application.council_id)
        raise Refused(
            Refusal.CONNECTED,
            application=application.id,
            council=council.name if council else "",
            connected_to=connected_to,
        )


@dataclass(frozen=True)
class Prompt:
    """A prompt to send: to whom, about which application, and what they are connected to."""

    user_id: str
    application_id: int
    council: str
    connected_to: str


async def prompts_due(
    session: AsyncSession, application_id: int, staff: Collection[str]
) -> list[Prompt]:
    """The prompts the application calls for: connected members of the working group and staff
    who have not answered yet (nor declared a conflict)."""
    application = await session.get(Application, application_id)
    if application is None or application.message_ts is None:
        return []
    council = await session.get(Council, application.council_id)
    assert council is not None
    people = await connected_people(session, application, council)
    active = set(
        (
            await session.exec(
                select(Member.slack_user_id).where(
                    col(Member.slack_user_id).in_(list(people)), col(Member.active).is_(True)
                )
            )
        ).all()
    )
    due = []
    for user_id, labels in sorted(people.items()):
        if user_id not in active and user_id not in staff:
            continue
        if await _answered(session, application_id, user_id):
            continue
        due.append(Prompt(user_id, application_id, council.name, connection_words(labels)))
    return due


def record_prompt_sent(
    session: AsyncSession, prompt: Prompt, application: Application, now: datetime
) -> None:
    """Audit the prompt as sent (in the transaction that marks it sent in the ledger)."""
    trail = audit.about(session, application, at=now, actor="system")
    trail.record("connection.prompted", user=prompt.user_id, connected_to=prompt.connected_to)


@dataclass(frozen=True)
class AnswerResult:
    application_id: int
    council: str
    connected_to: str
    unchanged: bool  # they had already confirmed it


async def confirm_no_conflict(
    session: AsyncSession,
    *,
    application_id: int,
    user_id: str,
    staff: Collection[str],
    now: datetime,
) -> AnswerResult:
    """Record a connected person's answer that they have no conflict on the application."""
    application = await locked_application(session, application_id)
    council = await session.get(Council, application.council_id)
    assert council is not None
    if user_id not in staff and await active_member(session, user_id) is None:
        raise Refused(Refusal.NOT_MEMBER, task=Task.ANSWER_CONNECTION)
    labels = (await connected_people(session, application, council)).get(user_id)
    if not labels:
        raise Refused(Refusal.NOT_CONNECTED, council=council.name)
    require_open(application, council.name)
    conflict = (
        await session.exec(
            select(Conflict.id).where(
                Conflict.application_id == application_id, Conflict.slack_user_id == user_id
            )
        )
    ).first()
    if conflict is not None:
        raise Refused(Refusal.ALREADY_DECLARED)
    connected_to = connection_words(labels)
    existing = (
        await session.exec(
            select(ConnectionAnswer).where(
                ConnectionAnswer.application_id == application_id,
                ConnectionAnswer.slack_user_id == user_id,
            )
        )
    ).first()
    if existing is not None and existing.answer == NO_CONFLICT:
        return AnswerResult(application_id, council.name, connected_to, unchanged=True)
    await record_answer(session, application, user_id, NO_CONFLICT, connected_to, now)
    audit.about(session, application, at=now, actor=user_id).record(
        "connection.no_conflict", connected_to=connected_to
    )
    return AnswerResult(application_id, council.name, connected_to, unchanged=False)


async def record_answer(
    session: AsyncSession,
    application: Application,
    user_id: str,
    answer: str,
    connected_to: str,
    now: datetime,
) -> None:
    """Keep `user_id`'s latest answer about the application (one row, upserted)."""
    key = {"application_id": application.id, "slack_user_id": user_id}
    values = {"answer": answer, "connected_to": connected_to, "answered_at": now}
    statement = insert_for(session, ConnectionAnswer).values(**key, **values)
    await session.exec(statement.on_conflict_do_update(index_elements=list(key), set_=values))
