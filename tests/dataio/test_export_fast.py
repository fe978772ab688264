"""The exports' fast path: plain columns written as cells by the database itself.

It must answer exactly what the general path answers for the same columns, byte for byte
(the CSV-injection prefix included), on SQLite and PostgreSQL alike.
"""

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.core import services as core_services
from rapport.customers.models import Company, Contact
from rapport.customers.selectors import company_visible, contact_visible
from rapport.dataio.exporting import (
    TRIGGERS,
    company_columns,
    company_rows,
    contact_columns,
    contact_rows,
    headers,
    stream_csv,
)
from rapport.dataio.exporting.fast import fast_columns
from tests.core.factories import token_for
from tests.customers.factories import make_company, make_contact
from tests.dataio.test_export_rows import read_csv

pytestmark = pytest.mark.django_db

CONTACT_PLAIN = [
    "id",
    "email",
    "first_name",
    "last_name",
    "full_name",
    "phone",
    "job_title",
    "role",
    "visibility",
    "is_active",
    "is_test",
    "created_at",
    "updated_at",
]
COMPANY_PLAIN = [
    "id",
    "name",
    "domain",
    "website",
    "phone",
    "street",
    "city",
    "postal_code",
    "region",
    "country",
    "role",
    "created_at",
    "updated_at",
]


def both_csvs(rows_of, workspace, queryset, columns, **kwargs) -> tuple[bytes, bytes]:
    """The CSV of the fast path and of the general path, as bytes."""
    header = headers(columns)
    fast = b"".join(stream_csv(header, rows_of(workspace, queryset, columns, **kwargs)))
    general = b"".join(
        stream_csv(header, rows_of(workspace, queryset, columns, fast=False, **kwargs))
    )
    return fast, general


@pytest.fixture
def people(owner):
    """Contacts whose cells need every rule: each formula trigger (full-width ones too),
    empty names, unicode, inactive and test contacts, odd timestamps."""
    cells = [
        dict(first_name="Łucja", last_name="Żółć", email="lucja@example.pl"),
        dict(first_name="", last_name="", email="", phone=""),
        dict(first_name="", last_name="=Only", job_title="-"),
        dict(first_name="@Only", last_name=""),
        dict(first_name="Ada", last_name="", is_active=False, is_test=True),
        dict(first_name='He said "hi", then left', last_name="O'Neil\nJr"),
        dict(first_name="'=already", last_name="a=b", email="x-@example.com"),
    ]
    for n, trigger in enumerate(sorted(TRIGGERS)):
        cells.append(
            dict(
                first_name=f"{trigger}cmd|' /C calc'!A0",
                last_name=f"{trigger}",
                email=f"{trigger}{n}@example.com",
                phone=f"{trigger}48 123 456",
                job_title=f"{trigger}SUM(A1)",
            )
        )
    # Written as stored, past the service's checks: imports and old data hold such rows.
    made = []
    for values in cells:
        contact = make_contact(owner)
        Contact.objects.filter(pk=contact.pk).update(**values)
        made.append(contact)
    # Microseconds are cut, not rounded; a whole second has no fraction on SQLite.
    stamps = [
        dt.datetime(2024, 2, 29, 23, 59, 59, 999_999, tzinfo=dt.UTC),
        dt.datetime(1999, 12, 31, 0, 0, 0, tzinfo=dt.UTC),
        dt.datetime(2024, 7, 1, 12, 30, 5, 1, tzinfo=dt.timezone(dt.timedelta(hours=2))),
    ]
    for contact, stamp in zip(made, stamps, strict=False):
        Contact.objects.filter(pk=contact.pk).update(created_at=stamp, updated_at=stamp)
    return made


def test_every_column_but_a_primary_contact_takes_the_fast_path(workspace):
    assert fast_columns(contact_columns(workspace, CONTACT_PLAIN))
    assert fast_columns(company_columns(workspace, COMPANY_PLAIN))
    assert fast_columns(contact_columns(workspace, ["email", "first_name"]))
    assert fast_columns(contact_columns(workspace, None))  # labels, names, custom fields
    assert fast_columns(company_columns(workspace, None))
    for joined in ("company", "source", "labels", "owner", "teams", "other_emails"):
        assert fast_columns(contact_columns(workspace, ["email", joined])), joined
    # Whether the primary contact shows depends on who may see that contact.
    assert not fast_columns(company_columns(workspace, ["name", "primary_contact"]))


def test_contact_csv_is_byte_identical_to_the_general_path(workspace, owner, people):
    queryset = contact_visible(workspace=workspace, actor=owner).order_by("id")
    columns = contact_columns(workspace, CONTACT_PLAIN)
    fast, general = both_csvs(contact_rows, workspace, queryset, columns)
    assert fast == general
    table = read_csv([fast])
    assert len(table) == 1 + len(people)
    by_id = {row[0]: row for row in table[1:]}
    lucja = by_id[str(people[0].pk)]
    assert lucja[1:5] == ["lucja@example.pl", "Łucja", "Żółć", "Łucja Żółć"]
    assert lucja[11] == "2024-02-29T23:59:59+00:00"
    assert by_id[str(people[1].pk)][1:6] == ["", "", "", "", ""]
    assert by_id[str(people[1].pk)][11:13] == ["1999-12-31T00:00:00+00:00"] * 2
    assert by_id[str(people[2].pk)][3:5] == ["'=Only", "'=Only"]
    assert by_id[str(people[2].pk)][6] == "'-"
    assert by_id[str(people[2].pk)][11] == "2024-07-01T10:30:05+00:00"
    assert by_id[str(people[3].pk)][2:5] == ["'@Only", "", "'@Only"]
    assert by_id[str(people[4].pk)][9:11] == ["false", "true"]
    assert by_id[str(people[6].pk)][1:5] == ["x-@example.com", "'=already", "a=b", "'=already a=b"]
    for contact in people[7:]:
        row = by_id[str(contact.pk)]
        assert all(cell.startswith("'") for cell in (row[1], row[2], row[3], row[5], row[6]))


def test_company_csv_is_byte_identical_to_the_general_path(workspace, owner):
    make_company(owner, name="=Acme", domain="acme.example", city="Łódź", phone="+48 42")
    plain = make_company(owner, name="Plain")
    odd = {"country": "\uff1dNL", "street": "-", "region": "\ttab"}  # as an import may store
    Company.objects.filter(pk=plain.pk).update(**odd)
    make_company(owner, name="Bare")
    queryset = company_visible(workspace=workspace, actor=owner).order_by("id")
    columns = company_columns(workspace, COMPANY_PLAIN)
    fast, general = both_csvs(company_rows, workspace, queryset, columns, actor=owner)
    assert fast == general
    table = read_csv([fast])
    assert table[1][1:5] == ["'=Acme", "acme.example", "", "'+48 42"]
    assert table[2][5] == "'-"
    assert table[2][8:10] == ["'\ttab", "'\uff1dNL"]
    assert Company.objects.count() == 3


def test_the_fast_path_reads_every_row_with_one_query(workspace, owner, people):
    queryset = contact_visible(workspace=workspace, actor=owner).order_by("id")
    columns = contact_columns(workspace, ["email", "first_name"])
    with CaptureQueriesContext(connection) as ctx:
        batches = list(contact_rows(workspace, queryset, columns, chunk_size=4).batches())
    assert len(ctx.captured_queries) == 1
    assert len(people) == 17
    assert [len(b) for b in batches] == [4, 4, 4, 4, 1]


def test_a_distinct_query_ordered_by_other_columns_gives_only_the_chosen_cells(
    workspace, owner, people
):
    label = core_services.category_create(
        workspace=workspace, actor=owner, kind="labels", name="Press"
    )
    for contact in people[:3]:
        contact.labels.add(label, through_defaults={"workspace": workspace})
    queryset = (
        contact_visible(workspace=workspace, actor=owner)
        .filter(labels__name__in=["Press", "Nope"])
        .distinct()
        .order_by("-created_at", "-id")
    )
    columns = contact_columns(workspace, ["email", "first_name"])
    fast, general = both_csvs(contact_rows, workspace, queryset, columns)
    assert fast == general
    assert len(read_csv([fast])) == 4
    assert all(len(row) == 2 for row in read_csv([fast]))


def test_a_filter_that_matches_nothing_gives_the_header_alone(workspace, owner, people):
    queryset = contact_visible(workspace=workspace, actor=owner).filter(pk__in=[])
    columns = contact_columns(workspace, ["email"])
    fast, general = both_csvs(contact_rows, workspace, queryset, columns)
    assert fast == general == "\ufeffEmail\r\n".encode()


def test_iterating_the_rows_gives_text_cells(workspace, owner, people):
    queryset = contact_visible(workspace=workspace, actor=owner).order_by("id")[:1]
    columns = contact_columns(workspace, ["id", "is_active", "email"])
    assert list(contact_rows(workspace, queryset, columns)) == [
        [str(people[0].pk), "true", "lucja@example.pl"]
    ]


def test_the_api_export_of_plain_columns_leaves_out_contacts_the_member_may_not_see(
    client, owner, member
):
    make_contact(member, email="=mine@example.com", first_name="Mine")
    make_contact(owner, email="secret@example.com", first_name="Secret")  # owner's private
    response = client.get(
        "/api/v1/contacts/export.csv",
        {"columns": "email,first_name"},
        HTTP_AUTHORIZATION=f"Bearer {token_for(member)}",
    )
    assert response.status_code == 200
    assert read_csv(response.streaming_content) == [
        ["Email", "First name"],
        ["'=mine@example.com", "Mine"],
    ]


def test_an_xlsx_of_plain_columns_holds_the_general_paths_cells(workspace, owner, people):
    from openpyxl import load_workbook

    from rapport.dataio.exporting import write_xlsx

    queryset = contact_visible(workspace=workspace, actor=owner).order_by("id")
    columns = contact_columns(workspace, CONTACT_PLAIN)
    sheets = []
    for fast in (True, False):
        out = io.BytesIO()
        rows = contact_rows(workspace, queryset, columns, fast=fast)
        assert write_xlsx(out, headers(columns), rows, title="Contacts") == len(people)
        sheet = load_workbook(out, read_only=True).active
        sheets.append([[cell.value for cell in row] for row in sheet.iter_rows()])
    assert sheets[0] == sheets[1]
    assert sheets[0][1][0] == people[0].pk  # ids stay numbers
