"""`rapport import`: the same run as the web's, in this process, with the result's summary."""

import pytest

from rapport.cli import main
from rapport.customers.models import Contact
from tests.core.factories import make_member
from tests.customers.factories import make_contact
from tests.dataio.import_factories import FIXTURES, csv_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def people_csv(tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes(csv_bytes([["Name", "Email"], ["Ada Lovelace", "ada@x.test"], ["Bo", "nope"]]))
    return path


def test_it_prints_the_result_summary(workspace, people_csv, capsys):
    code = main(["import", "contacts", str(people_csv), "--workspace", workspace.slug, "--quiet"])

    out = capsys.readouterr().out.splitlines()
    assert code == 0
    assert out[:5] == [
        "Import finished: people.csv",
        "Created: 1",
        "Updated: 0",
        "Skipped: 0",
        "Rejected: 1",
    ]
    assert out[5].startswith("Rejected rows: /")
    assert out[5].endswith("-rejected.csv")
    assert Contact.objects.get().owner_id == workspace.owner_membership.user_id


def test_owner_none_leaves_contacts_unclaimed(workspace, people_csv, capsys):
    main(["import", "contacts", str(people_csv), "--workspace", workspace.slug, "--owner", "none"])

    assert Contact.objects.get().owner_id is None
    assert "rows…" in capsys.readouterr().err  # progress on stderr


def test_owner_email_imports_as_that_member(workspace, people_csv):
    member = make_member(workspace, "mia@acme.test")

    main(["import", "contacts", str(people_csv), "--workspace", workspace.slug,
          "--owner", "mia@acme.test", "--quiet"])  # fmt: skip

    assert Contact.objects.get().owner_id == member.user_id


def test_dedupe_and_update(workspace, people_csv, capsys):
    make_contact(workspace.owner_membership, first_name="Old", email="ada@x.test")

    main(["import", "contacts", str(people_csv), "--workspace", workspace.slug,
          "--on-duplicate", "update", "--quiet"])  # fmt: skip

    assert "Updated: 1" in capsys.readouterr().out
    assert Contact.objects.get(email="ada@x.test").first_name == "Ada"


def test_companies_from_a_real_export(workspace, capsys):
    path = FIXTURES / "hubspot_companies.csv"

    code = main(["import", "companies", str(path), "--workspace", workspace.slug, "--quiet"])

    assert code == 0
    assert "Created: 2" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--workspace", "nope"], "rapport: No workspace with the slug nope."),
        (["--workspace", "acme", "--owner", "x@y.test"], "rapport: x@y.test is not a member"),
        (["--workspace", "acme", "--dedupe", "phone"], "rapport: Check these fields: dedupe."),
    ],
)
def test_bad_input_exits_2_with_a_message(workspace, people_csv, capsys, args, message):
    code = main(["import", "contacts", str(people_csv), *args])

    assert code == 2
    assert capsys.readouterr().err.startswith(message)
    assert not Contact.objects.exists()


def test_a_missing_file_exits_2(workspace, tmp_path, capsys):
    code = main(["import", "contacts", str(tmp_path / "nope.csv"), "--workspace", workspace.slug])

    assert code == 2
    assert "No such file" in capsys.readouterr().err


def test_a_file_that_is_no_table_exits_2(workspace, tmp_path, capsys):
    path = tmp_path / "data.json"
    path.write_text('{"a": 1}')

    code = main(["import", "contacts", str(path), "--workspace", workspace.slug])

    assert code == 2
    assert "JSON" in capsys.readouterr().err
