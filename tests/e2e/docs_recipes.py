"""The docs' Python recipes as one script per page, read with the markers the docs test obeys.

A page's ```python blocks run in order as one script (fragments read together run together). An
HTML comment right before a block (the site does not show it) changes that block:

- ``<!-- recipe: skip: <why> -->``: not run; the test counts these and fails when the count moves;
- ``<!-- recipe: given ... -->`` with Python lines up to ``-->``: run first, for the names the
  prose says the reader already holds (an application id, a file to upload);
- ``<!-- recipe: fill <placeholder> = $ENV; ... -->``: the placeholders a reader replaces, filled
  from the environment the test started (``$ASHBY_CONNECTOR_KEY``...).

Every other marker is an error, so a typo cannot silently skip a block.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
MARKER = re.compile(r"<!--\s*recipe:(.*?)-->", re.S)
FILL = re.compile(r"^\s*(.+?)\s*=\s*\$([A-Z_]+)\s*$")


@dataclass
class Block:
    page: str
    line: int  # of the opening fence, 1-based
    code: str
    given: str = ""
    skip: str = ""  # why, when skipped
    fills: dict[str, str] = field(default_factory=dict)  # placeholder -> environment variable
    markers: int = 0

    def source(self, env: dict[str, str]) -> str:
        code = self.code
        for placeholder, name in self.fills.items():
            assert placeholder in code, f"{self.page}:{self.line}: no {placeholder!r} to fill"
            code = code.replace(placeholder, env[name])
        given = f"# given (docs/{self.page}, hidden)\n{self.given}\n" if self.given else ""
        return f"{given}# docs/{self.page}, block at line {self.line}\n{code}"


def _markers(before: str) -> list[str]:
    """The markers written right before a block: only blank lines and markers between them and it."""
    found: list[str] = []
    rest = before.rstrip()
    while rest.endswith("-->"):
        start = rest.rfind("<!--")
        match = MARKER.fullmatch(rest[start:])
        if start < 0 or not match:
            break
        found.insert(0, match.group(1))
        rest = rest[:start].rstrip()
    return found


def python_blocks(page: Path) -> list[Block]:
    text = page.read_text()
    blocks = []
    for match in FENCE.finditer(text):
        if match.group(1) != "python":
            continue
        name = page.relative_to(ROOT / "docs").as_posix() if page.parent.name == "docs" else page.name
        block = Block(name, text.count("\n", 0, match.start()) + 1, match.group(2))
        for marker in _markers(text[: match.start()]):
            block.markers += 1
            kind, _, body = marker.strip().replace("\n", " \n", 1).partition(" ")
            if kind == "skip:" and body.strip():
                block.skip = body.strip()
            elif kind == "given":
                block.given += body.strip("\n") + "\n"
            elif kind == "fill":
                for part in body.split(";"):
                    fill = FILL.match(part)
                    assert fill, f"docs/{name}:{block.line}: a fill is '<placeholder> = $ENV', not {part!r}"
                    block.fills[fill.group(1)] = fill.group(2)
            else:
                raise AssertionError(f"docs/{name}:{block.line}: unknown recipe marker {marker.strip()!r}")
        blocks.append(block)
    return blocks


def page_script(blocks: list[Block], env: dict[str, str]) -> str:
    return "\n\n".join(block.source(env) for block in blocks if not block.skip) + "\n"


def every_marker(page: Path) -> int:
    """Markers on a line of their own (one quoted in a sentence, in backticks, is prose)."""
    return len(re.findall(r"^<!--\s*recipe:", page.read_text(), re.M))
