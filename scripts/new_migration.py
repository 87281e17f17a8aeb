"""Autogenerate the next Alembic migration from the SQLModel tables.

Usage: .venv/bin/python scripts/new_migration.py "what changed" 0002
"""

import asyncio
import sys
import tempfile
from pathlib import Path

from alembic import command

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models.db import make_engine
from models.migrate import alembic_config, upgrade


async def main(message: str, rev_id: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite+aiosqlite:///{tmp}/autogen.db")
        await upgrade(engine)

        def run(conn: object) -> None:
            config = alembic_config()
            config.attributes["connection"] = conn
            command.revision(config, message=message, autogenerate=True, rev_id=rev_id)

        async with engine.begin() as conn:
            await conn.run_sync(run)
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
