"""prompt search index, job leases, the gallery's "Mine" index, aware datetimes on PostgreSQL

Revision ID: c4e8f1a2b3d7
Revises: b7c1e2d3a4f5
Create Date: 2026-12-02 10:00:00

- Prompt search: a trigram index, so `search` finds a substring among a million prompts without
  reading them all. PostgreSQL: `pg_trgm`'s GIN index on `jobs.prompt` (ILIKE uses it). SQLite:
  an FTS5 table with the trigram tokenizer, kept in step with `jobs` by triggers. It is contentless
  (the prompt is not stored twice): `jobs_search_ids` gives each job a stable integer for it, since
  the rowid of a table keyed by text may change on VACUUM.
- Leases: who runs a running job and until when (`lease_holder`, `lease_expires_at`).
- `ix_jobs_owner_created_at_id`: "Mine", newest first, is an index range scan (it replaces the
  owner-only index, its prefix).
- PostgreSQL only: the accounts' datetimes become `timestamptz`, as the models (UTC-aware) and the
  jobs table have them, so a server whose time zone is not UTC does not shift them. SQLite keeps
  its text timestamps: it has no time-zone type to change.
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "c4e8f1a2b3d7"
down_revision: Union[str, Sequence[str], None] = "b7c1e2d3a4f5"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

ACCOUNT_DATETIMES = (
    ("accounts", "created_at"),
    ("auth_sessions", "created_at"),
    ("auth_sessions", "expires_at"),
    ("api_tokens", "created_at"),
    ("api_tokens", "last_used_at"),
)

# The search index on SQLite. A job's search row is found through `jobs_search_ids` (an index on
# job_id); the FTS table is told the old prompt to forget it, as contentless tables require.
SQLITE_SEARCH = (
    "CREATE TABLE jobs_search_ids (search_id INTEGER PRIMARY KEY, job_id VARCHAR(64) NOT NULL UNIQUE)",
    "CREATE VIRTUAL TABLE jobs_search USING fts5(prompt, content='', tokenize='trigram')",
    """CREATE TRIGGER jobs_search_insert AFTER INSERT ON jobs BEGIN
        INSERT INTO jobs_search_ids (job_id) VALUES (new.id);
        INSERT INTO jobs_search (rowid, prompt)
            VALUES ((SELECT search_id FROM jobs_search_ids WHERE job_id = new.id), new.prompt);
    END""",
    """CREATE TRIGGER jobs_search_delete AFTER DELETE ON jobs BEGIN
        INSERT INTO jobs_search (jobs_search, rowid, prompt)
            VALUES ('delete', (SELECT search_id FROM jobs_search_ids WHERE job_id = old.id), old.prompt);
        DELETE FROM jobs_search_ids WHERE job_id = old.id;
    END""",
    """CREATE TRIGGER jobs_search_update AFTER UPDATE OF prompt ON jobs WHEN old.prompt IS NOT new.prompt BEGIN
        INSERT INTO jobs_search (jobs_search, rowid, prompt)
            VALUES ('delete', (SELECT search_id FROM jobs_search_ids WHERE job_id = old.id), old.prompt);
        INSERT INTO jobs_search (rowid, prompt)
            VALUES ((SELECT search_id FROM jobs_search_ids WHERE job_id = new.id), new.prompt);
    END""",
    # Jobs recorded before this revision.
    "INSERT INTO jobs_search_ids (job_id) SELECT id FROM jobs",
    """INSERT INTO jobs_search (rowid, prompt)
        SELECT ids.search_id, jobs.prompt FROM jobs JOIN jobs_search_ids AS ids ON ids.job_id = jobs.id""",
)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    # add_column and indexes need no table copy on SQLite (batch mode's "auto" alters in place), so
    # the triggers below are not lost to a rebuilt `jobs`.
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lease_holder", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
        batch_op.add_column(sa.Column("lease_expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.create_index("ix_jobs_owner_created_at_id", ["owner_id", "created_at", "id"], unique=False)
        batch_op.drop_index("ix_jobs_owner_id")

    if dialect == "postgresql":
        # pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may create it.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX ix_jobs_prompt_trgm ON jobs USING gin (prompt gin_trgm_ops)")
        for table, column in ACCOUNT_DATETIMES:
            op.execute(
                f"ALTER TABLE {table} ALTER COLUMN {column} TYPE timestamptz USING {column} AT TIME ZONE 'UTC'"
            )
    elif dialect == "sqlite":
        for statement in SQLITE_SEARCH:
            op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for table, column in ACCOUNT_DATETIMES:
            op.execute(
                f"ALTER TABLE {table} ALTER COLUMN {column} TYPE timestamp USING {column} AT TIME ZONE 'UTC'"
            )
        op.execute("DROP INDEX ix_jobs_prompt_trgm")
    elif dialect == "sqlite":
        for name in ("jobs_search_insert", "jobs_search_delete", "jobs_search_update"):
            op.execute(f"DROP TRIGGER {name}")
        op.execute("DROP TABLE jobs_search")
        op.execute("DROP TABLE jobs_search_ids")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index("ix_jobs_owner_id", ["owner_id"], unique=False)
        batch_op.drop_index("ix_jobs_owner_created_at_id")
        batch_op.drop_column("lease_expires_at")
        batch_op.drop_column("lease_holder")
