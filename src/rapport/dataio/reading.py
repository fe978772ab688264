"""Reading uploaded CSV and XLSX files: what a file is (`sniff`) and its rows (`iter_rows`).

Everything streams: a 1,000,000-row file is read a line (or an XLSX row) at a time, so
memory stays flat. Anything wrong with the file itself is an `Invalid` on the field "file"
with a message a person can act on; no other exception leaves this module.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
from django.utils.translation import gettext as _

from rapport.core.errors import Invalid
from rapport.dataio.mapping import known_header

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls (and .doc, .msg)
HEAD_BYTES = 64 * 1024  # what we look at to decide encoding, delimiter and header
SAMPLE_RECORDS = 50  # records of the head used for the delimiter
HEADER_CANDIDATES = 10  # non-blank rows among which the header is sought
DELIMITERS = ("\t", ";", ",")  # ties go to the earlier one: tabs are rarely data
MAX_HEADER_CELL = 255
CHUNK = 256 * 1024


@dataclass(frozen=True)
class Sniffed:
    kind: str  # "csv" | "xlsx"
    encoding: str | None  # "utf-8-sig", "utf-8", "utf-16", "utf-16-le", "utf-16-be",
    #                       "cp1250", "cp1252"; None for xlsx
    delimiter: str | None  # ",", ";", "\t"; None for xlsx
    headers: list[str]  # cleaned header cells (stripped; BOM removed)
    header_row: int  # 1-based row number of the header in the file


def _invalid(message: str) -> Invalid:
    return Invalid(message, field="file")


def _not_a_table() -> Invalid:
    return _invalid(_("This file is not a CSV or Excel (.xlsx) file."))


# ---------------------------------------------------------------------------------------
# Encoding

_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
# Letters that are common in the languages our users write (Polish, Dutch, German,
# French, …): a byte that decodes to one of them in one code page and to a symbol in the
# other decides the code page ("ł" is 0xB3 in cp1250 and "³" in cp1252).
_COMMON_LETTERS = set(
    "ąćęłńśźżĄĆĘŁŃŚŹŻ"  # Polish
    "áéíóúýäëïöüÁÉÍÓÚÝÄËÏÖÜß"  # shared by both code pages
    "àâçèêîôùûÀÂÇÈÊÎÔÙÛ"  # French (cp1252 only, except â, ç, î, ô)
)
_OTHER_LETTERS = set("čďěňřšťůžČĎĚŇŘŠŤŮŽőűŐŰ")  # Czech, Slovak, Hungarian


def _letter_score(text: str) -> int:
    score = 0
    for ch in text:
        if ch < "\x80":
            continue
        if ch in _COMMON_LETTERS:
            score += 3
        elif ch in _OTHER_LETTERS:
            score += 2
        elif ch.isalpha():
            score += 1
        else:
            score -= 5  # "³", "¹", "¿", a control character or an undefined byte
    return score


def _single_byte(sample: bytes) -> str:
    """cp1250 or cp1252, whichever turns the sample's high bytes into plausible letters."""
    scores = {
        enc: _letter_score(sample.decode(enc, errors="replace")) for enc in ("cp1250", "cp1252")
    }
    return "cp1250" if scores["cp1250"] > scores["cp1252"] else "cp1252"


_HIGH_RUN = re.compile(rb"[\x80-\xff]+")
SAMPLE_BUDGET = 64 * 1024  # bytes of context around non-ASCII text, enough to vote


def _scan(f) -> tuple[bool, bytes]:
    """Whether the whole file is UTF-8, and its non-ASCII text with a little context.

    One pass in chunks: a Polish letter on row 50,000 of an otherwise ASCII file still
    decides the code page. A character cut at the very end is damage, not an encoding.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    is_utf8 = True
    sample = bytearray()
    while chunk := f.read(CHUNK):
        if chunk.isascii() and not decoder.getstate()[0]:
            continue
        if is_utf8:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                is_utf8 = False
        for match in _HIGH_RUN.finditer(chunk):
            if len(sample) >= SAMPLE_BUDGET:
                break
            sample += chunk[max(0, match.start() - 24) : match.end() + 24] + b"\n"
        if not is_utf8 and len(sample) >= SAMPLE_BUDGET:
            break
    return is_utf8, bytes(sample)


def _detect_encoding(f, head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    half = len(head) // 2
    if half >= 4:
        even, odd = head[0::2].count(0), head[1::2].count(0)
        if odd > 0.3 * half and even < 0.02 * half:
            return "utf-16-le"
        if even > 0.3 * half and odd < 0.02 * half:
            return "utf-16-be"
    if b"\x00" in head:
        raise _not_a_table()
    f.seek(0)
    is_utf8, sample = _scan(f)
    if is_utf8:
        return "utf-8"
    valid = len(_UTF8_MULTIBYTE.findall(sample))
    stray = len(re.findall(rb"[\x80-\xff]", sample)) - 2 * valid
    if valid > stray:
        return "utf-8"  # UTF-8 with a few broken bytes: they become U+FFFD
    return _single_byte(sample)


# ---------------------------------------------------------------------------------------
# Delimiter and header


def _records_counts(text: str) -> list[dict[str, int]]:
    """Per record of the text (quoted newlines kept inside), delimiters outside quotes.

    As in the csv module, a quote opens a quoted cell only at the start of a cell, so an
    inch mark (`Monitor 24"`) is text; inside one, `""` is a quote, not its end.
    """
    records: list[dict[str, int]] = []
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = closed = False
    filled = False
    prev = "\n"
    for ch in text:
        if quoted:
            if ch == '"':
                quoted, closed = False, True
            prev = ch
            continue
        if ch == '"':
            quoted = closed or prev in counts or prev in "\r\n"
            filled = True
        elif ch in counts:
            counts[ch] += 1
            filled = True
        elif ch in "\r\n":
            if not (ch == "\n" and prev == "\r"):
                if filled:
                    records.append(counts)
                    if len(records) >= SAMPLE_RECORDS:
                        return records
                counts = dict.fromkeys(DELIMITERS, 0)
                filled = False
        elif not ch.isspace():
            filled = True
        closed = False
        prev = ch
    if filled:
        records.append(counts)
    return records


def _pick_delimiter(records: list[dict[str, int]]) -> tuple[str | None, bool]:
    """The delimiter used the same number of times on most lines (csv.Sniffer guesses
    wrong on files with commas inside cells and on title lines), and whether it is
    used consistently enough to believe in it without recognising a header word."""
    # Title lines without any delimiter ("Contacts export") do not count against one.
    start = next((i for i, r in enumerate(records) if any(r.values())), len(records))
    records = records[start:]
    scored = []
    for d in DELIMITERS:
        per_line = [r[d] for r in records]
        used = [n for n in per_line if n]
        if not used:
            continue
        mode, _count = Counter(used).most_common(1)[0]
        consistency = sum(1 for n in per_line if n == mode) / len(per_line)
        scored.append((consistency, mode, d, len(per_line)))
    if not scored:
        return None, False
    best = max(c for c, _m, _d, _n in scored)
    close = [(mode, -DELIMITERS.index(d), d) for c, mode, d, _n in scored if c >= best - 0.15]
    consistent = best >= 0.6 or max(n for _c, _m, _d, n in scored) <= 2
    return max(close)[2], consistent


_LOOKS_LIKE_DATA = re.compile(r"^[\d\s.,:/+()%-]+$|@|^https?://", re.IGNORECASE)


def _clean_header(cell: str) -> str:
    return " ".join(cell.replace("\ufeff", "").split())


def _pick_header(rows: list[tuple[int, list[str]]]) -> tuple[int, list[str]]:
    """The first row that reads most like column names: filled cells, words we know,
    none that look like data (numbers, dates, emails). Ties go to the earlier row, so a
    title line ("Exported from X on …") or blank lines before the header are skipped."""
    best = None
    for number, cells in rows[:HEADER_CANDIDATES]:
        filled = [c.strip() for c in cells if c.strip()]
        score = len(filled) + 3 * sum(1 for c in filled if known_header(c))
        score -= 2 * sum(1 for c in filled if _LOOKS_LIKE_DATA.search(c) or len(c) > 80)
        if best is None or score > best[0]:
            best = (score, number, cells)
    if best is None:
        raise _invalid(_("The file is empty."))
    _score, number, cells = best
    headers = [_clean_header(c) for c in cells]
    while headers and not headers[-1]:
        headers.pop()
    if not headers:
        raise _invalid(_("The file has no header row with column names."))
    if any(len(h) > MAX_HEADER_CELL for h in headers):
        raise _invalid(_("The first row does not look like column names."))
    if any(unicodedata.category(ch) in ("Cc", "Co", "Cs") for h in headers for ch in h):
        raise _not_a_table()
    return number, headers


def _check_text(text: str) -> None:
    """Refuse what is text but no table: JSON, HTML/XML, and binary that decoded anyhow."""
    if not text.strip():
        raise _invalid(_("The file is empty."))
    start = text.lstrip()[:1]
    if start in ("{", "["):
        raise _invalid(_("This looks like a JSON file: export a CSV or an Excel file."))
    if start == "<":
        raise _invalid(
            _("This looks like a web page or XML: save it as CSV or as an Excel (.xlsx) file.")
        )
    bad = sum(
        1
        for ch in text
        if ch == "\ufffd" or (unicodedata.category(ch) in ("Cc", "Co") and ch not in "\t\r\n")
    )
    if bad > max(2, len(text) // 100):
        raise _not_a_table()


def _sniff_csv(path: Path, head: bytes) -> Sniffed:
    with open(path, "rb") as f:
        encoding = _detect_encoding(f, head)
    text = head.decode(encoding, errors="replace")
    if len(head) == HEAD_BYTES:
        # The head ends mid-line (and maybe mid-character): judge only whole lines.
        cut = max(text.rfind("\n"), text.rfind("\r"))
        text = text[:cut] if cut > 0 else text
    if encoding == "utf-8-sig" or text.startswith("\ufeff"):
        text = text.lstrip("\ufeff")
    _check_text(text)
    delimiter, consistent = _pick_delimiter(_records_counts(text))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter or ",")
    rows = [(n, cells) for n, cells in enumerate(reader, 1) if any(c.strip() for c in cells)]
    number, headers = _pick_header(rows)
    # Prose has commas too, but not the same number on every line; one column is a
    # table only under a header we know ("Email"): then believe it, else refuse.
    if (delimiter is None or not consistent) and not any(known_header(h) for h in headers):
        raise _invalid(
            _(
                "The columns could not be found: separate them with commas, "
                "semicolons or tabs, or save the file as .xlsx."
            )
        )
    delimiter = delimiter or ","
    return Sniffed("csv", encoding, delimiter, headers, number)


# ---------------------------------------------------------------------------------------
# XLSX


def cell_text(value) -> str:
    """A spreadsheet value as the text a person sees: 12.0 → "12", dates in ISO."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return ""
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return f"{value:.15g}"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value.is_finite() else ""
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return str(value)


@contextmanager
def _worksheet(path: Path):
    """The first worksheet of the workbook, opened for streaming."""
    try:
        handle = open(path, "rb")  # closed below, after the workbook
    except OSError as exc:
        raise _invalid(_("The file could not be read.")) from exc
    wb = None
    try:
        try:
            wb = openpyxl.load_workbook(handle, read_only=True, data_only=True)
            sheets = wb.worksheets
        except Exception as exc:
            # openpyxl reports damaged files with whatever its parsers raise (zipfile,
            # XML, KeyError, ValueError…); for an upload they all mean the same thing.
            raise _invalid(_("This Excel file could not be opened: it may be damaged.")) from exc
        if not sheets:
            raise _invalid(_("This Excel file has no worksheet."))
        ws = sheets[0]
        ws.reset_dimensions()  # some writers declare A1:A1; read what is really there
        yield ws
    finally:
        if wb is not None:
            try:
                wb.close()
            except Exception:  # closing a damaged archive may fail again; nothing to keep
                pass
        handle.close()


def _xlsx_rows(ws) -> Iterator[tuple[int, list[str]]]:
    try:
        for number, values in enumerate(ws.iter_rows(values_only=True), 1):
            yield number, [cell_text(v) for v in values]
    except Invalid:
        raise
    except Exception as exc:
        raise _invalid(_("This Excel file could not be read: it may be damaged.")) from exc


def _sniff_xlsx(path: Path, head: bytes) -> Sniffed:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise _invalid(_("This Excel file could not be opened: it may be damaged.")) from exc
    if "xl/workbook.xml" not in names:
        if "content.xml" in names:
            raise _invalid(
                _("OpenDocument spreadsheets are not supported: save it as .xlsx or CSV.")
            )
        raise _not_a_table()
    rows: list[tuple[int, list[str]]] = []
    with _worksheet(path) as ws:
        for number, cells in _xlsx_rows(ws):
            if any(c.strip() for c in cells):
                rows.append((number, cells))
                if len(rows) >= HEADER_CANDIDATES:
                    break
    if not rows:
        raise _invalid(_("The first worksheet of this Excel file is empty."))
    number, headers = _pick_header(rows)
    return Sniffed("xlsx", None, None, headers, number)


_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _first_sheet_part(archive: zipfile.ZipFile) -> str:
    """The zip member of the workbook's first worksheet (the one openpyxl calls
    `worksheets[0]`: chartsheets do not count)."""
    book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {
        rel.get("Id"): rel.get("Target", "")
        for rel in rels.iter(f"{_PKG_REL_NS}Relationship")
        if rel.get("Type", "").endswith("/worksheet")
    }
    for sheet in book.iter():
        if sheet.tag.rsplit("}", 1)[-1] == "sheet" and sheet.get(f"{_REL_NS}id") in targets:
            target = targets[sheet.get(f"{_REL_NS}id")]
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    raise _invalid(_("This Excel file has no worksheet."))


_ROW_END = re.compile(rb"</(?:\w+:)?row>|<(?:\w+:)?row\b[^>]*/>")
_ROW_NUMBER = re.compile(rb'<(?:\w+:)?row\b[^>]*?\sr="(\d+)"')
_CELL_VALUE = re.compile(rb"<(?:\w+:)?[vt](?:\s[^>]*)?>\s*[^<\s]")  # <v>3</v>, <is><t>x</t>


def _xlsx_count(path: Path, header_row: int) -> int:
    """Rows after the header with a value, by scanning the sheet's XML row by row."""
    counted = row = 0
    pending = b""
    try:
        with zipfile.ZipFile(path) as archive, archive.open(_first_sheet_part(archive)) as sheet:
            while chunk := sheet.read(CHUNK):
                pending += chunk
                done = 0
                for end in _ROW_END.finditer(pending):
                    element = pending[done : end.end()]
                    done = end.end()
                    number = _ROW_NUMBER.search(element)
                    row = int(number.group(1)) if number else row + 1
                    if row > header_row and _CELL_VALUE.search(element):
                        counted += 1
                pending = pending[done:]
    except Invalid:
        raise
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError,
            ElementTree.ParseError) as exc:  # fmt: skip
        raise _invalid(_("This Excel file could not be read: it may be damaged.")) from exc
    return counted


# ---------------------------------------------------------------------------------------
# Public interface


def sniff(path: Path | str, *, filename: str = "") -> Sniffed:
    """What the file is: CSV (encoding, delimiter) or XLSX, and its header row.

    XLSX is recognised by its content; `filename` only sharpens the messages.
    """
    path = Path(path)
    try:
        with open(path, "rb") as f:
            head = f.read(HEAD_BYTES)
    except OSError as exc:
        raise _invalid(_("The file could not be read.")) from exc
    if not head.strip(b" \t\r\n\x00") or head in (
        codecs.BOM_UTF8,
        codecs.BOM_UTF16_LE,
        codecs.BOM_UTF16_BE,
    ):
        raise _invalid(_("The file is empty."))
    if head.startswith(ZIP_MAGIC):
        return _sniff_xlsx(path, head)
    if head.startswith(OLE_MAGIC):
        # Old .xls, and also .xlsx with a password: Excel wraps those in the same container.
        raise _invalid(
            _(
                "Old Excel (.xls) files and files with a password cannot be read: "
                "save it as .xlsx without a password, or as CSV."
            )
        )
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise _invalid(_("This is not a real Excel file although its name ends in .xlsx."))
    return _sniff_csv(path, head)


def _csv_rows(path: Path, sniffed: Sniffed) -> Iterator[tuple[int, list[str]]]:
    try:
        f = open(path, encoding=sniffed.encoding, errors="replace", newline="")
    except (OSError, LookupError) as exc:
        raise _invalid(_("The file could not be read.")) from exc
    number = 0
    with f:
        try:
            for cells in csv.reader(f, delimiter=sniffed.delimiter or ","):
                number += 1
                yield number, cells
        except csv.Error as exc:
            # A quote left open swallows the rest of the file until the cell is larger
            # than the csv module allows.
            raise _invalid(
                _("Row %(row)d could not be read: check its quotes.") % {"row": number + 1}
            ) from exc


def _rows(path, sniffed: Sniffed) -> Iterator[tuple[int, list[str]]]:
    path = Path(path)
    if sniffed.kind == "xlsx":
        with _worksheet(path) as ws:
            yield from _xlsx_rows(ws)
    else:
        yield from _csv_rows(path, sniffed)


def iter_rows(path: Path | str, sniffed: Sniffed) -> Iterator[tuple[int, list[str]]]:
    """The data rows after the header, streamed: (row number as a spreadsheet counts it,
    cells padded or cut to the header's width). Blank rows are skipped."""
    width = len(sniffed.headers)
    header_row = sniffed.header_row
    padding = [""] * width
    for number, cells in _rows(path, sniffed):
        if number <= header_row or not "".join(cells).strip():
            continue
        size = len(cells)
        if size != width:
            cells = cells[:width] if size > width else cells + padding[: width - size]
        yield number, cells


def count_rows(path: Path | str, sniffed: Sniffed) -> int:
    """How many rows `iter_rows` yields (the progress bar's total); streams the file.

    For XLSX the sheet's XML is scanned without building cells (many times faster than
    reading the rows); a row counts when a cell holds a value, so a row whose only values
    are blank strings counts although `iter_rows` skips it.
    """
    if sniffed.kind == "xlsx":
        return _xlsx_count(Path(path), sniffed.header_row)
    total = 0
    for number, cells in _rows(path, sniffed):
        if number > sniffed.header_row and "".join(cells).strip():
            total += 1
    return total
