"""The contact and company lists: filters, sort, pages, bulk actions, saved views."""

import datetime as dt
from urllib.parse import parse_qs

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rapport.core.models import Category
from rapport.customers.models import Company, Contact, ContactLabel, ContactTeam, SavedView
from rapport.customers.services import saved_view_create
from rapport.customfields.models import CustomField, CustomOption, CustomSection
from tests.core.factories import make_member
from tests.customers.factories import make_company, make_contact, make_team

pytestmark = pytest.mark.django_db


def url(workspace, rest=""):
    return f"/w/{workspace.slug}/{rest}"


def login(client, membership):
    client.force_login(membership.user)
    return client


def row_ids(response) -> list[int]:
    return [row.pk for row in response.context["rows"]]


def labels_of(workspace) -> list[Category]:
    return list(Category.objects.filter(workspace=workspace, kind="labels").order_by("id"))


@pytest.fixture
def industry(workspace):
    section = CustomSection.objects.create(workspace=workspace, entity="contact", name="Profile")
    field = CustomField.objects.create(
        workspace=workspace,
        entity="contact",
        section=section,
        key="industry",
        label="Industry",
        type="dropdown",
    )
    for i, (value, label) in enumerate([("retail", "Retail"), ("tech", "Technology")]):
        CustomOption.objects.create(
            workspace=workspace, field=field, value=value, label=label, position=i
        )
    return field


# --- who sees what -------------------------------------------------------------------


class TestVisibility:
    def test_a_member_sees_their_contacts_and_the_unclaimed_ones(self, client, owner, member):
        mine = make_contact(member, first_name="Mia")
        unclaimed = make_contact(owner, first_name="Nobody", owner_id=None)
        make_contact(owner, first_name="Secret")
        response = login(client, member).get(url(member.workspace, "contacts/"))
        assert response.status_code == 200
        assert set(row_ids(response)) == {mine.pk, unclaimed.pk}
        assert "Secret" not in response.content.decode()

    def test_a_private_contact_of_another_member_is_absent_everywhere(self, client, owner, member):
        company = make_company(owner, name="Initech")
        secret = make_contact(owner, first_name="Secret", company_id=company.pk)
        make_contact(member, first_name="Mia", company_id=company.pk)
        login(client, member)
        ws = member.workspace
        assert secret.pk not in row_ids(client.get(url(ws, "contacts/")))
        assert secret.pk not in row_ids(client.get(url(ws, f"contacts/?company={company.pk}")))
        assert "1 contact" in client.get(url(ws, "contacts/count/")).content.decode()
        assert secret.pk not in row_ids(client.get(url(ws, "contacts/unclaimed/")))
        people = client.get(url(ws, "companies/people/"))
        (row,) = people.context["rows"]
        assert [p.pk for p in row.people] == [Contact.objects.get(first_name="Mia").pk]
        assert "Secret" not in people.content.decode()

    def test_a_contact_shared_with_my_team_is_listed(self, client, workspace, owner, member):
        team = make_team(workspace, "Sales", member)
        shared = make_contact(owner, visibility="teams", team_ids=[team.pk])
        response = login(client, member).get(url(member.workspace, "contacts/"))
        assert row_ids(response) == [shared.pk]

    @pytest.mark.parametrize(
        "path",
        [
            "contacts/",
            "contacts/count/",
            "contacts/unclaimed/",
            "companies/",
            "companies/count/",
            "companies/people/",
        ],
    )
    def test_another_workspace_gets_404(self, client, workspace, outsider, path):
        assert login(client, outsider).get(url(workspace, path)).status_code == 404

    def test_bulk_and_views_in_another_workspace_get_404(self, client, owner, outsider):
        contact = make_contact(owner)
        login(client, outsider)
        ws = owner.workspace
        data = {"ids": [contact.pk], "action": "delete", "confirmed": "yes"}
        assert client.post(url(ws, "contacts/bulk/"), data).status_code == 404
        assert client.post(url(ws, "companies/bulk/"), data).status_code == 404
        view = {"entity": "contact", "name": "Mine", "query": ""}
        assert client.post(url(ws, "views/"), view).status_code == 404
        assert Contact.objects.filter(pk=contact.pk).exists()

    def test_a_visitor_must_log_in(self, client, workspace):
        response = client.get(url(workspace, "contacts/"))
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


# --- filters ---------------------------------------------------------------------------


class TestFilters:
    def test_role_narrows_the_list(self, client, member):
        client_ = make_contact(member, role="client")
        make_contact(member, role="lead")
        response = login(client, member).get(url(member.workspace, "contacts/?role=client"))
        assert row_ids(response) == [client_.pk]

    def test_label_narrows_the_list(self, client, member):
        vip = labels_of(member.workspace)[0]
        labelled = make_contact(member, label_ids=[vip.pk])
        make_contact(member)
        response = login(client, member).get(url(member.workspace, f"contacts/?label={vip.pk}"))
        assert row_ids(response) == [labelled.pk]

    def test_owner_me_and_none(self, client, owner, member):
        mine = make_contact(member)
        unclaimed = make_contact(owner, owner_id=None)
        login(client, member)
        assert row_ids(client.get(url(member.workspace, "contacts/?owner=me"))) == [mine.pk]
        assert row_ids(client.get(url(member.workspace, "contacts/?owner=none"))) == [unclaimed.pk]

    def test_team_narrows_to_contacts_shared_with_it(self, client, workspace, owner, member):
        team = make_team(workspace, "Sales", member)
        shared = make_contact(owner, visibility="teams", team_ids=[team.pk])
        make_contact(owner)
        response = login(client, owner).get(url(owner.workspace, f"contacts/?team={team.pk}"))
        assert row_ids(response) == [shared.pk]

    def test_a_custom_field_narrows_the_list(self, client, member, industry):
        retail = make_contact(member, custom={"industry": "retail"})
        make_contact(member, custom={"industry": "tech"})
        make_contact(member)
        response = login(client, member).get(
            url(member.workspace, "contacts/?custom.industry=retail")
        )
        assert row_ids(response) == [retail.pk]

    def test_a_custom_date_range_narrows_the_list(self, client, workspace, member):
        section = CustomSection.objects.create(workspace=workspace, entity="contact", name="Dates")
        CustomField.objects.create(
            workspace=workspace,
            entity="contact",
            section=section,
            key="met",
            label="Met",
            type="date",
        )
        may = make_contact(member, custom={"met": "2025-05-01"})
        make_contact(member, custom={"met": "2024-01-01"})
        make_contact(member)
        response = login(client, member).get(
            url(member.workspace, "contacts/?custom.met__gte=2025-01-01&custom.met__lte=2025-12-31")
        )
        assert row_ids(response) == [may.pk]

    def test_created_within_days(self, client, member):
        new = make_contact(member, first_name="New")
        old = make_contact(member, first_name="Old")
        Contact.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=40))
        response = login(client, member).get(
            url(member.workspace, "contacts/?created_within_days=30")
        )
        assert row_ids(response) == [new.pk]

    def test_search_matches_name_and_email(self, client, member):
        ada = make_contact(member, first_name="Ada", email="ada@example.com")
        make_contact(member, first_name="Bob", email="bob@example.com")
        response = login(client, member).get(url(member.workspace, "contacts/?q=ada"))
        assert row_ids(response) == [ada.pk]

    def test_test_contacts_are_hidden_unless_asked_for_and_then_marked(self, client, member):
        real = make_contact(member, first_name="Real")
        test = make_contact(member, first_name="Probe", is_test=True)
        login(client, member)
        assert row_ids(client.get(url(member.workspace, "contacts/"))) == [real.pk]
        response = client.get(url(member.workspace, "contacts/?is_test=any"))
        assert set(row_ids(response)) == {real.pk, test.pk}
        assert '<span class="badge badge-test">Test</span>' in response.content.decode()

    def test_inactive_contacts_are_muted_and_marked(self, client, member):
        gone = make_contact(member, is_active=False)
        html = login(client, member).get(url(member.workspace, "contacts/")).content.decode()
        assert f'<tr data-row="{gone.pk}" class="row-inactive">' in html
        assert '<span class="badge badge-inactive">Inactive</span>' in html

    def test_a_bad_filter_is_an_inline_error_not_a_500(self, client, member):
        make_contact(member)
        response = login(client, member).get(url(member.workspace, "contacts/?role=king"))
        assert response.status_code == 422
        html = response.content.decode()
        assert 'id="filter-errors"' in html
        assert "Use lead, prospect or client." in html
        assert response.context["rows"] == []

    def test_an_unknown_filter_and_a_bad_cursor_are_inline_errors(self, client, member):
        login(client, member)
        for query in ["colour=red", "cursor=%%%", "created_after=yesterday", "custom.nope=1"]:
            response = client.get(url(member.workspace, f"contacts/?{query}"))
            assert response.status_code == 422, query
            assert 'id="filter-errors"' in response.content.decode(), query

    def test_a_bad_limit_is_reported_and_the_default_page_shown(self, client, member):
        make_contact(member)
        response = login(client, member).get(url(member.workspace, "contacts/?limit=0"))
        assert response.status_code == 200
        assert "limit must be between 1 and 200." in response.content.decode()
        assert len(response.context["rows"]) == 1

    def test_the_global_search_box_stays_empty(self, client, member):
        html = login(client, member).get(url(member.workspace, "contacts/?q=ada")).content.decode()
        assert 'id="global-search" name="q" value=""' in html
        assert 'id="f-q" name="q" value="ada"' in html

    def test_a_bad_filter_makes_the_count_empty_not_a_500(self, client, member):
        response = login(client, member).get(url(member.workspace, "contacts/count/?role=king"))
        assert response.status_code == 200
        assert response.content.decode().strip().endswith("></span>")

    def test_the_count_follows_the_filters(self, client, member):
        make_contact(member, role="client")
        make_contact(member, role="client")
        make_contact(member, role="lead")
        login(client, member)
        assert "3 contacts" in client.get(url(member.workspace, "contacts/count/")).content.decode()
        response = client.get(url(member.workspace, "contacts/count/?role=client"))
        assert "2 contacts" in response.content.decode()

    def test_the_filter_bar_offers_custom_fields(self, client, member, industry):
        html = login(client, member).get(url(member.workspace, "contacts/")).content.decode()
        assert 'name="custom.industry"' in html
        assert '<option value="retail">Retail</option>' in html


class TestSortAndPages:
    def test_sort_by_name_both_ways(self, client, member):
        b = make_contact(member, first_name="B", last_name="Brown")
        a = make_contact(member, first_name="A", last_name="Adams")
        c = make_contact(member, first_name="C", last_name="Clark")
        login(client, member)
        assert row_ids(client.get(url(member.workspace, "contacts/?sort=name"))) == [
            a.pk,
            b.pk,
            c.pk,
        ]
        assert row_ids(client.get(url(member.workspace, "contacts/?sort=-name"))) == [
            c.pk,
            b.pk,
            a.pk,
        ]

    def test_a_sorted_header_links_to_the_other_direction_and_keeps_filters(self, client, member):
        response = login(client, member).get(url(member.workspace, "contacts/?sort=name&role=lead"))
        name = next(c for c in response.context["columns"] if c["key"] == "name")
        assert name["dir"] == "ascending"
        assert parse_qs(name["sort"][1:]) == {"sort": ["-name"], "role": ["lead"]}

    def test_the_cursor_walks_every_row_once(self, client, member):
        made = {make_contact(member, first_name=f"P{i}").pk for i in range(7)}
        login(client, member)
        seen, path = [], url(member.workspace, "contacts/?limit=3&sort=name")
        while path:
            response = client.get(path)
            seen += row_ids(response)
            nxt = response.context["next_query"]
            path = url(member.workspace, f"contacts/?{nxt}") if nxt else None
        assert len(seen) == 7
        assert set(seen) == made

    def test_the_next_page_link_carries_the_cursor_and_the_first_page_link_drops_it(
        self, client, member
    ):
        for i in range(3):
            make_contact(member, first_name=f"P{i}")
        login(client, member)
        first = client.get(url(member.workspace, "contacts/?limit=2"))
        html = first.content.decode()
        assert "Next page" in html
        assert "First page" not in html
        second = client.get(url(member.workspace, f"contacts/?{first.context['next_query']}"))
        assert len(second.context["rows"]) == 1
        assert "First page" in second.content.decode()
        assert "Next page" not in second.content.decode()


class TestColumns:
    def test_the_chosen_columns_are_shown(self, client, member, industry):
        make_contact(member, job_title="Engineer", custom={"industry": "tech"})
        response = login(client, member).get(
            url(member.workspace, "contacts/?columns=name,job_title,custom.industry")
        )
        assert [c["key"] for c in response.context["columns"]] == [
            "name",
            "job_title",
            "custom.industry",
        ]
        html = response.content.decode()
        assert "Engineer" in html
        assert "Technology" in html

    def test_an_unknown_column_falls_back_to_the_defaults_with_a_message(self, client, member):
        response = login(client, member).get(url(member.workspace, "contacts/?columns=salary"))
        assert response.status_code == 200
        assert "Unknown column salary." in response.content.decode()
        assert response.context["state"].columns == [
            "name",
            "email",
            "company",
            "role",
            "labels",
            "owner",
        ]


class TestEmptyStates:
    def test_no_contacts_yet_offers_to_add_one(self, client, member):
        html = login(client, member).get(url(member.workspace, "contacts/")).content.decode()
        assert "No contacts yet" in html
        assert f'href="{url(member.workspace, "contacts/new/")}"' in html

    def test_no_matches_offers_to_clear_the_filters(self, client, member):
        make_contact(member, role="lead")
        html = (
            login(client, member).get(url(member.workspace, "contacts/?role=client")).content
        ).decode()
        assert "No matches" in html
        assert "Clear filters" in html


# --- bulk actions ------------------------------------------------------------------------


class TestBulk:
    def _post(self, client, member, **data):
        data.setdefault("query", "role=lead")
        return client.post(url(member.workspace, "contacts/bulk/"), data)

    def test_adding_a_label_to_two_contacts(self, client, member):
        vip = labels_of(member.workspace)[0]
        a, b, c = (make_contact(member) for _ in range(3))
        response = self._post(
            login(client, member), member, ids=[a.pk, b.pk], action="add_label", label=vip.pk
        )
        assert response.status_code == 302
        assert response["Location"] == url(member.workspace, "contacts/?role=lead")
        linked = set(ContactLabel.objects.filter(category=vip).values_list("contact_id", flat=True))
        assert linked == {a.pk, b.pk}
        followed = client.get(response["Location"])
        assert "2 contacts changed." in followed.content.decode()

    def test_removing_a_label(self, client, member):
        vip = labels_of(member.workspace)[0]
        a = make_contact(member, label_ids=[vip.pk])
        self._post(login(client, member), member, ids=[a.pk], action="remove_label", label=vip.pk)
        assert not ContactLabel.objects.filter(contact=a).exists()

    def test_sharing_with_a_team(self, client, workspace, owner, member):
        team = make_team(workspace, "Sales")
        a = make_contact(member)
        self._post(login(client, member), member, ids=[a.pk], action="share", team=team.pk)
        a.refresh_from_db()
        assert a.visibility == "teams"
        assert ContactTeam.objects.filter(contact=a, team=team).exists()

    def test_changing_the_owner(self, client, admin, member):
        a = make_contact(admin)
        self._post(
            login(client, admin), admin, ids=[a.pk], action="set_owner", owner=member.user_id
        )
        a.refresh_from_db()
        assert a.owner_id == member.user_id

    def test_changing_the_owner_needs_a_choice(self, client, admin):
        a = make_contact(admin)
        response = self._post(login(client, admin), admin, ids=[a.pk], action="set_owner", owner="")
        a.refresh_from_db()
        assert a.owner_id == admin.user_id
        assert "Choose the new owner." in client.get(response["Location"]).content.decode()

    def test_delete_asks_first_then_deletes(self, client, member):
        a, b = make_contact(member, first_name="Ann"), make_contact(member, first_name="Ben")
        login(client, member)
        ask = self._post(client, member, ids=[a.pk, b.pk], action="delete")
        assert ask.status_code == 200
        assert "Delete 2 contacts?" in ask.content.decode()
        assert Contact.objects.filter(pk__in=[a.pk, b.pk]).count() == 2
        done = self._post(client, member, ids=[a.pk, b.pk], action="delete", confirmed="yes")
        assert done.status_code == 302
        assert not Contact.objects.filter(pk__in=[a.pk, b.pk]).exists()

    def test_bulk_on_an_invisible_contact_does_nothing_to_it(self, client, owner, member):
        vip = labels_of(member.workspace)[0]
        secret = make_contact(owner)
        login(client, member)
        response = self._post(client, member, ids=[secret.pk], action="add_label", label=vip.pk)
        assert not ContactLabel.objects.filter(contact=secret).exists()
        self._post(client, member, ids=[secret.pk], action="delete", confirmed="yes")
        assert Contact.objects.filter(pk=secret.pk).exists()
        message = client.get(response["Location"]).content.decode()
        assert "0 contacts changed. 1 skipped" in message

    def test_the_confirmation_lists_only_visible_contacts(self, client, owner, member):
        secret = make_contact(owner, first_name="Secret")
        mine = make_contact(member, first_name="Mine")
        ask = self._post(login(client, member), member, ids=[secret.pk, mine.pk], action="delete")
        html = ask.content.decode()
        assert "Delete 1 contact?" in html
        assert "Secret" not in html

    def test_the_redirect_cannot_leave_the_list(self, client, member):
        a = make_contact(member)
        response = self._post(
            login(client, member),
            member,
            ids=[a.pk],
            action="remove_label",
            label="1",
            query="//evil.test/x",
        )
        assert response["Location"].startswith(url(member.workspace, "contacts/?"))

    def test_company_bulk_adds_a_label(self, client, member):
        vip = labels_of(member.workspace)[0]
        co = make_company(member)
        response = login(client, member).post(
            url(member.workspace, "companies/bulk/"),
            {"ids": [co.pk], "action": "add_label", "label": vip.pk, "query": ""},
        )
        assert response["Location"] == url(member.workspace, "companies/")
        assert Company.objects.get(pk=co.pk).labels.filter(pk=vip.pk).exists()


# --- saved views ---------------------------------------------------------------------


class TestSavedViews:
    def test_saving_the_current_list_and_opening_it(self, client, member):
        client_ = make_contact(member, role="client", job_title="CTO")
        make_contact(member, role="lead")
        login(client, member)
        response = client.post(
            url(member.workspace, "views/"),
            {
                "entity": "contact",
                "name": "Clients",
                "query": "role=client&sort=name&columns=name,job_title&cursor=abc",
            },
        )
        view = SavedView.objects.get(name="Clients")
        assert view.filters == {"role": "client", "sort": "name"}
        assert view.columns == ["name", "job_title"]
        assert response["Location"] == url(member.workspace, f"contacts/?view={view.pk}")
        opened = client.get(response["Location"])
        assert row_ids(opened) == [client_.pk]
        assert [c["key"] for c in opened.context["columns"]] == ["name", "job_title"]
        assert "View “Clients” saved." in opened.content.decode()

    def test_a_view_keeps_its_columns_when_sorted(self, client, member):
        view = saved_view_create(
            workspace=member.workspace,
            actor=member,
            data={"entity": "contact", "name": "Slim", "columns": ["name", "email"]},
        )
        login(client, member)
        opened = client.get(url(member.workspace, f"contacts/?view={view.pk}"))
        email = next(c for c in opened.context["columns"] if c["key"] == "email")
        resorted = client.get(url(member.workspace, f"contacts/{email['sort']}"))
        assert [c["key"] for c in resorted.context["columns"]] == ["name", "email"]
        assert resorted.context["state"].view == view

    def test_a_shared_view_is_listed_for_others_and_a_private_one_is_not(
        self, client, owner, member
    ):
        shared = saved_view_create(
            workspace=owner.workspace,
            actor=owner,
            data={"entity": "contact", "name": "Team view", "shared": True},
        )
        private = saved_view_create(
            workspace=owner.workspace,
            actor=owner,
            data={"entity": "contact", "name": "Owner only", "filters": {"role": "client"}},
        )
        login(client, member)
        response = client.get(url(member.workspace, "contacts/"))
        assert [v.pk for v in response.context["views"]] == [shared.pk]
        opened = client.get(url(member.workspace, f"contacts/?view={private.pk}"))
        assert opened.context["state"].view is None
        assert "That view does not exist or is not shared." in opened.content.decode()

    def test_others_cannot_delete_or_rename_my_views(self, client, owner, member):
        shared = saved_view_create(
            workspace=member.workspace,
            actor=member,
            data={"entity": "contact", "name": "Shared", "shared": True},
        )
        private = saved_view_create(
            workspace=member.workspace,
            actor=member,
            data={"entity": "contact", "name": "Private"},
        )
        other = make_member(member.workspace, "other@acme.test")
        login(client, other)
        assert client.post(url(member.workspace, f"views/{private.pk}/delete/")).status_code == 404
        response = client.post(url(member.workspace, f"views/{shared.pk}/delete/"), follow=True)
        assert "Only the view&#x27;s creator or an admin can change it." in (
            response.content.decode()
        )
        client.post(url(member.workspace, f"views/{shared.pk}/rename/"), {"name": "Mine now"})
        assert set(SavedView.objects.values_list("name", flat=True)) == {"Shared", "Private"}

    def test_renaming_updating_and_deleting_my_view(self, client, member):
        view = saved_view_create(
            workspace=member.workspace,
            actor=member,
            data={"entity": "contact", "name": "Old"},
        )
        login(client, member)
        client.post(url(member.workspace, f"views/{view.pk}/rename/"), {"name": "New"})
        client.post(
            url(member.workspace, f"views/{view.pk}/update/"),
            {"query": f"role=lead&columns=name,phone&view={view.pk}"},
        )
        view.refresh_from_db()
        assert (view.name, view.filters, view.columns) == (
            "New",
            {"role": "lead"},
            ["name", "phone"],
        )
        response = client.post(url(member.workspace, f"views/{view.pk}/delete/"))
        assert response["Location"] == url(member.workspace, "contacts/")
        assert not SavedView.objects.filter(pk=view.pk).exists()

    def test_a_view_with_bad_filters_is_refused_with_a_message(self, client, member):
        login(client, member)
        response = client.post(
            url(member.workspace, "views/"),
            {"entity": "contact", "name": "Bad", "query": "role=king"},
            follow=True,
        )
        assert "Use lead, prospect or client." in response.content.decode()
        assert not SavedView.objects.exists()


# --- unclaimed queue and by-organisation view -----------------------------------------


class TestUnclaimed:
    def test_it_lists_only_unclaimed_contacts_with_a_claim_button(self, client, owner, member):
        waiting = make_contact(owner, first_name="Waiting", owner_id=None)
        make_contact(member, first_name="Mine")
        response = login(client, member).get(url(member.workspace, "contacts/unclaimed/"))
        assert row_ids(response) == [waiting.pk]
        html = response.content.decode()
        assert f'action="{url(member.workspace, f"contacts/{waiting.pk}/claim/")}"' in html
        assert 'name="next" value="/w/acme/contacts/unclaimed/"' in html


class TestPeopleByOrganisation:
    def test_each_company_lists_its_people_and_offers_to_add_one(self, client, member):
        acme = make_company(member, name="Acme")
        make_company(member, name="Blank")
        ada = make_contact(member, first_name="Ada", company_id=acme.pk)
        response = login(client, member).get(url(member.workspace, "companies/people/"))
        rows = response.context["rows"]
        assert [c.name for c in rows] == ["Acme", "Blank"]
        assert [p.pk for p in rows[0].people] == [ada.pk]
        assert rows[1].people == []
        html = response.content.decode()
        assert f'href="{url(member.workspace, "contacts/new/")}?company={acme.pk}"' in html

    def test_a_long_company_shows_ten_and_links_to_the_rest(self, client, member):
        acme = make_company(member, name="Acme")
        for i in range(13):
            make_contact(member, first_name=f"P{i:02}", company_id=acme.pk)
        response = login(client, member).get(url(member.workspace, "companies/people/"))
        (row,) = response.context["rows"]
        assert len(row.people) == 10
        assert row.more_people == 3
        html = response.content.decode()
        assert f'href="{url(member.workspace, "contacts/")}?company={acme.pk}">and 3 more' in html

    def test_companies_are_paged_by_name(self, client, member):
        for name in ["C", "A", "B"]:
            make_company(member, name=name)
        login(client, member)
        first = client.get(url(member.workspace, "companies/people/?limit=2"))
        assert [c.name for c in first.context["rows"]] == ["A", "B"]
        rest = client.get(url(member.workspace, f"companies/people/?{first.context['next_query']}"))
        assert [c.name for c in rest.context["rows"]] == ["C"]


class TestCompanyList:
    def test_it_lists_and_filters_companies(self, client, member):
        a = make_company(member, name="Alpha", role="client", city="Oslo")
        make_company(member, name="Beta", role="lead")
        login(client, member)
        response = client.get(url(member.workspace, "companies/?role=client"))
        assert row_ids(response) == [a.pk]
        assert "Oslo" in response.content.decode()
        assert (
            "1 company"
            in client.get(url(member.workspace, "companies/count/?role=client")).content.decode()
        )

    def test_a_bad_company_filter_is_an_inline_error(self, client, member):
        response = login(client, member).get(url(member.workspace, "companies/?is_test=true"))
        assert response.status_code == 422
        assert "Companies have no test flag." in response.content.decode()


# --- query counts --------------------------------------------------------------------


def _fill(owner, member, team, industry, start: int, n: int) -> None:
    labels = labels_of(owner.workspace)
    company = Company.objects.filter(workspace=owner.workspace).first() or make_company(owner)
    for i in range(start, start + n):
        make_contact(
            member,
            first_name=f"P{i}",
            company_id=company.pk,
            label_ids=[labels[i % 4].pk, labels[(i + 1) % 4].pk],
            visibility="teams",
            team_ids=[team.pk],
            custom={"industry": "retail" if i % 2 else "tech"},
        )
        if i % 5 == 0:
            make_company(owner, name=f"Co{i}", label_ids=[labels[0].pk])


PAGES = [
    "contacts/?columns=name,email,company,role,source,labels,owner,teams,custom.industry",
    "contacts/?label={label}&sort=-name",
    "contacts/count/",
    "contacts/unclaimed/",
    "companies/",
    "companies/people/",
]


class TestQueryCounts:
    def test_pages_do_not_query_more_as_rows_grow(
        self, client, workspace, owner, member, industry, django_assert_max_num_queries
    ):
        team = make_team(workspace, "Sales", member)
        saved_view_create(
            workspace=owner.workspace,
            actor=member,
            data={"entity": "contact", "name": "Mine", "shared": True},
        )
        label = labels_of(owner.workspace)[0].pk
        login(client, member)
        client.get(url(member.workspace))  # remembers the workspace once

        def counts() -> list[int]:
            result = []
            for page in PAGES:
                with CaptureQueriesContext(connection) as ctx:
                    response = client.get(url(member.workspace, page.format(label=label)))
                assert response.status_code == 200, page
                result.append(len(ctx.captured_queries))
            return result

        _fill(owner, member, team, industry, 0, 5)
        few = counts()
        _fill(owner, member, team, industry, 5, 55)
        for page in PAGES:
            with django_assert_max_num_queries(16):
                client.get(url(member.workspace, page.format(label=label)))
        assert counts() == few
