"""Project overviews over the API, as CSV (streamed) or XLSX.

`GET /api/v1/projects/export.csv|.xlsx`: every project, one row each with its totals.
`GET /api/v1/projects/{project_id}/export.csv|.xlsx`: one project, a row per task.
Mounted before the projects router so that `/projects/export.csv` is not read as a
project id. The module switched off, or a project of another workspace, is a 404.
"""

from ninja import Router

from rapport.core.api import Id
from rapport.projects.exporting import project_export, projects_export

router = Router(tags=["projects"])


def _all(request, fmt: str):
    actor = request.membership
    return projects_export(workspace=actor.workspace, actor=actor, fmt=fmt).response()


def _one(request, project_id: int, fmt: str):
    actor = request.membership
    export = project_export(workspace=actor.workspace, actor=actor, project_id=project_id, fmt=fmt)
    return export.response()


@router.get("/projects/export.csv")
def projects_export_csv(request):
    """Every project: id, name, status, company, members, tasks, done, minutes (CSV)."""
    return _all(request, "csv")


@router.get("/projects/export.xlsx")
def projects_export_xlsx(request):
    """Every project: id, name, status, company, members, tasks, done, minutes (Excel)."""
    return _all(request, "xlsx")


@router.get("/projects/{project_id}/export.csv")
def project_export_csv(request, project_id: Id):
    """One project, a row per task: phase, task, category, status, priority, assignees,
    due date, minutes (CSV)."""
    return _one(request, project_id, "csv")


@router.get("/projects/{project_id}/export.xlsx")
def project_export_xlsx(request, project_id: Id):
    """One project, a row per task: phase, task, category, status, priority, assignees,
    due date, minutes (Excel)."""
    return _one(request, project_id, "xlsx")
