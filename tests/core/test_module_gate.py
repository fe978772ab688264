"""A switched-off module's API paths are a 404 before the body is read: a malformed body
must not answer 422 and so show that the path exists."""

import pytest

from tests.api_client import ApiV1

pytestmark = pytest.mark.django_db


def _switch_off(workspace, key: str) -> None:
    workspace.modules = {**workspace.modules, key: False}
    workspace.save(update_fields=["modules"])


@pytest.mark.parametrize(
    ("key", "path"),
    [
        ("projects", "/projects"),
        ("projects", "/tasks"),
        ("projects", "/common-tasks"),
        ("lists", "/lists"),
    ],
)
def test_a_malformed_body_to_a_module_that_is_off_is_a_404(client, member, key, path):
    api = ApiV1(client, member)
    assert api.post(path, {"no_such_field": 5, "name": 5}).status_code == 422

    _switch_off(member.workspace, key)

    response = api.post(path, {"no_such_field": 5, "name": 5})
    assert response.status_code == 404
    assert response.json()["detail"] == "Not found."
    assert api.get(f"{path}/1").status_code == 404


def test_the_export_paths_of_projects_are_gated_too(client, member):
    _switch_off(member.workspace, "projects")
    assert ApiV1(client, member).get("/projects/export.csv").status_code == 404


def test_the_session_is_gated_like_a_token(client, member):
    from tests.core.factories import PASSWORD

    client.login(email=member.user.email, password=PASSWORD)
    _switch_off(member.workspace, "projects")
    assert client.get("/api/v1/tasks").status_code == 404


def test_other_paths_are_not_touched(client, member):
    _switch_off(member.workspace, "projects")
    assert ApiV1(client, member).get("/contacts").status_code == 200
