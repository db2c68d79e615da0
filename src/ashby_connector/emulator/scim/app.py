"""The SCIM 2.0 ASGI application of one emulated organisation (scim2-server over ``AshbyDirectory``)."""

from __future__ import annotations

import hmac
from collections.abc import MutableMapping
from typing import Any

from scim2_models import Bulk, ChangePassword, ScimProvider, UnauthorizedException
from scim2_server.applications.asgi import ASGIApplication
from scim2_server.memory import AsyncInMemoryStorage
from scim2_server.requests import ScimRequest
from scim2_server.service import ScimService
from scim2_server.testserver.application import BEARER_TOKEN_SCHEME
from scim2_server.utils import (
    load_default_resource_types,
    load_default_schemas,
    load_default_service_provider_config,
)

from ashby_connector.emulator.records.state import State
from ashby_connector.emulator.scim.directory import AshbyDirectory

_KEY = "scim_app"
USER_SCHEMAS = (
    "urn:ietf:params:scim:schemas:core:2.0:User",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
)


class ScimApp(ASGIApplication):
    """Users only (the directory provisions people, not groups); bearer token required."""

    def __init__(self, directory: AshbyDirectory, token: str) -> None:
        config = load_default_service_provider_config()
        # What the directory sync offers: no bulk, no password changes.
        config.bulk = Bulk(supported=False)
        config.change_password = ChangePassword(supported=False)
        config.authentication_schemes = [BEARER_TOKEN_SCHEME]
        schemas = [s for s in load_default_schemas().values() if s.id in USER_SCHEMAS]
        types = [t for t in load_default_resource_types().values() if t.id == "User"]
        provider = ScimProvider.from_discovery(schemas, types, config=config)
        super().__init__(AsyncInMemoryStorage(directory), provider, ScimService(provider))
        self.directory = directory
        self.token = token

    def check_auth(self, request: ScimRequest) -> None:
        scheme, _, token = (request.header("Authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), self.token.encode()):
            raise UnauthorizedException


def scim_app(state: State, token: str) -> ScimApp:
    """The organisation's SCIM app, made on first use and kept with the state."""
    app = state.extras.get(_KEY)
    if isinstance(app, ScimApp) and app.token == token:
        return app
    with state.lock:
        app = state.extras.get(_KEY)
        if not isinstance(app, ScimApp) or app.token != token:
            app = ScimApp(AshbyDirectory(state), token)
            state.extras[_KEY] = app
        return app


def scim_scope(scope: MutableMapping[str, Any]) -> dict[str, Any]:
    """The request as the SCIM app sees it: mounted at ``/scim`` (it adds ``/v2`` itself)."""
    return {**scope, "root_path": scope.get("root_path", "") + "/scim"}
