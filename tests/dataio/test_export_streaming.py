"""Exports stream: memory stays flat and queries grow with chunks, never with rows."""

import math
import tracemalloc

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.core import services as core_services
from rapport.core.models import Category
from rapport.customers.models import Company, Contact, ContactLabel, ContactTeam
from rapport.customers.selectors import contact_visible
from rapport.dataio.exporting import CONTACT_COLUMNS, export_prepare
from tests.customers.factories import make_team
from tests.customfields.factories import make_field

pytestmark = pytest.mark.django_db

EVERY_COLUMN = ",".join([*CONTACT_COLUMNS, "custom.industry"])


def seed(workspace, owner, member, n: int) -> None:
    """`n` contacts with companies, labels, team shares, sources and custom values, written
    in bulk (the services would take minutes for 20,000)."""
    make_field(workspace, "Industry")
    team = make_team(workspace, "Sales", member)
    label = core_services.category_create(
        workspace=workspace, actor=owner, kind="labels", name="Gold tier"
    )
    source = Category.objects.filter(workspace=workspace, kind="sources").first()
    companies = Company.objects.bulk_create(
        Company(workspace=workspace, name=f"Company {i}") for i in range(50)
    )
    contacts = Contact.objects.bulk_create(
        (
            Contact(
                workspace=workspace,
                first_name=f"First{i}",
                last_name=f"Last{i}",
                email=f"person{i}@example.com",
                phone="+48 123 456 789",
                other_emails=[f"other{i}@example.com"],
                company=companies[i % 50],
                job_title="Engineer",
                source=source,
                owner_id=(owner.user_id, member.user_id, None)[i % 3],
                visibility="teams" if i % 2 else "private",
                custom={"industry": "software"},
            )
            for i in range(n)
        ),
        batch_size=2000,
    )
    ContactLabel.objects.bulk_create(
        (ContactLabel(workspace=workspace, contact=c, category=label) for c in contacts[::3]),
        batch_size=2000,
    )
    ContactTeam.objects.bulk_create(
        (ContactTeam(workspace=workspace, contact=c, team=team) for c in contacts[1::2]),
        batch_size=2000,
    )


def run(workspace, actor, *, params=None, columns=None, chunk_size=None) -> tuple[int, int]:
    """(bytes, rows) of the CSV export as `actor`."""
    export = export_prepare(
        workspace=workspace,
        actor=actor,
        entity="contact",
        fmt="csv",
        params=params or {},
        columns=columns,
        chunk_size=chunk_size,
    )
    size = lines = 0
    for chunk in export.chunks():
        size += len(chunk)
        lines += chunk.count(b"\r\n")
    return size, lines - 1


def peak_memory(fn) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_large_export_keeps_memory_flat(workspace, owner, member):
    seed(workspace, owner, member, 20_000)
    result = {}

    def export(name, params):
        result[name] = run(workspace, owner, params=params, columns=EVERY_COLUMN)

    peak_all = peak_memory(lambda: export("all", {}))
    peak_third = peak_memory(lambda: export("third", {"owner": "me"}))
    assert result["all"][1] == 20_000
    assert result["third"][1] == 6_667
    # One chunk of 2,000 rows and one ~64 KB piece are all that is ever held: three
    # times the rows cost no more memory (the file itself is ~5 MB, far more as objects).
    assert result["all"][0] > 4_500_000
    assert peak_all < 1.25 * peak_third, (peak_all, peak_third)
    assert peak_all < 12_000_000, peak_all


@pytest.mark.parametrize("actor_name", ["owner", "member"])
def test_queries_grow_with_chunks_not_rows(workspace, owner, member, actor_name):
    actor = owner if actor_name == "owner" else member
    seed(workspace, owner, member, 1000)
    counts = {}
    for chunk_size in (100, 500):
        with CaptureQueriesContext(connection) as ctx:
            _size, rows = run(workspace, actor, columns=EVERY_COLUMN, chunk_size=chunk_size)
        counts[chunk_size] = (len(ctx.captured_queries), rows)
    visible = counts[100][1]
    assert visible == contact_visible(workspace=workspace, actor=actor).count()
    assert visible == (1000 if actor_name == "owner" else 833)
    # Per export: custom fields (2) and the rows, whose cells the database writes
    # (names, labels, teams and custom values included), whatever the chunk size.
    for chunk_size, (queries, _rows) in counts.items():
        assert queries == 3, (chunk_size, queries)


@pytest.mark.parametrize("actor_name", ["owner", "member"])
def test_the_general_path_queries_grow_with_chunks_not_rows(workspace, owner, member, actor_name):
    from rapport.dataio.exporting import contact_columns, contact_rows
    from rapport.dataio.exporting.prepare import export_queryset

    actor = owner if actor_name == "owner" else member
    seed(workspace, owner, member, 1000)
    columns = contact_columns(workspace, EVERY_COLUMN.split(","))
    queryset = export_queryset(workspace=workspace, actor=actor, entity="contact", params={})
    visible = queryset.count()
    for chunk_size in (100, 500):
        with CaptureQueriesContext(connection) as ctx:
            rows = contact_rows(workspace, queryset, columns, chunk_size=chunk_size, fast=False)
            assert sum(len(batch) for batch in rows.batches()) == visible
        # Per export: categories, members, teams and the contacts (1 each); per chunk:
        # its labels and its team shares (1 each), and its companies when it has some
        # not met before (all 50 are in the first chunk).
        queries = len(ctx.captured_queries)
        assert queries == 4 + 1 + 2 * math.ceil(visible / chunk_size), (chunk_size, queries)
