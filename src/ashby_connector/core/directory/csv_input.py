"""CSV files the commands read (a users directory, desired roles): read whole, checked row by row,
every error naming its row (1 = the header) and field."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path


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
        yield number, {str(k).strip(): (v or "").strip() for k, v in row.items()}
