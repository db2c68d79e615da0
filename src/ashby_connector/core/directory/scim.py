"""A SCIM 2.0 server's users through scim2-client: what ``directory_push`` reads and writes.

The server describes itself (``discover``): its User model, with whatever extensions it serves, is
the one requests are built from and answers checked against.
"""

from __future__ import annotations

from typing import Any

import httpx2
from scim2_client import SCIMClientException
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_models import Error, ListResponse, SCIMException, SearchRequest

from ashby_connector.core.directory.push import DirectoryUser, ScimUser

PAGE = 100


class ScimDirectoryError(Exception):
    """The SCIM server refused or could not be reached; the message names what was being done."""


class Scim2Directory:
    def __init__(self, url: str, token: str, *, timeout: float = 30.0) -> None:
        self._http = httpx2.Client(
            base_url=url.rstrip("/"),
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout,
            trust_env=False,
            follow_redirects=False,
        )
        self.client = SyncSCIMClient(self._http, raise_scim_errors=True)
        self._doing("read the server's configuration", self.client.discover)
        model = self.client.get_resource_model("User")
        if model is None:
            raise ScimDirectoryError("the SCIM server serves no User resource")
        self.user_model: Any = model

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Scim2Directory:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def users(self) -> list[ScimUser]:
        found: list[ScimUser] = []
        start = 1
        while True:
            request: SearchRequest[Any] = SearchRequest(start_index=start, count=PAGE)
            page = self._doing("list users", self.client.query, self.user_model, query_parameters=request)
            if not isinstance(page, ListResponse):
                raise ScimDirectoryError(f"listing users answered {type(page).__name__}")
            resources = list(page.resources or [])
            found.extend(_scim_user(r) for r in resources)
            total = page.total_results or 0
            if not resources or len(found) >= total:
                return found
            start += len(resources)

    def create(self, user: DirectoryUser) -> None:
        resource = self._resource(user)
        self._doing(f"create {user.email}", self.client.create, resource)

    def replace(self, existing: ScimUser, user: DirectoryUser) -> None:
        resource = self._resource(user, existing)
        self._doing(f"update {user.email}", self.client.replace, resource)

    def deactivate(self, existing: ScimUser) -> None:
        resource = existing.resource.model_copy(deep=True)
        resource.active = False
        resource.meta = None
        self._doing(f"deactivate {existing.email}", self.client.replace, resource)

    def _resource(self, user: DirectoryUser, existing: ScimUser | None = None) -> Any:
        if existing is not None:
            resource = existing.resource.model_copy(deep=True)
            resource.meta = None
        else:
            resource = self.user_model(user_name=user.email)
        first = user.first_name or (existing.first_name if existing else "")
        last = user.last_name or (existing.last_name if existing else "")
        if first or last:
            resource.name = {"givenName": first or None, "familyName": last or None}
        resource.active = user.active
        return resource

    @staticmethod
    def _doing(what: str, call: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            answer = call(*args, **kwargs)
        except (SCIMException, SCIMClientException) as exc:
            raise ScimDirectoryError(f"could not {what}: {exc}") from None
        except httpx2.HTTPError as exc:
            raise ScimDirectoryError(f"could not {what}: {type(exc).__name__}") from None
        if isinstance(answer, Error):
            raise ScimDirectoryError(f"could not {what}: {answer.status} {answer.detail or ''}".strip())
        return answer


def _scim_user(resource: Any) -> ScimUser:
    name = getattr(resource, "name", None)
    return ScimUser(
        id=str(resource.id),
        email=str(resource.user_name or "").lower(),
        first_name=str(getattr(name, "given_name", None) or ""),
        last_name=str(getattr(name, "family_name", None) or ""),
        active=resource.active is not False,
        resource=resource,
    )
