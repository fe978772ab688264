"""Exports of contacts and companies: columns, rows, and the CSV/XLSX/vCard files.

The pieces are small so that other exports (user lists) reuse them:

- `cells`: `neutralise` (OWASP CSV injection), `CONTACT_COLUMNS` / `COMPANY_COLUMNS` and
  `contact_columns` / `company_columns`, which resolve a `columns=` list (custom fields
  included, per workspace).
- `rows`: `contact_rows` / `company_rows` turn a visibility-scoped, filtered, ordered
  queryset into rows, streamed chunk by chunk with a bounded number of queries per chunk.
- `files`: `stream_csv` / `csv_response` (CSV in ~64 KB pieces), `write_xlsx` /
  `xlsx_response`.
- `prepare`: `export_prepare`, one export as the API and the CLI run it.

Cells are neutralised in CSV and XLSX alike.
"""

from rapport.dataio.exporting.cells import (
    COMPANY_COLUMNS,
    CONTACT_COLUMNS,
    TRIGGERS,
    Column,
    columns_for,
    company_columns,
    contact_columns,
    headers,
    neutralise,
    neutralise_text,
    parse_column_keys,
)
from rapport.dataio.exporting.files import (
    BOM,
    CSV_PIECE,
    XLSX_MAX_ROWS,
    csv_response,
    stream_csv,
    write_xlsx,
    xlsx_response,
)
from rapport.dataio.exporting.prepare import FORMATS, Export, export_prepare, export_queryset
from rapport.dataio.exporting.rows import CHUNK_ROWS, Rows, company_rows, contact_rows

__all__ = [
    "BOM",
    "CHUNK_ROWS",
    "COMPANY_COLUMNS",
    "CONTACT_COLUMNS",
    "CSV_PIECE",
    "FORMATS",
    "TRIGGERS",
    "XLSX_MAX_ROWS",
    "Column",
    "Export",
    "Rows",
    "columns_for",
    "company_columns",
    "company_rows",
    "contact_columns",
    "contact_rows",
    "csv_response",
    "export_prepare",
    "export_queryset",
    "headers",
    "neutralise",
    "neutralise_text",
    "parse_column_keys",
    "stream_csv",
    "write_xlsx",
    "xlsx_response",
]
