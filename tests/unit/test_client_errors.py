"""Every error shape Ashby answers (FACTS.md) maps to one class with a useful message."""

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
