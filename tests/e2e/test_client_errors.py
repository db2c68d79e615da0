"""Every error shape Ashby answers maps to one class with a useful message."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import respx

from ashby_connector import (
    APIError,
    AshbyClient,
    AuthenticationError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    SyncTokenExpiredError,
)
from ashby_connector.client import RetryPolicy
from ashby_connector.errors import PAGINATION_ERROR_CODES, error_from_response

BASE = "http://ashby.test"


def client() -> AshbyClient:
    return AshbyClient(
        "k", base_url=BASE, rate_limit_per_minute=None, retry_policy=RetryPolicy(max_retries=0)
    )


def answer(
    status: int, body: Any, op: str = "candidate.info", headers: dict[str, str] | None = None
) -> APIError:
    with respx.mock(base_url=BASE) as mock:
        if isinstance(body, bytes):
            mock.post(f"/{op}").respond(status, content=body, headers=headers)
        else:
            mock.post(f"/{op}").respond(status, json=body, headers=headers)
        with pytest.raises(APIError) as info, client() as c:
            c.call(op, {"candidateId": "x"})
    return info.value


def envelope(code: str, message: str = "msg", **meta: Any) -> dict[str, Any]:
    return {
        "success": False,
        "errorInfo": {"code": code, "message": message, "requestId": "req-1", "meta": meta},
        "errors": [code],
    }


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        ("invalid_input", InvalidInputError),
        ("missing_endpoint_permission", PermissionDeniedError),
        ("generic_internal_error", ServerError),
        ("application_not_found", NotFoundError),
        ("interview_plan_not_found", NotFoundError),
        ("interview_stage_not_found", NotFoundError),
        ("archive_reason_not_found", NotFoundError),
        ("communication_template_not_found", NotFoundError),
        ("take_home_assignment_not_found", NotFoundError),
        ("sequence_template_not_found", NotFoundError),
        ("notetaker_transcript_not_found", NotFoundError),
        ("opening_in_use", ConflictError),
        ("application_blocked", ConflictError),
        ("rate_limit_exceeded", RateLimitError),
        ("concurrent_limit_exceeded", RateLimitError),
        ("job_posting_not_published", APIError),
        ("audit_logs_not_enabled", APIError),
        *[(code, SyncTokenExpiredError) for code in sorted(PAGINATION_ERROR_CODES)],
    ],
)
def test_error_info_codes_map_to_classes(code: str, cls: type[APIError]) -> None:
    error = answer(200, envelope(code, "Something went wrong"))
    assert type(error) is cls
    assert error.code == code
    assert error.request_id == "req-1"
    assert error.http_status == 200
    assert error.operation == "candidate.info"
    assert "candidate.info" in str(error) and "req-1" in str(error)


def test_sync_token_error_tells_the_user_to_resync() -> None:
    error = answer(200, envelope("sync_token_expired"), op="candidate.list")
    assert "full sync" in str(error)


def test_permission_error_names_the_missing_permission_from_the_catalog() -> None:
    body = envelope("missing_endpoint_permission", "Missing permission")
    error = answer(403, body, op="offer.list")
    assert isinstance(error, PermissionDeniedError)
    assert error.permission == "offersRead"
    assert error.http_status == 403
    assert "offersRead" in str(error)


def test_old_errors_list_of_codes() -> None:
    error = answer(200, {"success": False, "errors": ["application_not_found"]})
    assert isinstance(error, NotFoundError)
    assert error.code == "application_not_found"


def test_old_errors_list_of_message_and_parameter_names_the_field() -> None:
    body = {"success": False, "errors": [{"message": "must be a uuid", "parameter": "candidateId"}]}
    error = answer(200, body)
    assert isinstance(error, InvalidInputError)
    assert error.field == "candidateId"
    assert "candidateId" in str(error) and "must be a uuid" in str(error)


def test_invalid_input_field_from_error_info_meta() -> None:
    error = answer(200, envelope("invalid_input", "bad email", field="email"))
    assert isinstance(error, InvalidInputError) and error.field == "email"


def test_error_info_null_falls_back_to_errors() -> None:
    body = {"success": False, "errorInfo": None, "errors": ["invalid_input"]}
    error = answer(200, body)
    assert isinstance(error, InvalidInputError)


def test_error_info_null_and_no_errors_is_still_an_api_error() -> None:
    error = answer(200, {"success": False, "errorInfo": None})
    assert type(error) is APIError
    assert "no error details" in error.message


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (401, AuthenticationError),
        (403, AuthenticationError),
        (404, NotFoundError),
        (409, ConflictError),
        (422, InvalidInputError),
        (429, RateLimitError),
        (500, ServerError),
        (502, ServerError),
        (503, ServerError),
    ],
)
def test_http_statuses_map_to_classes(status: int, cls: type[APIError]) -> None:
    error = answer(status, b"", headers={"x-ashby-request-id": "rid"})
    assert type(error) is cls
    assert error.http_status == status
    assert error.request_id == "rid"


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (403, envelope("invalid_api_key", "The API key is not valid or was deactivated")),
        (200, envelope("invalid_api_key", "The API key is not valid or was deactivated")),
        (200, envelope("api_key_deactivated")),
        (401, envelope("unauthenticated", "Missing API key")),
        (403, envelope("invalid_input", "Forbidden")),  # a refused key whatever the code says
        (403, {"success": False, "errors": ["forbidden"]}),
        (403, {"success": False, "errors": [{"message": "Forbidden", "parameter": "apiKey"}]}),
        (401, {"message": "Unauthorized"}),
    ],
)
def test_a_refused_key_is_an_authentication_error(status: int, body: dict[str, Any]) -> None:
    error = answer(status, body)
    assert type(error) is AuthenticationError
    assert error.http_status == status
    assert "ASHBY_API_KEY" in str(error)


def test_403_with_missing_permission_is_not_an_authentication_error() -> None:
    error = answer(403, envelope("missing_endpoint_permission", "Missing permission"), op="offer.list")
    assert type(error) is PermissionDeniedError


def test_refused_key_from_error_from_response_directly() -> None:
    body = envelope("invalid_api_key")
    assert type(error_from_response(operation="x", http_status=403, body=body)) is AuthenticationError
    assert type(error_from_response(operation="x", http_status=200, body=body)) is AuthenticationError
    # invalid_* codes other than the key's are still bad input
    other = envelope("invalid_next_cursor_format")
    assert type(error_from_response(operation="x", http_status=200, body=other)) is InvalidInputError


def test_authentication_error_says_what_to_do() -> None:
    error = answer(401, b"Unauthorized")
    assert "ASHBY_API_KEY" in str(error)


def test_retry_after_is_read_from_429() -> None:
    error = answer(429, envelope("rate_limit_exceeded"), headers={"Retry-After": "7"})
    assert isinstance(error, RateLimitError) and error.retry_after == 7.0


def test_non_json_200_is_a_server_error() -> None:
    error = answer(200, b"<html>gateway</html>")
    assert isinstance(error, ServerError)
    assert "gateway" in error.message


def test_error_from_response_directly() -> None:
    error = error_from_response(operation="x.y", http_status=200, body={"errors": ["Some sentence here"]})
    assert error.code is None and error.message == "Some sentence here"


def test_hierarchy() -> None:
    from ashby_connector import APIConnectionError, APITimeoutError, AshbyError

    assert issubclass(APITimeoutError, APIConnectionError)
    assert issubclass(APIConnectionError, AshbyError) and issubclass(APIError, AshbyError)
    for cls in (
        AuthenticationError,
        PermissionDeniedError,
        NotFoundError,
        InvalidInputError,
        RateLimitError,
        ServerError,
        SyncTokenExpiredError,
        ConflictError,
    ):
        assert issubclass(cls, APIError)


def test_success_with_warnings_is_not_an_error() -> None:
    with respx.mock(base_url=BASE) as mock:
        mock.post("/candidate.update").mock(
            return_value=httpx.Response(
                200, json={"success": True, "results": {"id": "1"}, "warnings": ["w"]}
            )
        )
        with client() as c:
            response = c.request("candidate.update", {"candidateId": "1"})
    assert response.warnings == ["w"] and response.results == {"id": "1"}


def test_invalid_input_field_from_the_message() -> None:
    error = answer(200, envelope("invalid_input", "interviewPlanId: is required"))
    assert isinstance(error, InvalidInputError) and error.field == "interviewPlanId"
    assert "Fix the field 'interviewPlanId'" in str(error)


def test_partner_side_operations_are_refused_without_a_request() -> None:
    from ashby_connector import OperationNotSupportedError

    with respx.mock(base_url=BASE, assert_all_called=False) as mock, client() as c:
        route = mock.post("/assessment.start").respond(200, json={"success": True, "results": {}})
        with pytest.raises(OperationNotSupportedError, match="called by Ashby"):
            c.call("assessment.start", {})
    assert not route.called


def test_message_punctuation_is_kept() -> None:
    error = answer(200, envelope("invalid_input", "Expected one of: a, b, c..."))
    assert "Expected one of: a, b, c [invalid_input]." in str(error)


# -- messages, exactly as a user reads them (one per class, for FACTS.md's shapes) ---------------
def info_body(code: str, message: str, **meta: Any) -> dict[str, Any]:
    return {
        "success": False,
        "errorInfo": {"code": code, "message": message, "requestId": "r1", "meta": meta},
        "errors": [code],
    }


MESSAGES: list[tuple[int, Any, str, type[APIError], str]] = [
    (
        200,
        info_body("invalid_input", "candidateId: is required ."),
        "candidate.info",
        InvalidInputError,
        "candidate.info: candidateId: is required [invalid_input]. "
        "Fix the field 'candidateId' in the request body. (request id r1)",
    ),
    (
        200,
        {"success": False, "errors": ["application_not_found"]},
        "application.info",
        NotFoundError,
        "application.info: Ashby refused the request (application not found) [application_not_found]. "
        "Check the id: it may be wrong, deleted, merged, or hidden from this key (confidential).",
    ),
    (
        200,
        {"success": False, "errors": [{"message": "must be a UUID", "parameter": "jobId"}] * 2},
        "job.info",
        InvalidInputError,
        "job.info: must be a UUID. Fix the field 'jobId' in the request body.",
    ),
    (
        200,
        {"success": False, "errorInfo": None, "errors": [{"message": "Job is closed.  Job is closed."}]},
        "opening.update",
        APIError,
        "opening.update: Job is closed.",
    ),
    (
        403,
        info_body("missing_endpoint_permission", "The API key is missing the offersRead permission"),
        "offer.list",
        PermissionDeniedError,
        "offer.list: The API key is missing the offersRead permission [missing_endpoint_permission]. "
        "Enable it on the key in Ashby (Admin > Integrations > API keys). (request id r1)",
    ),
    (
        200,
        info_body("missing_endpoint_permission", "Forbidden"),
        "offer.list",
        PermissionDeniedError,
        "offer.list: Forbidden [missing_endpoint_permission]. The API key lacks the offersRead permission: "
        "enable it on the key in Ashby (Admin > Integrations > API keys). (request id r1)",
    ),
    (
        403,
        info_body("invalid_api_key", "The API key is not valid or was deactivated"),
        "candidate.list",
        AuthenticationError,
        "candidate.list: The API key is not valid or was deactivated [invalid_api_key]. Check the API key "
        "(ASHBY_API_KEY or api_key=): it must be an active Ashby API key (Admin > Integrations > API keys). "
        "(request id r1)",
    ),
    (
        200,
        info_body("opening_in_use", "The opening is in use"),
        "opening.setArchived",
        ConflictError,
        "opening.setArchived: The opening is in use [opening_in_use]. The record is in a state that does "
        "not allow this change; reload it and retry. (request id r1)",
    ),
    (
        429,
        info_body("rate_limit_exceeded", "Too many requests"),
        "candidate.create",
        RateLimitError,
        "candidate.create: Too many requests [rate_limit_exceeded]. Too many requests: wait and retry, or "
        "lower rate_limit_per_minute. (request id r1)",
    ),
    (
        200,
        info_body("generic_internal_error", "Something went wrong"),
        "candidate.create",
        ServerError,
        "candidate.create: Something went wrong [generic_internal_error]. Ashby had an internal error: "
        "retry later (reads are retried automatically). (request id r1)",
    ),
    (
        200,
        info_body("sync_token_expired", "The sync token has expired"),
        "candidate.list",
        SyncTokenExpiredError,
        "candidate.list: The sync token has expired [sync_token_expired]. Drop the stored syncToken and "
        "cursor and run a full sync. (request id r1)",
    ),
]


@pytest.mark.parametrize(("status", "body", "op", "cls", "text"), MESSAGES, ids=lambda v: str(v)[:40])
def test_each_error_message_reads_cleanly(
    status: int, body: Any, op: str, cls: type[APIError], text: str
) -> None:
    policy = RetryPolicy(max_retries=0)
    with respx.mock(base_url=BASE) as mock:
        mock.post(f"/{op}").respond(status, json=body)
        with pytest.raises(APIError) as info, AshbyClient("k", base_url=BASE, retry_policy=policy) as c:
            c.call(op, {})
    assert type(info.value) is cls
    assert str(info.value) == text


def test_tidy_joins_without_stray_spaces_or_repeats() -> None:
    from ashby_connector.errors import tidy

    assert tidy("  id is required .  ") == "id is required."
    assert tidy("Bad value , try again ; really") == "Bad value, try again; really"
    assert tidy("Not allowed. not allowed. Ask an admin.") == "Not allowed. Ask an admin."


# -- unknown operations and answers that are not Ashby's ------------------------------------------
def test_unknown_operation_raises_before_any_request_with_did_you_mean() -> None:
    from ashby_connector import UnknownOperationError

    with respx.mock(base_url=BASE, assert_all_called=False) as mock, client() as c:
        route = mock.post("/candidate.lst")
        with pytest.raises(UnknownOperationError, match=r"did you mean candidate\.list") as info:
            c.call("candidate.lst", {})
        with pytest.raises(UnknownOperationError):
            list(c.paginate("candidate.lst"))
    assert not route.called
    assert "candidate.list" in info.value.suggestions and isinstance(info.value, KeyError)


def test_unknown_operation_on_the_command_line_exits_2() -> None:
    from typer.testing import CliRunner

    from ashby_connector.cli import app

    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        route = mock.post("/candidate.lst")
        result = CliRunner().invoke(app, ["call", "candidate.lst", "--api-key", "k", "--base-url", BASE])
    assert result.exit_code == 2 and not route.called
    assert "did you mean candidate.list" in result.output


@pytest.mark.parametrize(
    ("status", "content", "kind"),
    [
        (404, b"<html><body>Not Found</body></html>", "text/html"),
        (200, b"<!doctype html><title>Sign in</title>", "text/html"),
        (405, b"Method Not Allowed", "text/plain"),
        (404, b'{"detail": "Not Found"}', "application/json"),
    ],
)
def test_an_answer_that_is_not_ashbys_says_so(status: int, content: bytes, kind: str) -> None:
    from ashby_connector import UnexpectedResponseError

    with respx.mock(base_url=BASE) as mock:
        route = mock.post("/candidate.list").respond(status, content=content, headers={"content-type": kind})
        with pytest.raises(UnexpectedResponseError) as info, client() as c:
            c.call("candidate.list", {})
    text = str(info.value)
    assert f"this does not look like Ashby's API at {BASE}" in text and "Check the id" not in text
    assert f"{BASE}/candidate.list" in text and "Check base_url" in text
    assert route.call_count == 1  # a wrong URL is not retried


def test_a_proxy_error_page_is_retried_for_reads() -> None:
    from ashby_connector import UnexpectedResponseError

    policy = RetryPolicy(max_retries=2, initial_delay=0.0)
    with respx.mock(base_url=BASE) as mock:
        route = mock.post("/candidate.list").respond(502, content=b"<html>Bad Gateway</html>")
        with (
            pytest.raises(UnexpectedResponseError),
            AshbyClient("k", base_url=BASE, retry_policy=policy) as c,
        ):
            c.call("candidate.list", {})
    assert route.call_count == 3


def test_a_wrong_base_url_path_on_the_emulator_points_at_base_url() -> None:
    from ashby_connector.emulator import run_emulator

    with run_emulator(seed=5, candidates=3, rate_limit_per_minute=None) as emu:
        wrong = f"{emu.base_url}/v1"
        with (
            AshbyClient(emu.api_key, base_url=wrong, rate_limit_per_minute=None) as c,
            pytest.raises(NotFoundError) as info,
        ):
            c.call("candidate.list", {})
    text = str(info.value)
    assert f"no such endpoint at {emu.base_url}/v1/candidate.list: check base_url" in text
    assert "Check the id" not in text
