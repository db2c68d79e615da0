"""Everything the sync and async clients share: settings, request building, response reading,
retry decisions and the rate budget. The two clients add only the I/O (send, sleep, close)."""

from __future__ import annotations

import logging
import os
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Self

import httpx
import orjson

from ashby_connector import catalog
from ashby_connector.client import _hooks
from ashby_connector.client._rate import (
    PARTNER_SCOPE,
    Priority,
    RateBudget,
    RequestCounter,
    budget_for,
    operation_buckets,
    partner_throttled,
)
from ashby_connector.client._response import AshbyResponse
from ashby_connector.client._retry import RetryPolicy, parse_retry_after, should_retry
from ashby_connector.client._secret import Secret
from ashby_connector.errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AshbyError,
    OperationNotSupportedError,
    RateLimitError,
    UnexpectedResponseError,
    UnknownOperationError,
    error_from_response,
    looks_like_ashby,
)

log = logging.getLogger("ashby_connector.client")

DEFAULT_BASE_URL = "https://api.ashbyhq.com"
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_RETRIES = 4
DEFAULT_RATE_LIMIT_PER_MINUTE = 1000
_READ_PREFIXES = ("list", "info", "search", "get")


def _user_agent() -> str:
    try:
        return f"ashby-connector/{version('ashby-connector')} python-httpx/{httpx.__version__}"
    except PackageNotFoundError:  # running from a source tree
        return f"ashby-connector python-httpx/{httpx.__version__}"


@cache
def shared_ssl_context() -> ssl.SSLContext:
    """One verified TLS context for every client: loading the CA bundle costs ~25 ms per client."""
    return httpx.create_ssl_context()


@dataclass(frozen=True, slots=True)
class OperationFacts:
    is_read: bool
    permission: str | None
    known: bool


@cache
def _operation_facts(name: str) -> OperationFacts:
    """Whether ``name`` reads, which permission it needs, and whether the catalog knows it.

    Names the catalog does not know (newer than this package, when ``allow_unknown_operations``
    lets them through) count as reads only when their method says so (list/info/search/get), so
    an unknown write is never retried unsafely.
    """
    try:
        op = catalog.operation(name)
    except catalog.UnknownOperationError:
        method = name.rsplit(".", 1)[-1]
        return OperationFacts(method.startswith(_READ_PREFIXES), None, known=False)
    if op.partner_side:
        raise OperationNotSupportedError(
            f"{name} is implemented by assessment partners and called by Ashby, not an Ashby endpoint: "
            "serve it from your own API (see the assessment partner docs) instead of calling it."
        )
    return OperationFacts(op.is_read, op.permission, known=True)


class BaseClient:
    """Settings and shared logic; see ``AshbyClient`` for the arguments."""

    def __init__(
        self,
        api_key: str | Secret | None = None,
        *,
        base_url: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        rate_limit_per_minute: float | None = DEFAULT_RATE_LIMIT_PER_MINUTE,
        ashby_version: str | None = None,
        on_behalf_of: str | None = None,
        user_agent: str | None = None,
        retry_policy: RetryPolicy | None = None,
        allow_unknown_operations: bool = False,
        operation_rate_limits: Mapping[str, float] | None = None,
    ) -> None:
        # The same variable the command line reads, so a script and a command point at one Ashby.
        base_url = base_url or os.environ.get("ASHBY_BASE_URL") or DEFAULT_BASE_URL
        # Kept for with_options(); the key itself lives only in the Secret below.
        self._settings: dict[str, Any] = {
            "base_url": base_url,
            "timeout": timeout,
            "rate_limit_per_minute": rate_limit_per_minute,
            "operation_rate_limits": operation_rate_limits,
            "ashby_version": ashby_version,
            "on_behalf_of": on_behalf_of,
            "user_agent": user_agent,
            "retry_policy": retry_policy or RetryPolicy(max_retries=max_retries),
            "allow_unknown_operations": allow_unknown_operations,
        }
        if api_key is None:
            api_key = os.environ.get("ASHBY_API_KEY")
        if not api_key:
            raise AshbyError("No Ashby API key: pass api_key=... or set ASHBY_API_KEY.")
        self._key = api_key if isinstance(api_key, Secret) else Secret(api_key)
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retry_policy = retry_policy or RetryPolicy(max_retries=max_retries)
        self.ashby_version = ashby_version
        self.on_behalf_of = on_behalf_of
        self.rate_limit_per_minute = rate_limit_per_minute
        self.allow_unknown_operations = allow_unknown_operations
        self._bucket: RateBudget | None = (
            budget_for(self._key.fingerprint(), rate_limit_per_minute) if rate_limit_per_minute else None
        )
        # Sync runners set "background": their pages wait behind interactive calls for the budget.
        self.rate_priority: Priority = "interactive"
        # Who this client works for (a connection id), named in metrics and log lines.
        self.connection_id: str | None = None
        # Lists with a lower budget of their own (per key and operation), on top of the key's.
        self.operation_rate_limits = dict(operation_rate_limits or {})
        self._operation_buckets = operation_buckets(self._key.fingerprint(), self.operation_rate_limits)
        # Requests sent per operation, retries included (what a sync reports as its cost).
        self.requests_sent = RequestCounter()
        headers = {
            "Content-Type": "application/json",
            "Accept": "application/json; version=1",
            "User-Agent": user_agent or _user_agent(),
        }
        if ashby_version:
            headers["Ashby-Version"] = ashby_version
        if on_behalf_of:
            headers["X-On-Behalf-Of"] = on_behalf_of
        self._public_headers = headers
        # Kept in a Secret so no repr or traceback-with-locals shows it.
        self._auth = Secret(self._key.basic_auth_header())
        self._key_source: Callable[[], BaseClient | None] | None = None

    def follow_key(self, source: Callable[[], BaseClient | None]) -> None:
        """Before each request, use the key of ``source()`` (the connection's client as it is now):
        a long run started with one key goes on with the rotated one from its next request."""
        self._key_source = source

    def _take_current_key(self) -> None:
        if self._key_source is None:
            return
        current = self._key_source()
        if current is not None and current._key != self._key:
            self._key, self._auth = current._key, current._auth

    def _key_rotated(self, sent: Mapping[str, str]) -> bool:
        """The key changed since ``sent`` went out (then a refusal of it is not the key's fault)."""
        self._take_current_key()
        return sent.get("Authorization") != self._auth.get_secret_value()

    def with_options(self, **overrides: Any) -> Self:
        """A client with some settings changed (``on_behalf_of=user_id``, ``timeout=...``) that
        shares this one's key, connection pool and rate budget. Close only the original."""
        settings = {**self._settings, **overrides}
        factory: Any = type(self)
        http = vars(self)["_http"]  # set by the sync or async subclass
        clone: Self = factory(self._key, http_client=http, **settings)
        clone.rate_priority, clone.connection_id = self.rate_priority, self.connection_id
        return clone

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, api_key={self._key!r})"

    # -- request building ------------------------------------------------------------------
    def _url(self, operation: str) -> str:
        return f"{self.base_url}/{operation}"

    def _headers(self, *, json: bool = True) -> dict[str, str]:
        self._take_current_key()
        headers = dict(self._public_headers)
        if not json:
            del headers["Content-Type"]  # httpx sets the multipart boundary
        headers["Authorization"] = self._auth.get_secret_value()
        return headers

    @staticmethod
    def _encode(body: Mapping[str, Any] | None) -> bytes:
        return orjson.dumps(body if body is not None else {})

    # -- response reading ------------------------------------------------------------------
    def _read_response(self, operation: str, response: httpx.Response) -> AshbyResponse:
        """The success envelope, or the right ``APIError`` raised."""
        request_id = response.headers.get("x-ashby-request-id")
        status = response.status_code
        scope = response.headers.get("x-ratelimit-scope") if status == 429 else None
        try:
            body: Any = orjson.loads(response.content) if response.content else None
        except orjson.JSONDecodeError:
            body = None
        if status == 200 and isinstance(body, dict) and body.get("success", "results" in body) is True:
            if body.get("warnings"):
                log.warning("ashby %s succeeded with warnings: %s", operation, body["warnings"])
            _hooks.notify_response(_hooks.ResponseEvent(operation, status, request_id, self.connection_id))
            return AshbyResponse(body, request_id)
        permission = _operation_facts(operation).permission
        url = self._url(operation)
        if response.content and not looks_like_ashby(body) and status not in (401, 403, 429):
            error: APIError = _unexpected(operation, response, url, self.base_url, request_id)
        else:
            error = error_from_response(
                operation=operation,
                # An empty 200 is Ashby's (or a proxy's) fault: report it as a server error.
                http_status=502 if status == 200 and body is None else status,
                body=body if body is not None else {"message": _snippet(response)},
                request_id=request_id,
                permission=permission,
                retry_after=parse_retry_after(response.headers.get("retry-after")),
                url=url,
            )
        if isinstance(error, RateLimitError):
            error.rate_limit_scope = scope
        _hooks.notify_response(
            _hooks.ResponseEvent(
                operation, status, error.request_id, self.connection_id, scope, error.code or None
            )
        )
        log.debug("ashby %s failed: %s", operation, error.code or status)
        return _raise(error)

    # -- retries and the rate budget -------------------------------------------------------
    def _rate_wait(self, operation: str = "") -> float:
        """0: send now (tokens taken, the attempt counted); otherwise sleep that long and ask again.

        The operation's own bucket (a list with a lower budget) is asked first and given its token
        back when the key's budget says wait, so waiting never spends either budget."""
        own = self._operation_buckets.get(operation)
        if own is not None and (wait := own.try_take(self.rate_priority)) > 0:
            return wait
        if self._bucket is not None and (wait := self._bucket.try_take(self.rate_priority)) > 0:
            if own is not None:
                own.refund()
            return wait
        self.requests_sent.add(operation)
        return 0.0

    def _retry_delay(
        self, exc: BaseException, attempt: int, *, is_read: bool, since: float | None = None
    ) -> float | None:
        """Seconds to wait before trying again after ``exc``, or None to give up (``since``: when
        the first attempt started, for the policy's ``give_up_after``)."""
        retry_after = exc.retry_after if isinstance(exc, APIError) else None
        # A 429 slows the budget whether or not this call is retried.
        if isinstance(exc, RateLimitError) and exc.rate_limit_scope == PARTNER_SCOPE:
            partner_throttled(retry_after)  # not this key's fault: every key slows down
        elif isinstance(exc, RateLimitError) and self._bucket is not None:
            self._bucket.penalize(retry_after)
        own = self._operation_buckets.get(getattr(exc, "operation", None) or "")
        if isinstance(exc, RateLimitError) and own is not None:
            own.penalize(retry_after)
        if attempt >= self.retry_policy.max_retries or not should_retry(exc, is_read=is_read):
            return None
        delay = self.retry_policy.delay(attempt, retry_after)
        limit = self.retry_policy.give_up_after
        if limit is not None and since is not None:
            left = limit - (time.monotonic() - since)
            if left <= 0:
                return None
            delay = min(delay, left)
        _hooks.notify_retry(getattr(exc, "operation", None) or "", type(exc).__name__)
        log.info("ashby: retrying after %s in %.2fs (attempt %d)", type(exc).__name__, delay, attempt + 1)
        return delay

    def _wrap_transport_error(self, exc: httpx.TransportError, operation: str) -> AshbyError:
        failure = type(exc).__name__
        _hooks.notify_response(_hooks.ResponseEvent(operation, 0, None, self.connection_id, None, failure))
        if isinstance(exc, httpx.TimeoutException):
            return APITimeoutError(
                f"{operation}: Ashby did not answer within the timeout ({type(exc).__name__}). "
                "Retry, or raise timeout=.",
                operation=operation,
            )
        return APIConnectionError(
            f"{operation}: could not reach Ashby at {self.base_url} ({type(exc).__name__}: {exc}). "
            "Check the network and base_url.",
            operation=operation,
        )

    def _is_read(self, operation: str) -> bool:
        """Whether ``operation`` only reads; raises ``UnknownOperationError`` (before any request)
        for a name the catalog does not know, unless ``allow_unknown_operations`` is set."""
        facts = _operation_facts(operation)
        if not facts.known and not self.allow_unknown_operations:
            error = UnknownOperationError(operation, [op.name for op in catalog.operations()])
            error.args = (
                f"{error.args[0]} (`ashby-connector operations` lists them all; "
                "allow_unknown_operations=True sends names newer than this package)",
            )
            raise error
        return facts.is_read

    @staticmethod
    def _check_storage_response(response: httpx.Response, what: str) -> None:
        if response.status_code >= 300:
            raise APIError(
                f"{what} failed with HTTP {response.status_code}; the signed URL may have expired "
                "(they last about 10 minutes): start again",
                http_status=response.status_code,
                operation="file",
            )


def _unexpected(
    operation: str, response: httpx.Response, url: str, base_url: str, request_id: str | None
) -> UnexpectedResponseError:
    kind = response.headers.get("content-type", "").split(";")[0].strip() or "no content type"
    text = " ".join(response.text[:120].split())
    message = (
        f"HTTP {response.status_code} ({kind}): this does not look like Ashby's API at {base_url}; "
        f"{url} answered: {text!r}"
    )
    return UnexpectedResponseError(
        message, http_status=response.status_code, operation=operation, request_id=request_id, url=url
    )


def _snippet(response: httpx.Response) -> str:
    text = response.text[:200].strip() if response.content else ""
    return f"Ashby answered HTTP {response.status_code}" + (f": {text}" if text else "")


def _raise(error: AshbyError) -> AshbyResponse:
    raise error
