"""What every route answers, as models for the OpenAPI document (``/docs``, generated clients).

The routes build their answers as plain dicts (the hot read paths stay free of a second
validation); these models describe them, and ``tests/unit/test_openapi_document.py`` checks real
answers against the document. ``answers(Model)`` is the decorator arguments that document a
route's success answer with a model; error answers are documented for every route at once
(``openapi_doc``).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Answer(BaseModel):
    # Answers may grow fields; a client generated from the document keeps the ones it does not know.
    model_config = ConfigDict(extra="allow")


def answers(model: type[BaseModel], status: int = 200, description: str = "Success") -> dict[str, Any]:
    """Route decorator arguments: the success answer is ``model`` (documentation only)."""
    return {"response_model": None, "responses": {status: {"model": model, "description": description}}}


# -- errors ------------------------------------------------------------------------------------
class ErrorDetail(Answer):
    code: str = Field(description="Stable machine-readable code, e.g. connection_not_found")
    message: str = Field(description="What went wrong, in words")
    field: str | None = Field(description="The input at fault (body field, query parameter, header), or null")


class ErrorBody(Answer):
    """Every error of every route."""

    error: ErrorDetail


# -- connections -------------------------------------------------------------------------------
class AccessOperations(Answer):
    allowed: list[str]
    denied: list[dict[str, Any]]


class Access(Answer):
    """What the key can do, from its scopes (``apiKey.info``) and the catalog."""

    known: bool = Field(description="false: the key does not tell its scopes")
    scopes: list[str] | None
    missingPermissions: list[str]
    operations: AccessOperations
    models: list[dict[str, Any]]


class OperationDetail(Answer):
    operation: str
    description: str
    supported: bool
    allowed: bool | None
    ashbyOperations: list[str]
    permissions: list[str]
    missingPermissions: list[str]
    reason: str | None


class OperationsReport(Answer):
    """The requested operations, what is enforced, and whether the key can do each."""

    requested: list[str]
    enforced: bool
    summary: str
    status: str = Field(description="ready, insufficient_permissions, not_supported or unknown")
    missingPermissions: list[str]
    details: list[OperationDetail]


class SyncSummary(Answer):
    id: str
    status: str
    trigger: str
    createdAt: str | None
    finishedAt: str | None


class ConnectionSummary(Answer):
    id: str
    ownerId: str
    keyTitle: str | None
    createdAt: str | None
    updatedAt: str | None


class Connection(ConnectionSummary):
    access: Access
    operations: OperationsReport | None = Field(
        description="null: no requested operations (anything the key allows)"
    )
    lastSync: SyncSummary | None = None


class ConnectionHealth(Answer):
    state: str = Field(description="healthy, syncing, pending or attention")
    label: str
    code: str | None
    reason: str | None = Field(description="What needs attention, in plain words")


class ConnectionListed(ConnectionSummary):
    health: ConnectionHealth
    running: bool
    paused: bool
    lastRun: Sync | None
    lastSuccessAt: str | None
    lagSeconds: float | None
    nextRunAt: str | None
    records: int
    requestsLastHour: int
    failingDeliveries: int


class ConnectionList(Answer):
    data: list[ConnectionListed]


class WebhookRemoval(Answer):
    removed: list[str]
    pending: list[str]
    error: str | None


class ConnectionDeleted(Answer):
    id: str
    deleted: bool
    complete: bool
    webhooks: WebhookRemoval


class FieldMapping(Answer):
    model: str
    entries: list[dict[str, Any]]


class CustomModel(Answer):
    name: str
    operation: str
    fields: dict[str, str]


class CustomModelList(Answer):
    data: list[CustomModel]


class ChildPolicies(Answer):
    connectionId: str
    childPolicies: dict[str, str] = Field(description="What the connection sets")
    policies: list[str] = Field(description="The policies there are")
    streams: list[dict[str, Any]] = Field(description="Per child list: policy, default, who set it")


# -- resources and proxy -----------------------------------------------------------------------
class RecordPage(Answer):
    data: list[dict[str, Any]] = Field(description="Unified records (components/schemas/<model>)")
    next: str | None = Field(description="cursor of the next page; null on the last")


class RecordAnswer(Answer):
    data: dict[str, Any] = Field(description="A unified record (components/schemas/<model>)")


class RecordDeleted(RecordAnswer):
    deleted: bool = Field(description="true: gone; false: archived")


class AshbyAnswer(Answer):
    """Ashby's answer as is: ``{"success": true, "results": ...}`` or its error envelope."""

    success: bool


# -- syncs and freshness -----------------------------------------------------------------------
class Sync(Answer):
    id: str
    connectionId: str
    status: str = Field(description="queued, running, succeeded, failed or skipped")
    trigger: str = Field(description="schedule, manual or webhook")
    mode: str | None
    full: bool
    streams: list[str] | None
    createdAt: str | None
    startedAt: str | None
    finishedAt: str | None
    requests: int
    fetched: int
    changed: int
    errors: int
    error: str | None
    report: dict[str, Any] | None = Field(default=None, description="Per stream, once finished")


class SyncList(Answer):
    data: list[Sync]
    next: str | None


class Schedule(Answer):
    connectionId: str
    incrementalEveryMinutes: float
    reconcileEveryHours: float
    paused: bool
    nextIncrementalAt: str | None
    nextReconcileAt: str | None
    fastEverySeconds: float
    fastStreams: list[str]
    fastRequestsPerMinute: float
    fastLaneActive: bool | None = None


class SyncStatus(Answer):
    connectionId: str
    running: bool
    schedule: Schedule
    lastRun: Sync | None
    lagSeconds: float | None
    streams: list[dict[str, Any]]


# -- Connect page ------------------------------------------------------------------------------
class BrandingAnswer(Answer):
    data: dict[str, Any]


class ConnectLink(Answer):
    url: str = Field(description="The page to send the customer to (absolute)")
    path: str
    ownerId: str
    expiresAt: str | None
    operations: list[str] | None
    redirectUrl: str | None


# -- webhooks and subscriptions ----------------------------------------------------------------
class WebhookSetting(Answer):
    webhookType: str
    webhookId: str
    url: str
    enabled: bool


class RegisteredWebhooks(Answer):
    connectionId: str
    webhooks: list[WebhookSetting]


class Subscription(Answer):
    id: str
    url: str
    connectionId: str | None
    models: list[str]
    events: list[str]
    enabled: bool
    createdAt: str | None
    updatedAt: str | None
    secret: str | None = Field(default=None, description="The signing secret, only when created")


class SubscriptionList(Answer):
    results: list[Subscription]


class Deliveries(Answer):
    results: list[dict[str, Any]]
    nextBefore: int | None


class WebhooksRemoved(Answer):
    connectionId: str
    removed: list[str]


class SubscriberEvents(Answer):
    results: list[dict[str, Any]] = Field(description="Newest first: status, attempts, next retry")


class EventReplayed(Answer):
    id: int
    status: str


class ReceivedWebhooks(Answer):
    results: list[dict[str, Any]]


class Accepted(Answer):
    """What an inbound Ashby webhook is answered."""

    status: str = Field(description="accepted, duplicate or pong")


# -- directory and assessments -----------------------------------------------------------------
class RoleGaps(Answer):
    """Users whose Ashby role differs from the desired one, and what to change by hand."""


class PartnerSetUp(Answer):
    partnerUrl: str
    partnerKey: str | None = Field(default=None, description="Shown once, when made or rotated")
    assessmentTypes: list[dict[str, Any]] | None = None
    customFields: list[dict[str, Any]] | None = None
    partnerId: str | None = None


class Assessment(Answer):
    id: str
    status: str


class AssessmentList(Answer):
    results: list[Assessment]
    nextCursor: str | None


ConnectionListed.model_rebuild()
