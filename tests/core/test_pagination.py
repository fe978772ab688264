"""Keyset pages: walking every cursor gives each row once, in order, in any direction."""

import pytest
from django.db import connection
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.test.utils import CaptureQueriesContext

from rapport.core.pagination import keyset_page
from rapport.customers.models import Contact
from tests.customers.factories import make_contact

NAMES = [("Ada", "Byron"), ("Ada", "Lovelace"), ("Bea", "Byron"), ("Ada", "Byron")] * 3


@pytest.fixture
def contacts(owner):
    return [make_contact(owner, first_name=f, last_name=last) for f, last in NAMES]


def walk(queryset, order, limit=5):
    seen, cursor, sql = [], None, []
    while True:
        with CaptureQueriesContext(connection) as queries:
            page = keyset_page(queryset, order=order, limit=limit, cursor=cursor)
        sql.append(queries.captured_queries[-1]["sql"])
        seen += [row.pk for row in page.items]
        if not page.next:
            return seen, sql
        cursor = page.next


def expected(contacts, key, reverse=False):
    return [c.pk for c in sorted(contacts, key=key, reverse=reverse)]


@pytest.mark.parametrize("descending", [False, True])
def test_agreeing_directions_page_through_with_one_row_value_comparison(
    contacts, workspace, descending
):
    sign = "-" if descending else ""
    order = (f"{sign}last_name", f"{sign}first_name", f"{sign}id")
    seen, sql = walk(Contact.objects.filter(workspace=workspace), order)
    assert seen == expected(contacts, lambda c: (c.last_name, c.first_name, c.pk), descending)
    # Pages after the first seek at the cursor: `(a, b, id) > (x, y, z)`, not an OR chain.
    op = "<" if descending else ">"
    assert all(f") {op} (" in query for query in sql[1:]), sql[1]
    assert all(" OR " not in query for query in sql[1:])


def test_mixed_directions_fall_back_to_the_or_chain(contacts, workspace):
    seen, sql = walk(Contact.objects.filter(workspace=workspace), ("-last_name", "id"))
    assert seen == [
        c.pk
        for c in sorted(
            sorted(contacts, key=lambda c: c.pk), key=lambda c: c.last_name, reverse=True
        )
    ]
    assert all(" OR " in query for query in sql[1:])


def test_an_annotation_sort_key_pages_through(contacts, workspace):
    qs = Contact.objects.filter(workspace=workspace).annotate(
        sort_key=Coalesce("job_title", Value("~"))
    )
    seen, _ = walk(qs, ("sort_key", "first_name", "id"), limit=3)
    assert seen == expected(contacts, lambda c: ("~", c.first_name, c.pk))
