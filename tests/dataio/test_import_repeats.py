"""What the run remembers between rows to go fast changes nothing a user sees: repeated
custom values, repeated label sets and SQLite's page cache."""

import pytest
from django.db import connection

from rapport.core.models import Activity
from rapport.customers.models import Contact
from rapport.dataio.importing.rows import Context, Options
from tests.customfields.factories import RETAIL_B2B_GOV, make_field
from tests.dataio.import_factories import rejected_rows, run_import

HEAD = ["Name", "Email", "Industry", "Score", "Channels", "Labels"]


@pytest.fixture
def fields(workspace):
    make_field(workspace, "Industry", "dropdown", options=RETAIL_B2B_GOV)
    make_field(workspace, "Score", "number")
    make_field(workspace, "Channels", "checkbox", options=RETAIL_B2B_GOV)


def test_a_repeated_custom_value_is_judged_the_same_on_every_row(workspace, admin, fields):
    rows = [
        HEAD,
        ["Ada", "a@x.test", "Government", "12,5", "Retail ::: B2B", ""],
        ["Bo", "b@x.test", "farming", "12,5", "", ""],
        ["Cy", "c@x.test", "Government", "lots", "Retail ::: B2B", ""],
        ["Di", "d@x.test", "farming", "12,5", "", ""],
        ["Ed", "e@x.test", "government", "12,5", "Retail ::: B2B", ""],
    ]

    job = run_import(admin, rows)

    assert (job.created, job.rejected) == (2, 3)
    custom = list(Contact.objects.order_by("pk").values_list("custom", flat=True))
    assert custom == [
        {"industry": "gov", "score": 12.5, "channels": ["retail", "b2b"]},
        {"industry": "gov", "score": 12.5, "channels": ["retail", "b2b"]},
    ]
    reasons = [row[:2] for row in rejected_rows(job)[1:]]
    assert reasons == [
        ["3", "Industry: Choose one of the options."],
        ["4", "Score: Enter a number."],
        ["5", "Industry: Choose one of the options."],
    ]


def test_rows_sharing_a_cleaned_list_do_not_share_it(workspace, admin, fields):
    ctx = Context.load(
        workspace=workspace,
        actor=admin,
        entity="contact",
        mapping={0: "first_name", 1: "email", 4: "custom.channels"},
        headers=HEAD,
        options=Options.of({}),
    )
    one = ctx.clean(2, ["Ada", "a@x.test", "", "", "Retail ::: B2B", ""])
    two = ctx.clean(3, ["Bo", "b@x.test", "", "", "Retail ::: B2B", ""])

    one.custom["channels"].append("gov")

    assert two.custom == {"channels": ["retail", "b2b"]}


def test_rows_with_the_same_labels_each_get_their_own_timeline_entry(workspace, member):
    rows = [HEAD, *([f"P{i}", f"p{i}@x.test", "", "", "", "VIP ::: Gold"] for i in range(5))]

    run_import(member, rows)

    entries = Activity.objects.filter(verb="contact.imported").order_by("target_id")
    assert [e.summary for e in entries] == [f"P{i}" for i in range(5)]
    assert {e.target_id for e in entries} == set(Contact.objects.values_list("pk", flat=True))
    assert all(e.changes == {"labels": [[], ["VIP", "Gold"]]} for e in entries)


def test_the_run_gives_back_sqlites_page_cache(workspace, member):
    """SQLite only has the setting; on PostgreSQL the run simply must not trip on it."""

    def cache_size():
        if connection.vendor != "sqlite":
            return None
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            return cursor.fetchone()[0]

    before = cache_size()
    job = run_import(member, [HEAD, ["Ada", "a@x.test", "", "", "", ""]])

    assert job.created == 1
    assert cache_size() == before
