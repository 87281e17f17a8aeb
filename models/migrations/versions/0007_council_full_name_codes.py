"""Councils entered by name are coded by their full name and kind; list what staff must check

Until now a town or parish council entered by name was coded by its place name alone, so
"Ashley Town Council" and "Ashley Parish Council" were both `local:ashley`, and a council on the
official list typed by name ("Sheffield City Council") got a second identity beside its GSS code.
This recodes each such council from its stored name (`local:ashley-parish-council`).

What the old code already merged cannot be split here: a second council's application was
filed under the first one's row, and the name it was typed with was not kept. So every council
that staff must check is logged (a WARNING, shown by `sanctuary-bot db upgrade` and in the bot's
log at start) and recorded in the audit log as `council.identity_check`, which
`/sanctuary history <council>` and `sanctuary-bot export --audit` show:

- a council entered by name with more than one application or imported term (any of them may
  belong to another council of the same place);
- a council entered by name that is on the official list (a second identity beside its code);
- a council whose new code another council already holds (left with its old code).

Revision ID: 0007
Revises: 0004
Create Date: 2026-12-02 00:40:00
"""

import json
import logging
import re
import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import models.types

revision: str = "0007"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("sanctuary.migrations")

ACTION = "council.identity_check"
_KINDS = frozenset({"town", "parish", "community", "village", "neighbourhood"})


def _full_name(text: str) -> str:
    """bot.domain.councils.full_name as it was when this migration was written (frozen here,
    so that a later change of the rule does not change what this migration did)."""
    name = unicodedata.normalize("NFKD", text)
    name = "".join(c for c in name if not unicodedata.combining(c)).casefold()
    name = name.replace("&", " and ").replace("'", "").replace("’", "")
    name = " ".join(re.sub(r"[^0-9a-z]+", " ", name).split())
    if name.startswith("the ") and len(name) > 4:
        name = name[4:]
    if name.split(" ")[-1] in _KINDS and " " in name:
        name += " council"
    return name


def _code(name: str) -> str:
    return ("local:" + _full_name(name).replace(" ", "-"))[:120]


def _listed_as(name: str) -> list[str]:
    """The councils on the official list this name names (a data look-up, not a rule)."""
    from bot.domain.councils import listed_as

    return [f"{a.name} ({a.gss})" for a in listed_as(name)]


def upgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.text("SELECT id, code, name FROM council WHERE code LIKE 'local:%' ORDER BY id")
    ).all()
    taken = {code for (code,) in bind.execute(sa.text("SELECT code FROM council")).all()}
    records = dict(
        bind.execute(
            sa.text(
                "SELECT c.id, "
                "(SELECT COUNT(*) FROM application a WHERE a.council_id = c.id) + "
                "(SELECT COUNT(*) FROM membership m "
                " WHERE m.council_id = c.id AND m.application_id IS NULL) "
                "FROM council c WHERE c.code LIKE 'local:%'"
            )
        ).all()
    )
    checks: list[tuple[int, str, str, str]] = []
    for council_id, old, name in rows:
        new = _code(name)
        code = old
        if new != old:
            if new in taken:
                checks.append(
                    (
                        council_id,
                        name,
                        old,
                        f"another council already has the code {new}: left as {old}; "
                        "they may be the same council",
                    )
                )
            else:
                bind.execute(
                    sa.text("UPDATE council SET code = :new WHERE id = :id"),
                    {"new": new, "id": council_id},
                )
                taken.discard(old)
                taken.add(new)
                code = new
        listed = _listed_as(name)
        if listed:
            checks.append(
                (
                    council_id,
                    name,
                    code,
                    f"it is on the official list as {' or '.join(listed)}: it was entered by "
                    "name, so it is a second identity beside the listed council",
                )
            )
        count = records.get(council_id, 0)
        if count > 1:
            checks.append(
                (
                    council_id,
                    name,
                    code,
                    f"{count} applications and imported terms were filed under the old code "
                    f"{old}: if any of them belongs to another council of the same place "
                    "(a town council beside a parish council), it cannot be split automatically",
                )
            )
    if not checks:
        return
    audit = sa.table(
        "audit_entry",
        sa.column("at", models.types.UTCDateTime(timezone=True)),
        sa.column("actor", sa.String),
        sa.column("action", sa.String),
        sa.column("council_id", sa.Integer),
        sa.column("application_id", sa.Integer),
        sa.column("detail", sa.Text),
    )
    now = datetime.now(UTC)
    op.bulk_insert(
        audit,
        [
            {
                "at": now,
                "actor": "system",
                "action": ACTION,
                "council_id": council_id,
                "application_id": None,
                "detail": json.dumps(
                    {"code": code, "council": name, "reason": reason},
                    ensure_ascii=False,
                    sort_keys=True,
                ),
            }
            for council_id, name, code, reason in checks
        ],
    )
    log.warning(
        "%d council(s) entered by name need a check by staff (also in /sanctuary history "
        "and the audit log, action %s):",
        len(checks),
        ACTION,
    )
    for _council_id, name, code, reason in checks:
        log.warning("  %s (%s): %s", name, code, reason)


def downgrade() -> None:
    # The old codes are the place names alone; councils the new codes keep apart may collide,
    # so only those that can go back do.
    bind = op.get_bind()
    rows = bind.execute(
        sa.text("SELECT id, code, name FROM council WHERE code LIKE 'local:%' ORDER BY id")
    ).all()
    taken = {code for (code,) in bind.execute(sa.text("SELECT code FROM council")).all()}
    for council_id, code, name in rows:
        old = ("local:" + _old_slug(name))[:120]
        if old != code and old not in taken:
            bind.execute(
                sa.text("UPDATE council SET code = :old WHERE id = :id"),
                {"old": old, "id": council_id},
            )
            taken.discard(code)
            taken.add(old)
    # The audit log is never rewritten: the checks recorded stay.


def _old_slug(name: str) -> str:
    from bot.domain.councils import core, normalise

    return core(name).replace(" ", "-") or normalise(name).replace(" ", "-")
