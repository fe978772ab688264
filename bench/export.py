"""Export benches for `bench/run.py`: CSV and XLSX of the contacts list, beside raw SQL.

- CSV as a member (the visibility rule filters) and as the owner (every contact), through
  the API with Django's test client, consuming the streamed response; target ≥ 200,000
  rows/s. Raw: a bare SELECT of the same columns and the same visibility rule (in the
  full-read shape exports use on each database, `visibility_where`) streamed from a DB cursor to
  `csv.writer` (no names behind ids, no neutralising). For the member, the same bare
  SELECT with the list pages' per-row probe is reported beside it.
- The same CSV in plain columns only (email, first and last name: the user-list download
  case), beside a bare SELECT of those three columns.
- XLSX as the member (no target: XLSX is slow by nature; the figure is reported).

    BENCH_CONTACTS=50000 python bench/run.py --members 0 --only sqlite
"""

import csv
import io
import os
import time

REPEAT = int(os.environ.get("BENCH_EXPORT_REPEAT", "3"))
XLSX_ROWS = int(os.environ.get("BENCH_EXPORT_XLSX_ROWS", "200000"))

# The default export's own columns, by hand (names of company, source, labels and owner
# are what our code adds on top).
RAW_COLUMNS = (
    "c.id, c.first_name, c.last_name, c.email, c.phone, c.company_id, c.job_title, c.role, "
    "c.source_id, c.owner_id, c.created_at, c.custom"
)
PLAIN_KEYS = "email,first_name,last_name"
PLAIN_COLUMNS = "c.email, c.first_name, c.last_name"


def _best(fn, repeat: int = REPEAT) -> tuple[float, int]:
    """The fastest of `repeat` runs: (seconds, rows)."""
    best, rows = float("inf"), 0
    for _ in range(repeat):
        start = time.perf_counter()
        rows = fn()
        best = min(best, time.perf_counter() - start)
    return best, rows


def visibility_where(ws, actor, shape: str | None = None) -> tuple[str, list]:
    """The visibility rule for `customers_contact c`, by hand, in one of its shapes:
    "probe" (the list pages': a per-row EXISTS over the row's team shares), "ids" (full
    reads on SQLite: the visible ids gathered from my contacts, the unclaimed ones and
    my teams' shares, each row then fetched by id) or "scan" (full reads on PostgreSQL:
    every row tested against my teams' shared ids, hashed once). None: the full-read
    shape of the database in use."""
    from django.db import connection

    if actor.is_owner:
        return "TRUE", []
    if shape is None:
        shape = "scan" if connection.vendor == "postgresql" else "ids"
    if shape in ("scan", "probe"):
        # One of my teams among the row's shares: from the ids shared with my teams
        # (hashed once), or probed per row.
        teams = {
            "scan": "c.id IN (SELECT s.contact_id FROM core_teammember t "
            "JOIN customers_contactteam s ON s.team_id = t.team_id WHERE t.workspace_id = %s "
            "AND t.user_id = %s AND s.workspace_id = %s)",
            "probe": "EXISTS (SELECT 1 FROM core_teammember t WHERE t.workspace_id = %s "
            "AND t.user_id = %s AND t.team_id IN (SELECT s.team_id FROM customers_contactteam s "
            "WHERE s.workspace_id = %s AND s.contact_id = c.id))",
        }[shape]
        return (
            f"(c.owner_id = %s OR c.owner_id IS NULL OR (c.visibility = 'teams' AND {teams}))",
            [actor.user_id, ws.pk, actor.user_id, ws.pk],
        )
    return (
        "c.id IN (SELECT o.id FROM customers_contact o WHERE o.workspace_id = %s "
        "AND o.owner_id = %s UNION ALL SELECT u.id FROM customers_contact u "
        "WHERE u.workspace_id = %s AND u.owner_id IS NULL UNION ALL SELECT s.contact_id "
        "FROM core_teammember t JOIN customers_contactteam s ON s.team_id = t.team_id "
        "WHERE t.workspace_id = %s AND t.user_id = %s AND s.workspace_id = %s) "
        "AND (c.owner_id = %s OR c.owner_id IS NULL OR c.visibility = 'teams')",
        [ws.pk, actor.user_id, ws.pk, ws.pk, actor.user_id, ws.pk, actor.user_id],
    )


def _raw_csv(ws, actor, columns: str = RAW_COLUMNS, shape: str | None = None) -> int:
    """The same rows by hand: one SELECT streamed from a cursor into csv.writer."""
    from django.db import connection

    rule, rule_params = visibility_where(ws, actor, shape)
    where = ["c.workspace_id = %s", "c.is_test = %s", rule]
    params: list = [ws.pk, False, *rule_params]
    sql = (
        f"SELECT {columns} FROM customers_contact c WHERE {' AND '.join(where)} "
        "ORDER BY c.created_at DESC, c.id DESC"
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    rows = 0
    with connection.chunked_cursor() as cur:
        cur.execute(sql, params)
        while batch := cur.fetchmany(2000):
            writer.writerows(batch)
            rows += len(batch)
            if buffer.tell() >= 64 * 1024:
                buffer.getvalue().encode()
                buffer.seek(0)
                buffer.truncate()
    return rows


def run(ws, member, contacts, emit) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from rapport.core import services
    from rapport.core.models import Membership
    from rapport.customers.selectors import contact_visible
    from rapport.dataio.exporting import export_prepare

    owner = (
        Membership.objects.select_related("workspace", "user")
        .filter(workspace=ws, role="owner")
        .order_by("id")
        .first()
    )

    for who, actor in (("member", member), ("owner", owner)):
        _token, raw_token = services.token_create(workspace=ws, actor=actor, name="bench export")
        client = Client(HTTP_AUTHORIZATION=f"Bearer {raw_token}")
        visible = contact_visible(workspace=ws, actor=actor).filter(is_test=False).count()

        def ours(client=client, params=None) -> int:
            response = client.get("/api/v1/contacts/export.csv", params or {})
            assert response.status_code == 200, response.content[:300]
            lines = 0
            for piece in response.streaming_content:
                lines += piece.count(b"\r\n")
            return lines - 1

        # Warm up (URL resolving, schemas, translations) on a tiny export first.
        assert client.get("/api/v1/contacts/export.csv", {"q": "no-such-person"}).status_code == 200
        for work, params, columns in (
            (f"export contacts CSV ({who}, all visible)", None, RAW_COLUMNS),
            (f"export contacts CSV, email + names ({who})", {"columns": PLAIN_KEYS}, PLAIN_COLUMNS),
        ):

            def by_hand(actor=actor, columns=columns) -> int:
                return _raw_csv(ws, actor, columns)

            ours_s, ours_rows = _best(lambda params=params: ours(params=params))
            raw_s, raw_rows = _best(by_hand)
            # A quoted cell holding a line break would count twice; the seed has none.
            assert ours_rows == visible == raw_rows, (ours_rows, visible, raw_rows)
            with CaptureQueriesContext(connection) as ctx:
                ours(params=params)
            emit(
                table="data",
                work=work,
                ours=ours_rows / ours_s,
                raw=raw_rows / raw_s,
                unit="rows/s",
                target=">= 200,000 rows/s",
                queries=len(ctx.captured_queries),
            )

        if not actor.is_owner:
            # The same bare SELECT with the list pages' shape of the rule, for comparison.
            probe_s, probe_rows = _best(lambda actor=actor: _raw_csv(ws, actor, shape="probe"))
            assert probe_rows == visible, (probe_rows, visible)
            emit(
                table="data",
                work=f"bare SELECT, per-row visibility probe ({who})",
                ours=probe_rows / probe_s,
                raw=None,
                unit="rows/s",
                target="(reported)",
                queries=None,
            )

    member_visible = contact_visible(workspace=ws, actor=member).filter(is_test=False).count()

    # XLSX: the member's list, capped so a run stays in minutes (rows/s does not depend
    # on the length).
    def xlsx() -> int:
        export = export_prepare(workspace=ws, actor=member, entity="contact", fmt="xlsx", params={})
        rows = export.rows
        export.rows = _capped(rows, XLSX_ROWS)
        out = io.BytesIO()
        export.write(out)
        return min(XLSX_ROWS, member_visible)

    seconds, rows = _best(xlsx, repeat=1)
    emit(
        table="data",
        work="export contacts XLSX (member)",
        ours=rows / seconds,
        raw=None,
        unit="rows/s",
        target="(reported)",
        queries=None,
    )


def _capped(rows, limit: int):
    """The first `limit` rows of an export's `Rows`, still in batches."""
    from rapport.dataio.exporting import Rows

    def batches():
        left = limit
        for batch in rows.batches():
            if left <= 0:
                return
            yield batch[:left]
            left -= len(batch)

    return Rows(batches())
