"""The prompt search of the gallery: each word must appear in the prompt, as a substring, whatever
its case — the same results as the search always gave (a LIKE per word, with the case forms SQLite's
ASCII-only LIKE needs) — but answered from the database's trigram index (made by the migration
`c4e8f1a2b3d7`) so a million prompts are not read one by one:

- PostgreSQL: `prompt ILIKE '%form%'` per case form, which `pg_trgm`'s GIN index answers; the
  planner weighs the index against walking the newest jobs first (a common word finds a page at once).
- SQLite has no such planner for its FTS5 index, so the search asks it: a word with few matches
  (under `RARE_MATCHES`) is looked up in the FTS5 trigram table (`MATCH` on a phrase: a phrase of
  trigrams matches where the word is a substring, case folded), then checked with LIKE as always;
  a common word is checked with LIKE while walking the newest jobs, which finds a page within a
  few hundred rows.

A word under 3 characters has no trigram: it is checked by reading prompts (LIKE), narrowed by any
longer word or filter of the same query. Two common words that rarely appear together read many.
"""

from __future__ import annotations

import unicodedata
from typing import Any

import sqlalchemy
from sqlalchemy import func, or_, select
from sqlmodel import col

from email_image_app.domain.job_records import Job

MAX_SEARCH_WORDS = 8
TRIGRAM = 3  # characters: a shorter word cannot use a trigram index
# SQLite: a word found in fewer prompts is looked up in the index (a short list to sort by date);
# a commoner one is checked while walking the newest jobs (a page is a few hundred rows away).
RARE_MATCHES = 1000

# The SQLite index's tables, for queries only (the migration creates them; no model describes them).
_search_metadata = sqlalchemy.MetaData()
_search_ids = sqlalchemy.Table(
    "jobs_search_ids",
    _search_metadata,
    sqlalchemy.Column("search_id", sqlalchemy.Integer, primary_key=True),
    sqlalchemy.Column("job_id", sqlalchemy.String(64)),
)
_search = sqlalchemy.Table(
    "jobs_search",
    _search_metadata,
    sqlalchemy.Column("rowid", sqlalchemy.Integer, primary_key=True),
    sqlalchemy.Column("prompt", sqlalchemy.Text),
)


def search_words(search: str) -> list[str]:
    return [unicodedata.normalize("NFC", word) for word in search.split()[:MAX_SEARCH_WORDS]]


def prompt_conditions(search: str, dialect: str, connection: sqlalchemy.Connection | None = None) -> list[Any]:
    """The WHERE conditions for `search` on a database of `dialect` ("sqlite", "postgresql", ...).
    On SQLite, `connection` lets it ask the index how common each word is (without: rare)."""
    conditions = []
    for word in search_words(search):
        conditions.append(_scanned(word, dialect))
        if dialect == "sqlite" and len(word) >= TRIGRAM and _is_rare(word, connection):
            conditions.append(col(Job.id).in_(_fts_matches(word)))
    return conditions


def _phrase(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'  # FTS5 query syntax: one quoted phrase, taken literally


def _fts_matches(word: str) -> Any:
    return (
        select(_search_ids.c.job_id)
        .join(_search, _search.c.rowid == _search_ids.c.search_id)
        .where(_search.c.prompt.op("MATCH")(_phrase(word)))
    )


def _is_rare(word: str, connection: sqlalchemy.Connection | None) -> bool:
    if connection is None:
        return True
    probe = select(func.count()).select_from(
        select(_search.c.rowid).where(_search.c.prompt.op("MATCH")(_phrase(word))).limit(RARE_MATCHES).subquery()
    )
    return connection.execute(probe).scalar_one() < RARE_MATCHES


def _scanned(word: str, dialect: str) -> Any:
    """The word's LIKE test: SQLite's LIKE ignores ASCII case by itself (lower() on every prompt
    would only cost time), ILIKE elsewhere; a word with other letters is tried in its case forms."""
    forms = [word] if word.isascii() else _case_forms(word)
    prompt = col(Job.prompt)
    like = prompt.like if dialect == "sqlite" else prompt.ilike
    return or_(*(like(f"%{_escape_like(form)}%", escape="\\") for form in forms))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _case_forms(word: str) -> list[str]:
    """SQLite's LIKE ignores case for ASCII letters only: 'é' must also find 'É' (scripts without
    case, Chinese or Arabic, give one form)."""
    return sorted({word, word.lower(), word.upper(), word.capitalize()})
