"""`make bench`: our code against the same work done by raw SQL, on SQLite and PostgreSQL.

The foundation's lists are members and categories; the figure that matters is that a deep
page costs what the first page costs (keyset pagination). Later issues add contacts,
search, imports and exports to this table (see ARCHITECTURE "Performance").

    python bench/run.py [--members N] [--only sqlite|postgres]
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/rapport_bench")


def _time(fn, repeat: int = 30) -> float:
    fn()  # warm up
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def run_inside(members: int) -> None:
    """Runs in a child process whose DATABASE_URL names the database to measure."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.settings")
    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from rapport.core import services
    from rapport.core.models import Membership, User

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
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
            cur.execute("ANALYZE")
    membership = Membership.objects.select_related("workspace").get(user=owner)
    ws = membership.workspace
    _token, raw = services.token_create(workspace=ws, actor=membership, name="bench")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    # The cursor of the deepest page: walk with raw SQL to find the last-but-50 user id.
    with connection.cursor() as cur:
        cur.execute(
            "SELECT user_id FROM core_membership WHERE workspace_id = %s ORDER BY user_id "
            "LIMIT 1 OFFSET %s",
            [ws.pk, max(0, members - 50)],
        )
        deep_id = cur.fetchone()[0]
    import base64

    deep_cursor = base64.urlsafe_b64encode(f"[{deep_id}]".encode()).decode().rstrip("=")

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

    rows = [
        ("members API, page 1", _time(api_page), _time(raw_page)),
        (
            "members API, last page",
            _time(lambda: api_page(deep_cursor)),
            _time(lambda: raw_page(deep_id)),
        ),
        (
            "categories API (deal statuses)",
            _time(lambda: client.get("/api/v1/settings/categories/deal-statuses")),
            _time(raw_categories),
        ),
    ]
    for name, ours, raw_ms in rows:
        print(f"{name}\t{ours:.2f}\t{raw_ms:.2f}\t{ours / raw_ms if raw_ms else 0:.1f}")


def _pg_ready() -> bool:
    try:
        subprocess.run(
            ["psql", "postgres://postgres@127.0.0.1:5432/postgres", "-qc", "SELECT 1"],
            check=True,
            capture_output=True,
            timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    subprocess.run(
        [
            "psql",
            "postgres://postgres@127.0.0.1:5432/postgres",
            "-qc",
            "CREATE DATABASE rapport_bench",
        ],
        capture_output=True,
        timeout=10,
    )
    return True


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=20000)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        run_inside(args.members)
        return 0
    targets = []
    tmp = tempfile.mkdtemp(prefix="rapport-bench-")
    if args.only in (None, "sqlite"):
        targets.append(("SQLite", f"sqlite:///{tmp}/bench.sqlite3"))
    if args.only in (None, "postgres") and _pg_ready():
        targets.append(("PostgreSQL", PG_URL))
    print(f"Rapport bench: {args.members:,} members in one workspace; median of 30 runs (ms)\n")
    print(f"{'database':<11} {'work':<32} {'ours':>8} {'raw SQL':>8} {'ratio':>6}")
    for label, url in targets:
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "RAPPORT_VAR_DIR": tmp,
            "SECRET_KEY": "bench",
            "DJANGO_SETTINGS_MODULE": "rapport.settings",
        }
        out = subprocess.run(
            [sys.executable, __file__, "--inside", "--members", str(args.members)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        for line in out.strip().splitlines():
            name, ours, raw_ms, ratio = line.split("\t")
            print(f"{label:<11} {name:<32} {ours:>8} {raw_ms:>8} {ratio:>5}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
