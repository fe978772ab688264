"""Search bench for `bench/run.py`: p95 of `GET /api/v1/search` as a member.

About a hundred terms of the kinds people type: three-letter prefixes of seeded first and
last names, whole names, a first name with the start of a surname, the start of an email
address, the last digits of a phone number, typos, and terms that match nothing.

ours: each request through Django's test client with the member's Bearer token (auth,
parsing, every relevance tier that runs, the visibility rule, serialisation), p95 in ms.
raw:  the engine alone for the same terms: one full-text statement, the words as word
      starts, a LIMIT of 20 and no visibility rule (SQLite: the FTS5 MATCH walked by
      rowid; PostgreSQL: the tsquery on the GIN over stored words), p95 in ms.
Target: < 50 ms p95.

The seeded rows are indexed by `seed-bench`; a database seeded before the index existed
(or otherwise out of step) is rebuilt here first, and that build is reported too.
"""

import random
import statistics
import sys
import time

ROUNDS = 3  # each term timed this many times; the p95 is over all samples


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _terms(ws) -> list[str]:
    from rapport.customers.models import Contact
    from rapport.customers.seed import FIRST, LAST
    from rapport.search.fold import fold

    rng = random.Random(11)
    firsts = [fold(n) for n in FIRST]
    lasts = [fold(n) for n in LAST if len(n) > 3]
    terms = [n[:3] for n in rng.sample(firsts, 30)]  # what people type first
    terms += [n[:3] for n in rng.sample(lasts, 20)]
    terms += rng.sample(firsts, 10) + rng.sample(lasts, 10)  # a whole name
    terms += [f"{rng.choice(firsts)} {rng.choice(lasts)[:3]}" for _ in range(10)]
    sample = list(
        Contact.objects.filter(workspace=ws).order_by("-pk").values_list("email", "phone")[:500]
    )
    picks = rng.sample(sample, 8)
    terms += [email[:9] for email, _phone in picks[:4]]  # the start of an address
    terms += [phone[-6:] for _email, phone in picks[4:]]  # the end of a phone number
    terms += ["kowalsky", "wisniewsky", "jovanovich", "papadopulos"]  # typos
    terms += ["zzqx", "qwertyuiop", "xylophone", "lodz"]  # nothing matches
    return terms


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


def _ensure_index(ws, emit) -> None:
    from rapport.customers.models import Contact
    from rapport.search.index import reindex
    from rapport.search.models import Entry

    contacts = Contact.objects.filter(workspace=ws).count()
    indexed = Entry.objects.filter(workspace=ws, kind="contact").count()
    if contacts == indexed:
        return
    _say(f"search: indexing {contacts:,} contacts ({indexed:,} in the index)…")
    started = time.perf_counter()
    counts = reindex(workspace_id=ws.pk)
    seconds = time.perf_counter() - started
    rows = sum(counts.values())
    _say(f"search: indexed {rows:,} rows in {seconds:.0f} s")
    emit(
        table="data",
        work="search index build",
        ours=rows / seconds,
        raw=None,
        unit="rows/s",
        target=f"{rows:,} rows",
        queries=None,
    )


def _raw_statement(ws, term: str):
    """The engine alone: the words typed as word starts, in one statement, LIMIT 20."""
    from django.db import connection

    from rapport.search.fold import fold
    from rapport.search.selectors import ALL_WORDS, _lexeme

    words = fold(term).split(" ")
    if connection.vendor == "sqlite":
        match = " AND ".join('"' + f" {w}".replace('"', '""') + '"' for w in words)
        return (
            "SELECT rowid FROM search_fts WHERE search_fts MATCH %s ORDER BY rowid DESC LIMIT 20",
            [match],
        )
    query = " & ".join(_lexeme(w, prefix=True) for w in words)
    return (
        f"SELECT id FROM search_entry WHERE workspace_id = %s AND {ALL_WORDS} @@ %s::tsquery "
        "LIMIT 20",
        [ws.pk, query],
    )


def run(*, ws, member, contacts: int, emit) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from rapport.core import services
    from rapport.core.models import ApiToken

    _ensure_index(ws, emit)
    _token, raw_token = services.token_create(workspace=ws, actor=member, name="bench-search")
    ApiToken.objects.filter(pk=_token.pk).update(last_used_at=timezone.now())
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw_token}")
    terms = _terms(ws)

    def ours(term: str) -> None:
        response = client.get("/api/v1/search", {"q": term})
        assert response.status_code == 200, response.content[:300]

    def by_hand(term: str) -> None:
        sql, params = _raw_statement(ws, term)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.fetchall()

    for term in terms:  # warm the caches as a running server's would be
        ours(term)
        by_hand(term)
    mine, theirs, most = [], [], 0
    for _ in range(ROUNDS):
        for term in terms:
            start = time.perf_counter()
            with CaptureQueriesContext(connection) as ctx:
                ours(term)
            mine.append((time.perf_counter() - start) * 1000)
            most = max(most, len(ctx.captured_queries))
            start = time.perf_counter()
            by_hand(term)
            theirs.append((time.perf_counter() - start) * 1000)
    slowest = sorted(zip(mine, terms * ROUNDS, strict=True), reverse=True)[:5]
    _say(
        f"search {connection.vendor}: p50 {statistics.median(mine):.1f} ms, "
        f"p95 {_p95(mine):.1f} ms over {len(terms)} terms; slowest "
        + ", ".join(f"{t!r} {ms:.0f} ms" for ms, t in slowest)
    )
    services.token_revoke(workspace=ws, actor=member, token_id=_token.pk)
    emit(
        table="data",
        work="search p95 (member, 3-letter prefix)",
        ours=_p95(mine),
        raw=_p95(theirs),
        unit="ms",
        target="< 50 ms p95",
        queries=most,
    )
