"""Importing contacts and companies: what lands, what is skipped, updated or rejected."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from rapport.core.errors import Conflict, Invalid, NotFound
from rapport.core.models import Activity, Category
from rapport.customers.models import Company, Contact
from rapport.customers.selectors import contact_visible
from rapport.dataio import importing, services
from rapport.dataio.models import ImportJob
from tests.core.factories import make_member
from tests.customers.factories import make_company, make_contact, make_team
from tests.customfields.factories import RETAIL_B2B_GOV, make_field
from tests.dataio.import_factories import (
    FIXTURES,
    draft,
    rejected_rows,
    run_import,
    upload,
)

HEAD = ["First name", "Last name", "Email", "Company", "Labels"]


def _contacts(workspace):
    return list(
        Contact.objects.filter(workspace=workspace)
        .select_related("company", "source")
        .order_by("pk")
    )


def _labels(record) -> list[str]:
    return sorted(c.name for c in record.labels.all())


# --- the real export layouts ------------------------------------------------------------


CONTACT_FILES = {
    "google_contacts.csv": {
        "anna@piekarnia.pl": ("Anna", "Nowak", "Piekarnia Łódzka", ["Klienci"]),
        "pieter@brouwerijhetij.nl": ("Pieter", "de Vries", "Brouwerij 't IJ", []),
        "": ("Zoë", "Müller", None, ["Leveranciers", "VIP"]),
        "lukasz@example.pl": ("Łukasz", "Żółkiewski", None, ["friends"]),
    },
    "google_contacts_legacy.csv": {
        "m.wisniewska@example.pl": (
            "Małgorzata",
            "Wiśniewska",
            "Wiśniewska i Wspólnicy",
            ["Partnerzy"],
        ),
        "": ("Sven", "Åberg", None, []),
        "info@example.nl": ("Info", "Desk", None, []),
    },
    "outlook.csv": {
        "anais@cafenoel.nl": ("Anaïs", "van den Berg", "Café Noël B.V.", ["Klanten", "Utrecht"]),
        "joel@boulangerie-legere.fr": ("Joël", "Dubois", "Boulangerie Légère", ["Leveranciers"]),
        "juergen@example.de": ("Jürgen", "Weiß", None, []),
    },
    "plain.csv": {
        "jan.kowalski@example.pl": ("Jan", "Kowalski", "Kowalski i Syn", []),
        "mc@example.nl": ("Marie-Claire", "van der Berg", "Van der Berg Advocaten", []),
        "emile@example.fr": ("Émile", "Zola", None, []),
        "piotr@example.pl": ("Piotr", "Nowak", None, []),
        "cher@example.com": ("Cher", "", None, []),
    },
    "polish_cp1250.csv": {
        "zazolc@example.pl": ("Zażółć", "Gęślą-Jaźń", "Łódzkie Młyny S.A.", ["Klienci", "Łódź"]),
        "jozef.slezak@example.pl": ("Józef", "Ślęzak", "Ślęzak i Wspólnicy", ["Partnerzy"]),
        "": ("Agnieszka", "Ćwik", None, []),
    },
}


@pytest.mark.parametrize("name", sorted(CONTACT_FILES))
def test_each_contact_export_layout_imports_without_a_manual_step(admin, name):
    job = run_import(admin, (FIXTURES / name).read_bytes(), name=name)

    expected = CONTACT_FILES[name]
    assert (job.status, job.error, job.rejected) == ("done", "", 0)
    assert job.created == len(expected)
    got = {
        c.email: (c.first_name, c.last_name, c.company.name if c.company else None, _labels(c))
        for c in _contacts(admin.workspace)
    }
    assert got == {email: (*rest[:3], sorted(rest[3])) for email, rest in expected.items()}


def test_google_contacts_keep_every_email_and_phone(admin):
    run_import(admin, (FIXTURES / "google_contacts.csv").read_bytes(), name="google.csv")

    anna = Contact.objects.get(workspace=admin.workspace, email="anna@piekarnia.pl")
    assert anna.other_emails == ["anna.nowak@gmail.com", "anna.private@example.com"]
    assert anna.phone == "+48 601 234 567"
    assert anna.other_phones == ["+48 42 123 45 67", "+48 42 123 45 68"]
    assert anna.job_title == "Właścicielka"


def test_hubspot_contacts_map_lifecycle_stages_and_sources(admin):
    job = run_import(admin, (FIXTURES / "hubspot_contacts.csv").read_bytes(), name="hs.csv")

    roles = {
        c.email: (c.role, c.source.name if c.source else None) for c in _contacts(admin.workspace)
    }
    assert roles["maria@example.com"] == ("lead", "Organic Search")
    assert roles["tomasz@example.pl"] == ("prospect", "Offline Sources")
    assert roles["emma@example.nl"] == ("client", None)
    # "Other" names no role: the row is imported with the default role, not refused.
    assert roles["piet@example.nl"] == ("lead", None)
    assert job.rejected == 0


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "companies.csv",
            {
                "Acme Corporation": ("acme.example.com", "Springfield", "Customer"),
                "Brouwerij 't IJ": ("brouwerijhetij.nl", "Amsterdam", "Supplier"),
                "Łódzkie Młyny S.A.": ("", "Łódź", None),
            },
        ),
        (
            "companies_dutch.csv",
            {
                "Café Noël": ("cafenoel.nl", "Utrecht", "Horeca"),
                "Brasserie Ëlan": ("", "Groningen", None),
            },
        ),
        (
            "hubspot_companies.csv",
            {
                "Acme Corp": ("acme.example.com", "Boston", "Partner"),
                "De Jong BV": ("dejong.example.nl", "Amsterdam", "Prospect"),
            },
        ),
    ],
)
def test_each_company_export_layout_imports(admin, name, expected):
    job = run_import(admin, (FIXTURES / name).read_bytes(), entity="companies", name=name)

    assert (job.status, job.created, job.rejected) == ("done", len(expected), 0)
    got = {
        c.name: (c.domain, c.city, c.type.name if c.type else None)
        for c in Company.objects.filter(workspace=admin.workspace).select_related("type")
    }
    assert got == expected


# --- duplicates -------------------------------------------------------------------------


def test_duplicates_are_skipped_by_default(member):
    ada = make_contact(member, first_name="Ada", last_name="Lovelace", email="ada@x.test")

    job = run_import(member, [HEAD, ["Augusta", "King", "ADA@x.test", "", ""]])

    assert (job.created, job.skipped) == (0, 1)
    ada.refresh_from_db()
    assert (ada.first_name, ada.version) == ("Ada", 1)


def test_duplicates_are_updated_when_asked(member):
    ada = make_contact(member, first_name="Ada", last_name="Lovelace", email="ada@x.test")

    job = run_import(
        member, [HEAD, ["Augusta", "", "ada@x.test", "", "VIP"]], on_duplicate="update"
    )

    assert (job.created, job.updated, job.skipped) == (0, 1, 0)
    ada.refresh_from_db()
    # A filled cell wins, an empty one leaves the field alone; labels are added.
    assert (ada.first_name, ada.last_name, ada.version) == ("Augusta", "Lovelace", 2)
    assert _labels(ada) == ["VIP"]
    update = Activity.objects.get(
        target_type="contact", target_id=ada.pk, verb="contact.import_updated"
    )
    assert update.changes == {"first_name": ["Ada", "Augusta"], "labels": [[], ["VIP"]]}


def test_an_unchanged_duplicate_is_not_rewritten(member):
    ada = make_contact(member, first_name="Ada", last_name="Lovelace", email="ada@x.test")

    job = run_import(
        member, [HEAD, ["Ada", "Lovelace", "ada@x.test", "", ""]], on_duplicate="update"
    )

    assert job.updated == 1
    ada.refresh_from_db()
    assert ada.version == 1
    assert not Activity.objects.filter(verb="contact.import_updated").exists()


def test_a_row_repeating_an_earlier_row_of_the_file_is_a_duplicate(member):
    rows = [HEAD, ["Ada", "L", "ada@x.test", "", ""], ["Augusta", "K", "Ada@X.test", "", ""]]

    skipped = run_import(member, rows)
    assert (skipped.created, skipped.skipped) == (1, 1)
    Contact.objects.all().delete()

    updated = run_import(member, rows, on_duplicate="update")
    assert (updated.created, updated.updated) == (1, 1)
    assert [(c.first_name, c.last_name) for c in _contacts(member.workspace)] == [("Augusta", "K")]


def test_repeats_across_batches_find_the_row_an_earlier_batch_wrote(member):
    rows = [HEAD] + [[f"P{i}", "", f"p{i % 3}@x.test", "", ""] for i in range(9)]
    job = draft(member, rows)
    services.import_update(
        workspace=member.workspace, actor=member, job_id=job.pk, options={"on_duplicate": "update"}
    )
    ImportJob.objects.filter(pk=job.pk).update(status="queued")

    job = importing.run(job.pk, batch_size=2)

    assert (job.created, job.updated) == (3, 6)
    assert sorted(c.first_name for c in _contacts(member.workspace)) == ["P6", "P7", "P8"]


def test_without_dedupe_every_row_is_created(member):
    make_contact(member, email="ada@x.test")

    job = run_import(member, [HEAD, ["Ada", "", "ada@x.test", "", ""]], dedupe="none")

    assert job.created == 1
    assert Contact.objects.filter(email="ada@x.test").count() == 2


def test_a_contact_the_importer_may_not_see_is_no_duplicate(workspace, member, admin):
    hidden = make_contact(admin, first_name="Private", email="ada@x.test")

    job = run_import(member, [HEAD, ["Ada", "", "ada@x.test", "", ""]], on_duplicate="update")

    assert (job.created, job.updated) == (1, 0)
    hidden.refresh_from_db()
    assert hidden.first_name == "Private"


def test_companies_dedupe_by_name_ignores_case_and_accents_spelling(member):
    make_company(member, name="Łódzkie Młyny")

    job = run_import(
        member,
        [["Name", "City"], ["ŁÓDZKIE MŁYNY", "Łódź"]],
        entity="companies",
        on_duplicate="update",
    )

    assert (job.created, job.updated) == (0, 1)
    assert Company.objects.get().city == "Łódź"


def test_companies_dedupe_by_domain(member):
    make_company(member, name="Acme", domain="acme.test")

    job = run_import(
        member,
        [["Name", "Website"], ["Acme Corporation", "https://www.acme.test/about"]],
        entity="companies",
        dedupe="domain",
    )

    assert (job.created, job.skipped) == (0, 1)


# --- links: companies, labels, sources, teams -------------------------------------------


def test_a_company_name_links_to_the_existing_company_or_creates_one(member):
    acme = make_company(member, name="Acme Corp")

    run_import(
        member,
        [HEAD, ["Ada", "", "a@x.test", "acme corp", ""], ["Bo", "", "b@x.test", "Globex", ""],
         ["Cy", "", "c@x.test", "GLOBEX", ""]],
    )  # fmt: skip

    by_email = {c.email: c.company for c in _contacts(member.workspace)}
    assert by_email["a@x.test"] == acme
    assert by_email["b@x.test"].name == "Globex"
    assert by_email["c@x.test"] == by_email["b@x.test"]
    assert Company.objects.count() == 2
    assert Activity.objects.filter(verb="company.imported", summary="Globex").count() == 1


def test_missing_labels_are_created_once(member):
    run_import(
        member,
        [
            HEAD,
            ["Ada", "", "a@x.test", "", "VIP ::: Friends"],
            ["Bo", "", "b@x.test", "", "friends"],
        ],
        label="Imported May",
    )

    names = set(Category.objects.filter(kind="labels").values_list("name", flat=True))
    assert {"VIP", "Friends", "Imported May"} <= names
    assert Category.objects.filter(kind="labels", name__iexact="friends").count() == 1
    assert {c.email: _labels(c) for c in _contacts(member.workspace)} == {
        "a@x.test": ["Friends", "Imported May", "VIP"],
        "b@x.test": ["Friends", "Imported May"],
    }


def test_a_member_cannot_add_sources_but_an_admin_can(member, admin):
    rows = [["Name", "Email", "Source"], ["Ada", "a@x.test", "Trade fair 2024"]]

    refused = run_import(member, rows)
    assert (refused.created, refused.rejected) == (0, 1)
    assert "an admin can add it" in rejected_rows(refused)[1][1]

    accepted = run_import(admin, rows)
    assert accepted.created == 1
    assert Contact.objects.get().source.name == "Trade fair 2024"


def test_default_role_and_source_fill_rows_without_one(admin):
    referral = Category.objects.get(workspace=admin.workspace, kind="sources", name="Referral")

    run_import(
        admin,
        [["Name", "Email", "Role"], ["Ada", "a@x.test", ""], ["Bo", "b@x.test", "Client"]],
        default_role="prospect",
        default_source_id=referral.pk,
    )

    assert {c.email: (c.role, c.source_id) for c in _contacts(admin.workspace)} == {
        "a@x.test": ("prospect", referral.pk),
        "b@x.test": ("client", referral.pk),
    }


def test_hubspots_other_stage_takes_the_default_role_instead_of_a_rejection(admin):
    job = run_import(
        admin,
        [["Email", "Lifecycle Stage"], ["a@x.test", "Other"], ["b@x.test", "Partner"]],
        default_role="prospect",
    )

    assert {c.email: c.role for c in _contacts(admin.workspace)} == {"a@x.test": "prospect"}
    assert (job.created, job.rejected) == (1, 1)  # "Partner" is no role: refused, as before


def test_imported_contacts_are_private_to_their_owner(workspace, member, admin):
    job = run_import(member, [HEAD, ["Ada", "", "a@x.test", "", ""]])

    ada = Contact.objects.get()
    assert (ada.owner_id, ada.visibility) == (member.user_id, "private")
    assert not contact_visible(workspace=workspace, actor=admin).filter(pk=ada.pk).exists()
    assert job.created == 1


def test_shared_with_a_team_the_team_sees_them(workspace, member, admin):
    team = make_team(workspace, "Sales", admin)

    run_import(member, [HEAD, ["Ada", "", "a@x.test", "", ""]], team_ids=[team.pk])

    ada = Contact.objects.get()
    assert ada.visibility == "teams"
    assert contact_visible(workspace=workspace, actor=admin).filter(pk=ada.pk).exists()


def test_unclaimed_imports_go_to_the_queue(member):
    run_import(member, [HEAD, ["Ada", "", "a@x.test", "", ""]], owner="none")

    assert Contact.objects.get().owner_id is None


# --- validation --------------------------------------------------------------------------


def test_rejected_rows_name_their_row_and_reason_and_the_rest_is_imported(member):
    rows = [
        HEAD,
        ["Ada", "", "ada@x.test", "", ""],
        ["Bo", "", "not-an-email", "", ""],
        ["", "", "", "Acme", ""],
        ["=HYPERLINK(1)", "", "x@", "", ""],
    ]

    job = run_import(member, rows)

    assert (job.created, job.rejected) == (1, 3)
    assert rejected_rows(job) == [
        ["Row", "Reason", *HEAD],
        ["3", "Email: Enter a valid email address.", "Bo", "", "not-an-email", "", ""],
        ["4", "First name: Give at least a name or an email address.", "", "", "", "Acme", ""],
        ["5", "Email: Enter a valid email address.", "'=HYPERLINK(1)", "", "x@", "", ""],
    ]
    # Nothing of a rejected row is written: not even its company.
    assert not Company.objects.exists()


def test_rows_break_the_same_rules_as_the_form(member):
    long = "x" * 101
    job = run_import(
        member,
        [["First name", "Email", "Phone", "Active"], [long, "a@x.test", "call me", "maybe"]],
    )

    assert rejected_rows(job)[1][1] == (
        "First name: Use at most 100 characters. "
        "Phone: Enter a valid phone number (digits, spaces, + ( ) - . /). "
        "Active: Use true or false."
    )


def test_custom_values_are_checked_by_the_one_validator(workspace, admin):
    make_field(workspace, "Industry", "dropdown", options=RETAIL_B2B_GOV)
    make_field(workspace, "Score", "number")
    rows = [
        ["Name", "Email", "Industry", "Score"],
        ["Ada", "a@x.test", "Government", "12,5"],
        ["Bo", "b@x.test", "farming", "lots"],
    ]

    job = run_import(admin, rows)

    assert Contact.objects.get().custom == {"industry": "gov", "score": 12.5}
    assert rejected_rows(job)[1][1] == (
        "Industry: Choose one of the options. Score: Enter a number."
    )


def test_a_required_custom_field_is_required_of_new_rows_only(workspace, admin):
    make_field(workspace, "Tier", "text", required=True)
    ada = make_contact(admin, email="ada@x.test", custom={"tier": "gold"})
    rows = [["Name", "Email"], ["Ada L", "ada@x.test"], ["Bo", "bo@x.test"]]

    job = run_import(admin, rows, on_duplicate="update")

    assert (job.updated, job.rejected) == (1, 1)
    assert rejected_rows(job)[1][:2] == ["3", "Tier: Tier is required."]
    ada.refresh_from_db()
    assert ada.last_name == "L"


def test_every_written_record_has_its_timeline_entry(member):
    run_import(member, [HEAD, ["Ada", "", "a@x.test", "Acme", "VIP"]])

    ada = Contact.objects.get()
    entry = Activity.objects.get(target_type="contact", target_id=ada.pk)
    assert (entry.verb, entry.actor_id, entry.summary) == (
        "contact.imported",
        member.user_id,
        "Ada",
    )
    assert entry.changes == {"labels": [[], ["VIP"]]}


def test_the_import_batches_its_queries(member, django_assert_max_num_queries):
    """Per batch a fixed number of queries whatever its size: no query per row."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(rows: int) -> int:
        body = [[f"P{i}", "", f"p{i}@x.test", f"Co {i % 7}", f"L{i % 5}"] for i in range(rows)]
        job = draft(member, [HEAD, *body])
        ImportJob.objects.filter(pk=job.pk).update(status="queued")
        with CaptureQueriesContext(connection) as ctx:
            importing.run(job.pk, batch_size=1000)
        return len(ctx.captured_queries)

    small, large = queries(50), queries(900)
    assert large - small <= 5  # five more labels/companies seen, never one per row
    with django_assert_max_num_queries(60):
        queries(1000)


# --- the job itself ----------------------------------------------------------------------


def test_an_upload_that_is_no_table_is_refused_and_not_kept(member):
    with pytest.raises(Invalid) as exc:
        services.import_create(
            workspace=member.workspace,
            actor=member,
            entity="contacts",
            upload=SimpleUploadedFile("x.csv", b'{"a": 1}'),
        )
    assert exc.value.field == "file"
    assert not ImportJob.objects.exists()


def test_an_upload_over_the_limit_is_refused(member, monkeypatch):
    monkeypatch.setattr(services, "MAX_UPLOAD_BYTES", 4)

    with pytest.raises(Invalid) as exc:
        services.import_create(
            workspace=member.workspace,
            actor=member,
            entity="contacts",
            upload=upload(b"a,b\n1,2\n"),
        )
    assert exc.value.message.startswith("The file is larger than")
    assert not ImportJob.objects.exists()


def test_mapping_names_columns_and_fields_that_exist(member):
    job = draft(member, [HEAD, ["Ada", "", "a@x.test", "", ""]])

    with pytest.raises(Invalid) as exc:
        services.import_update(
            workspace=member.workspace,
            actor=member,
            job_id=job.pk,
            mapping={"0": "first_name", "1": "first_name", "9": "email", "2": "shoe_size"},
        )
    assert {e["field"] for e in exc.value.errors} == {"mapping.9", "mapping.2", "mapping.1"}


def test_a_mapped_column_can_be_ignored(member):
    job = draft(
        member,
        [HEAD, ["Ada", "Lovelace", "a@x.test", "", ""]],
        mapping={"0": "first_name", "2": "email"},
    )

    services.import_start(workspace=member.workspace, actor=member, job_id=job.pk)

    assert Contact.objects.get().last_name == ""


def test_a_finished_import_cannot_be_started_again(member):
    job = run_import(member, [HEAD, ["Ada", "", "a@x.test", "", ""]])

    with pytest.raises(Conflict):
        services.import_start(workspace=member.workspace, actor=member, job_id=job.pk)


def test_a_job_is_not_found_for_another_member_and_found_for_an_admin(member, admin, outsider):
    job = draft(member, [HEAD, ["Ada", "", "a@x.test", "", ""]])

    colleague = make_member(member.workspace, "colleague@acme.test")
    with pytest.raises(NotFound):
        services.import_start(workspace=member.workspace, actor=colleague, job_id=job.pk)
    with pytest.raises(NotFound):
        services.import_cancel(workspace=outsider.workspace, actor=outsider, job_id=job.pk)
    assert (
        services.import_cancel(workspace=admin.workspace, actor=admin, job_id=job.pk).status
        == "cancelled"
    )


def test_the_upload_is_removed_once_the_rows_are_in(member):
    from django.core.files.storage import default_storage

    job = draft(member, [HEAD, ["Ada", "", "a@x.test", "", ""]])
    stored = job.file

    job = services.import_start(workspace=member.workspace, actor=member, job_id=job.pk)

    assert job.file == ""
    assert not default_storage.exists(stored)


def test_an_excel_file_imports_like_a_csv(member, tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["First Name", "Last Name", "Email", "Score"])
    sheet.append(["Ada", "Lovelace", "ada@x.test", 12])
    sheet.append(["Bo", "", "bo@", 3])
    path = tmp_path / "people.xlsx"
    book.save(path)

    job = run_import(member, path.read_bytes(), name="people.xlsx")

    assert (job.status, job.created, job.rejected) == ("done", 1, 1)
    assert rejected_rows(job)[1][:2] == ["3", "Email: Enter a valid email address."]
    assert Contact.objects.get().last_name == "Lovelace"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner statistics")
def test_a_big_import_refreshes_the_planner_statistics(member, monkeypatch):
    monkeypatch.setattr(importing, "ANALYZE_AFTER", 3)
    rows = [["Name", "Email"]] + [[f"P{i}", f"p{i}@x.test"] for i in range(7)]

    run_import(member, rows)

    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'customers_contact'")
        (estimated,) = cursor.fetchone()
    assert estimated == Contact.objects.count()
