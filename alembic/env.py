"""Alembic environment of the job history database.

The app calls `database.upgrade()` at start with its own connection in `config.attributes`; the
`alembic` command line gets one from rxconfig's `db_url`. (`reflex db ...` does not use this file.)
"""

from logging.config import fileConfig

import sqlalchemy
from alembic import context

from email_image_app.domain import database
from email_image_app.domain import schema

config = context.config
target_metadata = schema.metadata()


def run_migrations(connection: sqlalchemy.Connection) -> None:
    # Batch mode: SQLite can only change a table by copying it.
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        include_object=schema.include_object,  # the search index is the migration's own
    )
    with context.begin_transaction():
        context.run_migrations()


given_connection = config.attributes.get("connection")
if given_connection is not None:
    run_migrations(given_connection)
else:
    if config.config_file_name is not None:
        fileConfig(config.config_file_name)  # the command line's logging; never inside the app
    engine = sqlalchemy.create_engine(database.database_url(), poolclass=sqlalchemy.pool.NullPool)
    with engine.connect() as connection:
        run_migrations(connection)
