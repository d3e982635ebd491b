"""The prompt search of the gallery: each word must appear in the prompt, as a substring, whatever
its case. One condition per word, written for the database's own trigram index (made by the
migration `c4e8f1a2b3d7`) so a million prompts are not read one by one:

- PostgreSQL: `prompt ILIKE '%word%'`, which `pg_trgm`'s GIN index answers. ILIKE folds case by
  the database's ctype: a UTF-8 one (what `initdb` gives in a UTF-8 environment) folds 'ÉTÉ' to
  'été'; a `C` ctype folds ASCII only, as SQLite's LIKE does.
- SQLite: a phrase `MATCH` on the FTS5 trigram table `jobs_search`: a phrase of trigrams matches
  exactly where the word is a substring, with Unicode case folding (the tokenizer's).

A word under 3 characters has no trigram: it is checked by reading the prompts (today's LIKE, with
the case forms SQLite's ASCII-only LIKE needs), which a longer word in the same search narrows.
"""

from __future__ import annotations

import unicodedata
from typing import Any

import sqlalchemy
from sqlalchemy import or_, select
from sqlmodel import col

from email_image_app.domain.job_records import Job

MAX_SEARCH_WORDS = 8
TRIGRAM = 3  # characters: a shorter word cannot use a trigram index

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


def prompt_conditions(search: str, dialect: str) -> list[Any]:
    """The WHERE conditions for `search` on a database of `dialect` ("sqlite", "postgresql", ...)."""
    conditions = []
    for word in search_words(search):
        if len(word) < TRIGRAM:
            conditions.append(_scanned(word))
        elif dialect == "sqlite":
            conditions.append(_fts_match(word))
        else:
            conditions.append(col(Job.prompt).ilike(f"%{_escape_like(word)}%", escape="\\"))
    return conditions


def _fts_match(word: str) -> Any:
    phrase = '"' + word.replace('"', '""') + '"'  # FTS5 query syntax: one quoted phrase, taken literally
    matching = (
        select(_search_ids.c.job_id)
        .join(_search, _search.c.rowid == _search_ids.c.search_id)
        .where(_search.c.prompt.op("MATCH")(phrase))
    )
    return col(Job.id).in_(matching)


def _scanned(word: str) -> Any:
    return or_(*(col(Job.prompt).ilike(f"%{_escape_like(form)}%", escape="\\") for form in _case_forms(word)))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _case_forms(word: str) -> list[str]:
    """SQLite's LIKE ignores case for ASCII letters only: 'é' must also find 'É' (scripts without
    case, Chinese or Arabic, give one form)."""
    return sorted({word, word.lower(), word.upper(), word.capitalize()})
