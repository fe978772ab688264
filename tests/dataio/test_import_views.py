"""The import pages: upload → columns → preview and options → progress and result."""

import datetime as dt
import html as html_lib
import re

import pytest

from rapport.customers.models import Contact
from rapport.dataio.models import ImportJob
from rapport.search import index
from tests.core.factories import make_member
from tests.customers.factories import make_contact
from tests.dataio.import_factories import draft, run_import, upload

pytestmark = pytest.mark.django_db

HEAD = ["Name", "Email", "Phone"]
ROWS = [HEAD, ["Ada Lovelace", "ada@x.test", "+44 20 1234"], ["Bo", "nope", ""]]


def url(workspace, rest=""):
    return f"/w/{workspace.slug}/{rest}"


def text(response) -> str:
    page = response.content.decode()
    plain = html_lib.unescape(re.sub(r"<[^>]+>", " ", page))
    return re.sub(r"\s+", " ", plain).strip()


@pytest.fixture
def as_member(client, member):
    client.force_login(member.user)
    return client


def test_upload_then_map_then_preview_then_run(as_member, member):
    ws = member.workspace

    response = as_member.post(url(ws, "imports/new/"), {"entity": "contacts", "file": upload(ROWS)})
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url(ws, f"imports/{job.pk}/columns/")

    columns = as_member.get(response["Location"])
    assert columns.status_code == 200
    assert 'value="full_name" selected' in columns.content.decode()
    assert "ada@x.test" in text(columns)  # the column's first values

    # The user leaves the phone column out.
    response = as_member.post(
        url(ws, f"imports/{job.pk}/columns/"), {"col_0": "full_name", "col_1": "email", "col_2": ""}
    )
    assert response["Location"] == url(ws, f"imports/{job.pk}/preview/")

    preview = as_member.get(response["Location"])
    page = text(preview)
    assert "Email: Enter a valid email address." in page
    assert "New: 1 Rejected: 1" in page

    response = as_member.post(
        url(ws, f"imports/{job.pk}/preview/"),
        {"start": "1", "dedupe": "email", "on_duplicate": "skip", "owner": "me"},
    )
    assert response["Location"] == url(ws, f"imports/{job.pk}/")

    result = as_member.get(response["Location"])
    page = text(result)
    assert "Import finished" in page
    assert "Created 1 Updated 0 Skipped 0 Rejected 1" in page
    assert "Download the rejected rows (CSV)" in page
    ada = Contact.objects.get()
    assert (ada.first_name, ada.last_name, ada.phone) == ("Ada", "Lovelace", "")


def test_a_mapping_error_shows_beside_its_column(as_member, member):
    job = draft(member, ROWS)

    response = as_member.post(
        url(member.workspace, f"imports/{job.pk}/columns/"),
        {"col_0": "first_name", "col_1": "first_name", "col_2": "phone"},
    )

    assert response.status_code == 422
    assert "Only one column can go to First name." in text(response)


def test_options_are_checked_before_the_run(as_member, member):
    job = draft(member, ROWS)

    response = as_member.post(
        url(member.workspace, f"imports/{job.pk}/preview/"),
        {"start": "1", "dedupe": "email", "owner": "me", "default_source_id": "999"},
    )

    assert response.status_code == 422
    assert "Choose one of the workspace's options." in text(response)
    assert ImportJob.objects.get().status == "draft"


def test_refreshing_the_preview_saves_the_options(as_member, member):
    make_contact(member, first_name="Ada", email="ada@x.test")
    job = draft(member, ROWS)

    response = as_member.post(
        url(member.workspace, f"imports/{job.pk}/preview/"),
        {"refresh": "1", "dedupe": "email", "on_duplicate": "update", "owner": "none"},
    )
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.options["on_duplicate"], job.options["owner"]) == ("update", "none")
    assert "Update: 1" in text(as_member.get(response["Location"]))


def test_an_upload_that_is_no_table_says_why(as_member, member):
    response = as_member.post(
        url(member.workspace, "imports/new/"),
        {"entity": "contacts", "file": upload(b'{"json": true}', "x.csv")},
    )

    assert response.status_code == 422
    assert "This looks like a JSON file" in text(response)


def test_an_upload_without_a_file_says_so(as_member, member):
    response = as_member.post(url(member.workspace, "imports/new/"), {"entity": "contacts"})

    assert response.status_code == 422
    assert "Choose a file to import." in text(response)


def test_the_job_page_polls_while_running(as_member, member):
    job = draft(member, ROWS)
    ImportJob.objects.filter(pk=job.pk).update(status="running", total=2, processed=1)

    response = as_member.get(url(member.workspace, f"imports/{job.pk}/"))

    page = response.content.decode()
    assert f'hx-get="/w/{member.workspace.slug}/imports/{job.pk}/progress/"' in page
    assert 'hx-trigger="every 1s"' in page
    assert "Cancel the import" in text(response)


def test_the_progress_partial_stops_polling_once_done(as_member, member):
    job = run_import(member, ROWS)

    response = as_member.get(url(member.workspace, f"imports/{job.pk}/progress/"))

    assert response.content.decode().startswith(
        '<section class="card imp-progress" id="import-progress"'
    )
    assert "hx-trigger" not in response.content.decode()
    assert "Import finished" in text(response)


def test_cancel_from_the_page(as_member, member):
    job = draft(member, ROWS)
    ImportJob.objects.filter(pk=job.pk).update(status="queued")

    response = as_member.post(url(member.workspace, f"imports/{job.pk}/cancel/"))

    assert response.status_code == 302
    assert "Import cancelled" in text(as_member.get(response["Location"]))


def test_the_rejected_rows_download(as_member, member):
    job = run_import(member, ROWS)

    response = as_member.get(url(member.workspace, f"imports/{job.pk}/rejected.csv"))

    assert response.status_code == 200
    assert b"Email: Enter a valid email address." in b"".join(response.streaming_content)


def test_the_history_lists_my_imports(as_member, member, django_assert_max_num_queries):
    for _ in range(3):
        run_import(member, ROWS)
    run_import(make_member(member.workspace, "colleague@acme.test"), ROWS, name="theirs.csv")

    with django_assert_max_num_queries(12):
        response = as_member.get(url(member.workspace, "imports/"))

    assert response.status_code == 200
    assert text(response).count("people.csv") == 3
    assert "theirs.csv" not in text(response)


@pytest.mark.parametrize(
    "path",
    ["imports/{id}/", "imports/{id}/columns/", "imports/{id}/preview/", "imports/{id}/progress/",
     "imports/{id}/rejected.csv"],
)  # fmt: skip
def test_another_member_gets_404_on_every_page(client, member, outsider, path):
    job = draft(member, ROWS)
    colleague = make_member(member.workspace, "colleague@acme.test")

    for who in (colleague, outsider):
        client.force_login(who.user)
        response = client.get(url(member.workspace, path.format(id=job.pk)))
        assert response.status_code == 404, who
    client.force_login(colleague.user)
    assert client.post(url(member.workspace, f"imports/{job.pk}/cancel/")).status_code == 404


def test_the_lists_offer_an_import_button(as_member, member):
    contacts = as_member.get(url(member.workspace, "contacts/"))
    companies = as_member.get(url(member.workspace, "companies/"))

    assert (
        f'href="/w/{member.workspace.slug}/imports/new/?entity=contacts"'
        in contacts.content.decode()
    )
    assert (
        f'href="/w/{member.workspace.slug}/imports/new/?entity=companies"'
        in companies.content.decode()
    )


def test_the_contact_timeline_says_it_was_imported(as_member, member):
    run_import(member, ROWS)
    ada = Contact.objects.get()

    response = as_member.get(url(member.workspace, f"contacts/{ada.pk}/timeline/"))

    assert "imported this contact" in text(response)


def test_the_result_says_search_is_catching_up_and_keeps_polling_until_it_has(as_member, member):
    job = run_import(member, ROWS)
    index.defer(member.workspace_id, "contact", [Contact.objects.get().pk])  # as if not yet
    progress = url(member.workspace, f"imports/{job.pk}/progress/")

    waiting = as_member.get(progress)

    assert "Import finished" in text(waiting)
    assert "Adding the new records to search" in text(waiting)
    assert f'hx-get="/{progress.lstrip("/")}"' in waiting.content.decode()

    index.catch_up(member.workspace_id)
    caught_up = as_member.get(progress)

    assert "Adding the new records to search" not in text(caught_up)
    assert "hx-trigger" not in caught_up.content.decode()


def test_the_search_notice_gives_up_after_a_while(as_member, member):
    job = run_import(member, ROWS)
    index.defer(member.workspace_id, "contact", [Contact.objects.get().pk])  # a failed catch-up
    ImportJob.objects.filter(pk=job.pk).update(finished_at=job.finished_at - dt.timedelta(hours=1))

    response = as_member.get(url(member.workspace, f"imports/{job.pk}/progress/"))

    assert "Adding the new records to search" not in text(response)
    assert "hx-trigger" not in response.content.decode()
