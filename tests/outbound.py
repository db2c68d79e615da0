"""The development outbound policy the test suites use: local receivers on 127.0.0.1 over http.

Production servers refuse both (docs/webhooks.md, "Outbound URLs"); tests say so explicitly.
"""

from __future__ import annotations

from ashby_connector.webhooks.outbound_url import OutboundPolicy

PUBLIC_ADDRESS = "93.184.215.14"


def resolve_for_tests(host: str, port: int) -> list[str]:
    """Names as tests see them, never asking the machine: ``localhost`` is loopback, a name under
    ``.invalid`` resolves to nothing, any other name to a public address."""
    if host == "localhost" or host.endswith(".localhost"):
        return ["127.0.0.1", "::1"]
    if host.endswith(".invalid"):
        return []
    return [PUBLIC_ADDRESS]


LOCAL_RECEIVERS = OutboundPolicy.development("127.0.0.1", resolver=resolve_for_tests)
# Names that resolve to a public address without asking DNS (tests never leave 127.0.0.1).
PUBLIC_DNS = OutboundPolicy(resolver=lambda host, port: [PUBLIC_ADDRESS])
# The same, as Settings fields.
LOCAL_SETTINGS: dict[str, object] = {
    "outbound_allow_http": True,
    "outbound_allowlist": ("127.0.0.1",),
    "outbound_resolver": resolve_for_tests,
}
# The same, as the environment of the command line.
LOCAL_ENV = {"ASHBY_CONNECTOR_OUTBOUND_ALLOW_HTTP": "1", "ASHBY_CONNECTOR_OUTBOUND_ALLOWLIST": "127.0.0.1"}
