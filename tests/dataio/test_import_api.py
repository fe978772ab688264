"""The imports API: the contract's shapes, and 404 for whoever may not see a job."""

import csv
import io
import json

import pytest
from django.test import Client

from rapport.customers.models import Contact
from rapport.dataio.models import ImportJob
from tests.core.factories import make_member, token_for
from tests.dataio.import_factories import csv_bytes, draft, upload

HEAD = ["First name", "Last name", "Email"]
ROWS = [HEAD, ["Ada", "Lovelace", "ada@x.test"], ["Bo", "", "nope"]]


def _client(membership) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token_for(membership)}")


def _post(client, content=ROWS, name="people.csv", **fields):
    data = {"entity": "contacts", **fields, "file": upload(content, name)}
    return client.post("/api/v1/imports", data)


def test_post_answers_202_with_the_job_and_runs_it(member):
    client = _client(member)

    response = _post(client)

    assert response.status_code == 202
    body = response.json()
    assert set(body) == {"id", "status"}
    job = client.get(f"/api/v1/imports/{body['id']}").json()
    assert {
        k: job[k] for k in ("status", "total", "created", "updated", "skipped", "rejected")
    } == {
        "status": "done",
        "total": 2,
        "created": 1,
        "updated": 0,
        "skipped": 0,
        "rejected": 1,
    }
    assert job["progress"] == 1.0
    assert Contact.objects.get().owner_id == member.user_id


def test_get_has_the_contract_keys(member):
    client = _client(member)
    job_id = _post(client).json()["id"]

    body = client.get(f"/api/v1/imports/{job_id}").json()

    assert {
        "id",
        "status",
        "total",
        "created",
        "updated",
        "skipped",
        "rejected",
        "progress",
    } <= set(body)


def test_mapping_by_header_or_index_overrides_the_guess(member):
    client = _client(member)

    response = _post(client, mapping=json.dumps({"Last name": "", "0": "last_name"}))

    assert response.status_code == 202
    ada = Contact.objects.get()
    assert (ada.first_name, ada.last_name) == ("", "Ada")


def test_options_dedupe_on_duplicate_and_owner(member):
    client = _client(member)
    _post(client)

    response = _post(
        client,
        content=[HEAD, ["Augusta", "", "ada@x.test"], ["Cy", "", "cy@x.test"]],
        on_duplicate="update",
        owner="none",
    )

    job = client.get(f"/api/v1/imports/{response.json()['id']}").json()
    assert (job["created"], job["updated"]) == (1, 1)
    assert Contact.objects.get(email="ada@x.test").first_name == "Augusta"
    assert Contact.objects.get(email="cy@x.test").owner_id is None


def test_companies_import_over_the_api(member):
    client = _client(member)

    response = _post(
        client, content=[["Name", "Website"], ["Acme", "acme.test"]], entity="companies"
    )

    job = client.get(f"/api/v1/imports/{response.json()['id']}").json()
    assert (job["status"], job["created"]) == ("done", 1)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"entity": "deals"}, "entity"),
        ({"dedupe": "phone"}, "dedupe"),
        ({"owner": "someone"}, "owner"),
        ({"on_duplicate": "merge"}, "on_duplicate"),
        ({"mapping": "[1, 2]"}, "mapping"),
        ({"mapping": json.dumps({"Shoe size": "email"})}, "mapping.Shoe size"),
        ({"mapping": json.dumps({"Email": "shoe_size"})}, "mapping.Email"),
    ],
)
def test_bad_input_is_422_and_stores_nothing(member, fields, field):
    response = _post(_client(member), **fields)

    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["errors"]]
    assert not ImportJob.objects.exists()
    assert not Contact.objects.exists()


def test_a_file_that_is_no_table_is_422(member):
    response = _post(_client(member), content=b"\x00\x01\x02binary", name="x.csv")

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "file"


def test_a_missing_file_is_422(member):
    response = _client(member).post("/api/v1/imports", {"entity": "contacts"})

    assert response.status_code == 422


def test_rejected_csv_lists_row_numbers_and_reasons(member):
    client = _client(member)
    job_id = _post(client).json()["id"]

    response = client.get(f"/api/v1/imports/{job_id}/rejected.csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text))) == [
        ["Row", "Reason", *HEAD],
        ["3", "Email: Enter a valid email address.", "Bo", "", "nope"],
    ]


def test_rejected_csv_of_a_clean_import_has_the_header_only(member):
    client = _client(member)
    job_id = _post(client, content=ROWS[:2]).json()["id"]

    response = client.get(f"/api/v1/imports/{job_id}/rejected.csv")

    assert (
        response.content.decode("utf-8-sig")
        == '"Row","Reason","First name","Last name","Email"\r\n'
    )


def test_rejected_csv_of_an_unfinished_job_is_409(member):
    job = draft(member, ROWS)

    response = _client(member).get(f"/api/v1/imports/{job.pk}/rejected.csv")

    assert response.status_code == 409


def test_cancel_a_queued_job(member):
    job = draft(member, ROWS)
    ImportJob.objects.filter(pk=job.pk).update(status="queued")

    response = _client(member).post(f"/api/v1/imports/{job.pk}/cancel")

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"


def test_cancel_a_finished_job_is_409(member):
    client = _client(member)
    job_id = _post(client).json()["id"]

    assert client.post(f"/api/v1/imports/{job_id}/cancel").status_code == 409


@pytest.mark.parametrize("path", ["/api/v1/imports/{id}", "/api/v1/imports/{id}/rejected.csv"])
def test_another_member_and_another_workspace_get_404(member, outsider, path):
    job_id = _post(_client(member)).json()["id"]
    colleague = make_member(member.workspace, "colleague@acme.test")

    for who in (colleague, outsider):
        response = _client(who).get(path.format(id=job_id))
        assert response.status_code == 404, who
    for who in (colleague, outsider):
        assert _client(who).post(f"/api/v1/imports/{job_id}/cancel").status_code == 404


def test_an_admin_sees_every_job(member, admin):
    job_id = _post(_client(member)).json()["id"]

    assert _client(admin).get(f"/api/v1/imports/{job_id}").status_code == 200
    assert [j["id"] for j in _client(admin).get("/api/v1/imports").json()["items"]] == [job_id]


def test_the_list_shows_my_jobs_only_and_pages(member, django_assert_max_num_queries):
    client = _client(member)
    ids = [_post(client, content=ROWS[:2]).json()["id"] for _ in range(3)]
    _post(_client(make_member(member.workspace, "colleague@acme.test")))

    first = client.get("/api/v1/imports?limit=2").json()
    with django_assert_max_num_queries(6):
        second = client.get(f"/api/v1/imports?limit=2&cursor={first['next']}").json()

    assert [j["id"] for j in first["items"]] == ids[::-1][:2]
    assert [j["id"] for j in second["items"]] == ids[:1]
    assert second["next"] is None


def test_the_openapi_document_describes_imports(client):
    document = client.get("/api/v1/openapi.json").json()
    paths = document["paths"]

    assert {
        "/api/v1/imports",
        "/api/v1/imports/{job_id}",
        "/api/v1/imports/{job_id}/cancel",
    } <= set(paths)
    assert "from 0 to 1" in document["components"]["schemas"]["ImportOut"]["description"]


def test_a_large_spreadsheet_row_count_is_reported(member):
    body = [HEAD] + [[f"P{i}", "", f"p{i}@x.test"] for i in range(250)]

    job_id = _post(_client(member), content=csv_bytes(body)).json()["id"]

    assert ImportJob.objects.get(pk=job_id).total == 250
