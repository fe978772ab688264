"""One export as the API and the CLI run it: validate first, then stream."""

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapport.core.errors import Invalid
from rapport.dataio.exporting.cells import columns_for, headers, parse_column_keys
from rapport.dataio.exporting.files import attachment, stream_csv, write_xlsx, xlsx_response
from rapport.dataio.exporting.rows import Rows, company_rows, contact_rows

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "vcf": "text/vcard; charset=utf-8",
}
PLURAL = {"contact": "contacts", "company": "companies"}


@dataclass
class Export:
    """A prepared export: filters and columns validated, rows not read yet."""

    entity: str
    fmt: str
    filename: str
    header: list[str]
    rows: Rows | None = None
    cards: Iterator[str] | None = None

    def chunks(self) -> Iterator[bytes]:
        """The file's bytes, piece by piece (CSV and vCard; XLSX is written whole)."""
        from rapport.dataio.vcard import stream_cards

        if self.fmt == "csv":
            return stream_csv(self.header, self.rows)
        if self.fmt == "vcf":
            return stream_cards(self.cards)
        raise ValueError("XLSX is not streamed: use write() or response().")

    def write(self, out) -> None:
        """Write the file to a binary file object."""
        if self.fmt == "xlsx":
            write_xlsx(out, self.header, self.rows, title=str(_title(self.entity)))
        else:
            for chunk in self.chunks():
                out.write(chunk)

    def response(self):
        if self.fmt == "xlsx":
            return xlsx_response(
                self.filename, self.header, self.rows, title=str(_title(self.entity))
            )
        response = StreamingHttpResponse(self.chunks(), content_type=FORMATS[self.fmt])
        return attachment(response, self.filename)


def _title(entity: str):
    return gettext_lazy("Contacts") if entity == "contact" else gettext_lazy("Companies")


def export_queryset(*, workspace, actor, entity: str, params) -> QuerySet:
    """The list's rows for `params` (the filter language): visible to the actor only,
    test contacts left out unless the filter asks, in the list's order."""
    from rapport.customers.selectors import company_visible, contact_visible_scan
    from rapport.filters import parse_filters

    parsed = parse_filters(workspace=workspace, actor=actor, entity=entity, params=params)
    if entity == "contact":
        # An export reads every visible row: the visible ids first, not a probe per row.
        visible = contact_visible_scan(workspace=workspace, actor=actor)
    else:
        visible = company_visible(workspace=workspace, actor=actor)
    return parsed.apply(visible).order_by(*parsed.order)


def export_prepare(
    *,
    workspace,
    actor,
    entity: str,
    fmt: str,
    params,
    columns: str | Sequence[str] | None = None,
    today: dt.date | None = None,
    chunk_size: int | None = None,
) -> Export:
    """Validate an export (format, filters, columns) and return it ready to run.

    Every `Invalid` is raised here, before a byte is sent: a streamed response cannot turn
    into an error page once it has started.
    """
    from django.utils import timezone

    from rapport.dataio.vcard import contact_cards

    if fmt not in FORMATS or (fmt == "vcf" and entity != "contact"):
        raise Invalid(_("Export as csv, xlsx or (contacts only) vcf."), field="format")
    queryset = export_queryset(workspace=workspace, actor=actor, entity=entity, params=params)
    day = today or timezone.localdate()
    export = Export(
        entity=entity, fmt=fmt, filename=f"{PLURAL[entity]}-{day.isoformat()}.{fmt}", header=[]
    )
    if fmt == "vcf":
        export.cards = contact_cards(workspace, queryset)
        return export
    chosen = columns_for(workspace=workspace, entity=entity, keys=parse_column_keys(columns))
    export.header = headers(chosen)
    rows = contact_rows if entity == "contact" else company_rows
    export.rows = rows(workspace, queryset, chosen, actor=actor, chunk_size=chunk_size)
    return export
