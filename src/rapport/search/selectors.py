"""Search: what the actor may see that matches the query, best first, in a bounded number
of queries whatever the size of the workspace.

Relevance comes in tiers. Each tier is one query that walks its matches and stops at
the limit; a tier runs only while the ones before it have not filled the limit, and the
last two are fallbacks, run only when no word starts as typed:

1. `word`    every term is a whole word of the title      ("jan" finds Jan Smit)
2. `title`   every term starts a word of the title        ("jan" finds Jana, Jansen)
3. `prefix`  every term starts a word of any field        ("ada.kow" finds the email)
4. `inside`  every term is inside some word               ("345 678" in a phone number)
5. `near`    every term is about one typo from a word     ("lovelase" finds Lovelace)

The fallbacks are what costs: a match inside a word or one typo away cannot use a word
index, and they would add little to results that already start as typed.

Visibility is part of each query: the kind's provider gives a filter on index rows (for
contacts, an EXISTS on the contact behind the row with the one visibility rule), so a
member who sees 1% of a million contacts gets a LIMIT-bounded walk in SQL, never the
first N matches filtered afterwards. Live providers (people, teams, pages) add their hits
on the same scale of tiers.
"""

import operator
from dataclasses import dataclass
from functools import reduce

from django.db import connection
from django.db.models import Q

from rapport.core.models import Membership, Workspace
from rapport.search import registry
from rapport.search.fold import fold, looks_like_phone, phone_digits
from rapport.search.models import Entry, Pending
from rapport.search.registry import HIDDEN, Hit

MIN_CHARS = 2
MAX_CHARS = 100
MAX_TERMS = 5
MAX_TERM = 40
DEFAULT_LIMIT = 20
MAX_LIMIT = 50
TIERS = ("word", "title", "prefix", "inside", "near")
FALLBACKS = ("inside", "near")
# Where index tiers sit among the live providers' ranks (0 whole word, 1 word start,
# 2 inside a word), so that a team called "Jansen" sorts among the Jansen contacts.
RANK = {"word": 0, "title": 1, "prefix": 1.5, "inside": 2, "near": 3}
# Typo tolerance needs a term long enough that part of it still pins the word down.
NEAR_MIN = 5
# Long numbers match on SQLite by their last digits (see `_sqlite_tier`).
DIGITS_TAIL = 5


def _fuzzy(term: str) -> bool:
    """Whether a term gets typo tolerance: a word of some length, not a number (a phone
    or an order number one digit off is another one)."""
    return len(term) >= NEAR_MIN and not any(ch.isdigit() for ch in term)


@dataclass(frozen=True)
class Query:
    terms: list[str]  # folded, as the index stores words
    raw: list[str]  # lowercased as typed, for live providers that match in SQL


def parse_query(text: str | None) -> Query | None:
    """The terms of a query, or None when there is not enough to search for. A query
    that looks like a phone number becomes its digits (see `fold.phone_digits`)."""
    text = "".join(ch for ch in (text or "")[: MAX_CHARS * 4] if ch.isprintable())[:MAX_CHARS]
    if looks_like_phone(text):
        digits = phone_digits(text)[:MAX_TERM]
        return Query([digits], [text.strip().lower()]) if len(digits) >= MIN_CHARS else None
    terms = list(dict.fromkeys(t[:MAX_TERM] for t in fold(text).split()))[:MAX_TERMS]
    if not any(len(t) >= MIN_CHARS for t in terms):
        return None
    raw = list(dict.fromkeys(text.lower().split()))[:MAX_TERMS]
    return Query(terms, raw)


def search(
    *, workspace: Workspace, actor: Membership, query: str | None, limit: int = DEFAULT_LIMIT
) -> list[Hit]:
    """Up to `limit` hits the actor may see, best first; [] for a query too short."""
    parsed = parse_query(query)
    if parsed is None:
        return []
    limit = max(1, min(limit, MAX_LIMIT))
    indexed = registry.indexed()
    ranked: list[tuple[float, Hit]] = []
    scope = _scope(workspace, actor, indexed)
    if scope is not None:
        tier_sql = _postgres_tier if connection.vendor == "postgresql" else _sqlite_tier
        seen: list[int] = []
        for tier in TIERS:
            if len(seen) >= limit or (seen and tier in FALLBACKS):
                break
            statement = tier_sql(tier, parsed.terms, scope, seen, limit - len(seen))
            if statement is None:
                continue
            with connection.cursor() as cursor:
                cursor.execute(*statement)
                rows = cursor.fetchall()
            for pk, kind, object_id, title, subtitle in rows:
                seen.append(pk)
                provider = indexed[kind]
                url = provider.url(slug=workspace.slug, object_id=object_id)
                hit = Hit(kind, object_id, title, subtitle, url, str(provider.label))
                ranked.append((RANK[tier], hit))
    for provider in registry.live().values():
        ranked.extend(
            provider.search(
                workspace=workspace, actor=actor, terms=parsed.terms, raw=parsed.raw, limit=limit
            )
        )
    if any(rank < RANK["inside"] for rank, _hit in ranked):
        # As for the index: matches inside words only when no word starts as typed.
        ranked = [pair for pair in ranked if pair[0] < RANK["inside"]]
    ranked.sort(key=lambda pair: pair[0])  # stable: the order within a tier stays
    return [hit for _rank, hit in ranked[:limit]]


def _scope(workspace: Workspace, actor: Membership, indexed: dict) -> tuple[str, list] | None:
    """The WHERE clause (on `search_entry`) of what the actor may see, kind by kind, as
    SQL compiled once per search; None when the actor may see no kind at all."""
    free: list[str] = []
    rules: list[Q] = []
    for kind, provider in indexed.items():
        rule = provider.visible(actor=actor)
        if rule is None:
            free.append(kind)
        elif rule is not HIDDEN:
            rules.append(Q(kind=kind) & rule)
    parts = ([Q(kind__in=free)] if free else []) + rules
    if not parts:
        return None
    scope = Q() if len(free) == len(indexed) else reduce(operator.or_, parts)
    qs = Entry.objects.filter(workspace_id=workspace.pk).filter(scope)
    return qs.query.get_compiler(using=qs.db).compile(qs.query.where)


COLUMNS = (
    "search_entry.id, search_entry.kind, search_entry.object_id, "
    "search_entry.title, search_entry.subtitle"
)


def _not_seen(seen: list[int]) -> tuple[str, list]:
    if not seen:
        return "", []
    return f" AND search_entry.id NOT IN ({', '.join(['%s'] * len(seen))})", list(seen)


# --- SQLite: FTS5 trigram ----------------------------------------------------------------


def _phrase(text: str) -> str:
    """An FTS5 string: quotes, `*`, `^`, `-`, NEAR, AND… inside it are plain characters."""
    return '"' + text.replace('"', '""') + '"'


def _pattern(tier: str, term: str) -> str:
    """The substring of the stored key that the term must be in this tier (the stored
    words have a space on each side, so " lov" is "a word starting with lov")."""
    if tier == "word":
        return f" {term} "
    if tier in ("title", "prefix") or len(term) < 3:
        return f" {term}"
    return term


def _halves(term: str) -> tuple[str, str]:
    """Two pieces of a term of which one typo leaves at least one intact: the start of
    the word and the end of the term, one character apart so that two swapped letters
    cannot break both (from six characters on)."""
    head = (len(term) - 1) // 2
    return term[:head], term[head + 1 :] if len(term) >= 6 else term[head:]


def _sqlite_tier(tier: str, terms: list[str], scope, seen: list[int], limit: int):
    """The tier as an FTS5 MATCH that drives the query (CROSS JOIN fixes SQLite's join
    order) walked by rowid, newest first, so SQLite stops at the LIMIT instead of sorting
    every match. The trigram tokenizer finds any substring of three characters or more;
    shorter ones, and the parts of a term left out of the MATCH, are checked by `instr`
    on the few rows the MATCH lets through."""
    if tier == "near" and not any(_fuzzy(t) for t in terms):
        return None  # the prefix tier has already answered exactly this
    title_only = tier in ("word", "title")
    column = "search_entry.title_key" if title_only else _BOTH
    phrases: list[str] = []
    checks: list[tuple[str, str]] = []
    for term in terms:
        if tier == "near" and _fuzzy(term):
            head, tail = _halves(term)
            phrases.append(f"({_phrase(' ' + head)} OR {_phrase(tail)})")
            checks.append((f"rapport_near({column}, %s)", term))
            continue
        pattern = _pattern("prefix" if tier == "near" else tier, term)
        if term.isdigit() and len(term) > DIGITS_TAIL:
            # Phone numbers share their first digits (country and area codes), whose
            # trigrams are in nearly every row: match the rarer last digits, check the rest.
            phrases.append(_phrase(pattern[-DIGITS_TAIL:]))
            checks.append((f"instr({column}, %s) > 0", pattern))
        elif len(pattern) >= 3:
            phrases.append(_phrase(pattern))
        else:
            checks.append((f"instr({column}, %s) > 0", pattern))
    if not phrases:
        return None
    match = " AND ".join(phrases)
    # Titles have an FTS table of their own: a column filter on the shared one would
    # still walk every row whose email holds the word.
    fts = "search_title_fts" if title_only else "search_fts"
    scope_sql, scope_params = scope
    skip_sql, skip_params = _not_seen(seen)
    check_sql = "".join(f" AND {sql}" for sql, _value in checks)
    sql = (
        f"SELECT {COLUMNS} FROM {fts} CROSS JOIN search_entry "
        f"ON search_entry.id = {fts}.rowid "
        f"WHERE {fts} MATCH %s{check_sql}{skip_sql} AND {scope_sql} "
        f"ORDER BY {fts}.rowid DESC LIMIT %s"
    )
    params = [match, *(value for _sql, value in checks), *skip_params, *scope_params, limit]
    return sql, params


_BOTH = "(search_entry.title_key || search_entry.body_key)"


# --- PostgreSQL: tsvector and pg_trgm --------------------------------------------------


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _lexeme(term: str, prefix: bool) -> str:
    """A term as a tsquery operand: quoted (so `&`, `!`, `:` are plain characters) and,
    for a word start, with `:*`."""
    quoted = "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"
    return f"{quoted}:*" if prefix else quoted


# The stored words as lexemes: the very expressions indexed by migration 0004.
TITLE_WORDS = "array_to_tsvector(array_remove(string_to_array(search_entry.title_key, ' '), ''))"
ALL_WORDS = (
    "array_to_tsvector(array_remove(string_to_array("
    "search_entry.title_key || search_entry.body_key, ' '), ''))"
)


# A word this similar to a term (pg_trgm's word similarity) is one typo away: a letter
# wrong, missing or extra in a name of six or more ("lovelase", "lovlace": 0.67, 0.55).
PG_WORD_SIMILARITY = 0.5


def _postgres_tier(tier: str, terms: list[str], scope, seen: list[int], limit: int):
    """The tier in one indexed condition: whole words and word starts as a tsquery on the
    stored words (GIN over lexemes), matches inside words as LIKE and typos as pg_trgm's
    word-similarity operator (GIN over trigrams).

    No ORDER BY, on purpose: a bitmap scan hands rows over in table order, so without a
    sort PostgreSQL stops reading at the LIMIT; sorting by recency would first fetch and
    check every match (16,000 rows for a common surname at a million contacts, most of
    them invisible to a member). Within a tier PostgreSQL therefore lists matches in
    table order, where SQLite lists the newest first."""
    conditions: list[str] = []
    params: list = []
    if tier in ("word", "title", "prefix"):
        words = TITLE_WORDS if tier != "prefix" else ALL_WORDS
        query = " & ".join(_lexeme(t, prefix=tier != "word") for t in terms)
        conditions.append(f"{words} @@ %s::tsquery")
        params.append(query)
    else:
        for term in terms:
            if tier == "near" and _fuzzy(term):
                # The candidates share a piece that one typo leaves intact (cheap in the
                # indexes, unlike pg_trgm's own `<%`, which adds up the postings of every
                # trigram of the term), then pass pg_trgm's word similarity.
                head, tail = _halves(term)
                conditions.append(
                    f"({ALL_WORDS} @@ %s::tsquery OR search_entry.title_key LIKE %s "
                    "OR search_entry.body_key LIKE %s) AND GREATEST("
                    "word_similarity(%s, search_entry.title_key), "
                    "word_similarity(%s, search_entry.body_key)) >= %s"
                )
                params += [
                    _lexeme(head, prefix=True),
                    _like(tail),
                    _like(tail),
                    term,
                    term,
                    PG_WORD_SIMILARITY,
                ]
            elif tier == "near" or len(term) < 3:
                conditions.append(f"{ALL_WORDS} @@ %s::tsquery")
                params.append(_lexeme(term, prefix=True))
            else:
                pattern = _like(term)
                conditions.append(
                    "(search_entry.title_key LIKE %s OR search_entry.body_key LIKE %s)"
                )
                params += [pattern, pattern]
        if tier == "near" and not any(_fuzzy(t) for t in terms):
            return None  # the prefix tier has already answered exactly this
    scope_sql, scope_params = scope
    skip_sql, skip_params = _not_seen(seen)
    sql = (
        f"SELECT {COLUMNS} FROM search_entry WHERE {' AND '.join(conditions)}{skip_sql} "
        f"AND {scope_sql} LIMIT %s"
    )
    return sql, [*params, *skip_params, *scope_params, limit]


def catching_up(*, workspace_id: int) -> bool:
    """Whether records of this workspace wait for `index.catch_up` (just imported)."""
    return Pending.objects.filter(workspace_id=workspace_id).exists()
