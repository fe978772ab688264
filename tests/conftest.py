"""Shared people: an owner, an admin and a member of one workspace, and an outsider who
owns another workspace. Tests read as sentences about them."""

import os

import pytest

from tests.core.factories import make_member, make_workspace

# Playwright's sync API runs an event loop in the test thread; the ORM calls our fixtures
# make there are ordinary blocking calls, which Django refuses in a loop without this.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def workspace(db):
    return make_workspace(name="Acme", owner_email="owner@acme.test")


@pytest.fixture
def owner(workspace):
    return workspace.owner_membership


@pytest.fixture
def admin(workspace):
    return make_member(workspace, "admin@acme.test", role="admin")


@pytest.fixture
def member(workspace):
    return make_member(workspace, "member@acme.test", role="member")


@pytest.fixture
def other_workspace(db):
    return make_workspace(name="Globex", owner_email="owner@globex.test")


@pytest.fixture
def outsider(other_workspace):
    return other_workspace.owner_membership
