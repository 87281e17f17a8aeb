"""The `sanctuary-bot` command line. The only place that reads `.env`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date, datetime
from typing import TypeVar

from dotenv import load_dotenv

from bot.domain.config import Settings
from bot.settings import SettingsError, load_settings
from models.db import SessionFactory

Command = Callable[[argparse.Namespace], int]


def _settings(*, for_run: bool = False) -> Settings:
    load_dotenv(os.path.join(os.getcwd(), ".env"))
    return load_settings(os.environ, for_run=for_run)


def cmd_run(_args: argparse.Namespace) -> int:
    from bot.runtime import run_forever

    settings = _settings(for_run=True)
    asyncio.run(run_forever(settings))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from bot.demo import play

    status: int = asyncio.run(play(verbose=args.verbose))
    return status


def cmd_db_upgrade(_args: argparse.Namespace) -> int:
    from models.db import make_engine
    from models.migrate import current_revision, upgrade

    settings = _settings()

    async def run() -> str | None:
        engine = make_engine(settings.database_url)
        try:
            await upgrade(engine)
            return await current_revision(engine)
        finally:
            await engine.dispose()

    revision = asyncio.run(run())
    print(f"Database is at revision {revision}.")
    return 0


# `sanctuary-bot scan NAME` -> the scheduler job it runs once (`all` runs every job).
SCANS = {"renewals": "post-renewal-nags"}


def _parse_now(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not an ISO date-time such as 2026-03-02T09:00:00+00:00"
        ) from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(
            f"{value!r} has no time zone: add one, e.g. {value}+00:00 or {value}Z"
        )
    return moment.astimezone(UTC)


def cmd_scan(args: argparse.Namespace) -> int:
    """Run scan jobs once, as the scheduler would (at `--now`, if given), and say what they did."""
    from bot.app import make_client
    from bot.domain.clock import Clock, FixedClock, SystemClock
    from bot.sending.context import Deps
    from models.db import make_engine, make_session_factory
    from models.migrate import upgrade
    from scheduler.jobs import JOBS

    settings = _settings(for_run=True)
    wanted = [job for job in JOBS if args.scan == "all" or job.id == SCANS[args.scan]]
    clock: Clock = FixedClock(args.now) if args.now is not None else SystemClock()

    async def run() -> None:
        engine = make_engine(settings.database_url)
        try:
            await upgrade(engine)
            # A fresh Deps: conversations the running bot holds back after a permanent refusal
            # (bot/sending/slack_health.py) are tried at once here, so a fixed channel posts now.
            deps = Deps(settings=settings, sessions=make_session_factory(engine), clock=clock)
            client = make_client(deps)
            for job in wanted:
                result = await job.run(deps, client)
                print(f"[{job.id}] {result}", flush=True)
        finally:
            await engine.dispose()

    asyncio.run(run())
    return 0


T = TypeVar("T")


def _with_session(settings: Settings, work: Callable[[SessionFactory], Awaitable[T]]) -> T:
    """Open (and upgrade) the database, run `work` with a session factory, close it."""
    from models.db import make_engine, make_session_factory
    from models.migrate import upgrade

    async def run() -> T:
        engine = make_engine(settings.database_url)
        try:
            await upgrade(engine)
            return await work(make_session_factory(engine))
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _today(settings: Settings, given: str | None) -> date:
    if given:
        return date.fromisoformat(given)
    return datetime.now(UTC).astimezone(settings.timezone).date()


def _write(text: str, output: str | None) -> None:
    if output is None or output == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    with open(output, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
    print(f"Wrote {output}.", file=sys.stderr)


def cmd_export(args: argparse.Namespace) -> int:
    from bot.blocks.register_page import render_csv, render_json
    from bot.services.exports import audit_csv
    from bot.services.register import current_members

    settings = _settings()
    if args.audit:

        async def audit(sessions: SessionFactory) -> str:
            async with sessions() as session:
                return await audit_csv(session, settings.timezone)

        _write(_with_session(settings, audit), args.output)
        return 0
    today = _today(settings, args.on)

    async def register(sessions: SessionFactory) -> str:
        async with sessions() as session:
            entries = await current_members(session, today)
        if args.format == "json":
            return render_json(entries, today=today) + "\n"
        return render_csv(entries)

    _write(_with_session(settings, register), args.output)
    return 0


PROGRESS_ALWAYS_ABOVE = 200  # rows; below this a bar shows only on a terminal


class ProgressBar:
    """A simple text bar on stderr: `[#########.........]  120/400`."""

    def __init__(self, total: int, *, width: int = 30) -> None:
        self.total = total
        self.width = width
        self.enabled = total > PROGRESS_ALWAYS_ABOVE or sys.stderr.isatty()
        self._last = -1

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        filled = self.width * done // max(total, 1)
        if filled == self._last and done != total:
            return
        self._last = filled
        bar = "#" * filled + "." * (self.width - filled)
        end = "\n" if done == total else ""
        sys.stderr.write(f"\r[{bar}] {done:>{len(str(total))}}/{total}{end}")
        sys.stderr.flush()


def cmd_import(args: argparse.Namespace) -> int:
    from bot.domain.importer import parse_import
    from bot.services.imports import ImportSummary, import_memberships

    settings = _settings()
    try:
        with open(args.file, encoding="utf-8-sig", newline="") as handle:
            text = handle.read()
    except OSError as error:
        print(f"sanctuary-bot: cannot read {args.file}: {error.strerror}", file=sys.stderr)
        return 2
    except UnicodeDecodeError:
        print(
            f"sanctuary-bot: {args.file} is not UTF-8 text: save it as 'CSV UTF-8' and try again.",
            file=sys.stderr,
        )
        return 2
    now = datetime.now(UTC)
    parsed = parse_import(text, today=now.astimezone(settings.timezone).date())
    if not parsed.valid:
        for problem in parsed.problems:
            print(f"{args.file}: {problem}", file=sys.stderr)
        count = len(parsed.problems)
        print(
            f"Nothing imported: {count} problem{'s' if count != 1 else ''} to fix first.",
            file=sys.stderr,
        )
        return 1

    async def write(sessions: SessionFactory) -> ImportSummary:
        async with sessions() as session:
            transaction = await session.begin()
            summary = await import_memberships(
                session, parsed.rows, now=now, progress=ProgressBar(len(parsed.rows))
            )
            if args.dry_run:
                await transaction.rollback()
            else:
                await transaction.commit()
            return summary

    summary = _with_session(settings, write)
    verb = "Would import" if args.dry_run else "Imported"
    print(
        f"{verb} {summary.created} membership{'s' if summary.created != 1 else ''} "
        f"({summary.new_councils} new council{'s' if summary.new_councils != 1 else ''}); "
        f"{summary.unchanged} already present, left unchanged."
        + (" Nothing was written (--dry-run)." if args.dry_run else "")
    )
    return 0


def cmd_personal_data(args: argparse.Namespace) -> int:
    from bot.services.personal_data import (
        PersonalDataReport,
        erase_personal_data,
        find_personal_data,
        question_text,
    )

    settings = _settings()
    now = datetime.now(UTC)
    today = now.astimezone(settings.timezone).date()

    async def work(sessions: SessionFactory) -> PersonalDataReport:
        async with sessions() as session, session.begin():
            if args.erase:
                return await erase_personal_data(
                    session, args.email, args.slack, now=now, today=today
                )
            return await find_personal_data(session, args.email, args.slack)

    report = _with_session(settings, work)
    who = args.email + (f" / {args.slack}" if args.slack else "")
    if report.empty:
        print(f"Nothing is held about {who}.")
        return 0
    print(f"Held about {who}:")
    for application in report.councillor_of:
        print(
            f"  councillor contact on application #{application.id} ({application.status}): "
            f"name, email, portfolio"
        )
    for _officer, application in report.officer_of:
        print(
            f"  officer contact on application #{application.id} ({application.status}): "
            f"name, role, email"
        )
    if report.member is not None:
        state = "active" if report.member.active else "removed"
        print(f"  working-group member ({report.member.constituency}, {state})")
    if report.votes:
        print(f"  {report.votes} vote(s)")
    for conflict, application in report.conflicts:
        reason = f": “{conflict.reason}”" if conflict.reason else " (reason erased)"
        print(f"  conflict of interest declared on application #{application.id}{reason}")
    if report.comments:
        print(f"  {len(report.comments)} comment(s) in review threads")
    for application in report.endorsements:
        print(
            f"  named as the endorser on application #{application.id} ({application.status}): "
            f"endorsement {application.endorsement_status}"
        )
    for entry in report.questions:
        text = question_text(entry)
        asked = f": “{text}”" if text is not None else " (text erased)"
        print(f"  question to staff as the endorser of application #{entry.application_id}{asked}")
    if args.erase:
        print("Erased:" if report.erased else "Erased: nothing")
        for line in report.erased:
            print(f"  {line}")
        if report.kept:
            print("Kept:")
            for line in report.kept:
                print(f"  {line}")
        if report.erased:
            print(
                "The running bot renders the posts and Home tabs concerned again within 15 "
                "minutes (and at its next start), so Slack no longer shows what was erased."
            )
    return 0


def _iso_date(value: str) -> str:
    try:
        date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date such as 2026-03-02") from None
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sanctuary-bot",
        description="City of Sanctuary UK's Local Authority Network bot for Slack.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = sub.add_parser(
        "run", help="run the bot (Socket Mode if SLACK_APP_TOKEN is set, else HTTP)"
    )
    run.set_defaults(func=cmd_run)
    demo = sub.add_parser("demo", help="play the whole story offline, against a stand-in for Slack")
    demo.add_argument("--verbose", action="store_true", help="also log what the bot does")
    demo.set_defaults(func=cmd_demo)
    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_sub.add_parser("upgrade", help="apply the schema migrations").set_defaults(
        func=cmd_db_upgrade
    )
    scan = sub.add_parser(
        "scan", help="run a scheduled scan once now (e.g. after an outage) and print what it did"
    )
    scan.add_argument("scan", choices=[*SCANS, "all"], help="which scan (all: every one)")
    scan.add_argument(
        "--now",
        type=_parse_now,
        default=None,
        metavar="ISO",
        help="scan as if it were this moment (ISO 8601 with a time zone); nags are really posted",
    )
    scan.set_defaults(func=cmd_scan)
    export = sub.add_parser(
        "export",
        help="write the public register (CSV or JSON), or with --audit the audit log (CSV)",
    )
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    export.add_argument("--output", "-o", metavar="FILE", help="write to FILE, not stdout")
    export.add_argument(
        "--on", metavar="DATE", type=_iso_date, help="the register as it stood on DATE"
    )
    export.add_argument(
        "--audit", action="store_true", help="the audit log instead of the register (CSV)"
    )
    export.set_defaults(func=cmd_export)
    imp = sub.add_parser(
        "import",
        help="add councils that are already members from a CSV file (see docs/import-sample.csv)",
    )
    imp.add_argument("file", metavar="FILE.csv")
    imp.add_argument(
        "--dry-run", action="store_true", help="check the file and report; write nothing"
    )
    imp.set_defaults(func=cmd_import)
    personal = sub.add_parser(
        "personal-data", help="what is held about a person (by email), and --erase it"
    )
    personal.add_argument("email")
    personal.add_argument("--slack", metavar="USER_ID", help="their Slack member id, U…")
    personal.add_argument(
        "--erase",
        action="store_true",
        help="erase what the process no longer needs, and say what is kept and why",
    )
    personal.set_defaults(func=cmd_personal_data)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO
        if args.command == "run" or getattr(args, "verbose", False)
        else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not getattr(args, "verbose", False):
        logging.getLogger("alembic").setLevel(logging.WARNING)
    func: Command = args.func
    try:
        return func(args)
    except SettingsError as error:
        print(f"sanctuary-bot: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
