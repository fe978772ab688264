"""Shared scene for the task updates tests: a project with a task, its team and others.

- `member` (Member) wrote the project and posts updates; `colleague` is the other project
  member; `admin` is a workspace admin outside the project; `bystander` is a workspace
  member outside the project; `outsider` owns another workspace.
"""

import json

import pytest
from django.utils import timezone

from rapport.core.models import ApiToken
from tests.core.factories import make_member, token_for
from tests.projects.factories import make_phase, make_project, make_task


class Api:
    """Speaks as one membership through a Bearer token."""

    def __init__(self, client, membership):
        self.client = client
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token_for(membership)}"}
        # As if used a moment ago, so no request pays for noting the token's last use.
        ApiToken.objects.filter(user_id=membership.user_id).update(last_used_at=timezone.now())

    def get(self, path, params=None):
        return self.client.get(path, params or {}, **self.headers)

    def post(self, path, data):
        return self.client.post(
            path, json.dumps(data), content_type="application/json", **self.headers
        )

    def delete(self, path):
        return self.client.delete(path, **self.headers)


@pytest.fixture
def colleague(workspace):
    return make_member(workspace, "colleague@acme.test")


@pytest.fixture
def bystander(workspace):
    return make_member(workspace, "bystander@acme.test")


@pytest.fixture
def project(member, colleague):
    return make_project(
        member,
        "Website relaunch",
        members=[colleague],
        track_time=True,
        emails_from="relaunch@acme.test",
    )


@pytest.fixture
def phase(project):
    return make_phase(project, "Design")


@pytest.fixture
def task(phase):
    return make_task(phase, "Wireframes")


def switch_projects_off(workspace) -> None:
    workspace.modules = {**workspace.modules, "projects": False}
    workspace.save(update_fields=["modules"])


def totals(task) -> tuple[int, int, int]:
    """The minutes of the task, its phase and its project, read fresh."""
    task.refresh_from_db()
    task.phase.refresh_from_db()
    task.project.refresh_from_db()
    return task.minutes_total, task.phase.minutes_total, task.project.minutes_total
