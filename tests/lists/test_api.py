"""/api/v1/lists: shapes, writes and who may make them, members and their CSV as each
caller may see them, broken filters, the module switch, 404s and query counts."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rapport.core.models import Category
from rapport.customfields import services as field_services
from rapport.lists.models import UserList
from tests.api_client import Api as BaseApi
from tests.customers.factories import make_contact
from tests.lists.factories import make_industry_field, make_list

pytestmark = pytest.mark.django_db

LIST_KEYS = {
    "id",
    "name",
    "description",
    "filter",
    "count",
    "errors",
    "created_by_id",
    "created_at",
    "updated_at",
}


class Api(BaseApi):
    def csv(self, path, params=None) -> list[list[str]]:
        response = self.get(path, params)
        assert response.status_code == 200, response.content
        assert response["Content-Type"].startswith("text/csv")
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        return list(csv.reader(io.StringIO(text)))


@pytest.fixture
def as_owner(client, owner):
    return Api(client, owner)


@pytest.fixture
def as_member(client, member):
    return Api(client, member)


def label(workspace, name="VIP") -> Category:
    return Category.objects.get(workspace=workspace, kind="labels", name=name)


# --- the definitions -------------------------------------------------------------------


def test_create_read_update_delete(as_member, member, workspace):
    make_contact(member, role="client", email="ada@example.com")
    response = as_member.post("/api/v1/lists", {"name": "Clients", "filter": {"role": "client"}})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) == LIST_KEYS
    assert (body["name"], body["filter"], body["count"], body["errors"]) == (
        "Clients",
        {"role": "client"},
        1,
        [],
    )
    assert body["created_by_id"] == member.user_id
    list_id = body["id"]

    assert as_member.get(f"/api/v1/lists/{list_id}").json()["count"] == 1
    patched = as_member.patch(
        f"/api/v1/lists/{list_id}", {"filter": {"role": "lead"}, "description": "For Q3"}
    )
    assert patched.status_code == 200
    assert (patched.json()["filter"], patched.json()["count"]) == ({"role": "lead"}, 0)
    assert patched.json()["name"] == "Clients"

    assert as_member.delete(f"/api/v1/lists/{list_id}").status_code == 204
    assert as_member.get(f"/api/v1/lists/{list_id}").status_code == 404


def test_the_index_pages_by_name_with_a_count_per_list(as_owner, owner):
    for name in ["Charlie", "alpha", "Bravo"]:
        make_list(owner, name)
    make_contact(owner)
    first = as_owner.get("/api/v1/lists", {"limit": 2}).json()
    assert [i["name"] for i in first["items"]] == ["alpha", "Bravo"]
    assert [i["count"] for i in first["items"]] == [1, 1]
    rest = as_owner.get("/api/v1/lists", {"limit": 2, "cursor": first["next"]}).json()
    assert [i["name"] for i in rest["items"]] == ["Charlie"]
    assert rest["next"] is None


def test_a_bad_filter_is_422_with_its_errors_and_nothing_is_saved(as_owner):
    response = as_owner.post("/api/v1/lists", {"name": "Bad", "filter": {"role": "boss"}})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "filter.role", "message": "Use lead, prospect or client."}
    ]
    assert not UserList.objects.exists()


def test_a_duplicate_name_is_422_on_name(as_owner, owner):
    make_list(owner, "Clients")
    response = as_owner.post("/api/v1/lists", {"name": "CLIENTS", "filter": {}})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "name", "message": "A list with this name already exists."}
    ]


def test_a_member_may_read_but_not_change_someone_elses_list(as_member, owner):
    user_list = make_list(owner, "Owner's")
    assert as_member.get(f"/api/v1/lists/{user_list.pk}").status_code == 200
    assert as_member.patch(f"/api/v1/lists/{user_list.pk}", {"name": "Mine"}).status_code == 403
    assert as_member.delete(f"/api/v1/lists/{user_list.pk}").status_code == 403
    assert UserList.objects.get(pk=user_list.pk).name == "Owner's"


def test_an_admin_may_change_a_members_list(client, admin, member):
    user_list = make_list(member, "Member's")
    response = Api(client, admin).patch(f"/api/v1/lists/{user_list.pk}", {"name": "Tidied"})
    assert response.status_code == 200
    assert response.json()["name"] == "Tidied"


def test_another_workspaces_list_is_404_everywhere(client, owner, outsider):
    user_list = make_list(owner)
    them = Api(client, outsider)
    base = f"/api/v1/lists/{user_list.pk}"
    assert them.get(base).status_code == 404
    assert them.patch(base, {"name": "X"}).status_code == 404
    assert them.delete(base).status_code == 404
    assert them.get(f"{base}/members").status_code == 404
    assert them.get(f"{base}/members.csv").status_code == 404
    assert them.get("/api/v1/lists").json()["items"] == []


def test_with_the_module_off_every_path_is_404(as_owner, owner, workspace):
    user_list = make_list(owner)
    workspace.modules = {"lists": False}
    workspace.save(update_fields=["modules"])
    base = f"/api/v1/lists/{user_list.pk}"
    assert as_owner.get("/api/v1/lists").status_code == 404
    assert as_owner.post("/api/v1/lists", {"name": "New", "filter": {}}).status_code == 404
    assert as_owner.get(base).status_code == 404
    assert as_owner.patch(base, {"name": "X"}).status_code == 404
    assert as_owner.delete(base).status_code == 404
    assert as_owner.get(f"{base}/members").status_code == 404
    assert as_owner.get(f"{base}/members.csv").status_code == 404
    assert UserList.objects.filter(pk=user_list.pk, name="Clients").exists()


# --- members -----------------------------------------------------------------------------


def test_members_are_the_contacts_shape_and_only_those_the_caller_may_see(as_member, owner, member):
    clients = make_list(owner, "Clients", role="client")
    mine = make_contact(member, role="client", email="mine@example.com")
    make_contact(owner, role="client", email="secret@example.com")  # owner's private contact

    body = as_member.get(f"/api/v1/lists/{clients.pk}/members").json()
    assert [c["id"] for c in body["items"]] == [mine.pk]
    assert body["items"][0]["email"] == "mine@example.com"
    assert set(body["items"][0]) >= {"label_ids", "team_ids", "custom", "is_active"}
    assert as_member.get(f"/api/v1/lists/{clients.pk}").json()["count"] == 1
    rows = as_member.csv(f"/api/v1/lists/{clients.pk}/members.csv")
    assert rows == [["Email", "First name", "Last name"], ["mine@example.com", "Ada", "Lovelace"]]


def test_members_page_by_keyset_in_the_lists_order(as_owner, owner):
    everyone = make_list(owner, "Everyone", sort="email")
    for i in (3, 1, 2):
        make_contact(owner, email=f"p{i}@example.com")
    first = as_owner.get(f"/api/v1/lists/{everyone.pk}/members", {"limit": 2}).json()
    rest = as_owner.get(
        f"/api/v1/lists/{everyone.pk}/members", {"limit": 2, "cursor": first["next"]}
    ).json()
    emails = [c["email"] for c in first["items"] + rest["items"]]
    assert emails == ["p1@example.com", "p2@example.com", "p3@example.com"]
    assert rest["next"] is None


def test_the_csv_takes_chosen_columns_and_refuses_unknown_ones(as_owner, owner):
    everyone = make_list(owner, "Everyone")
    make_contact(owner, email="ada@example.com", job_title="Countess", phone="+44 20 7946 0000")
    rows = as_owner.csv(
        f"/api/v1/lists/{everyone.pk}/members.csv", {"columns": "email,job_title,phone"}
    )
    # A phone number starting with "+" is text a spreadsheet would run: neutralised.
    assert rows == [
        ["Email", "Job title", "Phone"],
        ["ada@example.com", "Countess", "'+44 20 7946 0000"],
    ]
    response = as_owner.get(f"/api/v1/lists/{everyone.pk}/members.csv", {"columns": "email,pin"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "columns"


def test_csv_injection_cells_are_neutralised(as_owner, owner):
    everyone = make_list(owner, "Everyone")
    make_contact(owner, first_name='=HYPERLINK("http://evil")', last_name="@SUM(A1)")
    rows = as_owner.csv(
        f"/api/v1/lists/{everyone.pk}/members.csv", {"columns": "first_name,last_name"}
    )
    assert rows[1] == ['\'=HYPERLINK("http://evil")', "'@SUM(A1)"]


def test_test_and_inactive_contacts_stay_out_of_members_and_csv(as_owner, owner):
    everyone = make_list(owner, "Everyone")
    with_tests = make_list(owner, "With tests", is_test="any", is_active="any")
    make_contact(owner, email="real@example.com")
    make_contact(owner, email="test@example.com", is_test=True)
    make_contact(owner, email="gone@example.com", is_active=False)

    def emails(user_list):
        rows = as_owner.csv(f"/api/v1/lists/{user_list.pk}/members.csv", {"columns": "email"})
        return sorted(r[0] for r in rows[1:])

    assert emails(everyone) == ["real@example.com"]
    assert emails(with_tests) == ["gone@example.com", "real@example.com", "test@example.com"]
    assert as_owner.get(f"/api/v1/lists/{everyone.pk}").json()["count"] == 1


def test_a_list_whose_custom_field_was_deleted_answers_422_not_500(as_owner, owner, workspace):
    field = make_industry_field(workspace)
    retail = make_list(owner, "Retail", **{"custom.industry": "retail"})
    make_contact(owner, custom={"industry": "retail"})
    field_services.field_delete(workspace=workspace, actor=owner, field_id=field.pk, confirm=True)

    item = as_owner.get(f"/api/v1/lists/{retail.pk}").json()
    assert item["count"] is None
    assert item["errors"] == [
        {
            "field": "custom.industry",
            "message": "The filter refers to the custom field “industry”, which no longer exists.",
        }
    ]
    assert as_owner.get("/api/v1/lists").status_code == 200
    for path in ("members", "members.csv"):
        response = as_owner.get(f"/api/v1/lists/{retail.pk}/{path}")
        assert response.status_code == 422
        assert response.json()["errors"] == item["errors"]


# --- query counts ------------------------------------------------------------------------


def _queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx)


def test_the_index_costs_one_count_per_list_on_the_page_not_per_contact(
    as_member, owner, member, workspace, django_assert_max_num_queries
):
    vip = label(workspace)
    for i in range(5):
        make_list(owner, f"List {i}", role="client", label=str(vip.pk))

    def index():
        response = as_member.get("/api/v1/lists", {"limit": 5})
        assert response.status_code == 200
        return response.json()

    def add_contacts(n):
        for _ in range(n):
            make_contact(member, role="client", label_ids=[vip.pk])

    add_contacts(5)
    few = _queries(index)
    add_contacts(55)
    assert _queries(index) == few
    assert [i["count"] for i in index()["items"]] == [60] * 5
    two = _queries(lambda: as_member.get("/api/v1/lists", {"limit": 2}))
    assert few - two == 3  # one COUNT for each further list on the page
    with django_assert_max_num_queries(few):
        index()


def test_members_and_csv_cost_the_same_at_5_and_60_members(
    as_member, owner, member, workspace, django_assert_max_num_queries
):
    vip = label(workspace)
    clients = make_list(owner, "Clients", role="client", label=str(vip.pk))

    def add_contacts(n):
        for _ in range(n):
            make_contact(member, role="client", label_ids=[vip.pk])

    base = f"/api/v1/lists/{clients.pk}"

    def members():
        assert as_member.get(f"{base}/members", {"limit": 100}).status_code == 200

    def download():
        as_member.csv(f"{base}/members.csv", {"columns": "email,labels,company"})

    add_contacts(5)
    few = (_queries(members), _queries(download))
    add_contacts(55)
    assert (_queries(members), _queries(download)) == few
    with django_assert_max_num_queries(few[0]):
        members()


# --- no bad input reaches a 500 ------------------------------------------------------------

FUZZ = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=5,
)
FILTER_NAMES = [
    "q", "role", "label", "team", "owner", "source", "company", "is_active", "is_test",
    "created_within_days", "created_after", "custom.industry", "custom.gone", "sort", "limit",
    "visibility", "colour",
]  # fmt: skip
COLUMNS = ["email", "first_name", "labels", "company", "custom.industry", "pin", ""]


@FUZZ
@given(
    name=st.text(max_size=130) | JSON,
    description=JSON,
    filters=st.dictionaries(st.sampled_from(FILTER_NAMES), JSON, max_size=4) | JSON,
    columns=st.lists(st.sampled_from(COLUMNS), max_size=3),
)
def test_any_list_body_is_answered_without_a_server_error(
    as_owner, workspace, name, description, filters, columns
):
    response = as_owner.post(
        "/api/v1/lists", {"name": name, "description": description, "filter": filters}
    )
    assert response.status_code in (201, 422), response.content
    if response.status_code == 201:
        base = f"/api/v1/lists/{response.json()['id']}"
        assert as_owner.get(f"{base}/members").status_code == 200
        csv_response = as_owner.get(f"{base}/members.csv", {"columns": ",".join(columns)})
        assert csv_response.status_code in (200, 422)
        assert as_owner.delete(base).status_code == 204
