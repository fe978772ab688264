"""Exports over the API: any contacts or companies list, with its filters, as a file.

`GET /api/v1/contacts/export.csv|.xlsx|.vcf?<filters>` and
`GET /api/v1/companies/export.csv|.xlsx?<filters>`: the filters are the list's (the filter
language; a bad one is a 422 like the list's), plus `columns=a,b,c` for CSV and XLSX.
Only the rows the caller may see, in the list's order. CSV and vCard stream; XLSX is
built in a temporary file first. The browser's session works for these GETs, so the list
pages link straight here.
"""

from django.http import HttpRequest
from ninja import Query, Router

from rapport.customers.api import CompanyFilterFields, ContactFilterFields
from rapport.dataio.exporting import export_prepare

router = Router(tags=["exports"])


class ContactExportParams(ContactFilterFields):
    """The list's filters (every one, `custom.<key>` included) and the columns to write."""

    columns: str | None = None


class CompanyExportParams(CompanyFilterFields):
    """The list's filters (every one, `custom.<key>` included) and the columns to write."""

    columns: str | None = None


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
