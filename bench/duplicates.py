"""Duplicates bench for `bench/run.py`: the scan, and a page of likely duplicates.

- scan: `duplicates_scan` of the contacts (email incl. other emails, phone, name within a
  company), the work the worker does for a big workspace. Raw: the email part alone as one
  bare GROUP BY ... HAVING COUNT(*) > 1 over the same rows.
- page: `GET /api/v1/contacts/duplicates` (owner, member) from the stored groups, first and
  third page. Raw: what a page would cost if it grouped the live rows instead, the
  GROUP BY LOWER(email) HAVING COUNT(*) > 1 LIMIT 51 a page would run (it reads every row
  before it can answer, since real duplicates are rare). Target: < 50 ms like any list.
- the worst reader: `duplicate_page` for a member who owns nothing and is in no team (sees
  only the unclaimed queue), so a page passes nearly every stored group. A membership that
  is never saved stands for them: the bench workspace's people stay as seeded.

    BENCH_CONTACTS=50000 python bench/run.py --members 0 --only sqlite
"""

import os
import statistics
import time

REPEAT = int(os.environ.get("BENCH_DUPLICATES_REPEAT", "5"))


def _ms(fn, repeat: int = REPEAT) -> float:
    fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def _raw_group_by(ws, limit: int | None) -> int:
    from django.db import connection

    sql = (
        "SELECT LOWER(email), COUNT(*) FROM customers_contact "
        "WHERE workspace_id = %s AND email <> '' GROUP BY LOWER(email) HAVING COUNT(*) > 1"
    )
    if limit:
        sql += f" ORDER BY LOWER(email) LIMIT {int(limit)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [ws.pk])
        return len(cursor.fetchall())


def run(ws, member, contacts, emit) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from rapport.core import services
    from rapport.core.models import Membership
    from rapport.customers.duplicates import duplicate_page, duplicates_scan

    start = time.perf_counter()
    scan = duplicates_scan(workspace=ws, entity="contact")
    scan_ms = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    _raw_group_by(ws, None)
    raw_ms = (time.perf_counter() - start) * 1000
    emit(
        table="data",
        work=f"duplicates scan of contacts ({scan.groups} groups, background)",
        ours=scan_ms,
        raw=raw_ms,
        unit="ms",
        target="(reported)",
        queries=None,
    )

    owner = (
        Membership.objects.select_related("workspace", "user")
        .filter(workspace=ws, role="owner")
        .order_by("id")
        .first()
    )
    live_ms = _ms(lambda: _raw_group_by(ws, 51), repeat=1)
    for who, actor in (("owner", owner), ("member", member)):
        _token, raw_token = services.token_create(workspace=ws, actor=actor, name="bench dups")
        client = Client(HTTP_AUTHORIZATION=f"Bearer {raw_token}")

        def page(cursor=None, client=client) -> str | None:
            params = {"limit": 50, **({"cursor": cursor} if cursor else {})}
            response = client.get("/api/v1/contacts/duplicates", params)
            assert response.status_code == 200, response.content[:300]
            return response.json()["next"]

        third = page(page())
        for label, cursor in (("page 1", None), ("page 3", third)):
            # Counted by a wrapper: the test client's request resets connection.queries.
            executed: list[str] = []

            def count(run, sql, *args, executed=executed):
                executed.append(sql)
                return run(sql, *args)

            with connection.execute_wrapper(count):
                page(cursor)
            emit(
                table="data",
                work=f"duplicates list, contacts ({who}, {label})",
                ours=_ms(lambda cursor=cursor: page(cursor)),
                raw=live_ms,
                unit="ms",
                target="< 50 ms",
                queries=len(executed),
            )

    newcomer = Membership(workspace=ws, user_id=0, role="member")  # owns nothing, no teams

    def first_page():
        return duplicate_page(workspace=ws, actor=newcomer, entity="contact", limit=50)

    with CaptureQueriesContext(connection) as ctx:
        first_page()
    emit(
        table="data",
        work="duplicates list, contacts (member who sees only the unclaimed, page 1)",
        ours=_ms(first_page),
        raw=live_ms,
        unit="ms",
        target="< 50 ms",
        queries=len(ctx.captured_queries),
    )
