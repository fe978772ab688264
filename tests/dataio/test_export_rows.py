"""The export core: neutralised cells, columns, rows and the CSV writer."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest

from rapport.core.errors import Invalid
from rapport.customers.selectors import company_visible, contact_visible
from rapport.dataio import exporting
from rapport.dataio.exporting import (
    company_columns,
    company_rows,
    contact_columns,
    contact_rows,
    csv_response,
    neutralise,
    stream_csv,
)
from tests.core.factories import make_member
from tests.customers.factories import make_company, make_contact, make_team
from tests.customfields.factories import RETAIL_B2B_GOV, make_field

INJECTIONS = ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"]


def read_csv(chunks) -> list[list[str]]:
    data = b"".join(chunks)
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


# --- neutralise -------------------------------------------------------------------


@pytest.mark.parametrize("cell", INJECTIONS)
def test_text_starting_with_a_formula_character_gets_a_quote(cell):
    assert neutralise(cell) == "'" + cell


def test_text_that_looks_like_a_number_or_phone_is_still_prefixed():
    assert neutralise("-5") == "'-5"
    assert neutralise("+48 123 456 789") == "'+48 123 456 789"


def test_real_numbers_keep_their_sign_without_a_prefix():
    assert neutralise(-5) == "-5"
    assert neutralise(-2.5) == "-2.5"
    assert neutralise(Decimal("-1.10")) == "-1.10"


def test_neutralise_is_idempotent_and_leaves_plain_text_alone():
    assert neutralise(neutralise("=1+1")) == "'=1+1"
    assert neutralise("Ada") == "Ada"
    assert neutralise("a=b") == "a=b"
    assert neutralise("") == ""


def test_full_width_formula_characters_are_prefixed_too():
    assert neutralise("＝1+1") == "'＝1+1"


def test_other_values_become_text():
    assert neutralise(None) == ""
    assert neutralise(True) == "true"
    assert neutralise(False) == "false"
    assert neutralise(dt.date(2024, 2, 29)) == "2024-02-29"
    assert neutralise(dt.datetime(2024, 2, 29, 10, 5, tzinfo=dt.UTC)) == "2024-02-29T10:05:00+00:00"
    assert neutralise(["a", "b", None, 3]) == "a; b; ; 3"
    assert neutralise(["-x", "y"]) == "'-x; y"


# --- stream_csv ------------------------------------------------------------------


def test_stream_csv_writes_bom_crlf_and_neutralises_every_cell():
    chunks = list(stream_csv(["name", "=head"], [["Zoë", "=1+1"], [None, 7]]))
    data = b"".join(chunks)
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in data
    assert read_csv(chunks) == [["name", "'=head"], ["Zoë", "'=1+1"], ["", "7"]]


def test_stream_csv_yields_pieces_of_about_64_kb():
    rows = ([f"row {i}", "x" * 100] for i in range(5000))
    chunks = list(stream_csv(["a", "b"], rows))
    assert len(chunks) > 5
    assert all(len(c) < 2 * exporting.CSV_PIECE for c in chunks)
    assert len(read_csv(chunks)) == 5001


def test_csv_response_is_a_streamed_attachment():
    response = csv_response("contacts-2024-01-01.csv", ["a"], iter([["b"]]))
    assert response.streaming is True
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="contacts-2024-01-01.csv"'
    assert read_csv(response.streaming_content) == [["a"], ["b"]]


# --- columns ---------------------------------------------------------------------


def test_default_contact_columns_end_with_every_custom_field(workspace):
    make_field(workspace, "Industry", "dropdown", options=RETAIL_B2B_GOV)
    keys = [c.key for c in contact_columns(workspace, None)]
    assert keys[:4] == ["id", "first_name", "last_name", "email"]
    assert keys[-1] == "custom.industry"


def test_every_documented_contact_column_exists(workspace):
    keys = (
        "id first_name last_name full_name email phone other_emails other_phones company "
        "job_title role source labels owner visibility teams is_active is_test created_at "
        "updated_at"
    ).split()
    assert [c.key for c in contact_columns(workspace, keys)] == keys


def test_every_documented_company_column_exists(workspace):
    keys = (
        "id name domain website phone street city postal_code region country type role "
        "primary_contact labels owner created_at updated_at"
    ).split()
    assert [c.key for c in company_columns(workspace, keys)] == keys


def test_an_unknown_column_is_invalid_and_named(workspace):
    with pytest.raises(Invalid) as exc:
        contact_columns(workspace, ["email", "password", "custom.nope"])
    assert exc.value.field == "columns"
    assert exc.value.message == "Unknown column: password, custom.nope."


def test_name_is_the_full_name_of_a_contact(workspace):
    assert [c.key for c in contact_columns(workspace, ["name"])] == ["full_name"]


# --- rows ------------------------------------------------------------------------


def rows_of(actor, keys, **filters):
    ws = actor.workspace
    qs = contact_visible(workspace=ws, actor=actor).filter(**filters).order_by("id")
    return list(contact_rows(ws, qs, contact_columns(ws, keys)))


def test_contact_rows_resolve_names_and_neutralise(workspace, owner, member):
    from rapport.core import services as core_services

    team = make_team(workspace, "Sales", member)
    label = core_services.category_create(
        workspace=workspace, actor=owner, kind="labels", name="=VIP"
    )
    company = make_company(owner, name="@Acme")
    contact = make_contact(
        owner,
        first_name="=cmd",
        last_name="Łódź",
        email="ada@example.com",
        phone="+48 123",
        other_emails=["b@example.com", "c@example.com"],
        company_id=company.pk,
        label_ids=[label.pk],
        visibility="teams",
        team_ids=[team.pk],
    )
    keys = [
        "id",
        "full_name",
        "phone",
        "other_emails",
        "company",
        "labels",
        "owner",
        "teams",
        "visibility",
        "is_active",
        "created_at",
    ]
    [row] = rows_of(owner, keys)
    assert row == [
        str(contact.pk),
        "'=cmd Łódź",
        "'+48 123",
        "b@example.com; c@example.com",
        "'@Acme",
        "'=VIP",
        "owner@acme.test",
        "Sales",
        "teams",
        "true",
        contact.created_at.isoformat(timespec="seconds"),
    ]


def test_custom_field_cells_follow_their_type(workspace, owner):
    make_field(workspace, "Industry", "checkbox", options=RETAIL_B2B_GOV)
    make_field(workspace, "Score", "number")
    make_field(workspace, "Motto", "text")
    make_contact(owner, custom={"industry": ["retail", "gov"], "score": -3, "motto": "-ok"})
    make_contact(owner)
    rows = rows_of(owner, ["custom.industry", "custom.score", "custom.motto"])
    assert rows == [["retail; gov", "-3", "'-ok"], ["", "", ""]]


def test_company_rows_hide_a_primary_contact_the_actor_may_not_see(workspace, owner, member):
    hidden = make_contact(owner, first_name="Secret", last_name="Person")
    shown = make_contact(member, first_name="Open", last_name="Person")
    make_company(owner, name="A", primary_contact_id=hidden.pk)
    make_company(owner, name="B", primary_contact_id=shown.pk)
    qs = company_visible(workspace=workspace, actor=member).order_by("name")
    columns = company_columns(workspace, ["name", "primary_contact"])
    rows = list(company_rows(workspace, qs, columns, actor=member))
    assert rows == [["A", ""], ["B", "Open Person"]]


def test_an_owner_who_left_the_workspace_is_still_named(workspace, owner):
    leaver = make_member(workspace, "leaver@acme.test")
    make_contact(leaver)
    from rapport.core.models import Membership

    Membership.objects.filter(pk=leaver.pk).delete()
    assert rows_of(owner, ["owner"]) == [["leaver@acme.test"]]


def test_company_names_stay_right_when_the_cache_overflows(workspace, owner, monkeypatch):
    from rapport.dataio.exporting import rows as rows_module

    monkeypatch.setattr(rows_module, "COMPANY_CACHE", 3)
    for n in range(10):
        make_contact(
            owner, email=f"p{n}@example.com", company_id=make_company(owner, name=f"C{n}").pk
        )
    qs = contact_visible(workspace=workspace, actor=owner).order_by("email")
    columns = contact_columns(workspace, ["email", "company"])
    rows = list(contact_rows(workspace, qs, columns, chunk_size=4))
    assert rows == [[f"p{n}@example.com", f"C{n}"] for n in range(10)]
