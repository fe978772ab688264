"""The record pages: a contact's and a company's page, forms, sharing, claim, notes, timeline."""

import html as html_lib
import re

import pytest

from rapport.core.models import Activity, Category, Membership
from rapport.customers import services
from rapport.customers.models import Company, Contact, Note
from rapport.customfields.models import CustomField, CustomOption, CustomSection
from tests.core.factories import make_member
from tests.customers.factories import make_company, make_contact, make_team

pytestmark = pytest.mark.django_db


def url(workspace, rest=""):
    return f"/w/{workspace.slug}/{rest}"


def text(response) -> str:
    """The page as a reader sees it: tags gone, whitespace collapsed."""
    html = response.content.decode()
    plain = html_lib.unescape(re.sub(r"<[^>]+>", " ", html))
    return re.sub(r"\s+", " ", plain).strip()


def categories(workspace, kind) -> list[Category]:
    return list(Category.objects.filter(workspace=workspace, kind=kind).order_by("position", "id"))


def field_errors(response, input_id: str) -> list[str]:
    """The inline errors of the form field whose label points at `input_id`."""
    html = response.content.decode()
    block = re.search(rf'<div class="field[^"]*">\s*<label for="{input_id}">.*?</div>', html, re.S)
    assert block, input_id
    return [
        html_lib.unescape(m) for m in re.findall(r'class="error" role="alert">([^<]*)<', block[0])
    ]


def team(workspace, name, *members):
    if not hasattr(workspace, "owner_membership"):
        workspace.owner_membership = Membership.objects.get(workspace=workspace, role="owner")
    return make_team(workspace, name, *members)


def login(client, membership):
    client.force_login(membership.user)
    return client


@pytest.fixture
def bob(workspace):
    return make_member(workspace, "bob@acme.test")


@pytest.fixture
def industry(workspace):
    """A required custom dropdown on contacts, built directly from its rows."""
    section = CustomSection.objects.create(workspace=workspace, entity="contact", name="Profile")
    field = CustomField.objects.create(
        workspace=workspace,
        entity="contact",
        section=section,
        key="industry",
        label="Industry",
        type="dropdown",
        required=True,
    )
    for i, (value, label) in enumerate([("retail", "Retail"), ("b2b", "B2B")]):
        CustomOption.objects.create(
            workspace=workspace, field=field, value=value, label=label, position=i
        )
    return field


def contact_post(**overrides) -> dict:
    data = {
        "first_name": "Grace",
        "last_name": "Hopper",
        "email": "grace@navy.test",
        "phone": "",
        "other_emails": "",
        "other_phones": "",
        "company_id": "",
        "job_title": "",
        "role": "lead",
        "source_id": "",
        "is_active": "on",
        "visibility": "private",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def edit_post(contact: Contact, **overrides) -> dict:
    contact.refresh_from_db()
    data = contact_post(
        first_name=contact.first_name,
        last_name=contact.last_name,
        email=contact.email,
        role=contact.role,
        version=str(contact.version),
        visibility=None,
    )
    data.update(overrides)
    return data


class TestContactPage:
    def test_the_owner_sees_name_title_company_labels_and_badges(self, client, member):
        vip, gold = categories(member.workspace, "labels")[:2]
        acme = make_company(member, name="Acme Ltd")
        contact = make_contact(
            member,
            job_title="Engineer",
            company_id=acme.pk,
            label_ids=[vip.pk, gold.pk],
            is_active=False,
            is_test=True,
            role="client",
        )
        response = login(client, member).get(url(member.workspace, f"contacts/{contact.pk}/"))
        assert response.status_code == 200
        html = response.content.decode()
        page = text(response)
        assert "Ada Lovelace" in page
        assert "Engineer @ Acme Ltd" in page
        assert f'href="{url(member.workspace, f"companies/{acme.pk}/")}"' in html
        assert f'data-label="{vip.pk}"' in html
        assert f'data-label="{gold.pk}"' in html
        assert f'fill="{vip.color}"' in html
        assert "Inactive" in page
        assert "Test" in page
        assert "Client" in page

    def test_an_unclaimed_contact_says_so_and_offers_a_claim(self, client, member):
        contact = make_contact(member, owner_id=None)
        response = login(client, member).get(url(member.workspace, f"contacts/{contact.pk}/"))
        html = response.content.decode()
        assert "Unclaimed" in text(response)
        assert f'action="{url(member.workspace, f"contacts/{contact.pk}/claim/")}"' in html

    def test_sharing_reads_private_or_the_team_names(self, client, member):
        sales = team(member.workspace, "Sales", member)
        support = team(member.workspace, "Support")
        private = make_contact(member)
        shared = make_contact(member, visibility="teams", team_ids=[sales.pk, support.pk])
        login(client, member)
        page = text(client.get(url(member.workspace, f"contacts/{private.pk}/")))
        assert "Sharing Private" in page
        page = text(client.get(url(member.workspace, f"contacts/{shared.pk}/")))
        assert "Shared with: Sales, Support" in page

    def test_sharing_and_delete_show_only_for_those_who_manage_it(self, client, member, bob):
        sales_team = team(member.workspace, "Sales", member, bob)
        contact = make_contact(member, visibility="teams", team_ids=[sales_team.pk])
        page = url(member.workspace, f"contacts/{contact.pk}/")
        html = login(client, bob).get(page).content.decode()
        assert f"contacts/{contact.pk}/edit/" in html
        assert f"contacts/{contact.pk}/sharing/" not in html
        assert f"contacts/{contact.pk}/delete/" not in html
        html = login(client, member).get(page).content.decode()
        assert f"contacts/{contact.pk}/sharing/" in html
        assert f"contacts/{contact.pk}/delete/" in html

    def test_custom_values_are_shown_by_section(self, client, member, industry):
        contact = make_contact(member, custom={"industry": "b2b"})
        response = login(client, member).get(url(member.workspace, f"contacts/{contact.pk}/"))
        assert "Profile Industry B2B" in text(response)


class TestHidden:
    def test_a_private_contact_of_another_member_is_404_on_every_route(self, client, member, bob):
        contact = make_contact(member)
        note = services.note_create(
            workspace=member.workspace, actor=member, data={"contact_id": contact.pk, "body": "x"}
        )
        ws = member.workspace
        login(client, bob)
        base = f"contacts/{contact.pk}/"
        for path in [base, base + "edit/", base + "sharing/", base + "delete/", base + "timeline/"]:
            assert client.get(url(ws, path)).status_code == 404, path
        for path in [base + "edit/", base + "sharing/", base + "delete/", base + "claim/"]:
            assert client.post(url(ws, path), {"owner_id": bob.user_id}).status_code == 404, path
        assert client.get(url(ws, f"notes/?contact_id={contact.pk}")).status_code == 404
        assert (
            client.post(url(ws, "notes/new/"), {"contact_id": contact.pk, "body": "hi"}).status_code
            == 404
        )
        assert client.get(url(ws, f"notes/{note.pk}/edit/")).status_code == 404
        assert client.post(url(ws, f"notes/{note.pk}/edit/"), {"body": "y"}).status_code == 404
        assert client.post(url(ws, f"notes/{note.pk}/delete/")).status_code == 404
        contact.refresh_from_db()
        assert contact.owner_id == member.user_id
        assert Note.objects.filter(contact=contact).count() == 1

    def test_another_workspaces_records_are_404(self, client, member, outsider):
        contact = make_contact(outsider)
        company = make_company(outsider)
        note = services.note_create(
            workspace=outsider.workspace,
            actor=outsider,
            data={"company_id": company.pk, "body": "theirs"},
        )
        ws = member.workspace
        login(client, member)
        for path in [
            f"contacts/{contact.pk}/",
            f"contacts/{contact.pk}/timeline/",
            f"companies/{company.pk}/",
            f"companies/{company.pk}/edit/",
            f"companies/{company.pk}/delete/",
            f"companies/{company.pk}/timeline/",
            f"notes/{note.pk}/edit/",
            f"notes/?company_id={company.pk}",
        ]:
            assert client.get(url(ws, path)).status_code == 404, path
        assert client.post(url(ws, f"companies/{company.pk}/delete/")).status_code == 404
        assert client.post(url(ws, f"contacts/{contact.pk}/claim/")).status_code == 404
        assert client.post(url(ws, f"notes/{note.pk}/delete/")).status_code == 404
        assert Company.objects.filter(pk=company.pk).exists()

    def test_someone_elses_workspace_url_is_404(self, client, member, outsider):
        contact = make_contact(outsider)
        login(client, member)
        ws = outsider.workspace
        assert client.get(url(ws, f"contacts/{contact.pk}/")).status_code == 404
        assert client.get(url(ws, "contacts/new/")).status_code == 404

    def test_the_workspace_owner_sees_every_contact(self, client, owner, member):
        contact = make_contact(member)
        response = login(client, owner).get(url(owner.workspace, f"contacts/{contact.pk}/"))
        assert response.status_code == 200


class TestContactForm:
    def test_create_with_labels_teams_and_a_custom_dropdown(self, client, member, industry):
        ws = member.workspace
        sales = team(ws, "Sales", member)
        vip = categories(ws, "labels")[0]
        source = categories(ws, "sources")[1]
        acme = make_company(member, name="Acme Ltd")
        response = login(client, member).post(
            url(ws, "contacts/new/"),
            contact_post(
                other_emails="g2@navy.test\ng3@navy.test",
                other_phones="+1 555 0100",
                company_id=str(acme.pk),
                job_title="Rear admiral",
                role="client",
                source_id=str(source.pk),
                label_ids=[str(vip.pk)],
                is_test="on",
                visibility="teams",
                team_ids=[str(sales.pk)],
                custom__industry="retail",
            ),
        )
        contact = Contact.objects.get(email="grace@navy.test")
        assert response.status_code == 302
        assert response["Location"] == url(ws, f"contacts/{contact.pk}/")
        assert contact.owner_id == member.user_id
        assert contact.other_emails == ["g2@navy.test", "g3@navy.test"]
        assert contact.other_phones == ["+1 555 0100"]
        assert (contact.company_id, contact.source_id, contact.role) == (
            acme.pk,
            source.pk,
            "client",
        )
        assert contact.is_active is True
        assert contact.is_test is True
        assert list(contact.labels.values_list("pk", flat=True)) == [vip.pk]
        assert contact.visibility == "teams"
        assert list(contact.teams.values_list("pk", flat=True)) == [sales.pk]
        assert contact.custom == {"industry": "retail"}

    def test_the_new_form_shows_custom_fields_labels_and_teams(self, client, member, industry):
        team(member.workspace, "Sales", member)
        response = login(client, member).get(url(member.workspace, "contacts/new/"))
        html = response.content.decode()
        assert response.status_code == 200
        assert 'name="custom__industry"' in html
        assert '<option value="retail">Retail</option>' in html
        assert 'name="label_ids"' in html
        assert 'name="team_ids"' in html
        assert "Add contact" in text(response)

    def test_bad_input_is_shown_beside_each_field_and_nothing_is_saved(
        self, client, member, industry
    ):
        response = login(client, member).post(
            url(member.workspace, "contacts/new/"),
            contact_post(email="not-an-email", custom__industry="mining"),
        )
        assert response.status_code == 422
        assert field_errors(response, "id_email") == ["Enter a valid email address."]
        assert field_errors(response, "id_custom__industry") == ["Choose one of the options."]
        assert Contact.objects.count() == 0

    def test_a_missing_required_custom_value_is_an_inline_error(self, client, member, industry):
        response = login(client, member).post(
            url(member.workspace, "contacts/new/"), contact_post()
        )
        assert response.status_code == 422
        assert field_errors(response, "id_custom__industry") == ["Industry is required."]
        assert field_errors(response, "id_email") == []
        assert Contact.objects.count() == 0

    def test_the_company_is_prefilled_from_the_link(self, client, member):
        acme = make_company(member, name="Acme Ltd")
        html = (
            login(client, member)
            .get(url(member.workspace, f"contacts/new/?company={acme.pk}"))
            .content.decode()
        )
        assert f'<option value="{acme.pk}" selected>Acme Ltd</option>' in html

    def test_edit_saves_and_the_timeline_shows_old_and_new(self, client, member):
        contact = make_contact(member, email="ada@old.test")
        login(client, member)
        response = client.post(
            url(member.workspace, f"contacts/{contact.pk}/edit/"),
            edit_post(contact, email="ada@new.test", job_title="Countess"),
        )
        assert response.status_code == 302
        page = text(client.get(url(member.workspace, f"contacts/{contact.pk}/")))
        assert "Email: ada@old.test → ada@new.test" in page
        assert "Job title: — → Countess" in page

    def test_a_stale_edit_is_refused_and_the_form_shows_the_saved_values(self, client, member):
        contact = make_contact(member, job_title="Analyst")
        opened = edit_post(contact, job_title="Mine")
        services.contact_update(
            workspace=member.workspace,
            actor=member,
            contact_id=contact.pk,
            data={"job_title": "Theirs"},
        )
        response = login(client, member).post(
            url(member.workspace, f"contacts/{contact.pk}/edit/"), opened
        )
        assert response.status_code == 409
        assert "Someone changed this contact since you opened it" in text(response)
        assert 'value="Theirs"' in response.content.decode()
        contact.refresh_from_db()
        assert contact.job_title == "Theirs"
        assert f'name="version" value="{contact.version}"' in response.content.decode()

    def test_editing_leaves_sharing_alone(self, client, member, bob):
        sales_team = team(member.workspace, "Sales", member, bob)
        contact = make_contact(member, visibility="teams", team_ids=[sales_team.pk])
        login(client, bob)
        response = client.post(
            url(member.workspace, f"contacts/{contact.pk}/edit/"),
            edit_post(contact, job_title="Poet"),
        )
        assert response.status_code == 302
        contact.refresh_from_db()
        assert (contact.job_title, contact.visibility) == ("Poet", "teams")
        assert list(contact.teams.all()) == [sales_team]


class TestSharing:
    def test_the_owner_shares_with_a_team_and_its_member_then_sees_it(self, client, member, bob):
        sales_team = team(member.workspace, "Sales", bob)
        contact = make_contact(member)
        page = url(member.workspace, f"contacts/{contact.pk}/")
        assert login(client, bob).get(page).status_code == 404
        response = login(client, member).post(
            page + "sharing/",
            {
                "owner_id": str(member.user_id),
                "visibility": "teams",
                "team_ids": [str(sales_team.pk)],
            },
        )
        assert response.status_code == 302
        assert login(client, bob).get(page).status_code == 200

    def test_the_form_offers_members_unclaimed_and_teams(self, client, member, bob):
        team(member.workspace, "Sales")
        contact = make_contact(member)
        response = login(client, member).get(
            url(member.workspace, f"contacts/{contact.pk}/sharing/")
        )
        html = response.content.decode()
        assert '<option value="">Unclaimed' in html
        assert f'<option value="{bob.user_id}">Bob</option>' in html
        assert "Sales" in text(response)

    def test_sharing_with_teams_but_no_team_is_an_inline_error(self, client, member):
        contact = make_contact(member)
        response = login(client, member).post(
            url(member.workspace, f"contacts/{contact.pk}/sharing/"),
            {"owner_id": str(member.user_id), "visibility": "teams"},
        )
        assert response.status_code == 422
        assert "Choose at least one team to share with." in text(response)
        contact.refresh_from_db()
        assert contact.visibility == "private"

    def test_a_team_member_who_does_not_own_it_is_refused(self, client, member, bob):
        sales_team = team(member.workspace, "Sales", member, bob)
        contact = make_contact(member, visibility="teams", team_ids=[sales_team.pk])
        response = login(client, bob).post(
            url(member.workspace, f"contacts/{contact.pk}/sharing/"),
            {"owner_id": str(bob.user_id), "visibility": "private"},
        )
        assert response.status_code == 403
        assert "Only the contact's owner or an admin" in text(response)
        contact.refresh_from_db()
        assert (contact.owner_id, contact.visibility) == (member.user_id, "teams")

    def test_giving_the_contact_away_lands_on_the_list(self, client, member, bob):
        contact = make_contact(member)
        response = login(client, member).post(
            url(member.workspace, f"contacts/{contact.pk}/sharing/"),
            {"owner_id": str(bob.user_id), "visibility": "private"},
        )
        assert response["Location"] == url(member.workspace, "contacts/")
        contact.refresh_from_db()
        assert contact.owner_id == bob.user_id


class TestClaim:
    def test_claiming_makes_me_the_owner_and_says_so(self, client, member, owner):
        contact = make_contact(owner, owner_id=None, first_name="Free", last_name="Agent")
        response = login(client, member).post(
            url(member.workspace, f"contacts/{contact.pk}/claim/"), follow=True
        )
        assert response.redirect_chain[-1][0] == url(member.workspace, f"contacts/{contact.pk}/")
        assert "You now own Free Agent." in text(response)
        contact.refresh_from_db()
        assert contact.owner_id == member.user_id

    def test_the_second_claimer_is_told_who_won(self, client, member, bob, owner):
        contact = make_contact(owner, owner_id=None)
        services.contact_claim(workspace=bob.workspace, actor=bob, contact_id=contact.pk)
        unclaimed = url(member.workspace, "contacts/unclaimed/")
        response = login(client, member).post(
            url(member.workspace, f"contacts/{contact.pk}/claim/"), {"next": unclaimed}
        )
        assert response["Location"] == unclaimed
        messages = [str(m) for m in response.wsgi_request._messages]
        assert messages == ["Bob has already claimed this contact."]
        contact.refresh_from_db()
        assert contact.owner_id == bob.user_id

    def test_without_next_the_loser_goes_back_to_the_queue(self, client, member, bob, owner):
        contact = make_contact(owner, owner_id=None)
        services.contact_claim(workspace=bob.workspace, actor=bob, contact_id=contact.pk)
        response = login(client, member).post(
            url(member.workspace, f"contacts/{contact.pk}/claim/"), follow=True
        )
        assert response.redirect_chain[-1][0] == url(member.workspace, "contacts/unclaimed/")
        assert "Bob has already claimed this contact." in text(response)

    def test_an_unsafe_next_falls_back_to_the_contact(self, client, member, owner):
        contact = make_contact(owner, owner_id=None)
        response = login(client, member).post(
            url(member.workspace, f"contacts/{contact.pk}/claim/"),
            {"next": "https://evil.test/phish"},
        )
        assert response["Location"] == url(member.workspace, f"contacts/{contact.pk}/")

    def test_claim_is_a_post(self, client, member, owner):
        contact = make_contact(owner, owner_id=None)
        response = login(client, member).get(url(member.workspace, f"contacts/{contact.pk}/claim/"))
        assert response.status_code == 405


class TestContactDelete:
    def test_the_owner_deletes_after_confirming(self, client, member):
        contact = make_contact(member)
        login(client, member)
        page = url(member.workspace, f"contacts/{contact.pk}/delete/")
        assert "Delete contact" in text(client.get(page))
        response = client.post(page)
        assert response["Location"] == url(member.workspace, "contacts/")
        assert not Contact.objects.filter(pk=contact.pk).exists()

    def test_a_team_member_cannot_delete_it(self, client, member, bob):
        sales_team = team(member.workspace, "Sales", member, bob)
        contact = make_contact(member, visibility="teams", team_ids=[sales_team.pk])
        response = login(client, bob).post(url(member.workspace, f"contacts/{contact.pk}/delete/"))
        assert response["Location"] == url(member.workspace, f"contacts/{contact.pk}/")
        assert Contact.objects.filter(pk=contact.pk).exists()


class TestCompanyPage:
    def test_details_people_and_primary_contact(self, client, member, bob):
        ws = member.workspace
        kind = categories(ws, "company-types")[1]
        company = make_company(
            member,
            name="Initech",
            website="https://initech.test/",
            phone="+1 555 0199",
            street="1 Main St",
            city="Austin",
            postal_code="73301",
            country="USA",
            type_id=kind.pk,
            role="prospect",
        )
        mine = make_contact(member, company_id=company.pk, first_name="Peter", last_name="Gibbons")
        hidden = make_contact(bob, company_id=company.pk, first_name="Bill", last_name="Lumbergh")
        services.company_update(
            workspace=ws, actor=member, company_id=company.pk, data={"primary_contact_id": mine.pk}
        )
        response = login(client, member).get(url(ws, f"companies/{company.pk}/"))
        assert response.status_code == 200
        page = text(response)
        html = response.content.decode()
        assert "Initech" in page
        assert "initech.test" in page
        assert kind.name in page
        assert "1 Main St 73301 Austin USA" in page
        assert "Primary contact Peter Gibbons" in page
        assert "Prospect" in page
        assert f'data-contact="{mine.pk}"' in html
        assert f'data-contact="{hidden.pk}"' not in html
        assert "Lumbergh" not in page
        assert f"contacts/new/?company={company.pk}" in html

    def test_a_primary_contact_the_reader_may_not_see_is_left_out(self, client, member, bob):
        company = make_company(bob, name="Initech")
        secret = make_contact(bob, company_id=company.pk, first_name="Bill", last_name="Lumbergh")
        services.company_update(
            workspace=bob.workspace,
            actor=bob,
            company_id=company.pk,
            data={"primary_contact_id": secret.pk},
        )
        response = login(client, member).get(url(member.workspace, f"companies/{company.pk}/"))
        assert "Lumbergh" not in text(response)
        form = client.get(url(member.workspace, f"companies/{company.pk}/edit/"))
        assert 'name="primary_contact_id"' not in form.content.decode()

    def test_module_panels_show_for_modules_that_are_on(self, client, member, owner):
        ws = member.workspace
        ws.modules = {"projects": True, "sales": False, "tickets": True}
        ws.save()
        company = make_company(member)
        response = login(client, member).get(url(ws, f"companies/{company.pk}/"))
        html = response.content.decode()
        assert 'id="panel-projects"' in html
        assert "No projects yet" in html
        assert f'href="{url(ws, "projects/")}"' in html
        assert 'id="panel-tickets"' in html
        assert 'id="panel-deals"' not in html


class TestCompanyForm:
    def test_create_with_type_labels_and_owner(self, client, member):
        ws = member.workspace
        kind = categories(ws, "company-types")[0]
        vip = categories(ws, "labels")[0]
        response = login(client, member).get(url(ws, "companies/new/"))
        assert f'<option value="{member.user_id}" selected>' in response.content.decode()
        response = client.post(
            url(ws, "companies/new/"),
            {
                "name": "Hooli",
                "website": "hooli.test",
                "type_id": str(kind.pk),
                "role": "client",
                "label_ids": [str(vip.pk)],
                "owner_id": str(member.user_id),
            },
        )
        company = Company.objects.get(name="Hooli")
        assert response["Location"] == url(ws, f"companies/{company.pk}/")
        assert (company.domain, company.website) == ("hooli.test", "https://hooli.test")
        assert (company.type_id, company.role, company.owner_id) == (
            kind.pk,
            "client",
            member.user_id,
        )
        assert list(company.labels.all()) == [vip]

    def test_bad_input_is_inline_and_nothing_is_saved(self, client, member):
        response = login(client, member).post(
            url(member.workspace, "companies/new/"),
            {"name": "", "website": "not a url", "role": "lead"},
        )
        assert response.status_code == 422
        page = text(response)
        assert "Give the company a name." in page
        assert "Enter a valid web address." in page
        assert Company.objects.count() == 0

    def test_a_stale_company_edit_is_refused(self, client, member):
        company = make_company(member, city="Paris")
        opened = {
            "name": company.name,
            "city": "Lyon",
            "role": "lead",
            "owner_id": str(member.user_id),
            "version": str(company.version),
        }
        services.company_update(
            workspace=member.workspace, actor=member, company_id=company.pk, data={"city": "Nice"}
        )
        response = login(client, member).post(
            url(member.workspace, f"companies/{company.pk}/edit/"), opened
        )
        assert response.status_code == 409
        assert "Someone changed this company since you opened it" in text(response)
        company.refresh_from_db()
        assert company.city == "Nice"

    def test_edit_sets_the_primary_contact(self, client, member):
        company = make_company(member)
        person = make_contact(member, company_id=company.pk)
        company.refresh_from_db()
        response = login(client, member).post(
            url(member.workspace, f"companies/{company.pk}/edit/"),
            {
                "name": company.name,
                "role": "lead",
                "primary_contact_id": str(person.pk),
                "owner_id": str(member.user_id),
                "version": str(company.version),
            },
        )
        assert response.status_code == 302
        company.refresh_from_db()
        assert company.primary_contact_id == person.pk


class TestCompanyDelete:
    def test_a_company_without_contacts_is_simply_deleted(self, client, member):
        company = make_company(member)
        login(client, member)
        page = url(member.workspace, f"companies/{company.pk}/delete/")
        assert "No contacts belong to this company" in text(client.get(page))
        response = client.post(page)
        assert response["Location"] == url(member.workspace, "companies/")
        assert not Company.objects.filter(pk=company.pk).exists()

    def test_it_asks_about_the_contacts_and_keeping_them_detaches(self, client, member):
        company = make_company(member, name="Initech")
        people = [make_contact(member, company_id=company.pk) for _ in range(2)]
        login(client, member)
        page = url(member.workspace, f"companies/{company.pk}/delete/")
        shown = text(client.get(page))
        assert "2 contacts belong to Initech. What happens to them?" in shown
        assert "Keep the 2 contacts without a company" in shown
        assert "Delete them too" in shown
        response = client.post(page, {"on_contacts": "detach"})
        assert response.status_code == 302
        assert Contact.objects.filter(pk__in=[p.pk for p in people], company=None).count() == 2

    def test_deleting_them_too_deletes_the_contacts(self, client, member):
        company = make_company(member)
        people = [make_contact(member, company_id=company.pk) for _ in range(2)]
        response = login(client, member).post(
            url(member.workspace, f"companies/{company.pk}/delete/"),
            {"on_contacts": "delete"},
            follow=True,
        )
        assert "2 contacts deleted with it." in text(response)
        assert not Contact.objects.filter(pk__in=[p.pk for p in people]).exists()

    def test_posting_without_a_choice_asks_again(self, client, member):
        company = make_company(member)
        make_contact(member, company_id=company.pk)
        response = login(client, member).post(
            url(member.workspace, f"companies/{company.pk}/delete/")
        )
        assert response.status_code == 409
        assert "choose whether they are kept" in text(response)
        assert Company.objects.filter(pk=company.pk).exists()

    def test_a_member_who_does_not_own_it_is_refused(self, client, member, bob):
        company = make_company(bob)
        login(client, member)
        page = url(member.workspace, f"companies/{company.pk}/delete/")
        assert "Only the company's owner or an admin can delete it." in text(client.get(page))
        response = client.post(page)
        assert response["Location"] == url(member.workspace, f"companies/{company.pk}/")
        assert Company.objects.filter(pk=company.pk).exists()


def htmx(client, method, path, data=None):
    return getattr(client, method)(path, data or {}, HTTP_HX_REQUEST="true")


class TestNotes:
    def test_adding_a_note_with_a_type_shows_it(self, client, member):
        contact = make_contact(member)
        call = categories(member.workspace, "note-types")[1]
        login(client, member)
        response = htmx(
            client,
            "post",
            url(member.workspace, "notes/new/"),
            {"contact_id": contact.pk, "body": "Rang her", "note_type_id": call.pk},
        )
        assert response.status_code == 200
        assert response["HX-Trigger"] == "rapport:timeline"
        html = response.content.decode()
        assert html.startswith('<div id="notes"')
        note = Note.objects.get()
        assert (note.body, note.note_type, note.author) == ("Rang her", call, member.user)
        assert f'id="note-{note.pk}"' in html
        assert call.name in html

    def test_without_htmx_it_redirects_to_the_record(self, client, member):
        company = make_company(member)
        response = login(client, member).post(
            url(member.workspace, "notes/new/"), {"company_id": company.pk, "body": "Hello"}
        )
        assert response["Location"] == url(member.workspace, f"companies/{company.pk}/") + "#notes"
        assert Note.objects.get().company == company

    def test_an_empty_note_is_an_inline_error(self, client, member):
        contact = make_contact(member)
        login(client, member)
        response = htmx(
            client, "post", url(member.workspace, "notes/new/"), {"contact_id": contact.pk}
        )
        assert response.status_code == 422
        assert "Write the note." in text(response)
        response = client.post(url(member.workspace, "notes/new/"), {"contact_id": contact.pk})
        assert response.status_code == 422
        assert "Write the note." in text(response)
        assert Note.objects.count() == 0

    def test_the_author_changes_the_type_inline(self, client, member):
        contact = make_contact(member)
        general, call = categories(member.workspace, "note-types")[:2]
        note = services.note_create(
            workspace=member.workspace,
            actor=member,
            data={"contact_id": contact.pk, "body": "Hi", "note_type_id": general.pk},
        )
        login(client, member)
        response = htmx(
            client,
            "post",
            url(member.workspace, f"notes/{note.pk}/edit/"),
            {"note_type_id": call.pk},
        )
        assert response.status_code == 200
        note.refresh_from_db()
        assert (note.note_type, note.body) == (call, "Hi")
        page = text(client.get(url(member.workspace, f"contacts/{contact.pk}/")))
        assert f"Note type: {general.name} → {call.name}" in page

    def test_the_author_edits_the_text(self, client, member):
        company = make_company(member)
        note = services.note_create(
            workspace=member.workspace, actor=member, data={"company_id": company.pk, "body": "a"}
        )
        login(client, member)
        form = htmx(client, "get", url(member.workspace, f"notes/{note.pk}/edit/"))
        assert form.content.decode().startswith(
            f'<li class="rec-note rec-note-editing" id="note-{note.pk}"'
        )
        client.post(
            url(member.workspace, f"notes/{note.pk}/edit/"), {"body": "b", "note_type_id": ""}
        )
        note.refresh_from_db()
        assert note.body == "b"

    def test_a_bad_edit_comes_back_in_place_with_its_error(self, client, member):
        company = make_company(member)
        note = services.note_create(
            workspace=member.workspace, actor=member, data={"company_id": company.pk, "body": "a"}
        )
        login(client, member)
        response = htmx(
            client, "post", url(member.workspace, f"notes/{note.pk}/edit/"), {"body": "  "}
        )
        assert response.status_code == 422
        assert response["HX-Retarget"] == f"#note-{note.pk}"
        assert "Write the note." in text(response)
        note.refresh_from_db()
        assert note.body == "a"

    def test_another_member_may_neither_edit_nor_delete_it(self, client, member, bob):
        company = make_company(member)
        note = services.note_create(
            workspace=member.workspace, actor=member, data={"company_id": company.pk, "body": "a"}
        )
        login(client, bob)
        page = client.get(url(member.workspace, f"companies/{company.pk}/")).content.decode()
        assert f"notes/{note.pk}/edit/" not in page
        response = htmx(
            client, "post", url(member.workspace, f"notes/{note.pk}/edit/"), {"body": "b"}
        )
        assert response.status_code == 422
        assert "Only the note's author or an admin can change it." in text(response)
        response = client.post(url(member.workspace, f"notes/{note.pk}/delete/"))
        assert response.status_code == 302
        note.refresh_from_db()
        assert note.body == "a"

    def test_an_admin_may_delete_anyones_note(self, client, member, admin):
        company = make_company(member)
        note = services.note_create(
            workspace=member.workspace, actor=member, data={"company_id": company.pk, "body": "a"}
        )
        login(client, admin)
        page = client.get(url(member.workspace, f"companies/{company.pk}/")).content.decode()
        assert f"notes/{note.pk}/delete/" in page
        response = htmx(client, "post", url(member.workspace, f"notes/{note.pk}/delete/"))
        assert response.status_code == 200
        assert not Note.objects.filter(pk=note.pk).exists()

    def test_the_note_summary_shows_only_with_its_module(self, client, member):
        contact = make_contact(member)
        general, call = categories(member.workspace, "note-types")[:2]
        for body, kind in [("one", call), ("two", call), ("three", general)]:
            services.note_create(
                workspace=member.workspace,
                actor=member,
                data={"contact_id": contact.pk, "body": body, "note_type_id": kind.pk},
            )
        login(client, member)
        page = url(member.workspace, f"contacts/{contact.pk}/")
        assert 'id="note-summary"' not in client.get(page).content.decode()
        ws = member.workspace
        ws.modules = {**ws.modules, "note-summary": True}
        ws.save()
        response = client.get(page)
        assert 'id="note-summary"' in response.content.decode()
        shown = text(response)
        assert f"{call.name} 2" in shown
        assert f"{general.name} 1" in shown
        assert "Latest note three" in shown

    def test_older_notes_come_a_page_at_a_time(self, client, member):
        contact = make_contact(member)
        for i in range(23):
            services.note_create(
                workspace=member.workspace,
                actor=member,
                data={"contact_id": contact.pk, "body": f"note {i}"},
            )
        login(client, member)
        html = client.get(url(member.workspace, f"contacts/{contact.pk}/")).content.decode()
        assert html.count('class="rec-note"') == 20
        more = re.search(r'hx-get="([^"]+)" hx-target="#notes-more"', html).group(1)
        older = htmx(client, "get", more.replace("&amp;", "&")).content.decode()
        assert older.count('class="rec-note"') == 3
        assert "note 0" in older
        assert "notes-more" not in older


class TestTimeline:
    def test_it_names_the_person_acting_as_someone(self, client, member, admin):
        contact = make_contact(member)
        member.acting_by = admin.user
        services.contact_update(
            workspace=member.workspace, actor=member, contact_id=contact.pk, data={"phone": "12345"}
        )
        page = text(login(client, member).get(url(member.workspace, f"contacts/{contact.pk}/")))
        assert "Admin acting as Member edited this contact Phone: — → 12345" in page

    def test_it_pages_with_show_older(self, client, member):
        contact = make_contact(member)
        for i in range(25):
            services.contact_update(
                workspace=member.workspace,
                actor=member,
                contact_id=contact.pk,
                data={"job_title": f"title {i}"},
            )
        login(client, member)
        timeline = url(member.workspace, f"contacts/{contact.pk}/timeline/")
        first = htmx(client, "get", timeline).content.decode()
        assert first.startswith('<section class="card" id="timeline"')
        assert first.count('class="rec-event"') == 20
        cursor = re.search(r"\?cursor=([\w-]+)", first).group(1)
        older = htmx(client, "get", f"{timeline}?cursor={cursor}").content.decode()
        assert older.count('class="rec-event"') == 6
        assert "contact.created" in older
        assert "timeline-more" not in older
        assert client.get(f"{timeline}?cursor=bogus").status_code == 404
        assert client.get(timeline).status_code == 200

    def test_company_changes_appear_on_its_timeline(self, client, member):
        company = make_company(member, city="Paris")
        services.company_update(
            workspace=member.workspace, actor=member, company_id=company.pk, data={"city": "Lyon"}
        )
        page = text(login(client, member).get(url(member.workspace, f"companies/{company.pk}/")))
        assert "edited this company City: Paris → Lyon" in page


class TestQueryCounts:
    """Pages cost the same however many labels, notes, people and events a record has."""

    def _rich_contact(self, member, industry):
        ws = member.workspace
        sales_team = team(ws, "Sales", member)
        company = make_company(member)
        contact = make_contact(
            member,
            company_id=company.pk,
            label_ids=[c.pk for c in categories(ws, "labels")],
            visibility="teams",
            team_ids=[sales_team.pk],
            custom={"industry": "retail"},
        )
        for i, kind in enumerate(categories(ws, "note-types") * 3):
            services.note_create(
                workspace=ws,
                actor=member,
                data={"contact_id": contact.pk, "body": f"n{i}", "note_type_id": kind.pk},
            )
        for i in range(15):
            services.contact_update(
                workspace=ws, actor=member, contact_id=contact.pk, data={"job_title": str(i)}
            )
        return contact, company

    def test_contact_pages(self, client, member, industry, django_assert_max_num_queries):
        ws = member.workspace
        ws.modules = {**ws.modules, "note-summary": True}
        ws.save()
        bare = make_contact(member, custom={"industry": "b2b"})
        rich, _company = self._rich_contact(member, industry)
        login(client, member)
        for contact in (bare, rich):
            for path in ["", "edit/", "sharing/", "timeline/", "delete/"]:
                with django_assert_max_num_queries(15):
                    response = client.get(url(ws, f"contacts/{contact.pk}/{path}"))
                assert response.status_code == 200, path

    def test_company_page(self, client, member, industry, django_assert_max_num_queries):
        ws = member.workspace
        ws.modules = {**ws.modules, "note-summary": True}
        ws.save()
        bare = make_company(member)
        _contact, rich = self._rich_contact(member, industry)
        for i in range(10):
            make_contact(member, company_id=rich.pk, first_name=f"P{i}", custom={"industry": "b2b"})
            services.note_create(
                workspace=ws, actor=member, data={"company_id": rich.pk, "body": f"c{i}"}
            )
        login(client, member)
        for company in (bare, rich):
            for path in ["", "edit/", "delete/", "timeline/"]:
                with django_assert_max_num_queries(15):
                    response = client.get(url(ws, f"companies/{company.pk}/{path}"))
                assert response.status_code == 200, path

    def test_new_forms(self, client, member, django_assert_max_num_queries):
        login(client, member)
        for path in ["contacts/new/", "companies/new/"]:
            with django_assert_max_num_queries(12):
                assert client.get(url(member.workspace, path)).status_code == 200


def test_activity_rows_are_not_written_by_page_views(client, member):
    contact = make_contact(member)
    before = Activity.objects.count()
    login(client, member).get(url(member.workspace, f"contacts/{contact.pk}/"))
    assert Activity.objects.count() == before
