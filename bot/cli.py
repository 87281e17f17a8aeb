"""The `sanctuary-bot` command line. The only place that reads `.env`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from dotenv import load_dotenv

from bot.settings import Settings, SettingsError

Command = Callable[[argparse.Namespace], int]


def _settings(*, for_run: bool = False) -> Settings:
    load_dotenv(os.path.join(os.getcwd(), ".env"))
    return Settings.from_env(os.environ, for_run=for_run)


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
SCANS = {"renewals": "renewal-nags"}


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
    from bot.clock import Clock, FixedClock, SystemClock
    from bot.context import Deps
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
            deps = Deps(settings=settings, sessions=make_session_factory(engine), clock=clock)
            client = make_client(deps)
            for job in wanted:
                result = await job.run(deps, client)
                print(f"[{job.id}] {result}", flush=True)
        finally:
            await engine.dispose()

    asyncio.run(run())
    return 0


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
