"""The `sanctuary-bot` command line. The only place that reads `.env`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Callable, Sequence

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
