"""User list bench for `bench/run.py`: a list of (nearly) every contact, its members.csv.

The list's filter is empty, so its members are every active, non-test contact the caller
may see: all of them for the workspace owner, the visible share for a member. The CSV is
fetched through the API with Django's test client and the streamed response consumed,
in the default columns (email, first and last name); target >= 200,000 rows/s. Raw: a
bare SELECT of the same three columns under the same conditions (and, for the member, the
same visibility rule in the same full-read shape, `bench.export.visibility_where`) streamed
from a database cursor into `csv.writer`.

    BENCH_CONTACTS=50000 python bench/run.py --members 0 --only sqlite
"""

import csv
import io
import os
import time

REPEAT = int(os.environ.get("BENCH_LISTS_REPEAT", "3"))
PIECE = 64 * 1024


def _best(fn, repeat: int = REPEAT) -> tuple[float, int]:
    """The fastest of `repeat` runs: (seconds, rows)."""
    best, rows = float("inf"), 0
    for _ in range(repeat):
        start = time.perf_counter()
        rows = fn()
        best = min(best, time.perf_counter() - start)
    return best, rows


def _raw_csv(ws, actor) -> int:
    """The members by hand: one SELECT streamed from a cursor into csv.writer."""
    from django.db import connection

    from bench.export import visibility_where

    rule, rule_params = visibility_where(ws, actor)  # the download's shape
    where = ["c.workspace_id = %s", "c.is_test = %s", "c.is_active = %s", rule]
    params: list = [ws.pk, False, True, *rule_params]
    sql = (
        "SELECT c.email, c.first_name, c.last_name FROM customers_contact c "
        f"WHERE {' AND '.join(where)} ORDER BY c.created_at DESC, c.id DESC"
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    rows = 0
    with connection.chunked_cursor() as cur:
        cur.execute(sql, params)
        while batch := cur.fetchmany(2000):
            writer.writerows(batch)
            rows += len(batch)
            if buffer.tell() >= PIECE:
                buffer.getvalue().encode()
                buffer.seek(0)
                buffer.truncate()
    buffer.getvalue().encode()
    return rows


def run(ws, member, contacts, emit) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from rapport.core import services as core_services
    from rapport.core.models import Membership
    from rapport.lists import services
    from rapport.lists.models import UserList
    from rapport.lists.selectors import read_filter, user_list_members

    owner = (
        Membership.objects.select_related("workspace", "user")
        .filter(workspace=ws, role="owner")
        .order_by("id")
        .first()
    )
    UserList.objects.filter(workspace=ws, name_key="bench: everyone").delete()  # a crashed run
    user_list = services.user_list_create(
        workspace=ws, actor=owner, data={"name": "Bench: everyone", "filter": {}}
    )
    try:
        for who, actor in (("owner", owner), ("member", member)):
            _token, raw_token = core_services.token_create(
                workspace=ws, actor=actor, name="bench lists"
            )
            client = Client(HTTP_AUTHORIZATION=f"Bearer {raw_token}")
            read = read_filter(workspace=ws, actor=actor, params=user_list.filter)
            expected = user_list_members(workspace=ws, actor=actor, read=read).count()

            def ours(client=client) -> int:
                response = client.get(f"/api/v1/lists/{user_list.pk}/members.csv")
                assert response.status_code == 200, response.content[:300]
                lines = 0
                for piece in response.streaming_content:
                    lines += piece.count(b"\r\n")
                return lines - 1  # the header

            def by_hand(actor=actor) -> int:
                return _raw_csv(ws, actor)

            ours_s, ours_rows = _best(ours)
            raw_s, raw_rows = _best(by_hand)
            # A quoted cell holding a line break would count twice; the seed has none.
            assert ours_rows == expected == raw_rows, (ours_rows, expected, raw_rows)
            with CaptureQueriesContext(connection) as ctx:
                ours()
            emit(
                table="data",
                work=f"user list CSV, {expected:,} members ({who})",
                ours=ours_rows / ours_s,
                raw=raw_rows / raw_s,
                unit="rows/s",
                target=">= 200,000 rows/s",
                queries=len(ctx.captured_queries),
            )
    finally:
        services.user_list_delete(workspace=ws, actor=owner, list_id=user_list.pk)
