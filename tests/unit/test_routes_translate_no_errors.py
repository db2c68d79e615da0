"""No server route translates an exception into an answer itself: the core raises its refusals
(``Refusal``: status, code, message, field) and the one envelope handler (``server/errors.py``)
renders every one of them. A route may still catch an error to render a page instead (the Connect
page, the console) or re-raise it as it is."""

from __future__ import annotations

import ast
from pathlib import Path

SERVER = Path(__file__).resolve().parents[2] / "src" / "ashby_connector" / "server"
ENVELOPE = "errors.py"  # the handlers that turn errors into answers


def translations(server: Path) -> list[str]:
    """``raise SomeError(...)`` inside an ``except`` clause, in every module but the envelope's."""
    found = []
    for path in sorted(server.rglob("*.py")):
        if path.relative_to(server).as_posix() == ENVELOPE:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ExceptHandler):
                continue
            for inner in ast.walk(node):
                if isinstance(inner, ast.Raise) and isinstance(inner.exc, ast.Call):
                    caught = ast.unparse(node.type) if node.type else "everything"
                    found.append(
                        f"{path.relative_to(server)}:{inner.lineno}: {caught} -> {ast.unparse(inner.exc)}"
                    )
    return found


def test_no_route_translates_an_exception() -> None:
    assert translations(SERVER) == []


def test_a_planted_translation_is_found(tmp_path: Path) -> None:
    (tmp_path / "routes_breach.py").write_text(
        "def route():\n"
        "    try:\n"
        "        parse()\n"
        "    except ValueError as exc:\n"
        "        raise CoreError(400, 'bad', str(exc)) from None\n"
    )
    (tmp_path / "routes_fine.py").write_text(
        "def route():\n    try:\n        call()\n    except CoreError:\n        raise\n"
    )
    (tmp_path / ENVELOPE).write_text(
        "def handler():\n    try:\n        call()\n    except KeyError:\n        raise CoreError(500, 'x')\n"
    )
    assert translations(tmp_path) == ["routes_breach.py:5: ValueError -> CoreError(400, 'bad', str(exc))"]
