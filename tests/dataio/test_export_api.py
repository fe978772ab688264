"""GET /api/v1/contacts/export.* and /companies/export.*: filters, visibility, order,
formats, injection, errors."""

import csv
import io

import openpyxl
import pytest
from django.utils import timezone

from rapport.customers.models import Contact
from tests.api_client import Api as BaseApi
from tests.core.factories import PASSWORD, make_member
from tests.customers.factories import make_company, make_contact, make_team

pytestmark = pytest.mark.django_db

INJECTIONS = ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"]


class Api(BaseApi):
    def csv(self, path, params=None) -> list[list[str]]:
        response = self.get(path, params)
        assert response.status_code == 200, response.content[:500]
        return parse_csv(b"".join(response.streaming_content))

    def emails(self, params=None) -> list[str]:
        rows = self.csv("/api/v1/contacts/export.csv", {"columns": "email", **(params or {})})
        return [row[0] for row in rows[1:]]


def parse_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


@pytest.fixture
def colleague(workspace):
    return make_member(workspace, "colleague@acme.test", role="member")


@pytest.fixture
def as_owner(client, owner):
    return Api(client, owner)


@pytest.fixture
def as_member(client, member):
    return Api(client, member)


@pytest.fixture
def as_outsider(client, outsider):
    return Api(client, outsider)


# --- the file -------------------------------------------------------------------------


def test_csv_export_is_a_dated_attachment_with_translated_headers(as_owner, owner):
    make_contact(owner, first_name="Zoë", last_name="Łódź", email="zoe@example.com")
    response = as_owner.get("/api/v1/contacts/export.csv", {"columns": "first_name,last_name"})
    assert response.status_code == 200
    assert response.streaming is True
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="contacts-{today}.csv"'
    rows = parse_csv(b"".join(response.streaming_content))
    assert rows == [["First name", "Last name"], ["Zoë", "Łódź"]]


def test_headers_follow_the_language_asked_for(client, owner):
    api = Api(client, owner)
    response = api.client.get(
        "/api/v1/contacts/export.csv",
        {"columns": "first_name"},
        HTTP_ACCEPT_LANGUAGE="pl",
        **api.headers,
    )
    header = parse_csv(b"".join(response.streaming_content))[0]
    assert header[0] != "First name"  # Polish when the catalogue has it, never a crash


def test_default_columns_include_custom_fields(as_owner, owner, workspace):
    from tests.customfields.factories import make_field

    make_field(workspace, "Industry")
    make_contact(owner, custom={"industry": "Retail"})
    header, row = as_owner.csv("/api/v1/contacts/export.csv")
    assert header[:3] == ["ID", "First name", "Last name"]
    assert header[-1] == "Industry"
    assert row[-1] == "Retail"


def test_unknown_column_is_a_422_naming_it(as_owner):
    response = as_owner.get("/api/v1/contacts/export.csv", {"columns": "email,secret"})
    assert response.status_code == 422
    assert response.json() == {
        "detail": "Unknown column: secret.",
        "errors": [{"field": "columns", "message": "Unknown column: secret."}],
    }


def test_bad_filter_is_the_same_422_as_the_list(as_owner):
    params = {"role": "boss", "created_after": "yesterday"}
    exported = as_owner.get("/api/v1/contacts/export.csv", params)
    listed = as_owner.get("/api/v1/contacts", params)
    assert exported.status_code == 422
    assert exported.json() == listed.json()


def test_rows_come_in_the_lists_order(as_owner, owner):
    for name in ["Carol", "alice", "Bob", "dave"]:
        make_contact(owner, first_name="x", last_name=name, email=f"{name.lower()}@example.com")
    for sort in ["name", "-name", "email", "-created_at"]:
        listed = as_owner.get("/api/v1/contacts", {"sort": sort}).json()["items"]
        assert as_owner.emails({"sort": sort}) == [c["email"] for c in listed], sort


def test_rows_follow_sorts_on_annotations_company_and_custom(as_owner, owner, workspace):
    from tests.customfields.factories import make_field

    make_field(workspace, "Score", "number")
    for n, company in enumerate(["Zeta", "alpha", "Mu"]):
        make_contact(
            owner,
            email=f"c{n}@example.com",
            company_id=make_company(owner, name=company).pk,
            custom={"score": [5, -2, 11][n]},
        )
    for sort in ["company", "-company", "custom.score", "-custom.score"]:
        listed = as_owner.get("/api/v1/contacts", {"sort": sort}).json()["items"]
        assert as_owner.emails({"sort": sort}) == [c["email"] for c in listed], sort


def test_filters_apply(as_owner, owner):
    make_contact(owner, email="client@example.com", role="client")
    make_contact(owner, email="lead@example.com", role="lead")
    assert as_owner.emails({"role": "client"}) == ["client@example.com"]


def test_test_contacts_are_left_out_unless_asked_for(as_owner, owner):
    make_contact(owner, email="real@example.com")
    make_contact(owner, email="test@example.com", is_test=True)
    assert as_owner.emails() == ["real@example.com"]
    assert as_owner.emails({"is_test": "true"}) == ["test@example.com"]
    assert sorted(as_owner.emails({"is_test": "any"})) == ["real@example.com", "test@example.com"]


def test_export_needs_authentication(client):
    response = client.get("/api/v1/contacts/export.csv")
    assert response.status_code == 401


def test_the_browser_session_may_download(client, owner):
    make_contact(owner, email="ada@example.com")
    client.login(email="owner@acme.test", password=PASSWORD)
    response = client.get("/api/v1/contacts/export.csv", {"columns": "email"})
    assert response.status_code == 200
    assert parse_csv(b"".join(response.streaming_content)) == [["Email"], ["ada@example.com"]]


# --- visibility ----------------------------------------------------------------------


def test_a_members_export_leaves_out_another_members_private_contact(as_member, member, colleague):
    make_contact(member, email="mine@example.com")
    make_contact(colleague, email="private@example.com")
    assert as_member.emails() == ["mine@example.com"]


def test_a_contact_shared_with_the_members_team_is_included(
    as_member, workspace, member, colleague
):
    team = make_team(workspace, "Sales", member, colleague)
    make_contact(colleague, email="shared@example.com", visibility="teams", team_ids=[team.pk])
    other = make_team(workspace, "Support", colleague)
    make_contact(colleague, email="elsewhere@example.com", visibility="teams", team_ids=[other.pk])
    assert as_member.emails() == ["shared@example.com"]


def test_unclaimed_contacts_are_exported_to_every_member(as_member, owner):
    make_contact(owner, email="queue@example.com", owner_id=None)
    assert as_member.emails() == ["queue@example.com"]


def test_owners_export_every_contact(as_owner, member, colleague):
    make_contact(member, email="a@example.com")
    make_contact(colleague, email="b@example.com")
    assert sorted(as_owner.emails()) == ["a@example.com", "b@example.com"]


def test_a_filter_matching_a_hidden_contact_exports_nothing(as_member, colleague):
    make_contact(colleague, email="hidden@example.com")
    assert as_member.emails({"email": "hidden@example.com"}) == []
    assert as_member.emails({"q": "hidden"}) == []


def test_another_workspaces_contacts_are_never_exported(as_outsider, owner, outsider):
    make_contact(owner, email="acme@example.com")
    make_contact(outsider, email="globex@example.com")
    assert as_outsider.emails() == ["globex@example.com"]


def test_vcard_export_respects_visibility(as_member, member, colleague):
    make_contact(member, first_name="Mine")
    make_contact(colleague, first_name="Hidden")
    response = as_member.get("/api/v1/contacts/export.vcf")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    assert "FN:Mine Lovelace" in text
    assert "Hidden" not in text


def test_xlsx_export_respects_visibility(as_member, member, colleague):
    make_contact(member, email="mine@example.com")
    make_contact(colleague, email="private@example.com")
    sheet = read_xlsx(as_member.get("/api/v1/contacts/export.xlsx", {"columns": "email"}))
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["Email"],
        ["mine@example.com"],
    ]


def test_companies_export_works_for_members(as_member, owner, member, colleague):
    hidden = make_contact(colleague, first_name="Hidden", last_name="Boss")
    make_company(owner, name="Acme", city="Łódź", primary_contact_id=hidden.pk)
    make_company(member, name="=Evil")
    rows = as_member.csv(
        "/api/v1/companies/export.csv", {"columns": "name,city,primary_contact", "sort": "name"}
    )
    assert rows == [["Name", "City", "Primary contact"], ["'=Evil", "", ""], ["Acme", "Łódź", ""]]


def test_companies_take_their_own_filters(as_owner, owner):
    make_company(owner, name="Acme", city="Łódź")
    make_company(owner, name="Globex", city="Springfield")
    rows = as_owner.csv("/api/v1/companies/export.csv", {"columns": "name", "city": "Łódź"})
    assert rows == [["Name"], ["Acme"]]
    bad = as_owner.get("/api/v1/companies/export.csv", {"is_test": "true"})
    assert bad.status_code == 422


def test_companies_have_no_vcard_export(as_owner):
    # The path falls through to /companies/{company_id}, whose id is not valid.
    assert as_owner.get("/api/v1/companies/export.vcf").status_code == 422


# --- injection -----------------------------------------------------------------------


def injected(owner):
    """Contacts holding each dangerous cell. Written past the services, which strip the
    leading tab and CR: an import or an older version may still have stored them."""
    for n, cell in enumerate(INJECTIONS):
        contact = make_contact(owner, first_name=f"n{n}")
        Contact.objects.filter(pk=contact.pk).update(last_name=cell, job_title=cell)


def test_csv_cells_that_start_a_formula_are_neutralised(as_owner, owner):
    injected(owner)
    rows = as_owner.csv(
        "/api/v1/contacts/export.csv", {"columns": "last_name,job_title", "sort": "first_name"}
    )
    assert rows[1:] == [["'" + cell, "'" + cell] for cell in INJECTIONS]


def read_xlsx(response):
    assert response.status_code == 200, response.content[:300]
    data = b"".join(response.streaming_content)
    return openpyxl.load_workbook(io.BytesIO(data)).active


def test_xlsx_cells_are_strings_never_formulas(as_owner, owner):
    injected(owner)
    response = as_owner.get(
        "/api/v1/contacts/export.xlsx", {"columns": "last_name,job_title", "sort": "first_name"}
    )
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="contacts-{today}.xlsx"'
    sheet = read_xlsx(response)
    rows = list(sheet.iter_rows())
    assert [c.value for c in rows[0]] == ["Last name", "Job title"]
    for row, cell in zip(rows[1:], INJECTIONS, strict=True):
        # An XML reader turns a stored CR into LF; the quote in front is what counts.
        expected = "'" + cell.replace("\r", "\n")
        assert [c.value for c in row] == [expected, expected]
        assert {c.data_type for c in row} == {"s"}


def test_xlsx_drops_control_characters_xml_cannot_hold(as_owner, owner):
    contact = make_contact(owner)
    Contact.objects.filter(pk=contact.pk).update(first_name="a\x01b")
    sheet = read_xlsx(as_owner.get("/api/v1/contacts/export.xlsx", {"columns": "first_name"}))
    assert sheet["A2"].value == "ab"


def test_companies_xlsx_export(as_owner, owner):
    make_company(owner, name="Acme", domain="acme.test")
    sheet = read_xlsx(as_owner.get("/api/v1/companies/export.xlsx", {"columns": "name,domain"}))
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["Name", "Domain"],
        ["Acme", "acme.test"],
    ]


# --- the list pages' Export menu -------------------------------------------------------


def test_the_contacts_page_links_to_exports_with_its_filters(client, member):
    client.login(email="member@acme.test", password=PASSWORD)
    page = client.get(f"/w/{member.workspace.slug}/contacts/", {"role": "client", "sort": "name"})
    assert page.status_code == 200
    html = page.content.decode()
    for fmt in ("csv", "xlsx", "vcf"):
        assert f'href="/api/v1/contacts/export.{fmt}?role=client&amp;sort=name"' in html


def test_the_companies_page_links_to_csv_and_excel_only(client, member):
    client.login(email="member@acme.test", password=PASSWORD)
    html = client.get(f"/w/{member.workspace.slug}/companies/").content.decode()
    assert 'href="/api/v1/companies/export.csv"' in html
    assert 'href="/api/v1/companies/export.xlsx"' in html
    assert "export.vcf" not in html


def test_a_page_with_broken_filters_offers_no_export(client, member):
    client.login(email="member@acme.test", password=PASSWORD)
    page = client.get(f"/w/{member.workspace.slug}/contacts/", {"role": "boss"})
    assert page.status_code == 422
    assert "export-menu" not in page.content.decode()
