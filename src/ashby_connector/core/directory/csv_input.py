"""CSV files the commands read (a users directory, desired roles): read whole, checked row by row,
every error naming its row (1 = the header) and field."""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Iterator
from pathlib import Path

# A cell starting with one of these is a formula to a spreadsheet (CSV injection): a name that
# reaches Ashby, and later someone's export, must not be one.
FORMULA_PREFIXES = ("=", "+", "-", "@")


class CsvRowError(ValueError):
    def __init__(self, source: str, row: int, field: str, message: str) -> None:
        super().__init__(f"{source} row {row}: field {field!r}: {message}")
        self.source = source
        self.row = row
        self.field = field


def csv_rows(
    path: str | Path, *, required: tuple[str, ...], allowed: tuple[str, ...]
) -> Iterator[tuple[int, dict[str, str]]]:
    """``(row number, {column: stripped value})`` for each data row, after checking the header."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CsvRowError(source, 0, "file", f"cannot read it ({type(exc).__name__})") from None
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in reader.fieldnames or []]
    for needed in required:
        if needed not in header:
            raise CsvRowError(source, 1, needed, f"the header must name the columns ({', '.join(allowed)})")
    unknown = [h for h in header if h not in allowed]
    if unknown:
        raise CsvRowError(source, 1, unknown[0], f"unknown column (columns: {', '.join(allowed)})")
    for number, row in enumerate(reader, start=2):
        if None in row:
            raise CsvRowError(source, number, "row", "more values than columns")
        values = {str(k).strip(): (v or "").strip() for k, v in row.items()}
        for field, value in values.items():
            check_text(source, number, field, value)
        yield number, values


def check_text(source: str, row: int, field: str, value: str, *, name: bool = False) -> None:
    """Refuse control and format characters (a NUL byte, a bidi override) in any value and, with
    ``name``, a value a spreadsheet would run as a formula."""
    for char in value:
        if unicodedata.category(char) in ("Cc", "Cf"):
            raise CsvRowError(source, row, field, f"control character U+{ord(char):04X} is not allowed")
    if name and value.startswith(FORMULA_PREFIXES):
        raise CsvRowError(
            source, row, field, f"must not start with {value[0]!r} (a spreadsheet would run it as a formula)"
        )
