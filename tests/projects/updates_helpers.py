"""Shared scene for the task updates tests: a project with a task, its team and others.

- `member` (Member) wrote the project and posts updates; `colleague` is the other project
  member; `admin` is a workspace admin outside the project; `bystander` is a workspace
  member outside the project; `outsider` owns another workspace.
"""

import pytest

from tests.core.factories import make_member
from tests.projects.factories import make_phase, make_project, make_task


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
