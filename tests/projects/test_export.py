"""Project overview downloads: one project (a row per task) or every project (a row each),
as CSV and XLSX, over the API and from the pages."""

import csv
import datetime as dt
import io

import openpyxl
import pytest

from tests.api_client import ApiV1 as Api
from tests.core.factories import make_member
from tests.projects.factories import make_phase, make_project, make_task, task_category

pytestmark = pytest.mark.django_db


def parse_csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.content[:300]
    data = b"".join(response.streaming_content)
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def parse_xlsx(response):
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return book.active


@pytest.fixture
def scene(workspace, owner, member):
    from tests.customers.factories import make_company

    company = make_company(owner, name="Initech")
    design = task_category(workspace, "Design")
    project = make_project(owner, "Relaunch", members=[member], company=company)
    project.minutes_total = 95
    project.save(update_fields=["minutes_total"])
    design_phase = make_phase(project, "Design")
    make_phase(project, "Empty phase")
    build = make_phase(project, "Build")
    make_task(
        design_phase,
        "Wireframes",
        category=design,
        assignees=[member, owner],
        priority="high",
        due_date=dt.date(2030, 5, 17),
        minutes_total=95,
    )
    make_task(design_phase, "=cmd|' /C calc'!A0", status="done")
    make_task(build, "@SUM(1+1)", status="in_progress")
    other = make_project(owner, "Archive", status="done")
    make_task(make_phase(other), "Old", status="done")
    return {"project": project, "other": other, "company": company}


def test_one_project_is_a_row_per_task_in_phase_order(client, owner, scene):
    rows = parse_csv(Api(client, owner).get(f"/projects/{scene['project'].pk}/export.csv"))

    assert rows[0] == [
        "Phase",
        "Task",
        "Category",
        "Status",
        "Priority",
        "Assignees",
        "Assignee emails",
        "Due date",
        "Minutes",
    ]
    assert rows[1] == [
        "Design",
        "Wireframes",
        "Design",
        "To do",
        "High",
        "Member; Owner",
        "member@acme.test; owner@acme.test",
        "2030-05-17",
        "95",
    ]
    assert [r[:2] for r in rows[2:]] == [
        ["Design", "'=cmd|' /C calc'!A0"],
        ["Empty phase", ""],
        ["Build", "'@SUM(1+1)"],
    ]
    assert rows[2][3] == "Done"
    assert rows[4][3] == "In progress"


def test_a_project_without_phases_is_just_the_header(client, owner):
    project = make_project(owner, "Blank")

    rows = parse_csv(Api(client, owner).get(f"/projects/{project.pk}/export.csv"))

    assert len(rows) == 1


def test_the_filename_names_the_project(client, owner, scene):
    response = Api(client, owner).get(f"/projects/{scene['project'].pk}/export.xlsx")

    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"project-{scene['project'].pk}-relaunch-" in disposition
    assert disposition.endswith('.xlsx"')


def test_the_xlsx_holds_text_not_formulas_and_numbers_as_numbers(client, owner, scene):
    sheet = parse_xlsx(Api(client, owner).get(f"/projects/{scene['project'].pk}/export.xlsx"))

    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[2][1] == "'=cmd|' /C calc'!A0"
    assert values[1][8] == 95


def test_every_project_is_a_row_with_its_totals(client, member, scene):
    rows = parse_csv(Api(client, member).get("/projects/export.csv"))

    assert rows[0] == [
        "ID",
        "Name",
        "Status",
        "Company",
        "Members",
        "Tasks",
        "Done",
        "Minutes",
    ]
    assert rows[1:] == [
        [str(scene["other"].pk), "Archive", "Done", "", "1", "1", "1", "0"],
        [str(scene["project"].pk), "Relaunch", "Active", "Initech", "2", "3", "1", "95"],
    ]


def test_project_names_are_neutralised_in_both_formats(client, owner):
    make_project(owner, '=HYPERLINK("http://x")')
    api = Api(client, owner)

    assert parse_csv(api.get("/projects/export.csv"))[1][1] == '\'=HYPERLINK("http://x")'
    sheet = parse_xlsx(api.get("/projects/export.xlsx"))
    assert sheet.cell(row=2, column=2).value == '\'=HYPERLINK("http://x")'
    assert sheet.cell(row=2, column=2).data_type == "s"


def test_the_all_projects_export_streams_in_chunks(client, owner, monkeypatch):
    from rapport.projects import exporting

    monkeypatch.setattr(exporting, "CHUNK", 2)
    for name in ["E", "A", "C", "B", "D"]:
        make_project(owner, name)

    rows = parse_csv(Api(client, owner).get("/projects/export.csv"))

    assert [r[1] for r in rows[1:]] == ["A", "B", "C", "D", "E"]


def test_one_project_streams_in_chunks_keeping_the_order(client, owner, monkeypatch):
    from rapport.projects import exporting

    monkeypatch.setattr(exporting, "CHUNK", 2)
    project = make_project(owner, "Chunky")
    first, empty_mid, last, empty_end = (
        make_phase(project, n) for n in ["One", "Gap", "Two", "Tail"]
    )
    for i in range(3):
        make_task(first, f"a{i}")
    for i in range(2):
        make_task(last, f"b{i}")

    rows = parse_csv(Api(client, owner).get(f"/projects/{project.pk}/export.csv"))

    assert [r[:2] for r in rows[1:]] == [
        ["One", "a0"],
        ["One", "a1"],
        ["One", "a2"],
        ["Gap", ""],
        ["Two", "b0"],
        ["Two", "b1"],
        ["Tail", ""],
    ]


def test_the_export_reads_a_bounded_number_of_queries(client, owner, django_assert_max_num_queries):
    project = make_project(owner, "Many")
    phase = make_phase(project)
    for i in range(30):
        make_task(phase, f"t{i}", assignees=[owner])
    api = Api(client, owner)
    api.get("/projects/export.csv")

    with django_assert_max_num_queries(8):
        rows = parse_csv(api.get(f"/projects/{project.pk}/export.csv"))
    assert len(rows) == 31
    with django_assert_max_num_queries(8):
        parse_csv(api.get("/projects/export.csv"))


def test_another_workspaces_project_is_a_404(client, outsider, scene):
    api = Api(client, outsider)

    for fmt in ("csv", "xlsx"):
        response = api.get(f"/projects/{scene['project'].pk}/export.{fmt}")
        assert response.status_code == 404
        assert response.json()["detail"]


def test_another_workspaces_list_has_none_of_ours(client, outsider, scene):
    rows = parse_csv(Api(client, outsider).get("/projects/export.csv"))

    assert rows[1:] == []


def test_a_missing_project_is_a_404(client, owner):
    assert Api(client, owner).get("/projects/987654/export.csv").status_code == 404


def test_the_module_switched_off_makes_every_export_a_404(client, workspace, owner, scene):
    workspace.modules = {"projects": False}
    workspace.save()
    api = Api(client, owner)

    for path in ("/projects/export.csv", "/projects/export.xlsx"):
        assert api.get(path).status_code == 404
    for fmt in ("csv", "xlsx"):
        assert api.get(f"/projects/{scene['project'].pk}/export.{fmt}").status_code == 404


def test_the_api_needs_a_login(client, scene):
    assert client.get("/api/v1/projects/export.csv").status_code == 401


def test_any_staff_member_may_export_a_project_they_are_not_in(client, workspace, scene):
    viewer = make_member(workspace, "viewer@acme.test")

    rows = parse_csv(Api(client, viewer).get(f"/projects/{scene['project'].pk}/export.csv"))

    assert len(rows) == 5


# --- the pages' downloads -------------------------------------------------------------


def test_the_page_downloads_match_the_api(client, workspace, member, scene):
    client.force_login(member.user)
    base = f"/w/{workspace.slug}/projects"

    one = parse_csv(client.get(f"{base}/{scene['project'].pk}/export.csv"))
    every = parse_csv(client.get(f"{base}/export.csv"))
    sheet = parse_xlsx(client.get(f"{base}/export.xlsx"))

    assert one[1][1] == "Wireframes"
    assert [r[1] for r in every[1:]] == ["Archive", "Relaunch"]
    assert sheet.cell(row=3, column=2).value == "Relaunch"


def test_the_page_downloads_refuse_unknown_formats_and_outsiders(
    client, workspace, outsider, member, scene
):
    client.force_login(member.user)
    base = f"/w/{workspace.slug}/projects"
    assert client.get(f"{base}/export.pdf").status_code == 404
    assert client.get(f"{base}/{scene['project'].pk}/export.vcf").status_code == 404

    client.force_login(outsider.user)
    assert client.get(f"{base}/export.csv").status_code == 404
    theirs = f"/w/{outsider.workspace.slug}/projects/{scene['project'].pk}/export.csv"
    assert client.get(theirs).status_code == 404


def test_the_page_downloads_are_gone_with_the_module(client, workspace, member, scene):
    workspace.modules = {"projects": False}
    workspace.save()
    client.force_login(member.user)

    assert client.get(f"/w/{workspace.slug}/projects/export.csv").status_code == 404


def test_the_export_menu_links_to_the_downloads(workspace, scene):
    from django.template.loader import render_to_string

    every = render_to_string("projects/partials/export_menu.html", {"workspace": workspace})
    one = render_to_string(
        "projects/partials/export_menu.html", {"workspace": workspace, "project": scene["project"]}
    )

    assert f'href="/w/{workspace.slug}/projects/export.csv"' in every
    assert f'href="/w/{workspace.slug}/projects/export.xlsx"' in every
    assert f'href="/w/{workspace.slug}/projects/{scene["project"].pk}/export.xlsx"' in one
    assert "/projects/export.csv" not in one
