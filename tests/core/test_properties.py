"""Property tests: no cursor, limit or category name an API client can send gives a 500."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rapport.core.pagination import _decode, _encode
from tests.core.factories import make_workspace, token_for

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@given(st.lists(st.one_of(st.integers(), st.text(max_size=20)), min_size=1, max_size=3))
def test_a_cursor_round_trips(values):
    assert _decode(_encode(values), len(values)) == values


@pytest.fixture
def api(client, db):
    ws = make_workspace(name="Fuzz", owner_email="fuzz@fuzz.test")
    return client, {"HTTP_AUTHORIZATION": f"Bearer {token_for(ws.owner_membership)}"}


@FUZZ
@given(cursor=st.text(max_size=40), limit=st.text(max_size=6))
def test_any_cursor_or_limit_is_answered_without_a_server_error(api, cursor, limit):
    client, headers = api
    response = client.get(
        "/api/v1/settings/categories/labels", {"cursor": cursor, "limit": limit}, **headers
    )
    assert response.status_code in (200, 400, 422)
    assert "detail" in response.json() or "items" in response.json()


@FUZZ
@given(name=st.text(max_size=120), color=st.text(max_size=10))
def test_any_category_input_is_answered_without_a_server_error(api, name, color):
    client, headers = api
    response = client.post(
        "/api/v1/settings/categories/labels",
        json.dumps({"name": name, "color": color}),
        content_type="application/json",
        **headers,
    )
    assert response.status_code in (201, 409, 422)
