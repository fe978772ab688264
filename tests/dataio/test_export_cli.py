"""`rapport export`: the same file the API sends for the same person and filters."""

import io

import openpyxl
import pytest
from django.utils import timezone

from rapport.cli import main
from rapport.core.models import ApiToken
from tests.core.factories import make_member, token_for
from tests.customers.factories import make_company, make_contact, make_team

pytestmark = pytest.mark.django_db(transaction=False)


def api_bytes(client, membership, path, params) -> bytes:
    token = token_for(membership)
    ApiToken.objects.filter(user_id=membership.user_id).update(last_used_at=timezone.now())
    response = client.get(path, params, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200, response.content[:300]
    return b"".join(response.streaming_content)


@pytest.fixture
def people(workspace, owner, member):
    colleague = make_member(workspace, "colleague@acme.test")
    team = make_team(workspace, "Sales", member, colleague)
    make_contact(member, first_name="Mine", email="mine@example.com", role="client")
    make_contact(colleague, first_name="Hidden", email="hidden@example.com", role="client")
    make_contact(
        colleague,
        first_name="=Shared",
        email="shared@example.com",
        role="client",
        visibility="teams",
        team_ids=[team.pk],
    )
    make_contact(owner, first_name="Lead", email="lead@example.com", role="lead")
    make_company(owner, name="Acme", city="Łódź")


def test_cli_csv_is_byte_for_byte_the_api_csv(client, tmp_path, workspace, member, people):
    out = tmp_path / "contacts.csv"
    code = main(
        [
            "export",
            "contacts",
            "--workspace",
            workspace.slug,
            "--format",
            "csv",
            "--as",
            "member@acme.test",
            "--filter",
            "role=client",
            "--filter",
            "sort=email",
            "--columns",
            "first_name,email,labels",
            "--output",
            str(out),
        ]
    )
    assert code == 0
    expected = api_bytes(
        client,
        member,
        "/api/v1/contacts/export.csv",
        {"role": "client", "sort": "email", "columns": "first_name,email,labels"},
    )
    assert out.read_bytes() == expected
    assert b"hidden@example.com" not in expected
    assert b"'=Shared" in expected


def test_cli_defaults_to_the_owner_and_every_column(client, tmp_path, workspace, owner, people):
    out = tmp_path / "all.csv"
    assert main(["export", "contacts", "--workspace", workspace.slug, "-o", str(out)]) == 0
    assert out.read_bytes() == api_bytes(client, owner, "/api/v1/contacts/export.csv", {})
    assert out.read_bytes().count(b"@example.com") == 4


def test_cli_vcard_is_the_api_vcard(client, tmp_path, workspace, member, people):
    out = tmp_path / "c.vcf"
    args = ["export", "contacts", "--workspace", workspace.slug, "--format", "vcf"]
    assert main([*args, "--as", "member@acme.test", "-o", str(out)]) == 0
    assert out.read_bytes() == api_bytes(client, member, "/api/v1/contacts/export.vcf", {})


def test_cli_writes_companies_xlsx(tmp_path, workspace, people):
    out = tmp_path / "companies.xlsx"
    args = ["export", "companies", "--workspace", workspace.slug, "--format", "xlsx"]
    assert main([*args, "--columns", "name,city", "--output", str(out)]) == 0
    sheet = openpyxl.load_workbook(out).active
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["Name", "City"],
        ["Acme", "Łódź"],
    ]


def test_cli_writes_to_stdout_by_default(capsysbinary, workspace, people):
    assert main(["export", "companies", "--workspace", workspace.slug, "--columns", "name"]) == 0
    assert capsysbinary.readouterr().out == "\ufeffName\r\nAcme\r\n".encode()


def test_cli_refuses_a_bad_filter_with_a_message(capsys, workspace, people):
    args = ["export", "contacts", "--workspace", workspace.slug, "--filter", "role=boss"]
    assert main(args) == 2
    assert capsys.readouterr().err == "rapport: Check the filters: role.\n"


def test_cli_refuses_a_filter_without_a_value(capsys, workspace, people):
    assert main(["export", "contacts", "--workspace", workspace.slug, "--filter", "role"]) == 2
    assert capsys.readouterr().err == "rapport: Write each filter as key=value.\n"


def test_cli_refuses_a_stranger(capsys, workspace, outsider):
    args = ["export", "contacts", "--workspace", workspace.slug, "--as", "owner@globex.test"]
    assert main(args) == 2
    assert capsys.readouterr().err == f"rapport: No such member of workspace {workspace.slug}.\n"


def test_cli_has_no_vcard_for_companies(capsys, workspace, people):
    args = ["export", "companies", "--workspace", workspace.slug, "--format", "vcf"]
    assert main(args) == 2
    assert capsys.readouterr().err == "rapport: Export as csv, xlsx or (contacts only) vcf.\n"


def test_the_xlsx_written_to_a_pipe_is_a_workbook(capsysbinary, workspace, people):
    args = ["export", "companies", "--workspace", workspace.slug, "--format", "xlsx"]
    assert main(args) == 0
    data = capsysbinary.readouterr().out
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet["A2"].value is not None
