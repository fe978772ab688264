"""The file formats: CSV streamed in ~64 KB pieces, XLSX through a temporary file."""

import csv
import io
import itertools
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence

from django.http import FileResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from rapport.core.errors import Invalid
from rapport.dataio.exporting.cells import neutralise

CSV_PIECE = 64 * 1024  # bytes per piece of a streamed CSV
CSV_SLICE = 256  # rows handed to csv.writer at once (C speed) between size checks
BOM = "\ufeff"  # Excel reads a CSV as UTF-8 only when it starts with the BOM
XLSX_MAX_ROWS = 1_048_575  # Excel's sheet limit, less the header row


def _neutralised_batches(rows: Iterable[Sequence]) -> Iterator[list[Sequence]]:
    """Rows in batches with every cell safe: export `Rows` as they are, others cell by
    cell through `neutralise`."""
    if getattr(rows, "neutralised", False) and hasattr(rows, "batches"):
        yield from rows.batches()
        return
    for batch in itertools.batched(rows, CSV_SLICE):
        yield [[neutralise(v) for v in row] for row in batch]


def stream_csv(header: Sequence[str], rows: Iterable[Sequence]) -> Iterator[bytes]:
    """CSV as UTF-8 with a BOM (so Excel reads the accents), CRLF line ends, in pieces of
    about 64 KB. Every cell is neutralised (rows from `contact_rows`/`company_rows` come
    neutralised already and pass straight through, or as CSV the database wrote)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write(BOM)
    writer.writerow([neutralise(h) for h in header])
    lines = rows.csv_lines() if hasattr(rows, "csv_lines") else None
    if lines is not None:  # the database writes the rows' CSV itself
        yield buffer.getvalue().encode()
        yield from lines
        return
    for batch in _neutralised_batches(rows):
        for start in range(0, len(batch), CSV_SLICE):
            writer.writerows(batch[start : start + CSV_SLICE])
            if buffer.tell() >= CSV_PIECE:
                yield buffer.getvalue().encode()
                buffer.seek(0)
                buffer.truncate()
    yield buffer.getvalue().encode()


def attachment(response, filename: str):
    """A download named `filename` that no cache keeps (it holds people's data)."""
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "no-store"
    return response


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence]):
    """A streamed CSV download: the rows are read while the response is sent."""
    response = StreamingHttpResponse(
        stream_csv(header, rows), content_type="text/csv; charset=utf-8"
    )
    return attachment(response, filename)


# --- XLSX ---------------------------------------------------------------------------


def write_xlsx(target, header: Sequence[str], rows: Iterable[Sequence], *, title: str) -> int:
    """Write an XLSX workbook to `target` (path or binary file); return the row count.

    openpyxl's write-only workbook keeps one row at a time in memory and spools the sheet
    to its own temp file. Text cells are strings, neutralised (openpyxl would store text
    starting with "=" as a formula) and rid of the control characters XML cannot carry;
    ids stay numbers and empty cells stay empty.
    """
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([neutralise(h) for h in header])
    count = 0
    sub = ILLEGAL_CHARACTERS_RE.sub
    for batch in _neutralised_batches(rows):
        count += len(batch)
        if count > XLSX_MAX_ROWS:
            raise Invalid(
                _("An Excel sheet holds at most %(n)s rows: export CSV instead.")
                % {"n": f"{XLSX_MAX_ROWS:,}"},
                field="format",
            )
        for row in batch:
            sheet.append([sub("", v) if type(v) is str else v for v in row])
    workbook.save(target)
    return count


def xlsx_response(filename: str, header: Sequence[str], rows: Iterable[Sequence], *, title: str):
    """An XLSX download. Unlike CSV it is not streamed row by row: the workbook is written
    to a temporary file first (XLSX is a zip whose index comes last), then sent with a
    `FileResponse`, which reads it in blocks and deletes it when done."""
    handle = tempfile.TemporaryFile(suffix=".xlsx")
    try:
        write_xlsx(handle, header, rows, title=title)
        handle.seek(0, os.SEEK_SET)
    except BaseException:
        handle.close()
        raise
    response = FileResponse(
        handle,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    return attachment(response, filename)
