"""Alembic environment: runs on a connection Beacon passes in, or on DATABASE_URL from the CLI."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import Connection

from bot.storage.tables import metadata


def run_on(connection: Connection) -> None:
    """Run the migrations on a synchronous connection."""
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_from_settings() -> None:
    """Run the migrations against the configured DATABASE_URL (for the `alembic` CLI)."""
    from bot.settings import load_settings
    from bot.storage.database import make_engine

    engine = make_engine(load_settings().database_url)
    async with engine.begin() as connection:
        await connection.run_sync(run_on)
    await engine.dispose()


given = context.config.attributes.get("connection")
if given is not None:
    run_on(given)
else:
    asyncio.run(run_from_settings())
