"""GET /api/v1/search: the contract, visibility, limits and odd input."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rapport.core.models import ApiToken
from tests.core.factories import make_member, token_for
from tests.customers.factories import make_company, make_contact

pytestmark = pytest.mark.django_db


def api(client, membership, **params):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token_for(membership)}"}
    ApiToken.objects.filter(user_id=membership.user_id).update(last_used_at=timezone.now())
    return client.get("/api/v1/search", params, **headers)


def test_items_have_the_contract_shape_and_link_to_the_record_page(client, member):
    contact = make_contact(member, first_name="Ada", last_name="Lovelace", email="ada@x.example")
    company = make_company(member, name="Lovelace Labs", domain="lovelace.example")
    response = api(client, member, q="lovelace")
    assert response.status_code == 200
    slug = member.workspace.slug
    body = response.json()
    assert list(body) == ["items"]
    # Equally good matches: their order is the database's (see selectors), so sorted here.
    assert sorted(body["items"], key=lambda item: item["type"]) == [
        {
            "type": "company",
            "id": company.pk,
            "title": "Lovelace Labs",
            "subtitle": "lovelace.example",
            "url": f"/w/{slug}/companies/{company.pk}/",
        },
        {
            "type": "contact",
            "id": contact.pk,
            "title": "Ada Lovelace",
            "subtitle": "ada@x.example",
            "url": f"/w/{slug}/contacts/{contact.pk}/",
        },
    ]
    client.force_login(member.user)
    for item in body["items"]:
        assert client.get(item["url"]).status_code == 200


def test_a_query_shorter_than_two_characters_answers_no_items(client, member):
    make_contact(member, first_name="A", last_name="B")
    for q in ("", "a", " b ", "\x00"):
        response = api(client, member, q=q)
        assert response.status_code == 200
        assert response.json() == {"items": []}


def test_limit_caps_the_items_and_more_than_fifty_is_refused(client, member):
    for i in range(7):
        make_contact(member, first_name="Many", last_name=f"P{i}")
    assert len(api(client, member, q="many", limit=3).json()["items"]) == 3
    assert len(api(client, member, q="many").json()["items"]) == 7
    response = api(client, member, q="many", limit=51)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "limit"


def test_a_member_never_gets_a_private_contact_of_another_member(client, workspace, member):
    other = make_member(workspace, "other@acme.test")
    make_contact(other, first_name="Hidden", last_name="Person")
    assert api(client, member, q="hidden").json() == {"items": []}


def test_another_workspace_gets_nothing_of_this_one(client, member, outsider):
    make_contact(member, first_name="Ada", last_name="Lovelace")
    assert api(client, outsider, q="lovelace").json() == {"items": []}


def test_without_credentials_it_is_a_401(client):
    assert client.get("/api/v1/search", {"q": "ada"}).status_code == 401


def test_the_session_of_the_ui_works_too(client, member):
    make_contact(member, first_name="Ada", last_name="Lovelace")
    client.force_login(member.user)
    response = client.get("/api/v1/search", {"q": "ada"})
    assert [i["title"] for i in response.json()["items"]] == ["Ada Lovelace"]


@pytest.mark.parametrize(
    "q",
    [
        '"',
        '""ada',
        "ada*",
        "*",
        "NEAR(ada lovelace)",
        "ada AND lovelace",
        "ada OR",
        "-ada",
        "^ada",
        "title_key : ada",
        "{title_key body_key}: x",
        "ada\x00lovelace",
        "%_%",
        "\\",
        "'; DROP TABLE search_entry; --",
        "x" * 5000,
        "😀 emoji",
        "+",
        "+-()",
    ],
)
def test_odd_queries_are_searched_literally_and_never_fail(client, member, q):
    make_contact(member, first_name="Ada", last_name="Lovelace")
    response = api(client, member, q=q)
    assert response.status_code == 200
    assert isinstance(response.json()["items"], list)


def test_fts_operators_are_plain_words(client, member):
    make_contact(member, first_name="Near", last_name="Andor", email="or@not.example")
    titles = [i["title"] for i in api(client, member, q="near and").json()["items"]]
    assert titles == ["Near Andor"]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(q=st.text(max_size=120))
def test_any_text_is_answered_with_a_list(client, member, q):
    response = api(client, member, q=q)
    assert response.status_code == 200, (q, response.content[:300])
    assert isinstance(response.json()["items"], list)


def test_the_number_of_queries_does_not_grow_with_the_matches(client, member):
    make_contact(member, first_name="Ada", last_name="Lovelace")
    api(client, member, q="lovelace")

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert api(client, member, q="lovelace").status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for i in range(25):
        make_contact(member, first_name=f"Ada{i}", last_name="Lovelace")
    assert count() <= few  # fewer tiers run once the first fills the limit
