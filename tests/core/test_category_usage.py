"""Deleting a category that records use: 409 without move_to, records moved with it."""

import pytest

from rapport.core import services
from rapport.core.categories import REFERENCES
from rapport.core.errors import Conflict
from rapport.core.models import Category
from tests.testapp.models import Thing

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _references(monkeypatch):
    monkeypatch.setitem(REFERENCES, "sources", [("testapp.Thing", "source")])
    monkeypatch.setitem(REFERENCES, "labels", [("testapp.Thing", "labels")])


def _cats(workspace, kind):
    return list(Category.objects.filter(workspace=workspace, kind=kind).order_by("position"))


def test_a_category_in_use_needs_somewhere_to_move_its_records(workspace, admin):
    website, referral, *_ = _cats(workspace, "sources")
    Thing.objects.create(workspace=workspace, source=website)
    with pytest.raises(Conflict) as exc:
        services.category_delete(
            workspace=workspace, actor=admin, kind="sources", category_id=website.pk
        )
    assert exc.value.code == "in_use"
    assert "1 records use Website" in exc.value.message
    assert Category.objects.filter(pk=website.pk).exists()


def test_records_move_to_the_chosen_category(workspace, admin):
    website, referral, *_ = _cats(workspace, "sources")
    things = [Thing.objects.create(workspace=workspace, source=website) for _ in range(3)]
    services.category_delete(
        workspace=workspace,
        actor=admin,
        kind="sources",
        category_id=website.pk,
        move_to=referral.pk,
    )
    assert {t.source_id for t in Thing.objects.filter(pk__in=[t.pk for t in things])} == {
        referral.pk
    }
    assert not Category.objects.filter(pk=website.pk).exists()


def test_labels_merge_without_duplicates(workspace, admin):
    vip, gold, *_ = _cats(workspace, "labels")
    both = Thing.objects.create(workspace=workspace)
    both.labels.set([vip, gold])
    only_vip = Thing.objects.create(workspace=workspace)
    only_vip.labels.set([vip])
    services.category_delete(
        workspace=workspace, actor=admin, kind="labels", category_id=vip.pk, move_to=gold.pk
    )
    assert list(both.labels.all()) == [gold]
    assert list(only_vip.labels.all()) == [gold]


def test_the_usage_count_ignores_other_workspaces(workspace, other_workspace):
    website = _cats(workspace, "sources")[0]
    theirs = _cats(other_workspace, "sources")[0]
    Thing.objects.create(workspace=other_workspace, source=theirs)
    assert services.category_usage(workspace=workspace, category=website) == 0
    assert services.category_usage(workspace=other_workspace, category=theirs) == 1


def test_the_ui_asks_where_records_move(client, admin):
    website = _cats(admin.workspace, "sources")[0]
    Thing.objects.create(workspace=admin.workspace, source=website)
    client.force_login(admin.user)
    html = client.get(f"/w/{admin.workspace.slug}/settings/categories/sources/").content.decode()
    assert f'id="move-{website.pk}"' in html
    url = f"/w/{admin.workspace.slug}/settings/categories/sources/{website.pk}/delete/"
    response = client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    assert "choose the category they move to" in response.content.decode()
