"""The import's SQL helpers: multi-row INSERTs (ids back in row order, statements of a few
fixed sizes) and the one-parameter "is one of" filter."""

import pytest

from rapport.core.models import Category
from rapport.core.queries import one_of
from rapport.customers.models import Contact
from rapport.dataio.importing import sql
from rapport.dataio.importing.writers import CONTACT_COLUMNS
from tests.customers.factories import make_contact

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("rows", [1, 5, 1931, 2000])
def test_chunks_are_fixed_sizes_that_add_up(rows):
    fields = [Contact._meta.get_field(name) for name in CONTACT_COLUMNS]

    sizes = sql._chunks(fields, rows)

    assert sum(sizes) == rows
    assert set(sizes) <= set(sql.SIZES)


def test_insert_returns_the_new_ids_in_row_order(workspace):
    rows = [(workspace.pk, "labels", f"L{i}", "#64748b", i, False, "") for i in range(1931)]
    names = ("workspace", "kind", "name", "color", "position", "locked", "system_key")

    ids = sql.insert(Category, names, rows, returning=True)

    assert len(ids) == 1931
    assert dict(Category.objects.filter(pk__in=ids).values_list("pk", "name")) == {
        pk: f"L{i}" for i, pk in enumerate(ids)
    }


def test_json_and_datetimes_are_stored_as_the_orm_reads_them(workspace):
    from django.utils import timezone

    now = timezone.now()
    values = {name: None for name in CONTACT_COLUMNS}
    values.update(
        workspace=workspace.pk, first_name="Ada", last_name="", email="", phone="",
        other_emails=["a@x.test"], other_phones=[], job_title="", role="lead",
        visibility="private", is_active=True, is_test=False, custom={"n": 1}, version=1,
        created_at=now, updated_at=now,
    )  # fmt: skip

    (pk,) = sql.insert(Contact, CONTACT_COLUMNS, [tuple(values.values())], returning=True)

    ada = Contact.objects.get(pk=pk)
    assert (ada.other_emails, ada.other_phones, ada.custom) == (["a@x.test"], [], {"n": 1})
    assert ada.created_at == now


def test_json_text_survives_what_copy_and_sql_escape(workspace):
    # On PostgreSQL the JSON goes into COPY as text: tabs, newlines, backslashes, quotes
    # and characters beyond ASCII must come back as they went in; a shared value as well.
    from django.utils import timezone

    now = timezone.now()
    odd = {"note": 'tab\there\nnew "line" \\ back\\slash', "city": "Łódź", "n": 1.5, "ok": True}
    shared = {"labels": [[], ["VIP"]]}
    rows = []
    for i, custom in enumerate([odd, shared, shared, {}, {"list": ["a", "b"]}]):
        values = {name: None for name in CONTACT_COLUMNS}
        values.update(
            workspace=workspace.pk, first_name=f"P{i}", last_name="", email="", phone="",
            other_emails=[], other_phones=["+48 1\t2"], job_title="", role="lead",
            visibility="private", is_active=True, is_test=False, custom=custom, version=1,
            created_at=now, updated_at=now,
        )  # fmt: skip
        rows.append(tuple(values.values()))

    ids = sql.insert(Contact, CONTACT_COLUMNS, rows, returning=True)

    stored = dict(Contact.objects.filter(pk__in=ids).values_list("pk", "custom"))
    assert [stored[pk] for pk in ids] == [odd, shared, shared, {}, {"list": ["a", "b"]}]
    assert Contact.objects.get(pk=ids[0]).other_phones == ["+48 1\t2"]


def test_one_of_matches_exactly_the_listed_values(workspace, owner):
    for email in ("ada@x.test", "bo@x.test", "o'hara@x.test", "cy@x.test"):
        make_contact(owner, email=email)
    wanted = ["o'hara@x.test", "ada@x.test", "nobody@x.test", "Ada@x.test"]

    found = Contact.objects.filter(one_of(Contact, "email", wanted)).values_list("email", flat=True)

    assert sorted(found) == ["ada@x.test", "o'hara@x.test"]
    assert not Contact.objects.filter(one_of(Contact, "email", [])).exists()
    first = Contact.objects.order_by("pk").first()
    assert list(Contact.objects.filter(one_of(Contact, "id", [first.pk, 10**12]))) == [first]
