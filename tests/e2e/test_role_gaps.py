"""The role-gap report on a seeded directory: through the server (GET with a body, and POST) and the
``users roles`` command, before and after users arrive by SCIM and a sync brings them in."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from ashby_connector.cli import app
from ashby_connector.emulator import EmulatorHandle, run_emulator
from tests.e2e.server_harness import Server, run_server

USER = "urn:ietf:params:scim:schemas:core:2.0:User"


@dataclass
class World:
    emu: EmulatorHandle
    server: Server
    http: httpx.Client
    connection_id: str
    db: str

    def gaps(self, desired: list[dict[str, str]], method: str = "GET") -> httpx.Response:
        return self.http.request(
            method, f"/connections/{self.connection_id}/users/role-gaps", json={"desired": desired}
        )

    def scim_create(self, email: str, first: str, last: str) -> None:
        answer = httpx.post(
            f"{self.emu.scim_url}/Users",
            json={"schemas": [USER], "userName": email, "name": {"givenName": first, "familyName": last}},
            headers={"Authorization": f"Bearer {self.emu.scim_token}"},
            timeout=60,  # the first SCIM request builds the SCIM app (scim2's models take seconds to load)
        )
        assert answer.status_code == 201, answer.text


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder: Path = tmp_path_factory.mktemp("role-gaps")
    db = f"sqlite:///{folder}/gaps.db"
    with (
        run_emulator(seed=11, candidates=20, rate_limit_per_minute=None) as emu,
        run_server(emu.base_url, db) as server,
    ):
        http = server.tenant("hr-tool")
        connection_id = server.connect(http, emu.api_key, sync=True)
        yield World(emu, server, http, connection_id, db)
        http.close()


def _seeded(world: World) -> list[dict[str, Any]]:
    return sorted((u for u in world.emu.state.iter("user") if u["isEnabled"]), key=lambda u: u["email"])


def test_role_gaps_before_and_after_scim_users_arrive(world: World, tmp_path: Path) -> None:
    users = _seeded(world)
    same, other = users[0], next(u for u in users[1:] if u["globalRole"] != "Organization Admin")
    desired = [
        {"email": same["email"], "role": same["globalRole"]},
        {"email": other["email"].upper(), "role": "organizationAdmin"},  # camelCase and any case accepted
        {"email": "new.hire@example.com", "role": "Elevated Access"},
    ]
    first = world.gaps(desired)
    assert first.status_code == 200, first.text
    report = first.json()
    assert report["matching"] == 1
    assert [(g["email"], g["globalRole"], g["desiredRole"]) for g in report["gaps"]] == [
        (other["email"], other["globalRole"], "Organization Admin")
    ]
    assert "change Global Role from" in report["gaps"][0]["action"]
    assert [m["email"] for m in report["missing"]] == ["new.hire@example.com"]
    assert report["newSinceLastSync"] == []  # the first report takes the baseline
    assert "cannot set roles" in report["note"]

    world.scim_create("new.hire@example.com", "Nina", "Hire")
    world.scim_create("contractor@example.com", "Carl", "Tractor")
    world.server.sync(world.connection_id)
    after = world.gaps(desired, method="POST").json()
    assert [u["email"] for u in after["newSinceLastSync"]] == [
        "contractor@example.com",
        "new.hire@example.com",
    ]
    assert {u["globalRole"] for u in after["newSinceLastSync"]} == {"Limited Access"}
    assert after["newSinceLastSync"][1]["desiredRole"] == "Elevated Access"
    assert ("new.hire@example.com", "Limited Access", "Elevated Access") in [
        (g["email"], g["globalRole"], g["desiredRole"]) for g in after["gaps"]
    ]
    assert after["missing"] == []
    assert world.gaps(desired).json()["newSinceLastSync"] == after["newSinceLastSync"]  # asking again

    roles_csv = tmp_path / "roles.csv"
    roles_csv.write_text("email,role\n" + "".join(f"{d['email']},{d['role']}\n" for d in desired))
    args = [
        "users",
        "roles",
        "--desired",
        str(roles_csv),
        "--db",
        world.db,
        "--connection",
        world.connection_id,
    ]
    cli = CliRunner().invoke(app, [*args, "--json"])
    assert cli.exit_code == 0, cli.output
    assert json.loads(cli.output)["gaps"] == after["gaps"]
    table = CliRunner().invoke(app, args)
    assert table.exit_code == 0 and "Admin > Users > Nina Hire" in " ".join(table.output.split())


def test_bad_desired_roles_name_the_row_and_field(world: World, tmp_path: Path) -> None:
    answer = world.gaps(
        [{"email": "a@example.com", "role": "Admin"}, {"email": "nope", "role": "Limited Access"}]
    )
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "desired[0].role"
    roles_csv = tmp_path / "roles.csv"
    roles_csv.write_text("email,role\na@example.com,Limited Access\nb@example.com,Superuser\n")
    args = [
        "users",
        "roles",
        "--desired",
        str(roles_csv),
        "--db",
        world.db,
        "--connection",
        world.connection_id,
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert "row 3: field 'role'" in " ".join(result.output.split())
    other = world.server.tenant("stranger")
    hidden = other.request("GET", f"/connections/{world.connection_id}/users/role-gaps", json={"desired": []})
    assert hidden.status_code == 404
