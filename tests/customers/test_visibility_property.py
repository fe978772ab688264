"""The visibility rule, checked against random workspaces: who sees which contact through
the list, detail, search, count and the selector must equal the rule as written down.

The rule, computed here in plain Python and nowhere else: a contact is visible to its
owner, to everyone while it has no owner, to members of a team it is shared with, and to
the workspace's owners. Each example builds a fresh workspace so none leaks into the next.
"""

import itertools
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rapport.core.models import Membership, Team, TeamMember
from rapport.customers.models import Contact, ContactTeam
from rapport.customers.selectors import contact_visible
from tests.core.factories import make_user, make_workspace, token_for

pytestmark = pytest.mark.django_db

EXAMPLES = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
FIRST_NAMES = ("Ann", "Bob", "Cleo")
LAST_NAMES = ("Smith", "Jones")
TERMS = ("ann", "bob", "smith", "jon", "zed")
_serial = itertools.count()


@dataclass(frozen=True)
class ContactSpec:
    owner: int | None  # index into the users, None = unclaimed
    teams: frozenset[int]  # indexes into the teams; empty = private
    first_name: str
    last_name: str
    is_test: bool


@dataclass(frozen=True)
class World:
    roles: tuple[str, ...]
    team_members: tuple[frozenset[int], ...]  # per team: indexes of its users
    contacts: tuple[ContactSpec, ...]
    term: str


@st.composite
def worlds(draw) -> World:
    roles = tuple(
        draw(st.lists(st.sampled_from(["owner", "admin", "member"]), min_size=1, max_size=5))
    )
    users = st.integers(0, len(roles) - 1)
    team_members = tuple(draw(st.lists(st.frozensets(users, max_size=len(roles)), max_size=3)))
    teams = (
        st.frozensets(st.integers(0, len(team_members) - 1))
        if team_members
        else st.just(frozenset())
    )
    contact = st.builds(
        ContactSpec,
        owner=st.none() | users,
        teams=teams,
        first_name=st.sampled_from(FIRST_NAMES),
        last_name=st.sampled_from(LAST_NAMES),
        is_test=st.booleans(),
    )
    contacts = tuple(draw(st.lists(contact, max_size=8)))
    return World(roles, team_members, contacts, draw(st.sampled_from(TERMS)))


def expected_visible(world: World, user: int) -> set[int]:
    """Indexes of the contacts `user` may see, by the rule alone."""
    if world.roles[user] == "owner":
        return set(range(len(world.contacts)))
    my_teams = {t for t, members in enumerate(world.team_members) if user in members}
    return {
        i
        for i, c in enumerate(world.contacts)
        if c.owner is None or c.owner == user or c.teams & my_teams
    }


def build(world: World):
    """The world as rows: a new workspace, its members, teams, contacts and shares."""
    n = next(_serial)
    users = [make_user(f"u{n}-{i}@prop.test") for i in range(len(world.roles))]
    workspace = make_workspace(name=f"Prop {n}", owner_email=users[0].email)
    Membership.objects.filter(workspace=workspace, user=users[0]).update(role=world.roles[0])
    Membership.objects.bulk_create(
        Membership(workspace=workspace, user=user, role=role)
        for user, role in zip(users[1:], world.roles[1:], strict=True)
    )
    teams = Team.objects.bulk_create(
        Team(workspace=workspace, name=f"T{t}") for t in range(len(world.team_members))
    )
    TeamMember.objects.bulk_create(
        TeamMember(workspace=workspace, team=teams[t], user=users[u])
        for t, members in enumerate(world.team_members)
        for u in members
    )
    contacts = Contact.objects.bulk_create(
        Contact(
            workspace=workspace,
            first_name=spec.first_name,
            last_name=spec.last_name,
            owner=None if spec.owner is None else users[spec.owner],
            visibility="teams" if spec.teams else "private",
            is_test=spec.is_test,
        )
        for spec in world.contacts
    )
    ContactTeam.objects.bulk_create(
        ContactTeam(workspace=workspace, contact=contacts[i], team=teams[t])
        for i, spec in enumerate(world.contacts)
        for t in spec.teams
    )
    memberships = {
        m.user_id: m
        for m in Membership.objects.select_related("user", "workspace").filter(workspace=workspace)
    }
    return [memberships[u.pk] for u in users], [c.pk for c in contacts]


def _list(client, headers, params) -> list[int]:
    ids, params = [], {**params, "limit": 3}
    while True:
        response = client.get("/api/v1/contacts", params, **headers)
        assert response.status_code == 200, response.json()
        body = response.json()
        ids.extend(item["id"] for item in body["items"])
        if body["next"] is None:
            return ids
        params["cursor"] = body["next"]


@EXAMPLES
@given(world=worlds())
def test_every_way_of_reading_contacts_follows_the_rule(client, world):
    memberships, pks = build(world)
    for user, membership in enumerate(memberships):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token_for(membership)}"}
        visible = {pks[i] for i in expected_visible(world, user)}
        listed_by_default = {
            pks[i] for i in expected_visible(world, user) if not world.contacts[i].is_test
        }
        matching = {
            pks[i]
            for i in expected_visible(world, user)
            if not world.contacts[i].is_test
            and world.term
            in f"{world.contacts[i].first_name} {world.contacts[i].last_name}".lower()
        }

        listed = _list(client, headers, {})
        assert len(listed) == len(set(listed))
        assert set(listed) == listed_by_default
        assert set(_list(client, headers, {"is_test": "any"})) == visible
        assert set(_list(client, headers, {"q": world.term})) == matching
        count = client.get("/api/v1/contacts/count", **headers).json()
        assert count == {"count": len(listed_by_default)}
        for pk in pks:
            status = client.get(f"/api/v1/contacts/{pk}", **headers).status_code
            assert status == (200 if pk in visible else 404), (user, pk)
        selected = contact_visible(workspace=membership.workspace, actor=membership)
        assert set(selected.values_list("pk", flat=True)) == visible
