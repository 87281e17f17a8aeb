"""The `sanctuary-bot` command line. The only place that reads `.env`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date, datetime
from importlib import metadata
from typing import TypeVar

from dotenv import load_dotenv

from bot.domain.config import Settings
from bot.settings import SettingsError, load_settings
from models.db import SessionFactory

Command = Callable[[argparse.Namespace], int]


def _settings(*, for_run: bool = False, for_slack: bool = False) -> Settings:
    load_dotenv(os.path.join(os.getcwd(), ".env"))
    return load_settings(os.environ, for_run=for_run, for_slack=for_slack)


def cmd_run(_args: argparse.Namespace) -> int:
    from bot.runtime import run_forever

    settings = _settings(for_run=True)
    asyncio.run(run_forever(settings))
    return 0


def cmd_doctor(_args: argparse.Namespace) -> int:
    from bot.doctor import examine

    settings = _settings(for_slack=True)
    print("Checking the settings, the Slack app and the database:")
    findings = asyncio.run(examine(settings))
    width = max(len(f.what) for f in findings)
    for finding in findings:
        mark = "ok  " if finding.ok else "FAIL"
        print(f"  [{mark}] {finding.what:<{width}}  {finding.detail}")
    wrong = sum(not f.ok for f in findings)
    if wrong:
        print(f"{wrong} thing{'s' if wrong != 1 else ''} to fix (marked FAIL).")
        return 1
    print("All is well: `sanctuary-bot run` has what it needs.")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from bot.demo import play

    status: int = asyncio.run(play(verbose=args.verbose))
    return status


def cmd_db_upgrade(_args: argparse.Namespace) -> int:
    from bot.preflight import open_database
    from models.migrate import current_revision, upgrade

    settings = _settings()

    async def run() -> tuple[str | None, str | None]:
        engine = await open_database(settings.database_url, migrate=False)
        try:
            before = await current_revision(engine)
            await upgrade(engine)
            return before, await current_revision(engine)
        finally:
            await engine.dispose()

    before, after = asyncio.run(run())
    if before == after:
        print(f"The database is already at the latest revision ({after}); nothing to do.")
    elif before is None:
        print(f"Created the database's tables: it is at the latest revision ({after}).")
    else:
        print(f"Upgraded the database from revision {before} to {after}, the latest.")
    return 0


# `sanctuary-bot scan NAME` -> the scheduler job it runs once (`all` runs every job).
SCANS = {"renewals": "post-renewal-nags"}


def _parse_now(value: str) -> date | datetime:
    """A date (its start, in SANCTUARY_TIMEZONE) or a date-time (with a zone, or else in
    SANCTUARY_TIMEZONE), as ISO 8601 writes them."""
    try:
        if len(value.strip()) == len("2026-03-02"):
            return date.fromisoformat(value.strip())
        return datetime.fromisoformat(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is neither a date nor a date-time: write e.g. 2026-03-02, "
            "2026-03-02T09:00 (in SANCTUARY_TIMEZONE) or 2026-03-02T09:00+00:00"
        ) from None


def _moment(given: date | datetime, settings: Settings) -> datetime:
    if not isinstance(given, datetime):
        given = datetime.combine(given, datetime.min.time())
    if given.tzinfo is None:
        given = given.replace(tzinfo=settings.timezone)
    return given.astimezone(UTC)


def _scan_sentence(job_id: str, result: object) -> str:
    """What a scan did, in words (each job returns its own kind of report)."""
    if job_id == "post-pending-applications" and isinstance(result, int):
        return (
            f"{result} post(s) that Slack had refused earlier (applications, new rounds, "
            "decisions) now posted."
            if result
            else "Nothing was waiting to be posted."
        )
    if job_id == "erase-lapsed-contacts" and isinstance(result, list):
        if not result:
            return "No contact details were past the retention period."
        listed = ", ".join(f"#{n}" for n in result)
        return f"Contact details erased from {len(result)} application(s): {listed}."
    if job_id == "send-review-reminders":
        votes = len(getattr(result, "vote_reminders", []))
        warnings = len(getattr(result, "quorum_warnings", []))
        closed = len(getattr(result, "closed", []))
        ready = len(getattr(result, "ready_to_decide", []))
        return (
            f"{votes} vote reminder(s) and {warnings} quorum warning(s) sent; voting closed on "
            f"{closed} application(s) at their deadline, {ready} 'ready to decide' message(s) "
            "sent to staff."
        )
    if job_id == "send-due-connection-prompts" and isinstance(result, int):
        return f"{result} prompt(s) sent to people connected to an application under review."
    if job_id == "show-pending-amendments" and isinstance(result, int):
        return f"{result} amended decision(s) now shown on their post."
    if job_id == "forget-old-event-ids" and isinstance(result, int):
        return f"{result} Slack event id(s) too old to be retried forgotten."
    if isinstance(result, int):
        return f"{result} done."
    return str(result)


def cmd_scan(args: argparse.Namespace) -> int:
    """Run scan jobs once, as the scheduler would (at `--now`, if given), and say what they did."""
    from bot.app import make_client
    from bot.domain.clock import Clock, FixedClock, SystemClock
    from bot.preflight import open_database
    from bot.sending.context import Deps
    from models.db import make_session_factory
    from scheduler.jobs import JOBS

    settings = _settings(for_slack=True)
    wanted = [job for job in JOBS if args.scan == "all" or job.id == SCANS[args.scan]]
    clock: Clock = (
        FixedClock(_moment(args.now, settings)) if args.now is not None else SystemClock()
    )

    async def run() -> None:
        engine = await open_database(settings.database_url)
        try:
            # A fresh Deps: conversations the running bot holds back after a permanent refusal
            # (bot/sending/slack_health.py) are tried at once here, so a fixed channel posts now.
            deps = Deps(settings=settings, sessions=make_session_factory(engine), clock=clock)
            client = make_client(deps)
            for job in wanted:
                result = await job.run(deps, client)
                print(f"[{job.id}] {_scan_sentence(job.id, result)}", flush=True)
            await deps.home_tabs.settled()  # the Home tabs the jobs asked for
        finally:
            await engine.dispose()

    asyncio.run(run())
    return 0


T = TypeVar("T")


def _with_session(settings: Settings, work: Callable[[SessionFactory], Awaitable[T]]) -> T:
    """Open (and upgrade) the database, run `work` with a session factory, close it."""
    from bot.preflight import open_database
    from models.db import make_session_factory

    async def run() -> T:
        engine = await open_database(settings.database_url)
        try:
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


def _version() -> str:
    try:
        return metadata.version("sanctuary-network-bot")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sanctuary-bot",
        description="City of Sanctuary UK's Local Authority Network bot for Slack. Settings "
        "come from the environment or a .env file here (see .env.example).",
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {_version()}", help="say which version"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, summary: str, details: str = "") -> argparse.ArgumentParser:
        return sub.add_parser(
            name, help=summary, description=summary[0].upper() + summary[1:] + ". " + details
        )

    run = command(
        "run",
        "run the bot (Socket Mode if SLACK_APP_TOKEN is set, else HTTP on PORT)",
        "It first checks that Slack accepts the tokens and that SANCTUARY_CHANNEL is private "
        "with the bot in it, and stops with one line saying what to fix if not. Ctrl-C or "
        "SIGTERM stops it, after it has finished what Slack was told was received.",
    )
    run.add_argument(
        "--verbose",
        action="store_true",
        help="also log the libraries' own messages (the scheduler's jobs, the migrations)",
    )
    run.set_defaults(func=cmd_run)
    doctor = command(
        "doctor",
        "check the settings, the Slack app and the database, and list what to fix",
        "Tokens, granted scopes, the channel (private, the bot in it), staff ids, the "
        "database and its schema, the signing secret or app token. Changes nothing; exits "
        "with status 1 if something is wrong.",
    )
    doctor.set_defaults(func=cmd_doctor)
    demo = command(
        "demo",
        "play the whole story offline, against a stand-in for Slack",
        "Needs no settings: it uses a temporary database and a stand-in for Slack.",
    )
    demo.add_argument("--verbose", action="store_true", help="also log what the bot does")
    demo.set_defaults(func=cmd_demo)
    db = command("db", "database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_sub.add_parser(
        "upgrade",
        help="apply the schema migrations",
        description="Apply the schema migrations to DATABASE_URL and say whether anything "
        "changed (`run` does this at start too).",
    ).set_defaults(func=cmd_db_upgrade)
    scan = command(
        "scan",
        "run a scheduled scan once now (e.g. after an outage) and print what it did",
        "What it posts, it really posts. Needs the Slack settings, not the signing secret.",
    )
    scan.add_argument("scan", choices=[*SCANS, "all"], help="which scan (all: every one)")
    scan.add_argument(
        "--now",
        type=_parse_now,
        default=None,
        metavar="WHEN",
        help="scan as if it were this moment: a date (2026-03-02, its start) or a date-time "
        "(2026-03-02T09:00), in SANCTUARY_TIMEZONE unless it names a zone (…+00:00)",
    )
    scan.set_defaults(func=cmd_scan)
    export = command(
        "export",
        "write the public register (CSV or JSON), or with --audit the audit log (CSV)",
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
    imp = command(
        "import",
        "add councils that are already members from a CSV file (see docs/import-sample.csv)",
        "Nothing is written unless every line is valid; importing the same file again "
        "changes nothing.",
    )
    imp.add_argument("file", metavar="FILE.csv")
    imp.add_argument(
        "--dry-run", action="store_true", help="check the file and report; write nothing"
    )
    imp.set_defaults(func=cmd_import)
    personal = command(
        "personal-data",
        "what is held about a person (by email), and --erase it",
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


# Loggers whose INFO lines are the libraries' own chatter: shown only with --verbose.
_CHATTY = ("alembic", "apscheduler")


def main(argv: Sequence[str] | None = None) -> int:
    from bot.preflight import StartupError

    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    verbose = getattr(args, "verbose", False)
    logging.basicConfig(
        level=logging.INFO if args.command == "run" or verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not verbose:
        for name in _CHATTY:
            logging.getLogger(name).setLevel(logging.WARNING)
    func: Command = args.func
    try:
        return func(args)
    except SettingsError as error:
        for problem in error.problems:
            print(f"sanctuary-bot: {problem}", file=sys.stderr)
        return 2
    except StartupError as error:
        print(f"sanctuary-bot: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
