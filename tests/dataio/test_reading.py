"""Reading uploads: encodings, delimiters, header rows, XLSX, garbage and streaming."""

import codecs
import csv
import datetime as dt
import io
import os
import re
import tempfile
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from rapport.core.errors import Invalid
from rapport.dataio.reading import Sniffed, cell_text, count_rows, iter_rows, sniff

FIXTURES = Path(__file__).parent / "fixtures"


def write(tmp_path, data: bytes | str, name="upload.csv", encoding="utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode(encoding) if isinstance(data, str) else data)
    return path


def rows(path, sniffed=None):
    return list(iter_rows(path, sniffed or sniff(path)))


@pytest.mark.parametrize(
    ("name", "encoding", "delimiter", "header_row", "count"),
    [
        ("google_contacts.csv", "utf-8", ",", 1, 4),
        ("google_contacts_legacy.csv", "utf-16", ",", 1, 3),
        ("outlook.csv", "cp1252", ",", 1, 3),
        ("unicode_text.txt", "utf-16", "\t", 1, 2),
        ("hubspot_contacts.csv", "utf-8", ",", 1, 7),
        ("plain.csv", "utf-8-sig", ",", 1, 5),
        ("polish_cp1250.csv", "cp1250", ";", 3, 3),
        ("companies.csv", "utf-8", ",", 1, 3),
        ("companies_dutch.csv", "cp1252", ";", 1, 2),
        ("hubspot_companies.csv", "utf-8", ",", 1, 2),
    ],
)
def test_each_fixture_is_sniffed_and_counted(name, encoding, delimiter, header_row, count):
    path = FIXTURES / name
    sniffed = sniff(path)
    assert (sniffed.kind, sniffed.encoding, sniffed.delimiter, sniffed.header_row) == (
        "csv",
        encoding,
        delimiter,
        header_row,
    )
    assert count_rows(path, sniffed) == count
    assert len(rows(path, sniffed)) == count


def test_polish_cp1250_file_reads_its_letters():
    sniffed = sniff(FIXTURES / "polish_cp1250.csv")
    assert sniffed.headers == [
        "Imię",
        "Nazwisko",
        "E-mail",
        "Telefon",
        "Firma",
        "Stanowisko",
        "Etykiety",
        "Źródło",
    ]
    first = rows(FIXTURES / "polish_cp1250.csv", sniffed)[0]
    assert first == (
        4,
        [
            "Zażółć",
            "Gęślą-Jaźń",
            "zazolc@example.pl",
            "+48 42 630 00 00",
            "Łódzkie Młyny S.A.",
            "Główna księgowa",
            "Klienci;Łódź",
            "Targi",
        ],
    )


def test_dutch_cp1252_file_reads_its_letters():
    got = rows(FIXTURES / "outlook.csv")
    assert [cells[1] for _n, cells in got] == ["Anaïs", "Joël", "Jürgen"]
    assert got[2][1][3] == "Weiß"


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("Miasto;Ulica\nŁódź;Piotrkowska\nKraków;Floriańska\n", "cp1250"),
        ("Imię,Nazwisko\nZażółć,gęślą jaźń\nŁukasz,Żółw\n", "cp1250"),
        ("naam;plaats\nRené Geërts;Zeeuws-Vlaanderen\nNoël Loïc;Groß Straße\n", "cp1252"),
        ("nom;ville\nHélène Côté;Besançon\nFrançois Lefèvre;Orléans\n", "cp1252"),
    ],
)
def test_single_byte_code_page_is_chosen_by_plausible_letters(tmp_path, text, encoding):
    path = write(tmp_path, text, encoding=encoding)
    sniffed = sniff(path)
    assert sniffed.encoding == encoding
    expected = [line.split(sniffed.delimiter) for line in text.splitlines()[1:]]
    assert [cells for _n, cells in rows(path, sniffed)] == expected


def test_non_utf8_bytes_deep_in_a_file_are_noticed(tmp_path):
    head = "Imię;Nazwisko\n" + "Jan;Nowak\n" * 20_000  # ASCII for the first 200 KB
    path = write(tmp_path, head + "Paweł;Łęcki\n", encoding="cp1250")
    sniffed = sniff(path)
    assert sniffed.encoding == "cp1250"
    assert rows(path, sniffed)[-1][1] == ["Paweł", "Łęcki"]


def test_utf8_with_a_stray_byte_stays_utf8(tmp_path):
    data = "Imię,Miasto\nŁucja,Łódź\nŻaneta,Gdańsk\n".encode() + b"Bad,\xff\n"
    sniffed = sniff(write(tmp_path, data))
    assert sniffed.encoding == "utf-8"
    assert rows(tmp_path / "upload.csv", sniffed)[-1][1] == ["Bad", "\ufffd"]


@pytest.mark.parametrize(
    ("codec", "bom", "expected"),
    [
        ("utf-16-le", codecs.BOM_UTF16_LE, "utf-16"),
        ("utf-16-be", codecs.BOM_UTF16_BE, "utf-16"),
        ("utf-16-le", b"", "utf-16-le"),
        ("utf-16-be", b"", "utf-16-be"),
        ("utf-8", codecs.BOM_UTF8, "utf-8-sig"),
    ],
)
def test_unicode_encodings_with_and_without_bom(tmp_path, codec, bom, expected):
    text = "First Name\tLast Name\tEmail\r\nŁucja\tÖzdemir\tl@example.com\r\n"
    path = write(tmp_path, bom + text.encode(codec))
    sniffed = sniff(path)
    assert (sniffed.encoding, sniffed.delimiter) == (expected, "\t")
    assert sniffed.headers == ["First Name", "Last Name", "Email"]
    assert rows(path, sniffed) == [(2, ["Łucja", "Özdemir", "l@example.com"])]


def test_bom_is_removed_from_the_first_header(tmp_path):
    sniffed = sniff(write(tmp_path, "\ufeffEmail,Name\na@example.com,A\n"))
    assert sniffed.headers == ["Email", "Name"]


def test_semicolons_win_over_decimal_commas(tmp_path):
    text = "Name;Revenue;Score\nA;12,50;3,5\nB;7,25;1,0\nC;1,00;2,0\n"
    sniffed = sniff(write(tmp_path, text))
    assert sniffed.delimiter == ";"


def test_commas_win_over_semicolons_inside_quoted_cells(tmp_path):
    text = 'Name,Labels,Email\nA,"x;y;z",a@example.com\nB,"p;q",b@example.com\n'
    sniffed = sniff(write(tmp_path, text))
    assert sniffed.delimiter == ","
    assert rows(tmp_path / "upload.csv", sniffed)[0] == (2, ["A", "x;y;z", "a@example.com"])


def test_inch_marks_are_not_quotes(tmp_path):
    text = 'Product,Size,Company\nMonitor 24",24,Dell\nTV 55" OLED,55,LG\nCable,1,"Acme, Inc."\n'
    path = write(tmp_path, text)
    sniffed = sniff(path)
    assert sniffed.delimiter == ","
    assert rows(path, sniffed) == [
        (2, ['Monitor 24"', "24", "Dell"]),
        (3, ['TV 55" OLED', "55", "LG"]),
        (4, ["Cable", "1", "Acme, Inc."]),
    ]


def test_tabs_are_detected(tmp_path):
    sniffed = sniff(write(tmp_path, "Name\tEmail\tCity\nA, Jr.\ta@example.com\tX\n"))
    assert sniffed.delimiter == "\t"


def test_header_after_blank_lines_and_a_title_line(tmp_path):
    text = (
        "\n\nExported from OldCRM on 2024-05-01 12:00\n\n"
        "Name,Email,Phone\nA,a@x.com,1\n\nB,b@x.com,2\n"
    )
    path = write(tmp_path, text)
    sniffed = sniff(path)
    assert (sniffed.header_row, sniffed.headers) == (5, ["Name", "Email", "Phone"])
    # Row numbers are what a spreadsheet shows: blank lines count, blank rows are skipped.
    assert rows(path, sniffed) == [(6, ["A", "a@x.com", "1"]), (8, ["B", "b@x.com", "2"])]


def test_unknown_headers_are_still_the_first_full_row(tmp_path):
    text = "Kolumna A,Kolumna B,Kolumna C\nfoo,bar,baz\n"
    assert sniff(write(tmp_path, text)).header_row == 1


def test_quoted_newlines_stay_in_their_cell_and_rows_are_counted_as_records(tmp_path):
    text = 'Name,Notes,Email\r\nA,"line one\r\nline two",a@x.com\r\nB,"",b@x.com\r\n'
    path = write(tmp_path, text)
    assert rows(path) == [(2, ["A", "line one\r\nline two", "a@x.com"]), (3, ["B", "", "b@x.com"])]


def test_old_mac_line_endings(tmp_path):
    path = write(tmp_path, "Name,Email\rA,a@x.com\rB,b@x.com\r")
    assert rows(path) == [(2, ["A", "a@x.com"]), (3, ["B", "b@x.com"])]


def test_cells_are_padded_and_cut_to_the_header(tmp_path):
    text = "Name,Email,Phone\nA\nB,b@x.com,1,extra,more\n,,\n"
    path = write(tmp_path, text)
    assert rows(path) == [(2, ["A", "", ""]), (3, ["B", "b@x.com", "1"])]
    assert count_rows(path, sniff(path)) == 2


def test_trailing_empty_header_cells_are_dropped(tmp_path):
    sniffed = sniff(write(tmp_path, "Name;Email;;\nA;a@x.com;;\n"))
    assert sniffed.headers == ["Name", "Email"]


def test_a_one_column_list_of_emails_is_a_table(tmp_path):
    path = write(tmp_path, "Email\na@example.com\nb@example.com\n")
    sniffed = sniff(path)
    assert sniffed.headers == ["Email"]
    assert rows(path, sniffed) == [(2, ["a@example.com"]), (3, ["b@example.com"])]


def test_a_header_only_file_has_no_rows(tmp_path):
    path = write(tmp_path, "Name,Email\n")
    assert count_rows(path, sniff(path)) == 0


# --- XLSX ------------------------------------------------------------------------------


def make_xlsx(path: Path, rows_: list[list]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows_:
        ws.append(r)
    wb.save(path)
    return path


def naive(text: str) -> dt.datetime:
    """Spreadsheet cells hold wall-clock times without a zone."""
    return dt.datetime.fromisoformat(text)


HEADERS = ["First Name", "Last Name", "Email", "Phone", "Birthday", "Score", "Active", "Met at"]


def test_xlsx_is_recognised_by_content_and_values_are_text(tmp_path):
    path = make_xlsx(
        tmp_path / "upload.bin",
        [
            ["Contacts export"],
            [],
            HEADERS,
            [
                "Łucja",
                "Wąs",
                "l@example.pl",
                48600700800.0,
                naive("1990-05-17T00:00"),
                12.5,
                True,
                naive("2024-03-01T09:30"),
            ],
            [None, None, None, None, None, None, None, None],
            ["Jan", "Nowak", None, 12.0, dt.date(2000, 1, 2), 3, False],
        ],
    )
    sniffed = sniff(path, filename="contacts.xlsx")
    assert sniffed == Sniffed(
        kind="xlsx",
        encoding=None,
        delimiter=None,
        headers=[
            "First Name",
            "Last Name",
            "Email",
            "Phone",
            "Birthday",
            "Score",
            "Active",
            "Met at",
        ],
        header_row=3,
    )
    assert rows(path, sniffed) == [
        (
            4,
            [
                "Łucja",
                "Wąs",
                "l@example.pl",
                "48600700800",
                "1990-05-17",
                "12.5",
                "true",
                "2024-03-01 09:30:00",
            ],
        ),
        (6, ["Jan", "Nowak", "", "12", "2000-01-02", "3", "false", ""]),
    ]
    assert count_rows(path, sniffed) == 2


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (12.0, "12"),
        (0.1 + 0.2, "0.3"),
        (-3, "-3"),
        (1e20, "1e+20"),
        (float("nan"), ""),
        (dt.time(8, 5), "08:05:00"),
        (naive("2024-01-02T00:00"), "2024-01-02"),
        (naive("2024-01-02T08:05:09"), "2024-01-02 08:05:09"),
        (" padded ", " padded "),
    ],
)
def test_cell_text(value, text):
    assert cell_text(value) == text


def test_xlsx_with_wrong_declared_dimensions_is_read_whole(tmp_path):
    path = make_xlsx(tmp_path / "a.xlsx", [["Email"], ["a@x.com"], ["b@x.com"]])

    def shrink(items):
        # Some writers declare "A1:A1" whatever the sheet holds.
        sheet = items["xl/worksheets/sheet1.xml"]
        assert b'<dimension ref="A1:A3"' in sheet
        items["xl/worksheets/sheet1.xml"] = sheet.replace(b'ref="A1:A3"', b'ref="A1:A1"')

    rewrite_zip(path, shrink)
    assert rows(path) == [(2, ["a@x.com"]), (3, ["b@x.com"])]


def rewrite_zip(path: Path, change) -> None:
    with zipfile.ZipFile(path) as src:
        items = {name: src.read(name) for name in src.namelist()}
    change(items)
    with zipfile.ZipFile(path, "w") as dst:
        for name, data in items.items():
            dst.writestr(name, data)


SHEET = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<x:sheetData>
<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>Report of 2024</x:t></x:is></x:c></x:row>
<x:row r="3"><x:c r="A3" t="inlineStr"><x:is><x:t>Email</x:t></x:is></x:c>
<x:c r="B3" t="inlineStr"><x:is><x:r><x:t>Na</x:t></x:r><x:r><x:t>me</x:t></x:r></x:is>
</x:c></x:row>
<x:row r="4"><x:c r="A4" t="inlineStr"><x:is><x:t>a@x.com</x:t></x:is></x:c></x:row>
<x:row r="5" s="1" customFormat="1"/>
<x:row r="6"><x:c r="A6" s="1"/><x:c r="B6" s="1"/></x:row>
<x:row><x:c r="B7"><x:v>12.0</x:v></x:c></x:row>
<x:row r="9"><x:c r="A9" t="inlineStr"><x:is><x:t xml:space="preserve">  </x:t></x:is></x:c>
<x:c r="B9" t="inlineStr"><x:is><x:t>Łucja</x:t></x:is></x:c></x:row>
</x:sheetData>
</x:worksheet>"""


def test_xlsx_from_other_writers_counts_what_it_reads(tmp_path):
    # Prefixed elements, inline (and rich) strings, a row without "r", formatted empty rows.
    path = make_xlsx(tmp_path / "other.xlsx", [["placeholder"]])

    def replace_sheet(items):
        items["xl/worksheets/sheet1.xml"] = SHEET.encode()

    rewrite_zip(path, replace_sheet)
    sniffed = sniff(path)
    assert (sniffed.headers, sniffed.header_row) == (["Email", "Name"], 3)
    assert rows(path, sniffed) == [(4, ["a@x.com", ""]), (7, ["", "12"]), (9, ["  ", "Łucja"])]
    assert count_rows(path, sniffed) == 3


def test_xlsx_without_worksheets_is_invalid(tmp_path):
    path = make_xlsx(tmp_path / "none.xlsx", [["Email"]])

    def drop_sheets(items):
        book = items["xl/workbook.xml"]
        items["xl/workbook.xml"] = re.sub(rb"<sheet [^>]*/>", b"", book)

    rewrite_zip(path, drop_sheets)
    with pytest.raises(Invalid) as exc:
        sniff(path)
    assert exc.value.field == "file"
    assert exc.value.message == "This Excel file has no worksheet."


def test_empty_xlsx_is_invalid(tmp_path):
    path = make_xlsx(tmp_path / "empty.xlsx", [])
    with pytest.raises(Invalid, match="worksheet of this Excel file is empty"):
        sniff(path)


# --- Garbage ---------------------------------------------------------------------------


def zipped(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (codecs.BOM_UTF8, "The file is empty."),
        (codecs.BOM_UTF16_LE + " \r\n".encode("utf-16-le"), "The file is empty."),
        (b"\n\n  \r\n", "The file is empty."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "not a CSV or Excel"),
        (b"\x7fELF\x02\x01\x01\x00" + bytes(200), "not a CSV or Excel"),
        (b'{"contacts": [{"name": "A"}, {"name": "B"}]}', "JSON"),
        (b"<!DOCTYPE html><html><table><tr><td>A</td></tr></table></html>", "web page"),
        (
            b"Dear customer,\nthank you for your order\nwe will ship it soon, as promised.\n"
            b"Kind regards\n",
            "columns could not be found",
        ),
        (b"Hello world\nThis is a letter\nNo columns here\n", "columns could not be found"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), "Old Excel .* with a password"),
        (b"PK\x03\x04garbage that is no zip", "could not be opened"),
        (zipped({"hello.txt": b"hi"}), "not a CSV or Excel"),
        (zipped({"mimetype": b"application/vnd.oasis", "content.xml": b"<x/>"}), "OpenDocument"),
        (zipped({"xl/workbook.xml": b"<not a workbook"}), "could not be opened"),
    ],
)
def test_garbage_is_invalid_with_a_clear_message(tmp_path, data, message):
    path = write(tmp_path, data)
    with pytest.raises(Invalid, match=message) as exc:
        sniff(path)
    assert exc.value.field == "file"
    assert exc.value.status == 422


def test_text_named_xlsx_is_invalid(tmp_path):
    path = write(tmp_path, "Name,Email\nA,a@x.com\n", name="contacts.xlsx")
    with pytest.raises(Invalid, match="not a real Excel file"):
        sniff(path, filename="contacts.xlsx")


def test_missing_file_is_invalid(tmp_path):
    with pytest.raises(Invalid, match="could not be read"):
        sniff(tmp_path / "gone.csv")


def test_an_unclosed_quote_is_invalid_when_the_rows_are_read(tmp_path):
    text = 'Name,Notes\nA,"never closed\n' + ("x" * 1000 + "\n") * 200
    path = write(tmp_path, text)
    sniffed = sniff(path)
    with pytest.raises(Invalid, match="Row 2 could not be read: check its quotes."):
        rows(path, sniffed)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    prefix=st.sampled_from(
        [
            b"",
            b"PK\x03\x04",
            codecs.BOM_UTF8,
            codecs.BOM_UTF16_LE,
            codecs.BOM_UTF16_BE,
            b"Name,Email\n",
            b"Imi\xea;Nazwisko\n",
        ]
    ),
    body=st.binary(max_size=3000),
)
@example(prefix=b"Name,Email\n", body=b'"' + b"x" * 3000)
@example(prefix=b"", body=b"a\x00b,c\n")
def test_random_bytes_give_a_table_or_invalid(prefix, body):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "upload"
        path.write_bytes(prefix + body)
        try:
            sniffed = sniff(path)
            got = list(iter_rows(path, sniffed))
            counted = count_rows(path, sniffed)
        except Invalid as exc:
            failure = exc
        else:
            failure = None
            assert all(len(cells) == len(sniffed.headers) for _n, cells in got)
            assert counted == len(got)
    if failure is not None:
        assert failure.field == "file"


CELL = st.text(alphabet=st.sampled_from(list("abcXYZ019 ,;\t\"'\n.-@ąęłŁóśźżÉéëïßÖ")), max_size=12)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.lists(st.lists(CELL, min_size=4, max_size=4), min_size=1, max_size=8),
    delimiter=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1250", "cp1252"]),
)
@example(data=[["", ";", ";", ";"]], delimiter=",", encoding="utf-8")
def test_a_written_csv_reads_back(data, delimiter, encoding):
    header = ["First Name", "Last Name", "Email", "Company"]
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    writer.writerows([header, *data])
    text = buf.getvalue()
    try:
        raw = text.encode(encoding)
    except UnicodeEncodeError:
        raw = text.encode("utf-8")
        encoding = "utf-8"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "upload.csv"
        path.write_bytes(raw)
        sniffed = sniff(path)
        got = [cells for _n, cells in iter_rows(path, sniffed)]
        counted = count_rows(path, sniffed)
    assert (sniffed.delimiter, sniffed.headers, sniffed.header_row) == (delimiter, header, 1)
    expected = [row for row in data if "".join(row).strip()]
    if encoding in ("cp1250", "cp1252"):
        # Which of the two code pages is a vote on the letters; the shape is certain.
        assert [len(cells) for cells in got] == [len(row) for row in expected]
    else:
        assert sniffed.encoding == encoding
        assert got == expected
    assert counted == len(expected)


# --- Streaming -------------------------------------------------------------------------


def test_a_50_mb_file_streams_in_flat_memory(tmp_path):
    path = tmp_path / "big.csv"
    notes = 'Spotkanie w Łodzi, potem "kawa";\n' * 30  # ~1 KB a row keeps the test quick
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    for i in range(500):
        writer.writerow(["Zofia", f"Wąs-{i}", f"zofia{i}@example.pl", f"+48 600 {i:06d}", notes])
    block, blocks = buf.getvalue(), 0
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("First Name,Last Name,Email,Phone,Notes\r\n")
        while f.tell() < 50_000_000:
            f.write(block)
            blocks += 1
    size = os.path.getsize(path)

    tracemalloc.start()
    try:
        sniffed = sniff(path)
        count = 0
        for _number, cells in iter_rows(path, sniffed):
            count += 1
            last = cells
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sniffed.headers == ["First Name", "Last Name", "Email", "Phone", "Notes"]
    assert count == blocks * 500
    assert last == ["Zofia", "Wąs-499", "zofia499@example.pl", "+48 600 000499", notes]
    assert peak < 5_000_000, f"peak {peak} bytes for a {size}-byte file"
