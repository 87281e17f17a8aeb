"""Who sees what (DESIGN.md section 4, "Who sees what"): the one place that decides a viewer's
role and what that role may see. Every reply, Home tab and form asks here.

- An **outsider** (neither staff nor on the roster) sees the public register and a council's
  stage and dates: never a voter's name, a member's constituency, a conflict reason or a
  contact.
- A **member** of the working group sees the roster, the tally by constituency, their own vote,
  and contacts on request.
- **Staff** see everything, including who voted what and why someone is recused.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.refusals import Refusal, Refused, Task
from bot.services.roster import active_member, active_members
from models.tables import Member


class Role(StrEnum):
    OUTSIDER = "outsider"
    MEMBER = "member"
    STAFF = "staff"


@dataclass(frozen=True)
class Viewer:
    """Who is looking, and (by their role) what they may see."""

    user_id: str
    role: Role
    member_id: int | None = None  # on the roster (staff may be too)
    constituency: str | None = None  # theirs, if on the roster

    @property
    def in_group(self) -> bool:
        """A member of the working group, or staff."""
        return self.role is not Role.OUTSIDER

    @property
    def sees_roster(self) -> bool:
        return self.in_group

    @property
    def sees_tally(self) -> bool:
        """The votes by constituency, quorum and the recommendation."""
        return self.in_group

    @property
    def sees_contacts(self) -> bool:
        """On request (the Contacts button), each showing audited."""
        return self.in_group

    @property
    def sees_names(self) -> bool:
        """Who registered, commented, declared a conflict (not who voted what)."""
        return self.in_group

    @property
    def sees_who_voted_what(self) -> bool:
        return self.role is Role.STAFF

    @property
    def sees_conflict_reasons(self) -> bool:
        return self.role is Role.STAFF


async def viewer(session: AsyncSession, user_id: str, staff: Collection[str]) -> Viewer:
    """The viewer `user_id`: staff if on the staff list, else a member if on the roster."""
    member = await active_member(session, user_id)
    on_roster = (member.id, member.constituency) if member is not None else (None, None)
    if user_id in staff:
        return Viewer(user_id, Role.STAFF, *on_roster)
    if member is not None:
        return Viewer(user_id, Role.MEMBER, *on_roster)
    return Viewer(user_id, Role.OUTSIDER)


def require_group(who: Viewer, task: Task) -> None:
    """Refuse `task` (seeing the roster, the contacts) to an outsider."""
    if not who.in_group:
        raise Refused(Refusal.PRIVATE, task=task)


async def visible_roster(
    session: AsyncSession, user_id: str, staff: Collection[str]
) -> list[Member]:
    """`/sanctuary group`: the active members, for the working group and staff only."""
    require_group(await viewer(session, user_id, staff), Task.SEE_ROSTER)
    return await active_members(session)
