"""Reading an uploaded file row by row: CSV in UTF-8 (with or without a BOM) or GB18030/GBK,
as Chinese spreadsheet programs save it, and XLSX. Rows are streamed, never all in memory.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

from django.utils.translation import gettext as _

from guanxi.core.errors import ValidationFailed

ENCODINGS = ("utf-8", "gb18030")
XLSX_MAGIC = b"PK\x03\x04"
_SNIFF_BYTES = 1 << 20
csv.field_size_limit(1 << 20)


def detect_format(head: bytes, name: str) -> str:
    if head.startswith(XLSX_MAGIC) or name.lower().endswith((".xlsx", ".xlsm")):
        return "xlsx"
    return "csv"


def detect_encoding(head: bytes) -> str:
    """UTF-8 if the start of the file decodes as UTF-8, else GB18030 (a superset of GBK)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8"
    if b"\x00" in head[:4096]:
        raise ValidationFailed.on(
            "file", _("The file is neither UTF-8 nor GB18030/GBK text. Save it as CSV UTF-8.")
        )
    for encoding in ENCODINGS:
        try:
            codecs.getincrementaldecoder(encoding)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
        return encoding
    raise ValidationFailed.on(
        "file", _("The file is neither UTF-8 nor GB18030/GBK text. Save it as CSV UTF-8.")
    )


def _text(path: Path, encoding: str) -> io.TextIOWrapper:
    codec = "utf-8-sig" if encoding == "utf-8" else encoding
    return open(path, encoding=codec, errors="strict", newline="")


def _dialect(path: Path, encoding: str) -> type[csv.Dialect] | csv.Dialect:
    with _text(path, encoding) as handle:
        sample = handle.read(8192)
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        return csv.excel


def _cell(value: object) -> str:
    """An XLSX cell as the text a person would type (dates as ISO, whole numbers without .0)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date | Decimal | int):
        return str(value)
    return str(value)


def rows(path: Path, file_format: str, encoding: str) -> Iterator[list[str]]:
    """Every row of the file as a list of strings, the header first."""
    if file_format == "xlsx":
        yield from _xlsx_rows(path)
        return
    with _text(path, encoding) as handle:
        yield from csv.reader(handle, _dialect(path, encoding))


def _xlsx_rows(path: Path) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    # data_only: a formula cell gives the value the spreadsheet last computed, never the
    # formula; nothing in a file is ever evaluated.
    handle = open(path, "rb")  # noqa: SIM115 (openpyxl judges a path by its suffix)
    try:
        book = load_workbook(handle, read_only=True, data_only=True)
    except Exception:
        handle.close()
        raise ValidationFailed.on("file", _("The file is not a readable XLSX workbook.")) from None
    try:
        sheet = book.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            cells = [_cell(v) for v in values]
            while cells and cells[-1] == "":
                cells.pop()
            yield cells
    finally:
        book.close()
        handle.close()


def count_rows(path: Path, file_format: str) -> int:
    """About how many data rows the file holds (for the progress bar)."""
    if file_format == "xlsx":
        return _xlsx_count(path)
    lines = 0
    last = b"\n"
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    if last != b"\n":
        lines += 1
    return max(lines - 1, 0)


def _xlsx_count(path: Path) -> int:
    """The first sheet's row count from its dimension, or else estimated from the size of
    its XML and of its first rows (files written in streaming mode have no dimension)."""
    import re
    import zipfile

    from openpyxl import load_workbook

    with open(path, "rb") as handle:
        book = load_workbook(handle, read_only=True)
        try:
            sheet = book.worksheets[0]
            if sheet.max_row:
                return max(sheet.max_row - 1, 0)
            member = sheet._worksheet_path.lstrip("/")
        finally:
            book.close()
    with zipfile.ZipFile(path) as archive:
        size = archive.getinfo(member).file_size
        with archive.open(member) as xml:
            start = xml.read(1 << 16)
    rows = len(re.findall(rb"<(?:\w+:)?row[ >]", start))
    if rows < 2 or size <= len(start):
        return max(rows - 1, 0)
    return int(size / len(start) * rows) - 1


def head(path: Path, file_format: str, encoding: str, n: int = 6) -> tuple[list[str], list]:
    """The header and the first ``n`` data rows (for the mapping page); an error if empty."""
    found: list[list[str]] = []
    try:
        for row in rows(path, file_format, encoding):
            found.append(row)
            if len(found) > n:
                break
    except UnicodeDecodeError:
        raise ValidationFailed.on(
            "file", _("The file is not %(encoding)s text.") % {"encoding": encoding}
        ) from None
    except csv.Error as exc:
        raise ValidationFailed.on("file", str(exc)) from None
    header = [h.strip() for h in found[0]] if found else []
    if not any(header):
        raise ValidationFailed.on("file", _("The file is empty."))
    return header, found[1:]


def sniff_bytes(path: Path) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(_SNIFF_BYTES)
