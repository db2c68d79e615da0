"""``ashby-connector scim push`` against the emulator's SCIM endpoint: creates, updates and deactivates
by email, idempotently; the result is read back through Ashby's own API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from ashby_connector.cli import app
from ashby_connector.emulator import EmulatorHandle, run_emulator


@pytest.fixture(scope="module")
def emu() -> Iterator[EmulatorHandle]:
    with run_emulator(seed=43, candidates=20, rate_limit_per_minute=None) as handle:
        yield handle


def _push(emu: EmulatorHandle, csv: Path, *extra: str) -> Any:
    args = ["scim", "push", "--url", emu.scim_url, "--token", emu.scim_token, "--from", str(csv), *extra]
    return CliRunner().invoke(app, args)


def _ashby_user(emu: EmulatorHandle, email: str) -> dict[str, Any]:
    found = httpx.post(f"{emu.base_url}/user.search", json={"email": email}, auth=(emu.api_key, "")).json()
    assert found["success"] and len(found["results"]) == 1, found
    return dict(found["results"][0])


def _lines(result: Any) -> list[str]:
    return [" ".join(line.split()) for line in result.output.splitlines()]


def test_push_creates_updates_deactivates_and_is_idempotent(emu: EmulatorHandle, tmp_path: Path) -> None:
    csv = tmp_path / "users.csv"
    csv.write_text(
        "email,firstName,lastName,active\n"
        "ada@example.com,Ada,Lovelace,true\n"
        "grace@example.com,Grace,Hopper,\n"
        "alan@example.com,Alan,Turing,true\n"
    )
    dry = _push(emu, csv, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "would create ada@example.com (Ada Lovelace)" in _lines(dry)
    assert _lines(dry)[-1] == "dry run, nothing changed: 3 create, 0 update, 0 deactivate, 0 unchanged"
    assert not httpx.post(f"{emu.base_url}/user.search", json={"email": "ada@example.com"},
                          auth=(emu.api_key, "")).json()["results"]  # fmt: skip

    first = _push(emu, csv)
    assert first.exit_code == 0, first.output
    assert _lines(first)[-1] == "3 create, 0 update, 0 deactivate, 0 unchanged"
    ada = _ashby_user(emu, "ada@example.com")
    assert (ada["firstName"], ada["lastName"], ada["globalRole"], ada["isEnabled"]) == (
        "Ada", "Lovelace", "Limited Access", True,
    )  # fmt: skip

    again = _push(emu, csv)
    assert _lines(again)[-1] == "0 create, 0 update, 0 deactivate, 3 unchanged", again.output

    csv.write_text(
        "email,firstName,lastName,active\n"
        "ADA@example.com,Ada,King,true\n"  # emails match whatever their case
        "grace@example.com,Grace,Hopper,false\n"
    )
    changed = _push(emu, csv)
    assert changed.exit_code == 0, changed.output
    lines = _lines(changed)
    assert "update ada@example.com (lastName: 'Lovelace' -> 'King')" in lines
    assert "deactivate grace@example.com (inactive in the file)" in lines
    assert "deactivate alan@example.com (not in the file)" in lines
    assert lines[-1] == "0 create, 1 update, 2 deactivate, 0 unchanged"
    assert _ashby_user(emu, "ada@example.com")["lastName"] == "King"
    assert _ashby_user(emu, "grace@example.com")["isEnabled"] is False
    assert _ashby_user(emu, "alan@example.com")["isEnabled"] is False
    assert _lines(_push(emu, csv))[-1] == "0 create, 0 update, 0 deactivate, 2 unchanged"


@pytest.mark.parametrize(
    ("content", "where"),
    [
        ("email,firstName\nada@example.com,Ada\nnot-an-email,Bob\n", "row 3: field 'email'"),
        ("email,active\nada@example.com,maybe\n", "row 2: field 'active'"),
        ("email\nada@example.com\nAda@Example.com\n", "row 3: field 'email'"),
        ("name,firstName\nx,y\n", "row 1: field 'email'"),
        ("email,role\nada@example.com,admin\n", "row 1: field 'role'"),
        # Nothing a spreadsheet would run, no control characters: refused before SCIM is asked.
        ("email,firstName\nada@example.com,Ada\nbob@example.com,Bo\x00b\n", "row 3: field 'firstName'"),
        ('email,lastName\nada@example.com,"=HYPERLINK(""http://x"",""y"")"\n', "row 2: field 'lastName'"),
        ("email,firstName\nada@example.com,+1 555\n", "row 2: field 'firstName'"),
        ("email,firstName\nada@example.com,-2+3\n", "row 2: field 'firstName'"),
        ("email,lastName\nada@example.com,@SUM(A1)\n", "row 2: field 'lastName'"),
        ("email,firstName\nada@example.com,Ad\u202ea\n", "row 2: field 'firstName'"),
    ],
)
def test_bad_csv_is_exit_2_naming_row_and_field(
    emu: EmulatorHandle, tmp_path: Path, content: str, where: str
) -> None:
    csv = tmp_path / "users.csv"
    csv.write_text(content)
    result = _push(emu, csv)
    assert result.exit_code == 2, result.output
    assert where in " ".join(result.output.split())


def test_wrong_token_is_a_clear_error(emu: EmulatorHandle, tmp_path: Path) -> None:
    csv = tmp_path / "users.csv"
    csv.write_text("email\nada@example.com\n")
    args = ["scim", "push", "--url", emu.scim_url, "--token", "wrong", "--from", str(csv)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    assert "error: could not" in result.output and "wrong" not in result.output.replace("--token", "")
