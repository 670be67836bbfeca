"""Alembic environment: the connection (or URL) comes from ``server.platform.migrate``."""

from alembic import context

from server.models import Base

target_metadata = Base.metadata
config = context.config


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
        return
    raise RuntimeError("run migrations through `kendali db upgrade` (server/platform/migrate.py)")


run_migrations_online()
