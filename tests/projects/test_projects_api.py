"""/api/v1/projects: shape, verbs, filters, paging, who may change what, module off,
other workspaces, bad input and query counts."""

import pytest

from rapport.core.models import Workspace
from rapport.projects.models import Project, ProjectContact, ProjectMember
from tests.api_client import ApiV1 as Api
from tests.customers.factories import make_company, make_contact
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db

KEYS = {
    "id",
    "name",
    "description",
    "status",
    "company_id",
    "member_ids",
    "contact_ids",
    "company_ids",
    "track_time",
    "emails_from",
    "minutes_total",
    "can_edit",
    "created_at",
    "updated_at",
}


@pytest.fixture
def as_member(client, member):
    return Api(client, member)


@pytest.fixture
def as_owner(client, owner):
    return Api(client, owner)


@pytest.fixture
def as_outsider(client, outsider):
    return Api(client, outsider)


def switch_off(workspace):
    ws = Workspace.objects.get(pk=workspace.pk)
    Workspace.objects.filter(pk=ws.pk).update(modules={**ws.modules, "projects": False})


def ids(response) -> list[int]:
    assert response.status_code == 200, response.json()
    return [item["id"] for item in response.json()["items"]]


NEW = {"name": "Website relaunch", "emails_from": "projects@acme.test"}


def test_creating_a_project_answers_201_in_the_documented_shape(as_member, member, admin):
    company = make_company(member, name="Hoekstra Bouw")
    contact = make_contact(member, first_name="Femke")
    response = as_member.post(
        "/projects",
        {
            **NEW,
            "description": "New site",
            "status": "on_hold",
            "company_id": company.pk,
            "member_ids": [admin.user_id],
            "contact_ids": [contact.pk],
            "company_ids": [company.pk],
            "track_time": True,
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) == KEYS
    assert body["name"] == "Website relaunch"
    assert body["status"] == "on_hold"
    assert body["company_id"] == company.pk
    assert body["member_ids"] == sorted([member.user_id, admin.user_id])
    assert body["contact_ids"] == [contact.pk]
    assert body["company_ids"] == [company.pk]
    assert body["track_time"] is True
    assert body["minutes_total"] == 0
    assert body["can_edit"] is True


def test_bad_input_is_422_with_every_field_and_nothing_is_saved(as_member):
    response = as_member.post(
        "/projects", {"name": "", "emails_from": "nope", "status": "paused", "member_ids": [999]}
    )
    assert response.status_code == 422
    body = response.json()
    assert body["detail"]
    assert {e["field"] for e in body["errors"]} == {"name", "emails_from", "status", "member_ids"}
    assert Project.objects.count() == 0


@pytest.mark.parametrize(
    "payload",
    [
        {**NEW, "unknown": 1},
        {**NEW, "track_time": "yes"},
        {**NEW, "company_id": 0},
        {**NEW, "member_ids": "1"},
        {**NEW, "company_id": 2**64},
    ],
)
def test_malformed_payloads_are_422(as_member, payload):
    response = as_member.post("/projects", payload)
    assert response.status_code == 422
    assert set(response.json()) == {"detail", "errors"}
    assert Project.objects.count() == 0


def test_an_invalid_sender_address_is_refused(as_member, member):
    project = make_project(member)
    response = as_member.patch(f"/projects/{project.pk}", {"emails_from": "projects at acme"})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "emails_from", "message": "Enter a valid email address."}
    ]
    project.refresh_from_db()
    assert project.emails_from == "projects@acme.test"


def test_every_staff_member_reads_any_project(as_member, owner):
    project = make_project(owner, "Owner's project")
    response = as_member.get(f"/projects/{project.pk}")
    assert response.status_code == 200
    assert response.json()["can_edit"] is False
    assert ids(as_member.get("/projects")) == [project.pk]


def test_contact_ids_list_only_contacts_the_caller_may_see(as_member, owner, member):
    hidden = make_contact(owner, first_name="Hidden")
    mine = make_contact(member, first_name="Mine")
    project = make_project(owner)
    for contact in (hidden, mine):
        ProjectContact.objects.create(workspace=owner.workspace, project=project, contact=contact)
    assert as_member.get(f"/projects/{project.pk}").json()["contact_ids"] == [mine.pk]
    listed = as_member.get("/projects").json()["items"][0]
    assert listed["contact_ids"] == [mine.pk]


def test_a_member_of_the_project_patches_it(as_member, member):
    project = make_project(member)
    response = as_member.patch(f"/projects/{project.pk}", {"status": "done", "track_time": True})
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["track_time"]) == ("done", True)


def test_a_non_member_cannot_patch_or_delete_and_nothing_changes(as_member, owner):
    project = make_project(owner, "Owner's project")
    response = as_member.patch(f"/projects/{project.pk}", {"name": "Mine"})
    assert response.status_code == 403
    assert response.json()["detail"] == (
        "Only the project's members and admins can change this project."
    )
    assert as_member.delete(f"/projects/{project.pk}").status_code == 403
    project.refresh_from_db()
    assert project.name == "Owner's project"


def test_an_admin_deletes_a_project_they_are_not_in(client, admin, member):
    project = make_project(member)
    response = Api(client, admin).delete(f"/projects/{project.pk}")
    assert response.status_code == 204
    assert not Project.objects.filter(pk=project.pk).exists()


def test_another_workspaces_project_is_404_on_every_verb(as_outsider, member):
    project = make_project(member)
    path = f"/projects/{project.pk}"
    assert as_outsider.get(path).status_code == 404
    assert as_outsider.patch(path, {"name": "x"}).status_code == 404
    assert as_outsider.delete(path).status_code == 404
    assert ids(as_outsider.get("/projects")) == []
    assert Project.objects.get(pk=project.pk).name == "Website relaunch"


def test_the_module_off_makes_every_path_404(as_member, member, workspace):
    project = make_project(member)
    switch_off(workspace)
    path = f"/projects/{project.pk}"
    for response in (
        as_member.get("/projects"),
        as_member.post("/projects", NEW),
        as_member.get(path),
        as_member.patch(path, {"name": "x"}),
        as_member.delete(path),
    ):
        assert response.status_code == 404
        assert set(response.json()) == {"detail", "errors"}
    assert Project.objects.count() == 1


def test_the_list_filters_by_status_company_member_and_name(as_member, member, owner):
    company = make_company(member, name="Hoekstra Bouw")
    a = make_project(member, "Alpha site", company=company)
    b = make_project(owner, "Beta app", status="done")
    c = make_project(owner, "Gamma site", members=[member], status="on_hold")
    assert ids(as_member.get("/projects", {"status": "done"})) == [b.pk]
    assert ids(as_member.get("/projects", {"status": "done,on_hold"})) == [b.pk, c.pk]
    assert ids(as_member.get("/projects", {"company": company.pk})) == [a.pk]
    assert ids(as_member.get("/projects", {"company": "none"})) == [b.pk, c.pk]
    assert ids(as_member.get("/projects", {"member": "me"})) == [a.pk, c.pk]
    assert ids(as_member.get("/projects", {"member": owner.user_id})) == [b.pk, c.pk]
    assert ids(as_member.get("/projects", {"q": "site"})) == [a.pk, c.pk]
    assert ids(as_member.get("/projects", {"sort": "-name"})) == [c.pk, b.pk, a.pk]
    assert ids(as_member.get("/projects", {"sort": "created"})) == [a.pk, b.pk, c.pk]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "paused"}, "status"),
        ({"company": "abc"}, "company"),
        ({"member": "you"}, "member"),
        ({"sort": "budget"}, "sort"),
        ({"cursor": "!!"}, "cursor"),
        ({"limit": 500}, "limit"),
    ],
)
def test_bad_filters_are_422_naming_the_parameter(as_member, member, params, field):
    make_project(member)
    response = as_member.get("/projects", params)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_the_list_pages_by_cursor_to_the_end(as_member, member):
    made = [make_project(member, f"Project {i:02d}").pk for i in range(7)]
    seen, params = [], {"limit": 3}
    while True:
        body = as_member.get("/projects", params).json()
        seen += [item["id"] for item in body["items"]]
        if body["next"] is None:
            break
        params["cursor"] = body["next"]
    assert seen == made


def test_a_page_of_fifty_costs_what_a_page_of_two_costs(
    as_member, member, owner, django_assert_max_num_queries
):
    company = make_company(member)
    contact = make_contact(member)
    for i in range(60):
        project = make_project(member, f"P{i:02d}", members=[owner], company=company)
        ProjectContact.objects.create(workspace=member.workspace, project=project, contact=contact)
    with django_assert_max_num_queries(8) as small:
        assert len(ids(as_member.get("/projects", {"limit": 2}))) == 2
    with django_assert_max_num_queries(8) as large:
        assert len(ids(as_member.get("/projects", {"limit": 50}))) == 50
    assert len(large) == len(small)


def test_the_creator_stays_a_member_when_not_listed(as_member, member, admin):
    response = as_member.post("/projects", {**NEW, "member_ids": [admin.user_id]})
    project_id = response.json()["id"]
    users = set(
        ProjectMember.objects.filter(project_id=project_id).values_list("user_id", flat=True)
    )
    assert users == {member.user_id, admin.user_id}


def test_the_contacts_api_filters_by_project(as_member, member):
    linked = make_contact(member, first_name="Linked")
    make_contact(member, first_name="Other")
    project = make_project(member)
    ProjectContact.objects.create(workspace=member.workspace, project=project, contact=linked)
    assert ids(as_member.get("/contacts", {"project": project.pk})) == [linked.pk]
    bad = as_member.get("/contacts", {"project": "x"})
    assert bad.status_code == 422
    assert bad.json()["errors"] == [
        {"field": "project", "message": "Give one or more project ids."}
    ]


BIG = 2**63 - 1


@pytest.mark.parametrize(
    "payload",
    [
        {**NEW, "member_ids": [BIG]},
        {**NEW, "contact_ids": [BIG]},
        {**NEW, "company_ids": [BIG]},
        {**NEW, "company_id": BIG},
        {**NEW, "name": "Nul\x00byte"},
        {**NEW, "description": "Nul\x00byte"},
    ],
)
def test_extreme_ids_and_nul_bytes_are_422_never_a_crash(as_member, payload):
    response = as_member.post("/projects", payload)
    assert response.status_code == 422
    assert Project.objects.count() == 0


@pytest.mark.parametrize(
    "params", [{"company": "999999999999999999"}, {"member": "999999999999999999"}, {"q": "a\x00"}]
)
def test_extreme_filter_values_never_crash(as_member, member, params):
    make_project(member)
    response = as_member.get("/projects", params)
    assert response.status_code in (200, 422)
    if response.status_code == 200:
        assert response.json()["items"] == []


def test_the_largest_id_is_a_plain_404(as_member):
    assert as_member.get(f"/projects/{BIG}").status_code == 404
    assert as_member.patch(f"/projects/{BIG}", {"name": "x"}).status_code == 404
