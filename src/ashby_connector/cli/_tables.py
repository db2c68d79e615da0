"""Tables that fit the terminal (or the pipe: 80 columns) without cutting a word: a table whose
cells fit is drawn as one, with no cell wrapped or shortened; one that does not becomes a list,
a line per row, ``name  column value; column value``, which wraps only between words."""

from __future__ import annotations

from rich.console import Console
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text


def show(console: Console, table: Table) -> None:
    for column in table.columns:
        column.no_wrap = True
        column.overflow = "ignore"
    natural = Measurement.get(console, console.options.update_width(100_000), table).maximum
    if natural <= console.width:
        console.print(table)
        return
    if table.title:
        console.print(Text(str(table.title), style="italic"))
    headers = [str(c.header) for c in table.columns]
    cells = [[str(cell) for cell in column._cells] for column in table.columns]
    for row in zip(*cells, strict=True):
        rest = [f"{h} {v}" for h, v in zip(headers[1:], row[1:], strict=True) if v.strip()]
        line = Text(row[0], style="bold")
        if rest:
            line.append("  " + "; ".join(rest))
        console.print(line, overflow="fold", soft_wrap=False)
    if table.caption:
        console.print(str(table.caption))
