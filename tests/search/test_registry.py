"""The registry later modules plug into: a kind with its own documents, URL and rule."""

import pytest

from rapport.core.models import Team
from rapport.search import index, registry
from rapport.search.selectors import search
from tests.customers.factories import make_contact

pytestmark = pytest.mark.django_db


class CaseProvider(registry.IndexedProvider):
    """Stands in for a later module's records (teams play the cases here): admins see
    them all, members none."""

    label = "Case"

    def documents(self, *, workspace_id, ids):
        for pk, name in Team.objects.filter(workspace_id=workspace_id, pk__in=ids).values_list(
            "pk", "name"
        ):
            yield registry.Document(pk, title=f"Case {pk}", subtitle=name, words=[name])

    def ids(self, *, workspace_id):
        return Team.objects.filter(workspace_id=workspace_id).values_list("pk", flat=True)

    def url(self, *, slug, object_id):
        return f"/w/{slug}/cases/{object_id}/"

    def visible(self, *, actor):
        return None if actor.is_admin else registry.HIDDEN


@pytest.fixture
def cases():
    registry.register("case", CaseProvider())
    yield
    registry.unregister("case")


def test_a_registered_kind_is_found_with_its_own_url_and_label(workspace, owner, cases):
    team = Team.objects.create(workspace=workspace, name="Broken Escalator")
    index.refresh(workspace.pk, "case", [team.pk])
    make_contact(owner, first_name="Escalator", last_name="Fan")
    found = [
        (h.type, h.title, h.url, h.label)
        for h in search(workspace=workspace, actor=owner, query="escalator")
        if h.type in ("case", "contact")
    ]
    assert ("case", f"Case {team.pk}", f"/w/{workspace.slug}/cases/{team.pk}/", "Case") in found
    assert ("contact", "Escalator Fan") in [f[:2] for f in found]


def test_a_kind_hidden_from_an_actor_is_left_out_of_their_queries(workspace, member, cases):
    team = Team.objects.create(workspace=workspace, name="Broken Escalator")
    index.refresh(workspace.pk, "case", [team.pk])
    make_contact(member, first_name="Escalator", last_name="Fan")
    found = [h.type for h in search(workspace=workspace, actor=member, query="escalator")]
    assert found == ["contact"]


def test_kinds_must_have_a_short_name():
    with pytest.raises(ValueError, match="1 to 24"):
        registry.register("", CaseProvider())
    with pytest.raises(ValueError, match="1 to 24"):
        registry.register("x" * 25, CaseProvider())
