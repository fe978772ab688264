"""/api/v1/ contacts, companies, notes, views and categories: shapes, verbs, owner and
claim rules, stale edits, custom field errors, filters, paging, 404s and query counts."""

import datetime as dt
import json

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rapport.core.models import ApiToken, Category
from rapport.customers import services
from rapport.customers.models import Company, Contact, Note, SavedView
from rapport.customfields.models import CustomField, CustomOption, CustomSection
from tests.core.factories import make_member, token_for
from tests.customers.factories import make_company, make_contact, make_team

pytestmark = pytest.mark.django_db

CONTACT_KEYS = {
    "id",
    "first_name",
    "last_name",
    "full_name",
    "email",
    "phone",
    "other_emails",
    "other_phones",
    "company_id",
    "job_title",
    "role",
    "source_id",
    "label_ids",
    "owner_id",
    "visibility",
    "team_ids",
    "is_active",
    "is_test",
    "custom",
    "created_at",
    "updated_at",
}
COMPANY_KEYS = {
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
    "type_id",
    "role",
    "primary_contact_id",
    "label_ids",
    "owner_id",
    "custom",
    "created_at",
    "updated_at",
}
NOTE_KEYS = {
    "id",
    "contact_id",
    "company_id",
    "note_type_id",
    "body",
    "author_id",
    "created_at",
    "updated_at",
}
VIEW_KEYS = {"id", "name", "entity", "filters", "columns", "shared", "owner_id"}
TIMELINE_KEYS = {"id", "at", "actor_id", "acting_as_id", "verb", "changes", "summary"}
CATEGORY_KEYS = {"id", "name", "color", "position"}


class Api:
    """A client that speaks as one membership through a Bearer token."""

    def __init__(self, client, membership):
        self.client = client
        self.membership = membership
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token_for(membership)}"}
        # As if used a moment ago, so no request pays for noting the token's last use.
        ApiToken.objects.filter(user_id=membership.user_id).update(last_used_at=timezone.now())

    def get(self, path, params=None):
        return self.client.get(path, params or {}, **self.headers)

    def delete(self, path):
        return self.client.delete(path, **self.headers)

    def post(self, path, data=None, **headers):
        return self.client.post(
            path, json.dumps(data or {}), content_type="application/json", **self.headers, **headers
        )

    def patch(self, path, data, **headers):
        return self.client.patch(
            path, json.dumps(data), content_type="application/json", **self.headers, **headers
        )

    def all_pages(self, path, params=None) -> list[dict]:
        """Every item of a list, following `next` to the end."""
        params, items = dict(params or {}), []
        while True:
            response = self.get(path, params)
            assert response.status_code == 200, response.json()
            body = response.json()
            items.extend(body["items"])
            if body["next"] is None:
                return items
            params["cursor"] = body["next"]


@pytest.fixture
def colleague(workspace):
    return make_member(workspace, "colleague@acme.test", role="member")


@pytest.fixture
def as_owner(client, owner):
    return Api(client, owner)


@pytest.fixture
def as_admin(client, admin):
    return Api(client, admin)


@pytest.fixture
def as_member(client, member):
    return Api(client, member)


@pytest.fixture
def as_colleague(client, colleague):
    return Api(client, colleague)


@pytest.fixture
def as_outsider(client, outsider):
    return Api(client, outsider)


def _category(workspace, kind, position=0) -> Category:
    return Category.objects.filter(workspace=workspace, kind=kind).order_by("position", "id")[
        position
    ]


def _ids(items) -> list[int]:
    return [item["id"] for item in items]


def _queries(django_assert_max_num_queries, limit, call):
    with django_assert_max_num_queries(limit) as captured:
        response = call()
    assert response.status_code == 200, response.json()
    return len(captured), response.json()


# --- contacts -----------------------------------------------------------------------


class TestContactCrud:
    def test_a_created_contact_has_exactly_the_documented_shape(self, as_member, member, workspace):
        label = _category(workspace, "labels")
        source = _category(workspace, "sources")
        company = make_company(member)
        response = as_member.post(
            "/api/v1/contacts",
            {
                "first_name": "Grace",
                "last_name": "Hopper",
                "email": "Grace@Navy.test",
                "phone": "+1 555 0100",
                "other_emails": ["g@h.test"],
                "other_phones": ["+1 555 0101"],
                "company_id": company.pk,
                "job_title": "Rear admiral",
                "role": "client",
                "source_id": source.pk,
                "label_ids": [label.pk],
                "is_active": True,
                "is_test": False,
            },
        )
        assert response.status_code == 201, response.json()
        body = response.json()
        assert set(body) == CONTACT_KEYS
        assert body["full_name"] == "Grace Hopper"
        assert body["email"] == "grace@navy.test"
        assert body["company_id"] == company.pk
        assert body["source_id"] == source.pk
        assert body["label_ids"] == [label.pk]
        assert body["visibility"] == "private"
        assert body["team_ids"] == []
        assert body["custom"] == {}
        assert response["ETag"] == '"1"'

    def test_create_without_owner_makes_the_caller_the_owner(self, as_member, member):
        body = as_member.post("/api/v1/contacts", {"first_name": "Ada"}).json()
        assert body["owner_id"] == member.user_id

    def test_create_with_a_null_owner_leaves_the_contact_unclaimed(self, as_member):
        body = as_member.post("/api/v1/contacts", {"first_name": "Ada", "owner_id": None}).json()
        assert body["owner_id"] is None

    def test_only_admins_create_contacts_for_someone_else(self, as_member, as_admin, colleague):
        data = {"first_name": "Ada", "owner_id": colleague.user_id}
        assert as_member.post("/api/v1/contacts", data).status_code == 403
        response = as_admin.post("/api/v1/contacts", data)
        assert response.status_code == 201
        assert response.json()["owner_id"] == colleague.user_id

    def test_get_answers_the_contact_with_its_etag(self, as_member, member):
        contact = make_contact(member)
        response = as_member.get(f"/api/v1/contacts/{contact.pk}")
        assert response.status_code == 200
        assert set(response.json()) == CONTACT_KEYS
        assert response.json()["id"] == contact.pk
        assert response["ETag"] == f'"{contact.version}"'

    def test_patch_changes_only_the_fields_sent(self, as_member, member):
        contact = make_contact(member, email="ada@engines.test", job_title="Analyst")
        response = as_member.patch(f"/api/v1/contacts/{contact.pk}", {"job_title": "Countess"})
        assert response.status_code == 200
        body = response.json()
        assert body["job_title"] == "Countess"
        assert body["email"] == "ada@engines.test"
        assert body["first_name"] == "Ada"
        assert response["ETag"] == '"2"'

    def test_patch_with_null_clears_a_field(self, as_member, member, workspace):
        contact = make_contact(member, source_id=_category(workspace, "sources").pk)
        body = as_member.patch(f"/api/v1/contacts/{contact.pk}", {"source_id": None}).json()
        assert body["source_id"] is None

    def test_patch_with_the_current_etag_succeeds(self, as_member, member):
        contact = make_contact(member)
        etag = as_member.get(f"/api/v1/contacts/{contact.pk}")["ETag"]
        response = as_member.patch(
            f"/api/v1/contacts/{contact.pk}", {"last_name": "Byron"}, HTTP_IF_MATCH=etag
        )
        assert response.status_code == 200
        assert response["ETag"] != etag

    def test_patch_with_a_stale_etag_is_412_and_changes_nothing(self, as_member, member):
        contact = make_contact(member)
        stale = as_member.get(f"/api/v1/contacts/{contact.pk}")["ETag"]
        as_member.patch(f"/api/v1/contacts/{contact.pk}", {"job_title": "First"})
        response = as_member.patch(
            f"/api/v1/contacts/{contact.pk}", {"job_title": "Second"}, HTTP_IF_MATCH=stale
        )
        assert response.status_code == 412
        assert set(response.json()) == {"detail", "errors"}
        contact.refresh_from_db()
        assert contact.job_title == "First"
        assert contact.version == 2

    @pytest.mark.parametrize("header", ["3", 'W/"1"', '"abc"', '"1", "2"', ""])
    def test_patch_with_a_malformed_if_match_is_412(self, as_member, member, header):
        contact = make_contact(member)
        response = as_member.patch(
            f"/api/v1/contacts/{contact.pk}", {"job_title": "X"}, HTTP_IF_MATCH=header
        )
        assert response.status_code == 412
        contact.refresh_from_db()
        assert contact.job_title == ""

    def test_delete_answers_204_and_the_contact_is_gone(self, as_member, member):
        contact = make_contact(member)
        assert as_member.delete(f"/api/v1/contacts/{contact.pk}").status_code == 204
        assert as_member.get(f"/api/v1/contacts/{contact.pk}").status_code == 404
        assert not Contact.objects.filter(pk=contact.pk).exists()

    def test_a_member_cannot_delete_an_unclaimed_contact(self, as_member, owner):
        contact = make_contact(owner, owner_id=None)
        assert as_member.delete(f"/api/v1/contacts/{contact.pk}").status_code == 403
        assert Contact.objects.filter(pk=contact.pk).exists()

    def test_sharing_with_teams_round_trips(self, as_member, member, workspace):
        team = make_team(workspace, "Sales", member)
        response = as_member.post(
            "/api/v1/contacts",
            {"first_name": "Ada", "visibility": "teams", "team_ids": [team.pk]},
        )
        assert response.json()["visibility"] == "teams"
        assert response.json()["team_ids"] == [team.pk]
        contact_id = response.json()["id"]
        body = as_member.patch(f"/api/v1/contacts/{contact_id}", {"visibility": "private"}).json()
        assert body["team_ids"] == []

    def test_an_admin_giving_a_private_contact_away_still_gets_it_back(
        self, as_admin, admin, colleague
    ):
        contact = make_contact(admin)
        response = as_admin.patch(f"/api/v1/contacts/{contact.pk}", {"owner_id": colleague.user_id})
        assert response.status_code == 200
        assert response.json()["owner_id"] == colleague.user_id
        assert as_admin.get(f"/api/v1/contacts/{contact.pk}").status_code == 404


class TestContactBadInput:
    def test_an_invalid_email_is_422_naming_the_field_and_saves_nothing(self, as_member):
        response = as_member.post("/api/v1/contacts", {"first_name": "A", "email": "nope"})
        assert response.status_code == 422
        assert [e["field"] for e in response.json()["errors"]] == ["email"]
        assert Contact.objects.count() == 0

    def test_every_bad_field_is_named_at_once(self, as_member):
        response = as_member.post(
            "/api/v1/contacts", {"first_name": "A", "email": "nope", "phone": "abc", "role": "x"}
        )
        assert response.status_code == 422
        assert {e["field"] for e in response.json()["errors"]} == {"email", "phone", "role"}

    def test_an_unknown_key_is_422(self, as_member):
        response = as_member.post("/api/v1/contacts", {"first_name": "A", "owner": None})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "owner"

    def test_a_wrongly_typed_flag_is_422(self, as_member):
        response = as_member.post("/api/v1/contacts", {"first_name": "A", "is_active": "yes"})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "is_active"

    def test_a_label_of_another_workspace_is_422(self, as_member, other_workspace):
        theirs = _category(other_workspace, "labels")
        response = as_member.post("/api/v1/contacts", {"first_name": "A", "label_ids": [theirs.pk]})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "label_ids"

    def test_a_body_that_is_not_json_is_400(self, as_member):
        response = as_member.client.post(
            "/api/v1/contacts", "{nope", content_type="application/json", **as_member.headers
        )
        assert response.status_code == 400
        assert set(response.json()) == {"detail", "errors"}

    def test_a_body_that_is_not_an_object_is_422(self, as_member):
        response = as_member.client.post(
            "/api/v1/contacts", "[1, 2]", content_type="application/json", **as_member.headers
        )
        assert response.status_code == 422

    @pytest.mark.parametrize("bad", ["abc", "0", "-1", str(2**63)])
    def test_a_bad_id_in_the_path_is_422(self, as_member, bad):
        assert as_member.get(f"/api/v1/contacts/{bad}").status_code == 422

    def test_sharing_with_teams_needs_a_team(self, as_member):
        response = as_member.post("/api/v1/contacts", {"first_name": "A", "visibility": "teams"})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "team_ids"


class TestClaim:
    def test_claim_makes_the_caller_the_owner(self, as_member, member, owner):
        contact = make_contact(owner, owner_id=None)
        response = as_member.post(f"/api/v1/contacts/{contact.pk}/claim")
        assert response.status_code == 200
        assert set(response.json()) == CONTACT_KEYS
        assert response.json()["owner_id"] == member.user_id

    def test_a_second_claim_is_409_and_keeps_the_first_owner(
        self, as_member, as_colleague, member, owner
    ):
        contact = make_contact(owner, owner_id=None)
        assert as_member.post(f"/api/v1/contacts/{contact.pk}/claim").status_code == 200
        response = as_colleague.post(f"/api/v1/contacts/{contact.pk}/claim")
        assert response.status_code == 409
        assert "Member" in response.json()["detail"]
        contact.refresh_from_db()
        assert contact.owner_id == member.user_id

    def test_a_claimed_contact_handed_on_privately_is_404_to_late_claimers(
        self, as_member, as_admin, owner, colleague
    ):
        contact = make_contact(owner, owner_id=None)
        as_member.post(f"/api/v1/contacts/{contact.pk}/claim")
        as_member.patch(f"/api/v1/contacts/{contact.pk}", {"owner_id": colleague.user_id})
        assert as_admin.post(f"/api/v1/contacts/{contact.pk}/claim").status_code == 404


class TestTimeline:
    def test_it_lists_changes_newest_first_in_the_documented_shape(self, as_member, member):
        contact = make_contact(member)
        as_member.patch(f"/api/v1/contacts/{contact.pk}", {"job_title": "Countess"})
        body = as_member.get(f"/api/v1/contacts/{contact.pk}/timeline").json()
        assert [set(item) for item in body["items"]] == [TIMELINE_KEYS] * 2
        assert [item["verb"] for item in body["items"]] == ["contact.updated", "contact.created"]
        assert body["items"][0]["changes"] == {"job_title": ["", "Countess"]}
        assert body["items"][0]["actor_id"] == member.user_id
        assert body["items"][0]["acting_as_id"] is None

    def test_it_pages_with_a_cursor(self, as_member, member):
        contact = make_contact(member)
        for i in range(6):
            as_member.patch(f"/api/v1/contacts/{contact.pk}", {"job_title": f"T{i}"})
        items = as_member.all_pages(f"/api/v1/contacts/{contact.pk}/timeline", {"limit": 2})
        assert len(items) == 7
        assert len(set(_ids(items))) == 7
        assert _ids(items) == sorted(_ids(items), reverse=True)

    def test_a_note_appears_on_the_company_timeline(self, as_member, member):
        company = make_company(member)
        as_member.post("/api/v1/notes", {"company_id": company.pk, "body": "Called them"})
        body = as_member.get(f"/api/v1/companies/{company.pk}/timeline").json()
        assert body["items"][0]["verb"] == "note.added"
        assert body["items"][0]["summary"] == "Called them"

    def test_a_bad_cursor_is_422(self, as_member, member):
        contact = make_contact(member)
        response = as_member.get(f"/api/v1/contacts/{contact.pk}/timeline", {"cursor": "zz"})
        assert response.status_code == 422


# --- custom fields through the API ---------------------------------------------------


@pytest.fixture
def custom_fields(workspace):
    section = CustomSection.objects.create(workspace=workspace, entity="contact", name="Profile")
    number = CustomField.objects.create(
        workspace=workspace,
        entity="contact",
        section=section,
        key="employees",
        label="Staff",
        type="number",
    )
    dropdown = CustomField.objects.create(
        workspace=workspace,
        entity="contact",
        section=section,
        key="industry",
        label="Industry",
        type="dropdown",
        position=1,
    )
    for i, value in enumerate(["retail", "gov"]):
        CustomOption.objects.create(
            workspace=workspace, field=dropdown, value=value, label=value.title(), position=i
        )
    return number, dropdown


def _required_field(workspace, entity="contact"):
    section = CustomSection.objects.create(workspace=workspace, entity=entity, name="Must")
    return CustomField.objects.create(
        workspace=workspace,
        entity=entity,
        section=section,
        key="tier",
        label="Tier",
        type="text",
        required=True,
    )


class TestCustomFields:
    def test_valid_values_are_stored_and_answered(self, as_member, custom_fields):
        response = as_member.post(
            "/api/v1/contacts",
            {"first_name": "A", "custom": {"employees": "12", "industry": "gov"}},
        )
        assert response.status_code == 201
        assert response.json()["custom"] == {"employees": 12, "industry": "gov"}

    def test_a_wrong_type_is_422_naming_the_field(self, as_member, custom_fields):
        response = as_member.post(
            "/api/v1/contacts", {"first_name": "A", "custom": {"employees": "many"}}
        )
        assert response.status_code == 422
        assert [e["field"] for e in response.json()["errors"]] == ["custom.employees"]

    def test_an_unknown_option_is_422_naming_the_field(self, as_member, custom_fields):
        response = as_member.post(
            "/api/v1/contacts", {"first_name": "A", "custom": {"industry": "mining"}}
        )
        assert response.status_code == 422
        assert [e["field"] for e in response.json()["errors"]] == ["custom.industry"]

    def test_an_unknown_key_is_422_naming_it(self, as_member, custom_fields):
        response = as_member.post("/api/v1/contacts", {"first_name": "A", "custom": {"nope": 1}})
        assert response.status_code == 422
        assert [e["field"] for e in response.json()["errors"]] == ["custom.nope"]

    def test_a_missing_required_value_is_422_naming_the_field(self, as_member, workspace):
        _required_field(workspace)
        response = as_member.post("/api/v1/contacts", {"first_name": "A"})
        assert response.status_code == 422
        assert [e["field"] for e in response.json()["errors"]] == ["custom.tier"]
        assert Contact.objects.count() == 0

    def test_a_company_missing_a_required_value_is_422(self, as_member, workspace):
        _required_field(workspace, entity="company")
        response = as_member.post("/api/v1/companies", {"name": "Initech"})
        assert response.status_code == 422
        assert [e["field"] for e in response.json()["errors"]] == ["custom.tier"]

    def test_patch_merges_custom_values_key_by_key(self, as_member, member, custom_fields):
        contact = make_contact(member, custom={"employees": 5, "industry": "retail"})
        body = as_member.patch(f"/api/v1/contacts/{contact.pk}", {"custom": {"employees": 6}})
        assert body.json()["custom"] == {"employees": 6, "industry": "retail"}

    def test_patch_with_null_clears_one_value(self, as_member, member, custom_fields):
        contact = make_contact(member, custom={"employees": 5, "industry": "retail"})
        body = as_member.patch(f"/api/v1/contacts/{contact.pk}", {"custom": {"industry": None}})
        assert body.json()["custom"] == {"employees": 5}


# --- filters, sort and paging ----------------------------------------------------------


@pytest.fixture
def people(member, colleague, workspace):
    """Contacts a member sees, with different values for every filter."""
    team = make_team(workspace, "Sales", member)
    vip, partner = _category(workspace, "labels", 0), _category(workspace, "labels", 1)
    web = _category(workspace, "sources", 0)
    initech = make_company(member, name="Initech")
    ada = make_contact(
        member,
        first_name="Ada",
        last_name="Lovelace",
        email="ada@engines.test",
        role="client",
        label_ids=[vip.pk],
        source_id=web.pk,
        company_id=initech.pk,
    )
    bob = make_contact(
        member,
        first_name="Bob",
        last_name="Babbage",
        role="lead",
        label_ids=[partner.pk],
        is_active=False,
    )
    free = make_contact(member, first_name="Cy", last_name="Free", owner_id=None, role="prospect")
    shared = make_contact(
        colleague, first_name="Dee", last_name="Shared", visibility="teams", team_ids=[team.pk]
    )
    tester = make_contact(member, first_name="Eve", last_name="Test", is_test=True)
    Contact.objects.filter(pk=bob.pk).update(created_at=timezone.now() - dt.timedelta(days=40))
    Contact.objects.filter(pk=free.pk).update(created_at=timezone.now() - dt.timedelta(days=400))
    return {
        "ada": ada.pk,
        "bob": bob.pk,
        "free": free.pk,
        "shared": shared.pk,
        "test": tester.pk,
        "team": team.pk,
        "vip": vip.pk,
        "web": web.pk,
        "initech": initech.pk,
    }


def _names(api, params, path="/api/v1/contacts") -> set[int]:
    response = api.get(path, params)
    assert response.status_code == 200, response.json()
    return set(_ids(response.json()["items"]))


class TestContactFilters:
    def test_without_filters_test_contacts_are_left_out(self, as_member, people):
        assert _names(as_member, {}) == {people[k] for k in ("ada", "bob", "free", "shared")}

    def test_is_test_brings_test_contacts_in(self, as_member, people):
        assert _names(as_member, {"is_test": "true"}) == {people["test"]}
        assert people["test"] in _names(as_member, {"is_test": "any"})

    @pytest.mark.parametrize(
        ("params", "expected"),
        [
            ({"q": "lovelace"}, {"ada"}),
            ({"q": "ada engines"}, {"ada"}),
            ({"role": "lead,prospect"}, {"bob", "free", "shared"}),
            ({"is_active": "false"}, {"bob"}),
            ({"owner": "none"}, {"free"}),
            ({"created_within_days": "30"}, {"ada", "shared"}),
        ],
    )
    def test_simple_filters(self, as_member, people, params, expected):
        assert _names(as_member, params) == {people[k] for k in expected}

    def test_label_source_company_and_team_filters(self, as_member, people):
        assert _names(as_member, {"label": str(people["vip"])}) == {people["ada"]}
        assert _names(as_member, {"source": str(people["web"])}) == {people["ada"]}
        assert _names(as_member, {"company": str(people["initech"])}) == {people["ada"]}
        assert _names(as_member, {"team": str(people["team"])}) == {people["shared"]}

    def test_owner_me_and_owner_id(self, as_member, member, colleague, people):
        mine = {people[k] for k in ("ada", "bob")}
        assert _names(as_member, {"owner": "me"}) == mine
        assert _names(as_member, {"owner": str(member.user_id)}) == mine
        assert _names(as_member, {"owner": str(colleague.user_id)}) == {people["shared"]}

    def test_created_after_and_before(self, as_member, people):
        cut = (timezone.now() - dt.timedelta(days=100)).date().isoformat()
        assert _names(as_member, {"created_before": cut}) == {people["free"]}
        assert people["free"] not in _names(as_member, {"created_after": cut})

    def test_a_repeated_parameter_means_any_of_them(self, as_member, people):
        expected = {people[k] for k in ("ada", "bob", "shared")}
        assert _names(as_member, {"role": ["lead", "client"]}) == expected

    def test_custom_field_filter(self, as_member, member, custom_fields):
        gov = make_contact(member, custom={"industry": "gov", "employees": 50})
        make_contact(member, custom={"industry": "retail", "employees": 5})
        assert _names(as_member, {"custom.industry": "gov"}) == {gov.pk}
        assert _names(as_member, {"custom.employees__gte": "10"}) == {gov.pk}

    def test_sort_in_both_directions(self, as_member, people):
        up = _ids(as_member.get("/api/v1/contacts", {"sort": "last_name"}).json()["items"])
        down = _ids(as_member.get("/api/v1/contacts", {"sort": "-last_name"}).json()["items"])
        expected = [people[k] for k in ("bob", "free", "ada", "shared")]
        assert up == expected
        assert down == expected[::-1]

    def test_sort_by_a_custom_field(self, as_member, member, custom_fields):
        few = make_contact(member, custom={"employees": 5})
        many = make_contact(member, custom={"employees": 50})
        up = _ids(as_member.get("/api/v1/contacts", {"sort": "custom.employees"}).json()["items"])
        assert up == [few.pk, many.pk]

    @pytest.mark.parametrize(
        "params",
        [
            {"colour": "red"},
            {"role": "boss"},
            {"owner": "someone"},
            {"created_within_days": "-3"},
            {"created_after": "yesterday"},
            {"sort": "shoe_size"},
            {"custom.nope": "x"},
            {"cursor": "not-a-cursor"},
            {"limit": "500"},
            {"limit": "0"},
        ],
    )
    def test_bad_filters_and_paging_are_422(self, as_member, people, params):
        for path in ("/api/v1/contacts", "/api/v1/contacts/count"):
            if path.endswith("count") and ("cursor" in params or "limit" in params):
                continue
            response = as_member.get(path, params)
            assert response.status_code == 422, (path, params)
            assert response.json()["errors"], params

    def test_count_takes_the_same_filters(self, as_member, people):
        assert as_member.get("/api/v1/contacts/count").json() == {"count": 4}
        assert as_member.get("/api/v1/contacts/count", {"role": "client"}).json() == {"count": 1}
        assert as_member.get("/api/v1/contacts/count", {"is_test": "any"}).json() == {"count": 5}


class TestContactPaging:
    @pytest.mark.parametrize("sort", ["", "name", "-created_at", "company"])
    def test_following_the_cursor_gives_every_contact_once(self, as_member, member, sort):
        created = [make_contact(member, first_name=f"P{i}", last_name="Same").pk for i in range(12)]
        items = as_member.all_pages("/api/v1/contacts", {"limit": 5, "sort": sort})
        assert len(items) == 12
        assert sorted(_ids(items)) == sorted(created)

    def test_the_default_order_is_newest_first(self, as_member, member):
        created = [make_contact(member, first_name=f"P{i}").pk for i in range(3)]
        assert _ids(as_member.get("/api/v1/contacts").json()["items"]) == created[::-1]


class TestCompanyFilters:
    def test_filters_sort_and_count(self, as_member, member, workspace):
        kind = _category(workspace, "company-types")
        label = _category(workspace, "labels")
        a = make_company(member, name="Alpha", role="client", type_id=kind.pk, label_ids=[label.pk])
        b = make_company(member, name="Beta", city="Utrecht", owner_id=None)
        path = "/api/v1/companies"
        assert _names(as_member, {"q": "utrecht"}, path) == {b.pk}
        assert _names(as_member, {"role": "client"}, path) == {a.pk}
        assert _names(as_member, {"type": str(kind.pk)}, path) == {a.pk}
        assert _names(as_member, {"label": str(label.pk)}, path) == {a.pk}
        assert _names(as_member, {"owner": "none"}, path) == {b.pk}
        assert _ids(as_member.get(path, {"sort": "-name"}).json()["items"]) == [b.pk, a.pk]
        assert as_member.get(f"{path}/count", {"role": "client"}).json() == {"count": 1}

    def test_companies_have_no_test_flag(self, as_member):
        assert as_member.get("/api/v1/companies", {"is_test": "true"}).status_code == 422


# --- companies ------------------------------------------------------------------------


class TestCompanyCrud:
    def test_a_created_company_has_exactly_the_documented_shape(self, as_member, member, workspace):
        kind = _category(workspace, "company-types")
        contact = make_contact(member)
        response = as_member.post(
            "/api/v1/companies",
            {
                "name": "Initech",
                "website": "https://www.initech.test/about",
                "phone": "+31 20 555 0100",
                "street": "Main 1",
                "city": "Utrecht",
                "postal_code": "3511",
                "region": "UT",
                "country": "NL",
                "type_id": kind.pk,
                "role": "prospect",
                "primary_contact_id": contact.pk,
            },
        )
        assert response.status_code == 201, response.json()
        body = response.json()
        assert set(body) == COMPANY_KEYS
        assert body["domain"] == "initech.test"
        assert body["owner_id"] == member.user_id
        assert body["primary_contact_id"] == contact.pk
        assert response["ETag"] == '"1"'

    def test_get_patch_and_delete(self, as_member, member):
        company = make_company(member)
        response = as_member.get(f"/api/v1/companies/{company.pk}")
        assert set(response.json()) == COMPANY_KEYS
        assert response["ETag"] == '"1"'
        patched = as_member.patch(f"/api/v1/companies/{company.pk}", {"city": "Delft"})
        assert patched.json()["city"] == "Delft"
        assert patched.json()["name"] == "Analytical Engines"
        assert as_member.delete(f"/api/v1/companies/{company.pk}").status_code == 204
        assert as_member.get(f"/api/v1/companies/{company.pk}").status_code == 404

    def test_a_stale_etag_is_412_and_changes_nothing(self, as_member, member):
        company = make_company(member)
        as_member.patch(f"/api/v1/companies/{company.pk}", {"city": "Delft"})
        response = as_member.patch(
            f"/api/v1/companies/{company.pk}", {"city": "Leiden"}, HTTP_IF_MATCH='"1"'
        )
        assert response.status_code == 412
        company.refresh_from_db()
        assert company.city == "Delft"

    def test_a_company_needs_a_name(self, as_member):
        response = as_member.post("/api/v1/companies", {"city": "Delft"})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "name"

    def test_deleting_a_company_with_contacts_needs_a_choice(self, as_member, member):
        company = make_company(member)
        make_contact(member, company_id=company.pk)
        response = as_member.delete(f"/api/v1/companies/{company.pk}")
        assert response.status_code == 409
        assert "1 contacts belong to" in response.json()["detail"]
        assert Company.objects.filter(pk=company.pk).exists()

    def test_detach_keeps_the_contacts(self, as_member, member):
        company = make_company(member)
        contact = make_contact(member, company_id=company.pk)
        response = as_member.delete(f"/api/v1/companies/{company.pk}?on_contacts=detach")
        assert response.status_code == 204
        contact.refresh_from_db()
        assert contact.company_id is None

    def test_delete_takes_the_contacts_along(self, as_member, member):
        company = make_company(member)
        contact = make_contact(member, company_id=company.pk)
        assert as_member.delete(f"/api/v1/companies/{company.pk}?on_contacts=delete").status_code
        assert not Contact.objects.filter(pk=contact.pk).exists()

    def test_an_unknown_on_contacts_choice_is_422(self, as_member, member):
        company = make_company(member)
        assert as_member.delete(f"/api/v1/companies/{company.pk}?on_contacts=x").status_code == 422

    def test_a_primary_contact_the_caller_cannot_see_is_null(
        self, as_member, as_colleague, colleague
    ):
        private = make_contact(colleague)
        company = make_company(colleague, primary_contact_id=private.pk)
        assert (
            as_colleague.get(f"/api/v1/companies/{company.pk}").json()["primary_contact_id"]
            == private.pk
        )
        assert as_member.get(f"/api/v1/companies/{company.pk}").json()["primary_contact_id"] is None
        listed = as_member.get("/api/v1/companies").json()["items"]
        assert listed[0]["primary_contact_id"] is None


class TestBulk:
    def test_add_label_to_contacts(self, as_member, member, workspace):
        label = _category(workspace, "labels")
        ids = [make_contact(member).pk for _ in range(3)]
        response = as_member.post(
            "/api/v1/contacts/bulk", {"ids": ids, "action": "add_label", "value": label.pk}
        )
        assert response.status_code == 200
        assert response.json() == {"changed": 3, "skipped": 0}
        listed = as_member.get("/api/v1/contacts").json()["items"]
        assert [c["label_ids"] for c in listed] == [[label.pk]] * 3

    def test_contacts_the_member_does_not_manage_are_skipped(
        self, as_member, member, colleague, owner
    ):
        mine = make_contact(member)
        unclaimed = make_contact(owner, owner_id=None)
        invisible = make_contact(colleague)
        response = as_member.post(
            "/api/v1/contacts/bulk",
            {"ids": [mine.pk, unclaimed.pk, invisible.pk], "action": "set_owner", "value": None},
        )
        assert response.json() == {"changed": 1, "skipped": 2}
        invisible.refresh_from_db()
        assert invisible.owner_id == colleague.user_id

    def test_bulk_share_and_delete(self, as_member, member, workspace):
        team = make_team(workspace, "Sales", member)
        ids = [make_contact(member).pk for _ in range(2)]
        shared = as_member.post(
            "/api/v1/contacts/bulk", {"ids": ids, "action": "share", "value": team.pk}
        )
        assert shared.json() == {"changed": 2, "skipped": 0}
        assert Contact.objects.filter(pk__in=ids, visibility="teams").count() == 2
        deleted = as_member.post("/api/v1/contacts/bulk", {"ids": ids, "action": "delete"})
        assert deleted.json() == {"changed": 2, "skipped": 0}
        assert not Contact.objects.filter(pk__in=ids).exists()

    def test_companies_bulk(self, as_member, member, workspace):
        label = _category(workspace, "labels")
        ids = [make_company(member).pk for _ in range(2)]
        response = as_member.post(
            "/api/v1/companies/bulk", {"ids": ids, "action": "add_label", "value": label.pk}
        )
        assert response.json() == {"changed": 2, "skipped": 0}

    @pytest.mark.parametrize(
        "payload",
        [
            {"ids": [], "action": "delete"},
            {"ids": ["x"], "action": "delete"},
            {"ids": [1], "action": "explode"},
            {"ids": [1], "action": "add_label", "value": "nope"},
        ],
    )
    def test_bad_bulk_input_is_422(self, as_member, payload):
        assert as_member.post("/api/v1/contacts/bulk", payload).status_code == 422


# --- notes ----------------------------------------------------------------------------


class TestNotes:
    def test_note_crud_and_shape(self, as_member, member, workspace):
        contact = make_contact(member)
        kind = _category(workspace, "note-types")
        response = as_member.post(
            "/api/v1/notes", {"contact_id": contact.pk, "note_type_id": kind.pk, "body": "Hi"}
        )
        assert response.status_code == 201
        note = response.json()
        assert set(note) == NOTE_KEYS
        assert note["author_id"] == member.user_id
        assert note["company_id"] is None
        assert as_member.get(f"/api/v1/notes/{note['id']}").json() == note
        patched = as_member.patch(f"/api/v1/notes/{note['id']}", {"body": "Hello"}).json()
        assert patched["body"] == "Hello"
        assert patched["note_type_id"] == kind.pk
        assert as_member.delete(f"/api/v1/notes/{note['id']}").status_code == 204
        assert not Note.objects.exists()

    def test_the_list_filters_by_contact_or_company(self, as_member, member):
        contact, company = make_contact(member), make_company(member)
        on_contact = as_member.post("/api/v1/notes", {"contact_id": contact.pk, "body": "a"})
        on_company = as_member.post("/api/v1/notes", {"company_id": company.pk, "body": "b"})
        by_contact = as_member.get("/api/v1/notes", {"contact_id": contact.pk}).json()
        by_company = as_member.get("/api/v1/notes", {"company_id": company.pk}).json()
        assert _ids(by_contact["items"]) == [on_contact.json()["id"]]
        assert _ids(by_company["items"]) == [on_company.json()["id"]]
        assert len(as_member.get("/api/v1/notes").json()["items"]) == 2

    def test_a_note_needs_exactly_one_subject_and_a_body(self, as_member, member):
        contact, company = make_contact(member), make_company(member)
        both = {"contact_id": contact.pk, "company_id": company.pk, "body": "x"}
        assert as_member.post("/api/v1/notes", both).status_code == 422
        assert as_member.post("/api/v1/notes", {"body": "x"}).status_code == 422
        empty = as_member.post("/api/v1/notes", {"contact_id": contact.pk, "body": " "})
        assert empty.status_code == 422
        assert empty.json()["errors"][0]["field"] == "body"

    def test_only_the_author_or_an_admin_edits_a_note(self, as_member, as_admin, admin, member):
        company = make_company(member)
        note = services.note_create(
            workspace=admin.workspace, actor=admin, data={"company_id": company.pk, "body": "x"}
        )
        assert as_member.patch(f"/api/v1/notes/{note.pk}", {"body": "y"}).status_code == 403
        assert as_member.delete(f"/api/v1/notes/{note.pk}").status_code == 403
        assert as_admin.patch(f"/api/v1/notes/{note.pk}", {"body": "y"}).status_code == 200

    def test_notes_on_a_contact_the_caller_cannot_see_are_404(
        self, as_member, colleague, as_colleague
    ):
        private = make_contact(colleague)
        note = as_colleague.post("/api/v1/notes", {"contact_id": private.pk, "body": "x"}).json()
        assert as_member.get(f"/api/v1/notes/{note['id']}").status_code == 404
        assert as_member.patch(f"/api/v1/notes/{note['id']}", {"body": "y"}).status_code == 404
        assert as_member.delete(f"/api/v1/notes/{note['id']}").status_code == 404
        assert as_member.get("/api/v1/notes", {"contact_id": private.pk}).status_code == 404
        assert as_member.get("/api/v1/notes").json()["items"] == []
        created = as_member.post("/api/v1/notes", {"contact_id": private.pk, "body": "x"})
        assert created.status_code == 404


# --- saved views ------------------------------------------------------------------------


class TestSavedViews:
    def test_view_crud_and_shape(self, as_member, member):
        response = as_member.post(
            "/api/v1/views",
            {
                "name": "My clients",
                "entity": "contact",
                "filters": {"role": "client", "owner": "me"},
                "columns": ["name", "email"],
                "shared": False,
            },
        )
        assert response.status_code == 201, response.json()
        view = response.json()
        assert set(view) == VIEW_KEYS
        assert view["owner_id"] == member.user_id
        assert view["filters"] == {"role": "client", "owner": "me"}
        assert as_member.get(f"/api/v1/views/{view['id']}").json() == view
        patched = as_member.patch(f"/api/v1/views/{view['id']}", {"name": "Clients"}).json()
        assert patched["name"] == "Clients"
        assert patched["columns"] == ["name", "email"]
        assert as_member.delete(f"/api/v1/views/{view['id']}").status_code == 204
        assert not SavedView.objects.exists()

    def test_a_view_without_columns_gets_the_defaults(self, as_member):
        view = as_member.post("/api/v1/views", {"name": "All", "entity": "company"}).json()
        assert view["columns"] == services.DEFAULT_COLUMNS["company"]
        assert view["filters"] == {}

    def test_the_list_holds_my_views_and_shared_ones_by_entity(self, as_member, as_colleague):
        mine = as_member.post("/api/v1/views", {"name": "A", "entity": "contact"}).json()
        shared = as_colleague.post(
            "/api/v1/views", {"name": "B", "entity": "contact", "shared": True}
        ).json()
        as_colleague.post("/api/v1/views", {"name": "C", "entity": "contact"})
        other = as_member.post("/api/v1/views", {"name": "D", "entity": "company"}).json()
        listed = as_member.get("/api/v1/views").json()["items"]
        assert _ids(listed) == [mine["id"], shared["id"], other["id"]]
        contacts = as_member.get("/api/v1/views", {"entity": "contact"}).json()["items"]
        assert _ids(contacts) == [mine["id"], shared["id"]]
        assert as_member.get("/api/v1/views", {"entity": "deal"}).status_code == 422

    def test_bad_filters_or_columns_are_422(self, as_member):
        bad_filter = {"name": "A", "entity": "contact", "filters": {"role": "boss"}}
        response = as_member.post("/api/v1/views", bad_filter)
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "role"
        bad_column = {"name": "A", "entity": "contact", "columns": ["shoe_size"]}
        assert as_member.post("/api/v1/views", bad_column).status_code == 422
        assert as_member.post("/api/v1/views", {"name": "A", "entity": "deal"}).status_code == 422

    def test_a_shared_view_is_changed_only_by_its_creator_or_an_admin(
        self, as_member, as_colleague, as_admin
    ):
        view = as_colleague.post(
            "/api/v1/views", {"name": "B", "entity": "contact", "shared": True}
        ).json()
        assert as_member.patch(f"/api/v1/views/{view['id']}", {"name": "X"}).status_code == 403
        assert as_member.delete(f"/api/v1/views/{view['id']}").status_code == 403
        assert as_admin.patch(f"/api/v1/views/{view['id']}", {"name": "X"}).status_code == 200


# --- categories -------------------------------------------------------------------------


class TestCategories:
    @pytest.mark.parametrize(
        ("path", "kind"),
        [
            ("/api/v1/labels", "labels"),
            ("/api/v1/sources", "sources"),
            ("/api/v1/company-types", "company-types"),
            ("/api/v1/note-types", "note-types"),
        ],
    )
    def test_every_member_reads_them(
        self, as_member, workspace, path, kind, django_assert_max_num_queries
    ):
        with django_assert_max_num_queries(3):
            response = as_member.get(path)
        assert response.status_code == 200
        body = response.json()
        assert body["next"] is None
        assert [set(item) for item in body["items"]] == [CATEGORY_KEYS] * len(body["items"])
        expected = Category.objects.filter(workspace=workspace, kind=kind)
        assert _ids(body["items"]) == list(
            expected.order_by("position", "id").values_list("id", flat=True)
        )

    def test_admins_create_labels(self, as_admin, workspace):
        response = as_admin.post("/api/v1/labels", {"name": "Hot", "color": "#dc2626"})
        assert response.status_code == 201
        assert set(response.json()) == CATEGORY_KEYS
        assert Category.objects.filter(workspace=workspace, kind="labels", name="Hot").exists()

    def test_members_get_403_creating_labels(self, as_member, workspace):
        response = as_member.post("/api/v1/labels", {"name": "Hot"})
        assert response.status_code == 403
        assert not Category.objects.filter(workspace=workspace, name="Hot").exists()

    def test_a_bad_colour_is_422(self, as_admin):
        response = as_admin.post("/api/v1/labels", {"name": "Hot", "color": "red"})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "color"

    def test_another_workspaces_labels_are_not_listed(self, as_member, other_workspace):
        theirs = set(
            Category.objects.filter(workspace=other_workspace).values_list("id", flat=True)
        )
        assert not theirs & set(_ids(as_member.get("/api/v1/labels").json()["items"]))


# --- who sees what --------------------------------------------------------------------


CONTACT_PATHS = [
    ("get", "/api/v1/contacts/{id}"),
    ("patch", "/api/v1/contacts/{id}"),
    ("delete", "/api/v1/contacts/{id}"),
    ("post", "/api/v1/contacts/{id}/claim"),
    ("get", "/api/v1/contacts/{id}/timeline"),
]


def _call(api, method, path):
    if method == "patch":
        field = "job_title" if "/contacts/" in path else "city"
        return api.patch(path, {field: "Spy"})
    if method == "post":
        return api.post(path)
    return getattr(api, method)(path)


class TestNotFound:
    @pytest.mark.parametrize(("method", "path"), CONTACT_PATHS)
    def test_a_private_contact_of_another_member_is_404(self, as_member, colleague, method, path):
        private = make_contact(colleague, owner_id=colleague.user_id)
        response = _call(as_member, method, path.format(id=private.pk))
        assert response.status_code == 404
        assert set(response.json()) == {"detail", "errors"}
        private.refresh_from_db()
        assert private.job_title == ""
        assert private.owner_id == colleague.user_id

    @pytest.mark.parametrize(("method", "path"), CONTACT_PATHS)
    def test_another_workspaces_contact_is_404(self, as_owner, outsider, method, path):
        theirs = make_contact(outsider, owner_id=None)
        assert _call(as_owner, method, path.format(id=theirs.pk)).status_code == 404
        assert Contact.objects.get(pk=theirs.pk).owner_id is None

    def test_hidden_contacts_are_absent_from_list_and_count(self, as_member, colleague, outsider):
        make_contact(colleague)
        make_contact(outsider)
        mine = make_contact(as_member.membership)
        assert _ids(as_member.get("/api/v1/contacts").json()["items"]) == [mine.pk]
        assert as_member.get("/api/v1/contacts/count").json() == {"count": 1}
        assert as_member.get("/api/v1/contacts", {"q": "ada"}).json()["items"][0]["id"] == mine.pk

    def test_a_contact_shared_with_my_team_is_visible(
        self, as_member, member, colleague, workspace
    ):
        team = make_team(workspace, "Sales", member)
        shared = make_contact(colleague, visibility="teams", team_ids=[team.pk])
        assert as_member.get(f"/api/v1/contacts/{shared.pk}").status_code == 200

    def test_the_workspace_owner_sees_private_contacts(self, as_owner, colleague):
        private = make_contact(colleague)
        assert as_owner.get(f"/api/v1/contacts/{private.pk}").status_code == 200

    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("get", "/api/v1/companies/{id}"),
            ("patch", "/api/v1/companies/{id}"),
            ("delete", "/api/v1/companies/{id}"),
            ("get", "/api/v1/companies/{id}/timeline"),
        ],
    )
    def test_another_workspaces_company_is_404(self, as_owner, outsider, method, path):
        theirs = make_company(outsider)
        assert _call(as_owner, method, path.format(id=theirs.pk)).status_code == 404
        assert Company.objects.filter(pk=theirs.pk).exists()

    def test_another_workspaces_companies_are_absent_from_list_and_count(self, as_owner, outsider):
        make_company(outsider)
        assert as_owner.get("/api/v1/companies").json()["items"] == []
        assert as_owner.get("/api/v1/companies/count").json() == {"count": 0}

    def test_another_workspaces_note_is_404(self, as_owner, outsider):
        company = make_company(outsider)
        note = services.note_create(
            workspace=outsider.workspace,
            actor=outsider,
            data={"company_id": company.pk, "body": "x"},
        )
        assert as_owner.get(f"/api/v1/notes/{note.pk}").status_code == 404
        assert as_owner.patch(f"/api/v1/notes/{note.pk}", {"body": "y"}).status_code == 404
        assert as_owner.delete(f"/api/v1/notes/{note.pk}").status_code == 404
        assert as_owner.get("/api/v1/notes", {"company_id": company.pk}).status_code == 404
        created = as_owner.post("/api/v1/notes", {"company_id": company.pk, "body": "x"})
        assert created.status_code == 404
        assert as_owner.get("/api/v1/notes").json()["items"] == []

    def test_another_workspaces_view_and_a_private_view_of_another_member_are_404(
        self, as_owner, as_member, outsider, colleague
    ):
        theirs = services.saved_view_create(
            workspace=outsider.workspace, actor=outsider, data={"name": "X", "entity": "contact"}
        )
        private = services.saved_view_create(
            workspace=colleague.workspace, actor=colleague, data={"name": "Y", "entity": "contact"}
        )
        for api, view in ((as_owner, theirs), (as_member, private)):
            assert api.get(f"/api/v1/views/{view.pk}").status_code == 404
            assert api.patch(f"/api/v1/views/{view.pk}", {"name": "Z"}).status_code == 404
            assert api.delete(f"/api/v1/views/{view.pk}").status_code == 404
            assert view.pk not in _ids(api.get("/api/v1/views").json()["items"])

    def test_bulk_ignores_another_workspaces_ids(self, as_owner, outsider):
        theirs = make_contact(outsider)
        response = as_owner.post("/api/v1/contacts/bulk", {"ids": [theirs.pk], "action": "delete"})
        assert response.json() == {"changed": 0, "skipped": 1}
        assert Contact.objects.filter(pk=theirs.pk).exists()

    def test_requests_without_a_token_are_401(self, client, workspace):
        for path in ("/api/v1/contacts", "/api/v1/companies", "/api/v1/notes", "/api/v1/labels"):
            assert client.get(path).status_code == 401


# --- query counts ----------------------------------------------------------------------


class TestQueryCounts:
    """A page of 50 costs what a page of 5 costs: no query per row."""

    def test_the_contacts_list(self, as_member, member, workspace, django_assert_max_num_queries):
        team = make_team(workspace, "Sales", member)
        labels = list(Category.objects.filter(workspace=workspace, kind="labels"))
        company = make_company(member)
        for i in range(60):
            make_contact(
                member,
                first_name=f"P{i}",
                company_id=company.pk,
                label_ids=[labels[i % 3].pk],
                visibility="teams",
                team_ids=[team.pk],
                source_id=_category(workspace, "sources").pk,
            )
        small, body = _queries(
            django_assert_max_num_queries, 5, lambda: as_member.get("/api/v1/contacts?limit=5")
        )
        assert len(body["items"]) == 5
        large, body = _queries(
            django_assert_max_num_queries, 5, lambda: as_member.get("/api/v1/contacts?limit=50")
        )
        assert len(body["items"]) == 50
        assert small == large
        filtered, _body = _queries(
            django_assert_max_num_queries,
            5,
            lambda: as_member.get(
                "/api/v1/contacts", {"sort": "company", "label": str(labels[0].pk), "q": "p"}
            ),
        )
        assert filtered == large

    def test_the_contacts_count(self, as_member, member, django_assert_max_num_queries):
        for _ in range(10):
            make_contact(member)
        count, body = _queries(
            django_assert_max_num_queries, 3, lambda: as_member.get("/api/v1/contacts/count")
        )
        assert body == {"count": 10}

    def test_the_companies_list(self, as_member, member, workspace, django_assert_max_num_queries):
        label = _category(workspace, "labels")
        contact = make_contact(member)
        for i in range(60):
            make_company(member, name=f"C{i}", label_ids=[label.pk], primary_contact_id=contact.pk)
        small, body = _queries(
            django_assert_max_num_queries, 5, lambda: as_member.get("/api/v1/companies?limit=5")
        )
        assert len(body["items"]) == 5
        large, body = _queries(
            django_assert_max_num_queries, 5, lambda: as_member.get("/api/v1/companies?limit=50")
        )
        assert len(body["items"]) == 50
        assert small == large
        count, _body = _queries(
            django_assert_max_num_queries, 3, lambda: as_member.get("/api/v1/companies/count")
        )

    def test_the_notes_list(self, as_member, member, django_assert_max_num_queries):
        contact = make_contact(member)
        for i in range(60):
            services.note_create(
                workspace=member.workspace,
                actor=member,
                data={"contact_id": contact.pk, "body": f"n{i}"},
            )
        small, _body = _queries(
            django_assert_max_num_queries,
            4,
            lambda: as_member.get("/api/v1/notes", {"limit": 5, "contact_id": contact.pk}),
        )
        large, body = _queries(
            django_assert_max_num_queries,
            4,
            lambda: as_member.get("/api/v1/notes", {"limit": 50, "contact_id": contact.pk}),
        )
        assert len(body["items"]) == 50
        assert small == large

    def test_the_timeline(self, as_member, member, django_assert_max_num_queries):
        contact = make_contact(member)
        for i in range(60):
            services.contact_update(
                workspace=member.workspace,
                actor=member,
                contact_id=contact.pk,
                data={"job_title": f"T{i}"},
            )
        path = f"/api/v1/contacts/{contact.pk}/timeline"
        small, _body = _queries(
            django_assert_max_num_queries, 4, lambda: as_member.get(path, {"limit": 5})
        )
        large, body = _queries(
            django_assert_max_num_queries, 4, lambda: as_member.get(path, {"limit": 50})
        )
        assert len(body["items"]) == 50
        assert small == large

    def test_the_company_timeline(self, as_member, member, django_assert_max_num_queries):
        company = make_company(member)
        for i in range(10):
            services.company_update(
                workspace=member.workspace,
                actor=member,
                company_id=company.pk,
                data={"city": f"C{i}"},
            )
        _queries(
            django_assert_max_num_queries,
            4,
            lambda: as_member.get(f"/api/v1/companies/{company.pk}/timeline"),
        )

    def test_the_views_list(self, as_member, member, django_assert_max_num_queries):
        for i in range(60):
            services.saved_view_create(
                workspace=member.workspace,
                actor=member,
                data={"name": f"V{i}", "entity": "contact"},
            )
        small, _body = _queries(
            django_assert_max_num_queries, 3, lambda: as_member.get("/api/v1/views?limit=5")
        )
        large, body = _queries(
            django_assert_max_num_queries, 3, lambda: as_member.get("/api/v1/views?limit=50")
        )
        assert len(body["items"]) == 50
        assert small == large


# --- no bad input reaches a 500 -----------------------------------------------------------

FUZZ = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
BODIES = {
    "/api/v1/contacts": sorted(CONTACT_KEYS - {"id", "full_name", "created_at", "updated_at"}),
    "/api/v1/companies": sorted(COMPANY_KEYS - {"id", "created_at", "updated_at"}),
    "/api/v1/notes": ["contact_id", "company_id", "note_type_id", "body"],
    "/api/v1/views": ["name", "entity", "filters", "columns", "shared"],
    "/api/v1/contacts/bulk": ["ids", "action", "value"],
    "/api/v1/companies/bulk": ["ids", "action", "value"],
}
FILTER_NAMES = [
    "q", "role", "label", "team", "owner", "source", "company", "type", "is_active", "is_test",
    "created_within_days", "created_after", "created_before", "custom.x", "sort", "limit",
    "cursor",
]  # fmt: skip


@pytest.fixture
def fuzz_api(client, owner):
    return Api(client, owner), make_contact(owner).pk, make_company(owner).pk


@FUZZ
@given(
    path=st.sampled_from(sorted(BODIES)),
    data=st.data(),
    patch=st.booleans(),
)
def test_any_json_body_is_answered_without_a_server_error(fuzz_api, path, data, patch):
    api, contact_id, company_id = fuzz_api
    body = data.draw(st.fixed_dictionaries({}, optional=dict.fromkeys(BODIES[path], JSON)))
    if patch and path in ("/api/v1/contacts", "/api/v1/companies"):
        record = contact_id if path.endswith("contacts") else company_id
        response = api.patch(f"{path}/{record}", body)
    else:
        response = api.post(path, body)
    assert response.status_code in (200, 201, 400, 403, 404, 409, 422), body
    assert set(response.json()) == {"detail", "errors"} or response.status_code < 300


@FUZZ
@given(
    params=st.dictionaries(st.sampled_from(FILTER_NAMES), st.text(max_size=20), max_size=4),
    path=st.sampled_from(
        [
            "/api/v1/contacts",
            "/api/v1/contacts/count",
            "/api/v1/companies",
            "/api/v1/companies/count",
        ]
    ),
)
def test_any_filter_is_answered_without_a_server_error(fuzz_api, params, path):
    api, _contact_id, _company_id = fuzz_api
    assert api.get(path, params).status_code in (200, 422), params
