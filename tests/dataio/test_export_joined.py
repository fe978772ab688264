"""The fast path for the columns behind ids and in JSON (company, source, owner, labels,
teams, custom fields, other emails and phones), PostgreSQL's COPY, and the visibility
rule in the shape full reads use.

Every export must answer exactly what the general (Python) path answers for the same
columns, byte for byte, odd stored values included, on SQLite and PostgreSQL alike.
"""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.core import services as core_services
from rapport.core.models import Membership
from rapport.customers.models import Contact
from rapport.customers.selectors import (
    company_visible,
    contact_visible,
    contact_visible_scan,
)
from rapport.dataio.exporting import (
    company_columns,
    company_rows,
    contact_columns,
    contact_rows,
    headers,
    stream_csv,
    write_xlsx,
)
from rapport.dataio.exporting.fast import copy_csv
from tests.core.factories import make_member, token_for
from tests.customers.factories import make_company, make_contact, make_team
from tests.customfields.factories import RETAIL_B2B_GOV, make_field
from tests.dataio.test_export_fast import both_csvs
from tests.dataio.test_export_rows import read_csv

pytestmark = pytest.mark.django_db

EXTRA_KEYS = [
    "full_name",
    "other_emails",
    "other_phones",
    "visibility",
    "teams",
    "is_active",
    "updated_at",
]


def label(owner, name: str, kind: str = "labels"):
    return core_services.category_create(
        workspace=owner.workspace, actor=owner, kind=kind, name=name
    )


@pytest.fixture
def rich(workspace, owner, member):
    """Contacts with every joined and JSON column filled, odd values stored past the
    services (as imports and old data may hold them)."""
    sales = make_team(workspace, "Sales", member)
    zeta = make_team(workspace, "=Zeta", member)
    ops = make_team(workspace, "Ops")
    # Created out of their sort order: the cell sorts names by code point.
    labels = [label(owner, n) for n in ("zebra", "Łódź", "alpha", "Beta", "=VIP")]
    web = label(owner, "-web", kind="sources")
    fair = label(owner, "Fair", kind="sources")
    acme = make_company(owner, name="@Acme")
    quoted = make_company(owner, name='Quote "and", comma')
    make_field(workspace, "Industry", "checkbox", options=RETAIL_B2B_GOV)
    make_field(workspace, "Score", "number")
    make_field(workspace, "Motto", "text")
    make_field(workspace, "Since", "date")
    make_field(workspace, "Notes", "textarea")
    make_field(workspace, "Kind", "dropdown", options=RETAIL_B2B_GOV)
    leaver = make_member(workspace, "leaver@acme.test")
    people = [
        make_contact(
            owner,
            first_name="Łucja",
            email="lucja@example.pl",
            company_id=acme.pk,
            source_id=web.pk,
            label_ids=[x.pk for x in labels],
            visibility="teams",
            team_ids=[sales.pk, zeta.pk, ops.pk],
            other_emails=["=a@example.com", "b@example.com"],
            other_phones=["+48 1", "+48 2"],
            custom={
                "industry": ["retail", "gov"],
                "score": -3,
                "motto": "-ok",
                "since": "2024-02-29",
                "notes": 'line one\nline "two", three',
                "kind": "b2b",
            },
        ),
        make_contact(owner, first_name="Blank", company_id=quoted.pk),
        make_contact(owner, source_id=fair.pk, label_ids=[labels[2].pk], owner_id=None),
        make_contact(leaver, first_name="Left", label_ids=[labels[4].pk, labels[0].pk]),
    ]
    Membership.objects.filter(pk=leaver.pk).delete()
    Contact.objects.filter(pk=people[1].pk).update(first_name="", last_name="")
    odd = [
        {"score": 2.5, "motto": 7, "industry": []},
        {"score": 0.30000000000000004, "motto": 1.5, "industry": ["b2b"]},
        {"score": 5.0, "motto": None, "kind": True},
        {"score": "=text", "motto": False, "since": ["x", 1]},
        {"score": -0.0, "motto": {"a": "b"}, "notes": ""},
        {"score": 123456789012345, "motto": "\uff1dfull", "notes": "\\."},
    ]
    lists = [
        ([], []),
        ([""], ["", ""]),
        (["'=quoted"], ["\ttab"]),
        (["x,y", 'say "hi"'], ["line\nbreak"]),
        ([], ["-1"]),
        (["\\."], []),
    ]
    for custom, (emails, phones) in zip(odd, lists, strict=True):
        contact = make_contact(owner, first_name="Odd")
        Contact.objects.filter(pk=contact.pk).update(
            custom=custom, other_emails=emails, other_phones=phones
        )
        people.append(contact)
    return people


def contact_csvs(workspace, actor, keys):
    queryset = contact_visible(workspace=workspace, actor=actor).order_by("id")
    columns = contact_columns(workspace, keys)
    return both_csvs(contact_rows, workspace, queryset, columns)


@pytest.mark.parametrize("keys", [None, EXTRA_KEYS])
def test_contact_csv_matches_the_general_path_byte_for_byte(workspace, owner, rich, keys):
    fast, general = contact_csvs(workspace, owner, keys)
    assert fast == general
    assert len(read_csv([fast])) == 1 + len(rich)


@pytest.mark.parametrize("keys", [None, EXTRA_KEYS])
def test_a_members_csv_matches_the_general_path_byte_for_byte(workspace, member, rich, keys):
    """A member reads a part of the contacts, in the full-read shape: PostgreSQL then
    groups the labels and teams once, above its parallel workers."""
    queryset = contact_visible_scan(workspace=workspace, actor=member).order_by("id")
    columns = contact_columns(workspace, keys)
    fast, general = both_csvs(contact_rows, workspace, queryset, columns, actor=member)
    assert fast == general
    visible = contact_visible(workspace=workspace, actor=member)
    assert 0 < visible.count() < len(rich)  # a part of the contacts
    assert len(read_csv([fast])) == 1 + visible.count()
    assert visible.filter(pk=rich[0].pk).exists()  # shared with a team: labels and teams


def test_the_joined_cells_are_named_sorted_and_neutralised(workspace, owner, rich):
    keys = ["company", "source", "labels", "owner", "teams", "other_emails", "other_phones"]
    keys += ["custom.industry", "custom.score", "custom.motto", "custom.notes"]
    fast, general = contact_csvs(workspace, owner, keys)
    assert fast == general
    table = read_csv([fast])
    assert table[1] == [
        "'@Acme",
        "'-web",
        "'=VIP; Beta; alpha; zebra; Łódź",
        "owner@acme.test",
        "'=Zeta; Ops; Sales",
        "'=a@example.com; b@example.com",
        "'+48 1; +48 2",
        "retail; gov",
        "-3",
        "'-ok",
        'line one\nline "two", three',
    ]
    assert table[2][0] == 'Quote "and", comma'
    assert table[3][1:4] == ["Fair", "alpha", ""]  # unclaimed: no owner
    assert table[4][2:4] == ["'=VIP; zebra", "leaver@acme.test"]  # the owner left
    scores = [row[8] for row in table[5:]]
    assert scores[:2] == ["2.5", "0.30000000000000004"]
    assert scores[2] in ("5", "5.0")  # a whole real: SQLite reads 5.0, PostgreSQL "5.0"
    assert scores[3:] == ["=text", scores[4], "123456789012345"]
    assert scores[4] in ("0", "0.0")


def test_the_xlsx_of_the_default_columns_holds_the_general_paths_cells(workspace, owner, rich):
    from openpyxl import load_workbook

    queryset = contact_visible(workspace=workspace, actor=owner).order_by("id")
    columns = contact_columns(workspace, None)
    sheets = []
    for fast in (True, False):
        out = io.BytesIO()
        rows = contact_rows(workspace, queryset, columns, fast=fast)
        assert write_xlsx(out, headers(columns), rows, title="Contacts") == len(rich)
        sheet = load_workbook(out, read_only=True).active
        sheets.append([[cell.value for cell in row] for row in sheet.iter_rows()])
    assert sheets[0] == sheets[1]


def test_iterated_rows_match_the_general_path(workspace, owner, rich):
    """The rows themselves (what the XLSX writer and iteration read; on PostgreSQL not
    through COPY) hold the general path's cells too."""
    queryset = contact_visible(workspace=workspace, actor=owner).order_by("id")
    columns = contact_columns(workspace, [*EXTRA_KEYS, "labels", "custom.score"])
    fast = list(contact_rows(workspace, queryset, columns, chunk_size=3))
    general = list(contact_rows(workspace, queryset, columns, fast=False, chunk_size=3))
    assert fast == general


@pytest.mark.parametrize("key", ["first_name", "custom.notes", "other_emails", "id"])
def test_a_single_column_csv_matches_the_general_path(workspace, owner, rich, key):
    """One column is where csv.writer and COPY differ most: an empty cell is `""` and a
    lone `\\.` is not quoted."""
    Contact.objects.filter(pk=rich[1].pk).update(first_name="\\.")
    Contact.objects.filter(pk=rich[2].pk).update(first_name='"')
    fast, general = contact_csvs(workspace, owner, [key])
    assert fast == general


def test_postgresql_writes_the_csv_itself_and_sqlite_does_not(workspace, owner, rich):
    queryset = contact_visible(workspace=workspace, actor=owner).order_by("id")
    columns = contact_columns(workspace, None)
    lines = copy_csv(queryset, columns, piece=100)  # small pieces: many of them
    if connection.vendor != "postgresql":
        assert lines is None
        return
    pieces = list(lines)
    assert len(pieces) > 3
    assert all(piece.endswith(b"\r\n") for piece in pieces)
    fast, _general = contact_csvs(workspace, owner, None)
    assert fast.split(b"\r\n", 1)[1] == b"".join(pieces)


def test_the_default_csv_is_one_query(workspace, owner, rich):
    queryset = contact_visible(workspace=workspace, actor=owner).order_by("id")
    columns = contact_columns(workspace, None)
    with CaptureQueriesContext(connection) as ctx:
        data = b"".join(stream_csv(headers(columns), contact_rows(workspace, queryset, columns)))
    assert len(ctx.captured_queries) == 1
    assert len(read_csv([data])) == 1 + len(rich)


@pytest.mark.parametrize(
    "keys",
    [
        ["labels", "email", "teams"],
        ["teams", "id", "labels", "first_name"],
        ["email", "labels"],
    ],
)
@pytest.mark.parametrize("order", [("id",), ("-created_at", "-id"), ("last_name", "first_name")])
def test_a_members_rows_joined_link_by_link_match_the_general_path(
    workspace, member, rich, keys, order
):
    """A member's first labels or teams column is joined link by link and the rows
    grouped after (PostgreSQL): any order, with or without the id among the cells, a
    second such column grouped over the workspace beside it."""
    queryset = contact_visible_scan(workspace=workspace, actor=member).order_by(*order)
    columns = contact_columns(workspace, keys)
    with CaptureQueriesContext(connection) as ctx:
        fast, general = both_csvs(contact_rows, workspace, queryset, columns, actor=member)
    assert fast == general
    assert len(read_csv([fast])) == 1 + contact_visible(workspace=workspace, actor=member).count()
    if connection.vendor == "postgresql":
        assert "GROUP BY export_s.export_" in ctx.captured_queries[0]["sql"]


def test_a_filter_that_matches_nothing_copies_the_header_alone(workspace, owner, rich):
    queryset = contact_visible(workspace=workspace, actor=owner).filter(pk__in=[])
    fast, general = both_csvs(contact_rows, workspace, queryset, contact_columns(workspace, None))
    assert fast == general
    assert len(read_csv([fast])) == 1


def test_company_csv_with_labels_type_and_owner_matches_the_general_path(workspace, owner):
    kinds = [label(owner, n, kind="company-types") for n in ("=Gov", "Retail")]
    tags = [label(owner, n) for n in ("b", "=a", "C")]
    make_company(owner, name="One", type_id=kinds[0].pk, label_ids=[t.pk for t in tags])
    make_company(owner, name="Two", type_id=kinds[1].pk, label_ids=[tags[0].pk])
    make_company(owner, name="Three")
    queryset = company_visible(workspace=workspace, actor=owner).order_by("id")
    columns = company_columns(workspace, None)
    fast, general = both_csvs(company_rows, workspace, queryset, columns, actor=owner)
    assert fast == general
    table = read_csv([fast])
    assert [row[7] for row in table[1:]] == ["'=Gov", "Retail", ""]
    assert [row[9] for row in table[1:]] == ["'=a; C; b", "b", ""]


# --- visibility for full reads ------------------------------------------------------------


@pytest.fixture
def shares(workspace, owner, member):
    """One contact for every case of the visibility rule, as `member` sees them."""
    colleague = make_member(workspace, "colleague@acme.test")
    mine_team = make_team(workspace, "Mine", member)
    other_team = make_team(workspace, "Other", colleague)
    visible = [
        make_contact(member, email="own@x.test"),
        make_contact(owner, email="unclaimed@x.test", owner_id=None),
        make_contact(
            owner,
            owner_id=colleague.user_id,
            email="shared@x.test",
            visibility="teams",
            team_ids=[mine_team.pk],
        ),
        make_contact(
            owner,
            email="both@x.test",
            visibility="teams",
            team_ids=[mine_team.pk, other_team.pk],
        ),
        make_contact(
            member, email="own-shared@x.test", visibility="teams", team_ids=[mine_team.pk]
        ),
        make_contact(member, email="test@x.test", is_test=True),
    ]
    hidden = [
        make_contact(owner, email="private@x.test"),
        make_contact(
            owner,
            owner_id=colleague.user_id,
            email="other-team@x.test",
            visibility="teams",
            team_ids=[other_team.pk],
        ),
    ]
    # Shared with my team once, then made private again: the share row stays.
    was_shared = make_contact(
        owner,
        owner_id=colleague.user_id,
        email="was-shared@x.test",
        visibility="teams",
        team_ids=[mine_team.pk],
    )
    Contact.objects.filter(pk=was_shared.pk).update(visibility="private")
    hidden.append(was_shared)
    return visible, hidden, colleague


def ids(queryset) -> list[int]:
    return sorted(queryset.values_list("pk", flat=True))


def test_the_full_read_shape_sees_exactly_what_the_rule_lets_each_person_see(
    workspace, owner, admin, member, shares
):
    visible, hidden, colleague = shares
    for actor in (owner, admin, member, colleague):
        assert ids(contact_visible_scan(workspace=workspace, actor=actor)) == ids(
            contact_visible(workspace=workspace, actor=actor)
        ), actor.user.email
    seen = ids(contact_visible_scan(workspace=workspace, actor=member))
    assert seen == sorted(c.pk for c in visible)
    assert not set(seen) & {c.pk for c in hidden}


def test_the_full_read_shape_keeps_filters_order_and_distinct(workspace, owner, member, shares):
    visible, _hidden, _colleague = shares
    tag = label(owner, "Tagged")
    for contact in visible[:3]:
        contact.labels.add(tag, through_defaults={"workspace": workspace})
    queryset = (
        contact_visible_scan(workspace=workspace, actor=member)
        .filter(labels__name__in=["Tagged", "Nope"], is_test=False)
        .distinct()
        .order_by("-email")
    )
    assert list(queryset.values_list("email", flat=True)) == sorted(
        (c.email for c in visible[:3]), reverse=True
    )


def test_a_members_export_of_the_default_columns_holds_only_what_they_may_see(
    client, member, shares
):
    visible, hidden, _colleague = shares
    response = client.get(
        "/api/v1/contacts/export.csv", HTTP_AUTHORIZATION=f"Bearer {token_for(member)}"
    )
    assert response.status_code == 200
    table = read_csv(response.streaming_content)
    email = table[0].index("Email")
    emails = sorted(row[email] for row in table[1:])
    assert emails == sorted(c.email for c in visible if not c.is_test)
    assert not set(emails) & {c.email for c in hidden}


def test_a_members_distinct_rows_keep_their_links_grouped_over_the_workspace(
    workspace, owner, member, rich
):
    """A filter through the links with DISTINCT: the rows are not joined link by link
    (their order is not the plain one that needs), and the cells are still the general
    path's."""
    queryset = (
        contact_visible_scan(workspace=workspace, actor=member)
        .filter(labels__name__in=["alpha", "zebra"])
        .distinct()
        .order_by("-created_at", "-id")
    )
    columns = contact_columns(workspace, ["email", "labels", "teams"])
    with CaptureQueriesContext(connection) as ctx:
        fast, general = both_csvs(contact_rows, workspace, queryset, columns, actor=member)
    assert fast == general
    assert len(read_csv([fast])) == 1 + 2  # Łucja (every label) and the unclaimed one
    assert "GROUP BY export_s.export_" not in ctx.captured_queries[0]["sql"]
