"""``ashby-connector emulator``: run a local, stateful Ashby until Ctrl-C; and the embedded emulator
of ``sync --emulator`` and ``demo``. With ``api_commands``, the one module of the command line that
uses a layer below the core (here the emulator: the "delivery imports only the core" contract)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console

from ashby_connector.cli._app import app
from ashby_connector.cli._options import DEFAULT_CANDIDATES

if TYPE_CHECKING:
    from ashby_connector.emulator import EmulatorHandle


@contextlib.contextmanager
def embedded(**settings: Any) -> Iterator[EmulatorHandle]:
    """An emulated Ashby in this process on 127.0.0.1 (``run_emulator``'s settings), until the block ends."""
    from ashby_connector.emulator import run_emulator

    with run_emulator(**settings) as emu:
        yield emu


@app.command()
def emulator(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8010, help="Port to listen on."),
    seed: int = typer.Option(1, help="Seed of the generated organisation (same seed, same data)."),
    candidates: int = typer.Option(
        DEFAULT_CANDIDATES, help="Candidates to generate; everything else in proportion."
    ),
    api_key: str = typer.Option("", "--api-key", help="Full-permission API key (generated when empty)."),
    admin_key: str = typer.Option("", "--admin-key", help="Key for the /_emulator/ control API."),
    scim_token: str = typer.Option(
        "", "--scim-token", help="Bearer token of SCIM at /scim/v2 (generated when empty)."
    ),
    rate_limit: int = typer.Option(1000, help="Requests per minute per key; 0 turns the limit off."),
    rate_window: float = typer.Option(
        60.0, help="Seconds the limits are counted over (the rate stays per minute: 10 = 1/6 of it per 10 s)."
    ),
    partner_rate_limit: int = typer.Option(
        0,
        help="Requests per minute of all keys together; above it 429 with X-RateLimit-Scope: "
        "integration-partner (0 = off).",
    ),
    faults: str = typer.Option(
        "", help='Fault spec, e.g. "500:0.02,503:0.02,timeout:0.01,reset:0.01;candidate.list=429:0.1".'
    ),
    webhook_time_scale: float = typer.Option(1.0, help="Speeds up webhook retry delays (10 = ten times)."),
    sync_token_ttl: float = typer.Option(30 * 24 * 3600.0, help="Seconds a syncToken stays valid."),
    incremental_too_large: int = typer.Option(
        0, help="Changes above which an incremental read answers incremental_sync_too_large (0 = never)."
    ),
) -> None:
    """Serve an emulated Ashby organisation at POST http://HOST:PORT/<module>.<method>."""
    import uvicorn

    from ashby_connector.emulator import Emulator, EmulatorConfig, create_app
    from ashby_connector.emulator.faults import parse_faults

    try:
        parse_faults(faults or None)  # before minutes of generating: a typo is exit 2 at once
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--faults") from None

    import secrets

    from ashby_connector.cli.server_commands import ensure_port_free

    ensure_port_free(host, port, "--port")  # before minutes of generating
    console = Console(soft_wrap=True)  # a key or URL cut in two cannot be copied
    started = time.perf_counter()
    # Said at once, also when piped (a spinner alone shows nothing in a log).
    console.print(f"Generating an organisation with {candidates:,} candidates (seed {seed})...")
    with console.status("generating..."):
        emu = Emulator(
            EmulatorConfig(
                seed=seed,
                candidates=candidates,
                api_key=api_key,
                # Control and SCIM tokens are random unless given: they open the whole organisation.
                admin_key=admin_key or f"emu_admin_{secrets.token_hex(12)}",
                scim_token=scim_token or f"emu_scim_{secrets.token_hex(12)}",
                rate_limit_per_minute=rate_limit or None,
                rate_limit_window_seconds=rate_window,
                partner_rate_limit_per_minute=partner_rate_limit or None,
                faults=faults or None,
                webhook_time_scale=webhook_time_scale,
                sync_token_ttl_seconds=sync_token_ttl,
                incremental_too_large_threshold=incremental_too_large or None,
            )
        )
        from ashby_connector.emulator.scim import scim_app

        scim_app(emu.state, emu.scim_token)  # built now: loading the SCIM models takes a few seconds
    base_url = f"http://{host}:{port}"
    emu.state.extras["base_url"] = base_url
    counts = emu.state.counts()
    console.print(
        f"Generated {sum(counts.values()):,} records in {time.perf_counter() - started:.1f} s "
        f"({counts.get('candidate', 0):,} candidates, {counts.get('application', 0):,} applications, "
        f"{counts.get('job', 0):,} jobs)"
    )

    def announce() -> None:
        # Only once the socket accepts connections: a reader may use the URL the moment it shows.
        console.print(f"Base URL:   [bold]{base_url}[/bold]")
        console.print(f"API key:    [bold]{emu.api_key}[/bold]  (HTTP Basic username, any password)")
        console.print(f"Admin key:  {emu.admin_key}  (Authorization: Bearer, for {base_url}/_emulator/...)")
        console.print(f"SCIM 2.0:   {base_url}/scim/v2  (Authorization: Bearer {emu.scim_token})")
        console.print("Press Ctrl-C to stop.")

    class AnnouncingServer(uvicorn.Server):
        async def startup(self, sockets: list[Any] | None = None) -> None:
            await super().startup(sockets)
            if not self.should_exit:
                announce()

    config = uvicorn.Config(
        create_app(emulator=emu), host=host, port=port, log_level="warning", access_log=False
    )
    # In the main thread uvicorn installs its own SIGINT/SIGTERM handlers: Ctrl-C shuts down cleanly.
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises the Ctrl-C it handled
        AnnouncingServer(config).run()
    console.print("Emulator stopped.")
