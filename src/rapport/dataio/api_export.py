"""Exports over the API: any contacts or companies list, with its filters, as a file.

`GET /api/v1/contacts/export.csv|.xlsx|.vcf?<filters>` and
`GET /api/v1/companies/export.csv|.xlsx?<filters>`: the filters are the list's (the filter
language; a bad one is a 422 like the list's), plus `columns=a,b,c` for CSV and XLSX.
Only the rows the caller may see, in the list's order. CSV and vCard stream; XLSX is
built in a temporary file first. The browser's session works for these GETs, so the list
pages link straight here.
"""

from django.http import HttpRequest
from ninja import Query, Router, Schema

from rapport.dataio.exporting import export_prepare

router = Router(tags=["exports"])


class ExportParams(Schema):
    """The documented parameters; every filter of the list (`custom.<key>`…) works too."""

    columns: str | None = None
    q: str | None = None
    role: str | None = None
    label: str | None = None
    team: str | None = None
    owner: str | None = None
    created_within_days: str | None = None
    created_after: str | None = None
    created_before: str | None = None
    sort: str | None = None


class ContactExportParams(ExportParams):
    source: str | None = None
    company: str | None = None
    is_active: str | None = None
    is_test: str | None = None


class CompanyExportParams(ExportParams):
    type: str | None = None


def _export(request: HttpRequest, entity: str, fmt: str):
    actor = request.membership
    params = {
        name: values[0] if len(values) == 1 else values for name, values in request.GET.lists()
    }
    export = export_prepare(
        workspace=actor.workspace,
        actor=actor,
        entity=entity,
        fmt=fmt,
        params=params,
        columns=params.get("columns"),
    )
    return export.response()


@router.get("/contacts/export.csv")
def contacts_export_csv(request, params: Query[ContactExportParams]):
    """The contacts list as CSV (UTF-8 with BOM), streamed."""
    return _export(request, "contact", "csv")


@router.get("/contacts/export.xlsx")
def contacts_export_xlsx(request, params: Query[ContactExportParams]):
    """The contacts list as an Excel workbook."""
    return _export(request, "contact", "xlsx")


@router.get("/contacts/export.vcf")
def contacts_export_vcf(request, params: Query[ContactExportParams]):
    """The contacts list as vCard 4.0 cards, streamed (`columns` does not apply)."""
    return _export(request, "contact", "vcf")


@router.get("/companies/export.csv")
def companies_export_csv(request, params: Query[CompanyExportParams]):
    """The companies list as CSV (UTF-8 with BOM), streamed."""
    return _export(request, "company", "csv")


@router.get("/companies/export.xlsx")
def companies_export_xlsx(request, params: Query[CompanyExportParams]):
    """The companies list as an Excel workbook."""
    return _export(request, "company", "xlsx")
