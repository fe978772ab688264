"""`make bench`: our code against the same work done by raw SQL, on SQLite and PostgreSQL.

Two tables, one column group per database:

- members and categories (the foundation's lists): a deep page costs what the first does;
- the contacts list at N contacts (default 1,000,000): `GET /api/v1/contacts` as a member
  (not an owner, so the visibility rule filters), with a filter and a sort, at page 1,
  page 200 and the last page, beside the same keyset SELECT written by hand. The budget
  is 50 ms server time at any depth; the queries per request must not grow with depth.

Requests go through Django's test client in-process, so the figures are server time
(middleware, token auth, filters, queries, serialisation) without a network.

    python bench/run.py [--members N] [--contacts N] [--only sqlite|postgres]

Environment: BENCH_DATA=0 (skips the import/export/lists/search table),
BENCH_CONTACTS (default 1000000; 0 skips the contacts table), BENCH_PG_URL,
BENCH_SQLITE (keep the SQLite file at this path between runs instead of a fresh temp
file), BENCH_FRESH=1 (reseed even when the database already holds the contacts).
PostgreSQL keeps its seeded rows in `rapport_bench`, so a second run skips the seeding.
"""

import argparse
import base64
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/rapport_bench")
CONTACTS = int(os.environ.get("BENCH_CONTACTS", "1000000"))
BUDGET_MS = 50
PAGE = 50
DEEP_PAGES = 200
REPEAT = 30


def _time(fn, repeat: int = REPEAT) -> float:
    fn()  # warm up
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def _emit(**row) -> None:
    print(json.dumps(row), flush=True)


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# --- inside the child process (DATABASE_URL names the database) ---------------------------


def run_inside(members: int, contacts: int) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.settings")
    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    if members:
        bench_members(members)
    if contacts:
        bench_contacts(contacts)
        if os.environ.get("BENCH_DATA", "1") != "0":
            bench_data(contacts)


# Issue 5's benches, one module each: `run(ws, member, contacts, emit)` emits rows with
# table="data", work, ours, raw (the same work by raw SQL), unit ("rows/s", "ms", "MB"),
# target (text such as ">= 20,000 rows/s") and queries (or None).
DATA_BENCHES = [
    "bench.dataio_import",
    "bench.export",
    "bench.lists",
    "bench.search",
    "bench.duplicates",
]


def bench_data(contacts: int) -> None:
    import importlib

    from rapport.core.models import Membership, Workspace

    # bench_contacts seeded it just before; asking _seeded_workspace again would reseed
    # under BENCH_FRESH=1.
    ws = Workspace.objects.get(slug=BENCH_SLUG)
    member = (
        Membership.objects.select_related("workspace", "user")
        .filter(workspace=ws, role="member")
        .order_by("id")
        .first()
    )
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if root not in sys.path:
        sys.path.insert(0, root)
    for name in DATA_BENCHES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        try:
            module.run(ws=ws, member=member, contacts=contacts, emit=_emit)
        except Exception as exc:  # one broken bench must not lose the others' figures
            import traceback

            traceback.print_exc()
            _say(f"{name} failed: {exc!r}")


def bench_members(members: int) -> None:
    from django.db import connection
    from django.test import Client

    from rapport.core import services
    from rapport.core.models import Membership, User

    owner = User.objects.filter(email="bench-owner@bench.test").first()
    if owner is None:
        owner = services.user_create(email="bench-owner@bench.test", password="bench-pass-123")
        ws = services.workspace_create(name="Bench", owner=owner)
        users = User.objects.bulk_create(
            User(email=f"user{i:07d}@bench.test", password="!") for i in range(members)
        )
        Membership.objects.bulk_create(Membership(workspace=ws, user=u) for u in users)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")  # as autovacuum would have by now
    membership = Membership.objects.select_related("workspace").get(user=owner)
    ws = membership.workspace
    _token, raw = services.token_create(workspace=ws, actor=membership, name="bench")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    # The cursor of the deepest page: walk with raw SQL to find the last-but-50 user id.
    with connection.cursor() as cur:
        cur.execute(
            "SELECT user_id FROM core_membership WHERE workspace_id = %s ORDER BY user_id "
            "LIMIT 1 OFFSET %s",
            [ws.pk, max(0, Membership.objects.filter(workspace=ws).count() - 50)],
        )
        deep_id = cur.fetchone()[0]
    deep_cursor = _cursor([deep_id])

    def api_page(cursor=None):
        url = "/api/v1/members?limit=50" + (f"&cursor={cursor}" if cursor else "")
        assert client.get(url).status_code == 200

    def raw_page(after=0):
        with connection.cursor() as cur:
            cur.execute(
                "SELECT m.user_id, u.email, u.name, m.role FROM core_membership m "
                "JOIN core_user u ON u.id = m.user_id WHERE m.workspace_id = %s "
                "AND m.user_id > %s ORDER BY m.user_id LIMIT 51",
                [ws.pk, after],
            )
            cur.fetchall()

    def raw_categories():
        with connection.cursor() as cur:
            cur.execute(
                "SELECT id, name, color, position, locked FROM core_category "
                "WHERE workspace_id = %s AND kind = %s ORDER BY position, id LIMIT 51",
                [ws.pk, "deal-statuses"],
            )
            cur.fetchall()

    def categories():
        assert client.get("/api/v1/settings/categories/deal-statuses").status_code == 200

    for name, ours, raw_sql in [
        ("members API, page 1", api_page, raw_page),
        ("members API, last page", lambda: api_page(deep_cursor), lambda: raw_page(deep_id)),
        ("categories API (deal statuses)", categories, raw_categories),
    ]:
        ours()  # the token's last use is written at most once a minute: not in the count
        queries = _queries(ours)
        _emit(table="members", work=name, ours=_time(ours), raw=_time(raw_sql), queries=queries)


def _cursor(values: list) -> str:
    """A cursor as the API hands them out (core.pagination): base64url of a JSON list."""
    plain = [v.isoformat() if isinstance(v, (dt.datetime, dt.date)) else v for v in values]
    raw = json.dumps(plain, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _queries(fn) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


BENCH_SLUG = "bench-contacts"


def _seeded_workspace(contacts: int):
    """The bench workspace holding exactly `contacts` contacts, seeded when it is not there."""
    from django.db import connection

    from rapport.core.models import Workspace
    from rapport.customers.models import Contact
    from rapport.customers.seed import seed_bench

    ws = Workspace.objects.filter(slug=BENCH_SLUG).first()
    if ws is not None:
        if os.environ.get("BENCH_FRESH") != "1":
            if Contact.objects.filter(workspace=ws).count() == contacts:
                _say(f"{connection.vendor}: reusing {contacts:,} seeded contacts")
                return ws, None
        # Another size (or a fresh start): the people, teams and fields stay, rows go.
        _wipe_customers()
    _say(f"{connection.vendor}: seeding {contacts:,} contacts…")
    started = time.perf_counter()

    def progress(done: int) -> None:
        if done % 100_000 == 0 or done == contacts:
            elapsed = time.perf_counter() - started
            _say(f"{connection.vendor}:   {done:>9,} contacts, {elapsed:5.0f} s")

    result = seed_bench(contacts=contacts, workspace_slug=BENCH_SLUG, seed=1, progress=progress)
    return result.workspace, result.seconds


def _wipe_customers() -> None:
    """Empty the customer tables of this bench database before reseeding another size."""
    from django.db import connection

    from rapport.customers.models import (
        Company,
        CompanyLabel,
        Contact,
        ContactLabel,
        ContactTeam,
        Note,
        SavedView,
    )

    models = (Note, SavedView, ContactLabel, ContactTeam, CompanyLabel, Contact, Company)
    tables = [m._meta.db_table for m in models]
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
        else:
            cur.execute("UPDATE customers_company SET primary_contact_id = NULL")
            for table in tables:
                cur.execute(f"DELETE FROM {table}")


def bench_contacts(contacts: int) -> None:
    from django.db import connection
    from django.test import Client

    from rapport.core import services
    from rapport.core.models import Category, Membership, TeamMember
    from rapport.customers.models import Contact
    from rapport.customers.selectors import contact_visible
    from rapport.filters import parse_filters

    ws, seed_seconds = _seeded_workspace(contacts)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")  # as autovacuum would have by now
    # A plain member (not an owner), so the visibility rule does real work.
    member = (
        Membership.objects.select_related("workspace", "user")
        .filter(workspace=ws, role="member")
        .order_by("id")
        .first()
    )
    visible = contact_visible(workspace=ws, actor=member).filter(is_test=False).count()
    total = Contact.objects.filter(workspace=ws).count()
    team_count = TeamMember.objects.filter(workspace=ws, user_id=member.user_id).count()
    _emit(
        table="info",
        contacts=total,
        visible=visible,
        teams=team_count,
        seed_seconds=seed_seconds,
    )
    _token, raw = services.token_create(workspace=ws, actor=member, name="bench")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    def api(params: dict, cursor: str | None = None):
        query = {**params, "limit": PAGE, **({"cursor": cursor} if cursor else {})}
        response = client.get("/api/v1/contacts", query)
        assert response.status_code == 200, response.content[:300]
        return response.json()

    def cursor_at(params: dict, row: int) -> str | None:
        """The API's cursor after `row` rows of the list (built from the ORM, not walked)."""
        if row <= 0:
            return None
        parsed = parse_filters(workspace=ws, actor=member, entity="contact", params=params)
        qs = parsed.apply(contact_visible(workspace=ws, actor=member)).order_by(*parsed.order)
        fields = [f.lstrip("-") for f in parsed.order]
        return _cursor(list(qs.values_list(*fields)[row - 1]))

    def count(params: dict) -> int:
        parsed = parse_filters(workspace=ws, actor=member, entity="contact", params=params)
        return parsed.apply(contact_visible(workspace=ws, actor=member)).count()

    software = {"custom.industry": "software", "sort": "-created_at"}
    vip = Category.objects.filter(workspace=ws, kind="labels").order_by("position", "id").first()
    cases = [
        ("role=client, newest first", {"role": "client", "sort": "-created_at"}, "created"),
        ("role=client, by name", {"role": "client", "sort": "name"}, "name"),
        ("custom.industry=software, newest", software, "industry"),
        (f"label={vip.name}, newest", {"label": str(vip.pk), "sort": "-created_at"}, "label"),
    ]
    for title, params, kind in cases:
        rows = count(params)
        # Page 200 is reached by following the API's own cursors, page after page.
        walked = None
        for _ in range(DEEP_PAGES - 1):
            walked = api(params, walked)["next"]
            if walked is None:
                break
        depths = [("page 1", None, 0), (f"page {DEEP_PAGES}", walked, (DEEP_PAGES - 1) * PAGE)]
        last_row = max(0, rows - PAGE)
        depths.append(("last page", cursor_at(params, last_row), last_row))
        for depth, cursor, offset in depths:
            if offset and cursor is None:
                continue  # the list is shorter than this depth
            raw_sql, raw_params = _raw_contacts(kind, ws, member, cursor, vip.pk)

            def ours(params=params, cursor=cursor):
                return api(params, cursor)

            def by_hand(sql=raw_sql, values=raw_params):
                with connection.cursor() as cur:
                    cur.execute(sql, values)
                    return cur.fetchall()

            mine = ours()
            theirs = by_hand()
            assert [c["id"] for c in mine["items"]] == [r[0] for r in theirs[:PAGE]], title
            queries = _queries(ours)
            _emit(
                table="contacts",
                work=f"{title}: {depth}",
                ours=_time(ours),
                raw=_time(by_hand),
                queries=queries,
            )


COLUMNS = (
    "c.id, c.first_name, c.last_name, c.email, c.phone, c.other_emails, c.other_phones, "
    "c.company_id, c.job_title, c.role, c.source_id, c.owner_id, c.visibility, c.is_active, "
    "c.is_test, c.custom, c.version, c.created_at, c.updated_at"
)


def _raw_contacts(kind: str, ws, member, cursor: str | None, label_id: int):
    """The keyset SELECT for one case, written by hand: visibility, filter, order, limit."""
    from django.db import connection

    ops = connection.ops
    params: list = [ws.pk, False]
    where = ["c.workspace_id = %s", "c.is_test = %s"]
    # owner = me OR unclaimed OR shared with one of my teams (and set to "teams").
    where.append(
        "(c.owner_id = %s OR c.owner_id IS NULL OR (c.visibility = 'teams' AND EXISTS ("
        "SELECT 1 FROM core_teammember t WHERE t.workspace_id = %s AND t.user_id = %s "
        "AND t.team_id IN (SELECT s.team_id FROM customers_contactteam s "
        "WHERE s.workspace_id = %s AND s.contact_id = c.id))))"
    )
    params += [member.user_id, ws.pk, member.user_id, ws.pk]
    if kind in ("created", "name"):
        where.append("c.role = %s")
        params.append("client")
    elif kind == "industry":
        if connection.vendor == "postgresql":
            where.append("(c.custom ->> 'industry') = %s")
        else:
            where.append("json_extract(c.custom, '$.industry') = %s")
        params.append("software")
    elif kind == "label":
        where.append(
            "EXISTS (SELECT 1 FROM customers_contactlabel l WHERE l.workspace_id = %s "
            "AND l.contact_id = c.id AND l.category_id = %s)"
        )
        params += [ws.pk, label_id]
    if kind == "name":
        order = "c.last_name, c.first_name, c.id"
        after = "(c.last_name, c.first_name, c.id) > (%s, %s, %s)"
    else:
        order = "c.created_at DESC, c.id DESC"
        after = "(c.created_at, c.id) < (%s, %s)"
    if cursor:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if kind != "name":
            values[0] = ops.adapt_datetimefield_value(dt.datetime.fromisoformat(values[0]))
        where.append(after)
        params += values
    sql = (
        f"SELECT {COLUMNS} FROM customers_contact c WHERE {' AND '.join(where)} "
        f"ORDER BY {order} LIMIT {PAGE + 1}"
    )
    return sql, params


# --- the parent: one child per database, then the tables ---------------------------------


def _pg_ready() -> bool:
    admin = "postgres://postgres@127.0.0.1:5432/postgres"
    try:
        subprocess.run(
            ["psql", admin, "-qc", "SELECT 1"], check=True, capture_output=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return False
    name = PG_URL.rsplit("/", 1)[1]
    if os.environ.get("BENCH_FRESH") == "1":
        subprocess.run(
            ["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {name}"], capture_output=True
        )
    subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {name}"], capture_output=True)
    return True


def _table(title: str, rows: dict[str, dict[str, dict]], labels: list[str]) -> None:
    print(f"\n{title}")
    group = f"{'ours':>7} {'raw SQL':>7} {'ratio':>6} {'q':>3}"
    print(f"{'':<46}" + "".join(f" | {label:^27}" for label in labels))
    print(f"{'work':<46}" + f" | {group}" * len(labels))
    for work, per_db in rows.items():
        line = f"{work:<46}"
        for label in labels:
            r = per_db.get(label)
            if r is None:
                line += f" | {'-':^27}"
                continue
            ratio = r["ours"] / r["raw"] if r["raw"] else 0
            flag = "!" if r["table"] == "contacts" and r["ours"] >= BUDGET_MS else " "
            line += f" | {r['ours']:6.2f}{flag}{r['raw']:7.2f} {ratio:5.1f}x {r['queries']:>3}"
        print(line)


def _data_table(title: str, rows: dict[str, dict[str, dict]], labels: list[str]) -> None:
    print(f"\n{title}")
    group = f"{'ours':>10} {'raw':>10} {'ratio':>6}"
    print(f"{'work':<46} {'unit':<7} {'target':<18}" + "".join(f" | {lb:^28}" for lb in labels))
    for work, per_db in rows.items():
        first = next(iter(per_db.values()))
        line = f"{work:<46} {first['unit']:<7} {first.get('target', ''):<18}"
        for label in labels:
            r = per_db.get(label)
            if r is None:
                line += f" | {'-':^28}"
                continue
            raw = r.get("raw")
            ratio = f"{r['ours'] / raw:5.2f}x" if raw else f"{'-':>6}"
            raw_text = f"{raw:10,.1f}" if raw else f"{'-':>10}"
            line += f" | {r['ours']:10,.1f} {raw_text} {ratio}"
        print(line)
    print(f"{'':<46} {'':<7} {'':<18}" + f" | {group}" * len(labels))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=20000)
    parser.add_argument("--contacts", type=int, default=CONTACTS)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        run_inside(args.members, args.contacts)
        return 0
    tmp = tempfile.mkdtemp(prefix="rapport-bench-")
    sqlite_path = os.environ.get("BENCH_SQLITE") or f"{tmp}/bench.sqlite3"
    targets = []
    if args.only in (None, "sqlite"):
        targets.append(("SQLite", f"sqlite:///{sqlite_path}"))
    if args.only in (None, "postgres") and _pg_ready():
        targets.append(("PostgreSQL", PG_URL))
    results: dict[str, dict[str, dict[str, dict]]] = {"members": {}, "contacts": {}, "data": {}}
    info: dict[str, dict] = {}
    try:
        for label, url in targets:
            env = {
                **os.environ,
                "DATABASE_URL": url,
                "RAPPORT_VAR_DIR": tmp,
                "SECRET_KEY": "bench",
                "DJANGO_SETTINGS_MODULE": "rapport.settings",
            }
            command = [sys.executable, __file__, "--inside", "--members", str(args.members)]
            out = subprocess.run(
                [*command, "--contacts", str(args.contacts)],
                env=env,
                check=True,
                stdout=subprocess.PIPE,
                text=True,
            ).stdout
            for line in out.strip().splitlines():
                row = json.loads(line)
                if row["table"] == "info":
                    info[label] = row
                else:
                    results[row["table"]].setdefault(row["work"], {})[label] = row
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    labels = [label for label, _url in targets]
    today = dt.datetime.now(dt.UTC).date()
    print(f"\nRapport bench, {today}; median of {REPEAT} runs in ms; q = queries per request")
    if args.members:
        _table(f"{args.members:,} members in one workspace", results["members"], labels)
    if args.contacts:
        _table(
            f"Contacts list at {args.contacts:,} contacts, as a member; budget {BUDGET_MS} ms"
            " (! = over)",
            results["contacts"],
            labels,
        )
        if results["data"]:
            _data_table(
                f"Import, export, user lists and search at {args.contacts:,} contacts",
                results["data"],
                labels,
            )
        for label in labels:
            i = info.get(label)
            if not i:
                continue
            seeded = (
                f"seeded in {i['seed_seconds']:.0f} s"
                if i["seed_seconds"] is not None
                else "seeded by an earlier run"
            )
            print(
                f"{label}: the member (in {i['teams']} team(s)) sees {i['visible']:,} of "
                f"{i['contacts']:,} contacts ({i['visible'] / i['contacts']:.1%}); {seeded}."
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
