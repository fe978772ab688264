"""/api/v1/ duplicates and merge: shapes, visibility, status codes, ETags, query counts."""

import pytest

from rapport.customers.models import Company, Contact, Note
from tests.customers.factories import make_company, make_contact, make_team
from tests.customers.test_api import COMPANY_KEYS, CONTACT_KEYS, Api

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_owner(client, owner):
    return Api(client, owner)


@pytest.fixture
def as_member(client, member):
    return Api(client, member)


@pytest.fixture
def as_outsider(client, outsider):
    return Api(client, outsider)


# --- duplicates -------------------------------------------------------------------------


def test_contact_duplicates_list_each_group_with_its_reason(as_owner, owner):
    firm = make_company(owner, name="Engines")
    a = make_contact(owner, email="ada@e.test", phone="+48 601 234 567", company_id=firm.pk)
    b = make_contact(owner, email="ada@e.test", phone="601234567", company_id=firm.pk)
    response = as_owner.get("/api/v1/contacts/duplicates")
    assert response.status_code == 200
    body = response.json()
    assert body["items"] == [
        {
            "reason": "email",
            "value": "ada@e.test",
            "company_id": None,
            "ids": [a.pk, b.pk],
            "count": 2,
        },
        {
            "reason": "phone",
            "value": "601234567",
            "company_id": None,
            "ids": [a.pk, b.pk],
            "count": 2,
        },
        {
            "reason": "name",
            "value": "lovelace ada",
            "company_id": firm.pk,
            "ids": [a.pk, b.pk],
            "count": 2,
        },
    ]
    assert body["next"] is None
    assert body["checked_at"] is not None
    assert body["scanning"] is False


def test_contact_duplicates_filter_by_reason_and_page(as_owner, owner):
    for n in range(3):
        make_contact(owner, first_name=f"A{n}", email=f"p{n}@e.test")
        make_contact(owner, first_name=f"B{n}", email=f"p{n}@e.test")
    first = as_owner.get("/api/v1/contacts/duplicates", {"reason": "email", "limit": 2}).json()
    assert [g["value"] for g in first["items"]] == ["p0@e.test", "p1@e.test"]
    second = as_owner.get(
        "/api/v1/contacts/duplicates", {"reason": "email", "limit": 2, "cursor": first["next"]}
    ).json()
    assert [g["value"] for g in second["items"]] == ["p2@e.test"]
    assert as_owner.get("/api/v1/contacts/duplicates", {"reason": "phone"}).json()["items"] == []


def test_contact_duplicates_refuse_a_bad_reason_or_cursor(as_owner):
    assert as_owner.get("/api/v1/contacts/duplicates", {"reason": "domain"}).status_code == 422
    assert as_owner.get("/api/v1/contacts/duplicates", {"cursor": "nonsense"}).status_code == 422


def test_a_member_sees_no_group_through_a_contact_they_may_not_see(as_member, member, owner):
    make_contact(member, email="ada@e.test")
    make_contact(owner, email="ada@e.test")
    assert as_member.get("/api/v1/contacts/duplicates").json()["items"] == []


def test_another_workspace_sees_none_of_our_duplicates(as_outsider, owner):
    make_contact(owner, email="ada@e.test")
    make_contact(owner, email="ada@e.test")
    make_company(owner, name="Acme")
    make_company(owner, name="Acme Inc")
    assert as_outsider.get("/api/v1/contacts/duplicates").json()["items"] == []
    assert as_outsider.get("/api/v1/companies/duplicates").json()["items"] == []


def test_company_duplicates_list_domain_and_name_groups(as_member, owner):
    a = make_company(owner, name="Acme Inc.", domain="acme.test")
    b = make_company(owner, name="ACME", domain="acme.test")
    body = as_member.get("/api/v1/companies/duplicates").json()
    assert body["items"] == [
        {"reason": "domain", "value": "acme.test", "ids": [a.pk, b.pk], "count": 2},
        {"reason": "name", "value": "acme", "ids": [a.pk, b.pk], "count": 2},
    ]


def test_asking_for_a_new_scan_answers_202(as_owner, owner):
    make_contact(owner, email="ada@e.test")
    make_contact(owner, email="ada@e.test")
    response = as_owner.post("/api/v1/contacts/duplicates/scan")
    assert response.status_code == 202
    assert response.json()["checked_at"] is not None
    assert as_owner.post("/api/v1/companies/duplicates/scan").status_code == 202


def test_the_duplicates_list_reads_a_fixed_number_of_queries(
    as_member, member, django_assert_max_num_queries
):
    for n in range(10):
        make_contact(member, first_name=f"A{n}", email=f"p{n}@e.test", phone=f"60123{n:04d}")
        make_contact(member, first_name=f"B{n}", email=f"p{n}@e.test", phone=f"60123{n:04d}")
    as_member.get("/api/v1/contacts/duplicates")  # the scan
    with django_assert_max_num_queries(12):
        body = as_member.get("/api/v1/contacts/duplicates").json()
    assert len(body["items"]) == 20


# --- merge --------------------------------------------------------------------------------


def test_merge_answers_the_survivor_with_a_new_etag(as_owner, owner):
    keep = make_contact(owner, first_name="Ada", email="ada@e.test")
    other = make_contact(owner, first_name="Augusta", email="ada@e.test", job_title="Countess")
    etag = as_owner.get(f"/api/v1/contacts/{keep.pk}")["ETag"]
    response = as_owner.post(
        f"/api/v1/contacts/{keep.pk}/merge",
        {"other_ids": [other.pk], "fields": {"first_name": other.pk}},
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert set(body) == CONTACT_KEYS
    assert body["id"] == keep.pk
    assert body["first_name"] == "Augusta"
    assert body["job_title"] == "Countess"
    assert response["ETag"] != etag
    assert response["ETag"] == as_owner.get(f"/api/v1/contacts/{keep.pk}")["ETag"]


def test_merged_contacts_are_gone_from_the_api(as_owner, owner):
    keep = make_contact(owner, email="ada@e.test")
    other = make_contact(owner, email="ada@e.test")
    as_owner.post(f"/api/v1/contacts/{keep.pk}/merge", {"other_ids": [other.pk]})
    assert as_owner.get(f"/api/v1/contacts/{other.pk}").status_code == 404
    assert as_owner.get(f"/api/v1/contacts/{other.pk}/timeline").status_code == 404
    timeline = as_owner.get(f"/api/v1/contacts/{keep.pk}/timeline").json()["items"]
    assert timeline[0]["verb"] == "contact.merged"
    assert timeline[0]["changes"]["merged_ids"] == [[other.pk], keep.pk]


def test_merging_a_contact_the_member_may_not_see_is_404(as_member, member, owner):
    mine = make_contact(member, email="ada@e.test")
    private = make_contact(owner, email="ada@e.test")
    response = as_member.post(f"/api/v1/contacts/{mine.pk}/merge", {"other_ids": [private.pk]})
    assert response.status_code == 404
    assert response.json()["errors"] == [
        {"field": "other_ids", "message": f"Contact #{private.pk} not found."}
    ]
    assert (
        as_member.post(f"/api/v1/contacts/{private.pk}/merge", {"other_ids": [mine.pk]}).status_code
        == 404
    )
    assert Contact.objects.filter(pk__in=[mine.pk, private.pk]).count() == 2


def test_merging_a_contact_of_another_workspace_is_404(as_owner, owner, outsider):
    mine = make_contact(owner, email="ada@e.test")
    theirs = make_contact(outsider, email="ada@e.test")
    assert (
        as_owner.post(f"/api/v1/contacts/{mine.pk}/merge", {"other_ids": [theirs.pk]}).status_code
        == 404
    )
    assert Contact.objects.filter(pk=theirs.pk).exists()


def test_merging_a_contact_the_member_sees_but_may_not_delete_is_403(
    as_member, member, owner, workspace
):
    team = make_team(workspace, "Sales", member)
    mine = make_contact(member, email="ada@e.test")
    shared = make_contact(owner, email="ada@e.test", visibility="teams", team_ids=[team.pk])
    response = as_member.post(f"/api/v1/contacts/{mine.pk}/merge", {"other_ids": [shared.pk]})
    assert response.status_code == 403
    assert "only its owner or an admin" in response.json()["detail"]
    assert Contact.objects.filter(pk=shared.pk).exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"other_ids": []}, "other_ids"),
        ({"other_ids": ["self"]}, "other_ids"),
        ({"other_ids": ["other"], "fields": {"colour": "keep"}}, "fields.colour"),
        ({"other_ids": ["other"], "fields": {"email": "stranger"}}, "fields.email"),
        ({"other_ids": ["other"], "fields": {"email": "x"}}, "fields.email"),
        ({"other_ids": ["other"], "extra": 1}, "extra"),
    ],
)
def test_bad_merge_input_is_422_naming_the_field_and_changes_nothing(
    as_owner, owner, payload, field
):
    keep = make_contact(owner, email="ada@e.test")
    other = make_contact(owner, email="ada@e.test")
    stranger = make_contact(owner, email="z@e.test")
    names = {"self": keep.pk, "other": other.pk, "keep": keep.pk, "stranger": stranger.pk}
    payload = {
        **payload,
        "other_ids": [names[x] for x in payload["other_ids"]],
        **(
            {"fields": {k: names.get(v, v) for k, v in payload["fields"].items()}}
            if "fields" in payload
            else {}
        ),
    }
    response = as_owner.post(f"/api/v1/contacts/{keep.pk}/merge", payload)
    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["errors"]]
    assert Contact.objects.filter(workspace=owner.workspace).count() == 3
    assert Contact.objects.get(pk=keep.pk).version == 1


def test_company_merge_answers_the_survivor_and_moves_contacts(as_owner, owner):
    keep = make_company(owner, name="Acme")
    other = make_company(owner, name="Acme Inc.", city="Lyon")
    ada = make_contact(owner, email="ada@acme.test", company_id=other.pk)
    response = as_owner.post(
        f"/api/v1/companies/{keep.pk}/merge",
        {"other_ids": [other.pk], "fields": {"name": other.pk}},
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert set(body) == COMPANY_KEYS
    assert (body["name"], body["city"]) == ("Acme Inc.", "Lyon")
    assert Contact.objects.get(pk=ada.pk).company_id == keep.pk
    assert as_owner.get(f"/api/v1/companies/{other.pk}").status_code == 404
    assert as_owner.get("/api/v1/contacts", {"company": keep.pk}).json()["items"][0]["id"] == ada.pk


def test_company_merge_errors(as_member, as_outsider, member, owner, outsider):
    mine = make_company(member, name="Acme")
    theirs = make_company(owner, name="Acme Inc")
    elsewhere = make_company(outsider, name="Acme")
    assert (
        as_member.post(f"/api/v1/companies/{mine.pk}/merge", {"other_ids": [theirs.pk]}).status_code
        == 403
    )
    assert (
        as_member.post(
            f"/api/v1/companies/{mine.pk}/merge", {"other_ids": [elsewhere.pk]}
        ).status_code
        == 404
    )
    assert (
        as_outsider.post(
            f"/api/v1/companies/{mine.pk}/merge", {"other_ids": [elsewhere.pk]}
        ).status_code
        == 404
    )
    assert (
        as_member.post(f"/api/v1/companies/{mine.pk}/merge", {"other_ids": [mine.pk]}).status_code
        == 422
    )
    assert Company.objects.count() == 3
    assert Note.objects.count() == 0


def test_after_a_merge_search_finds_the_survivor_only(as_owner, owner):
    keep = make_contact(owner, first_name="Ada", last_name="Zebulon", email="ada@e.test")
    other = make_contact(owner, first_name="Ada", last_name="Zebulon", email="ada@e.test")
    found = {i["id"] for i in as_owner.get("/api/v1/search", {"q": "zebulon"}).json()["items"]}
    assert found == {keep.pk, other.pk}
    as_owner.post(f"/api/v1/contacts/{keep.pk}/merge", {"other_ids": [other.pk]})
    found = [i["id"] for i in as_owner.get("/api/v1/search", {"q": "zebulon"}).json()["items"]]
    assert found == [keep.pk]
