"""Tables that fit the terminal (or the pipe: 80 columns) without cutting a word: a table whose
cells fit is drawn as one, with no cell wrapped or shortened; one that does not becomes a list,
a line per row, ``name  column value; column value``, broken only between pairs, the rest of a
row indented under its name."""

from __future__ import annotations

from rich.console import Console
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text


def show(console: Console, table: Table) -> None:
    for column in table.columns:
        column.no_wrap = True  # (overflow "ignore" would drop right-justification of numbers)
    natural = Measurement.get(console, console.options.update_width(100_000), table).maximum
    if natural <= console.width:
        console.print(table)
        return
    if table.title:
        console.print(Text(str(table.title), style="italic"))
    headers = [str(c.header) for c in table.columns]
    cells = [[_text(cell) for cell in column._cells] for column in table.columns]
    for row in zip(*cells, strict=True):
        name = row[0].copy()
        name.stylize("bold")
        pairs = [
            Text(f"{h} ").append_text(v) for h, v in zip(headers[1:], row[1:], strict=True) if v.plain.strip()
        ]
        for line in _wrapped(name, pairs, console.width):
            console.print(line, overflow="fold", soft_wrap=False)
    if table.caption:
        console.print(_text(table.caption))


def _text(cell: object) -> Text:
    """A cell as styled text: Rich markup (``[green]ok``) rendered, never printed as written."""
    if isinstance(cell, Text):
        return cell
    return Text.from_markup(str(cell))


def _wrapped(name: Text, pairs: list[Text], width: int) -> list[Text]:
    """``name  a 1; b 2; ...``, broken between pairs only, later lines indented under the name."""
    lines = [name]
    on_line = 0  # pairs on the last line
    for pair in pairs:
        joiner = "; " if on_line else ("  " if len(lines) == 1 else "")
        # keep a column for the ";" that ends a line broken after this pair
        if lines[-1].cell_len + len(joiner) + pair.cell_len > width - 1 and (on_line or len(lines) == 1):
            if on_line:
                lines[-1].append(";")
            lines.append(Text(INDENT))
            on_line, joiner = 0, ""
        lines[-1].append(joiner)
        lines[-1].append_text(pair)
        on_line += 1
    return lines


INDENT = "    "
