"""Writes of the organisation's metadata: departments, locations, tags, custom field definitions,
interviewer pools, users' interviewer settings, approval definitions."""

from __future__ import annotations

from typing import Any

from ashby_connector.emulator.errors import ApiError
from ashby_connector.emulator.handlers.context import Ctx
from ashby_connector.emulator.handlers.registry import handler


def _save(ctx: Ctx, kind: str, rec: dict[str, Any]) -> dict[str, Any]:
    return ctx.state.put(kind, rec)


# -- departments -------------------------------------------------------------------------------


def _department(ctx: Ctx) -> dict[str, Any]:
    return ctx.require("department", ctx.need("departmentId"), code="department_not_found")


@handler("department.create")
def department_create(ctx: Ctx) -> dict[str, Any]:
    now = ctx.state.now_iso()
    rec: dict[str, Any] = {
        "id": ctx.state.new_id(),
        "name": ctx.need("name"),
        "isArchived": False,
        "createdAt": now,
        "updatedAt": now,
    }
    for name in ("externalName", "extraData"):
        if name in ctx.body:
            rec[name] = ctx.body[name]
    if ctx.arg("parentId"):
        rec["parentId"] = ctx.require("department", ctx.arg("parentId"), code="department_not_found")["id"]
    return _save(ctx, "department", rec)


@handler("department.update")
def department_update(ctx: Ctx) -> dict[str, Any]:
    rec = _department(ctx)
    for name in ("name", "externalName", "extraData"):
        if name in ctx.body:
            rec[name] = ctx.body[name]
    return _save(ctx, "department", rec)


@handler("department.archive", "department.restore")
def department_archive(ctx: Ctx) -> dict[str, Any]:
    rec = _department(ctx)
    rec["isArchived"] = ctx.op.method == "archive"
    return _save(ctx, "department", rec)


@handler("department.move")
def department_move(ctx: Ctx) -> dict[str, Any]:
    rec = _department(ctx)
    parent = ctx.arg("parentId")
    if parent:
        if parent == rec["id"]:
            raise ApiError("invalid_input", "A department cannot be its own parent", field="parentId")
        rec["parentId"] = ctx.require("department", parent, code="department_not_found")["id"]
    else:
        rec.pop("parentId", None)
    return _save(ctx, "department", rec)


# -- locations ---------------------------------------------------------------------------------


def _location(ctx: Ctx) -> dict[str, Any]:
    return ctx.require("location", ctx.need("locationId"), code="location_not_found")


@handler("location.create")
def location_create(ctx: Ctx) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "id": ctx.state.new_id(),
        "name": ctx.need("name"),
        "isArchived": False,
        "type": ctx.arg("type", "Location"),
        "isRemote": bool(ctx.arg("isRemote", False)),
    }
    for name in ("address", "externalName", "extraData", "workplaceType"):
        if name in ctx.body:
            rec[name] = ctx.body[name]
    if ctx.arg("parentLocationId"):
        rec["parentLocationId"] = ctx.require(
            "location", ctx.arg("parentLocationId"), code="location_not_found"
        )["id"]
    return _save(ctx, "location", rec)


@handler("location.archive", "location.restore")
def location_archive(ctx: Ctx) -> dict[str, Any]:
    rec = _location(ctx)
    rec["isArchived"] = ctx.op.method == "archive"
    return _save(ctx, "location", rec)


@handler("location.move")
def location_move(ctx: Ctx) -> dict[str, Any]:
    rec = _location(ctx)
    parent = ctx.require("location", ctx.need("parentLocationHierarchyId"), code="location_not_found")
    rec["parentLocationId"] = parent["id"]
    return _save(ctx, "location", rec)


@handler(
    "location.updateAddress",
    "location.updateExternalName",
    "location.updateName",
    "location.updateWorkplaceType",
)
def location_update(ctx: Ctx) -> dict[str, Any]:
    rec = _location(ctx)
    field = {
        "updateAddress": "address",
        "updateExternalName": "externalName",
        "updateName": "name",
        "updateWorkplaceType": "workplaceType",
    }[ctx.op.method]
    if field in ctx.body:
        rec[field] = ctx.body[field]
    return _save(ctx, "location", rec)


# -- candidate tags ----------------------------------------------------------------------------


@handler("candidateTag.create")
def tag_create(ctx: Ctx) -> dict[str, Any]:
    """Tag titles are unique: creating an existing title returns the existing tag."""
    title = str(ctx.need("title")).strip()
    if not title:
        raise ApiError("invalid_input", "title must not be empty", field="title")
    for tag in ctx.state.iter("candidateTag"):
        if str(tag.get("title", "")).strip().lower() == title.lower():
            return tag
    return _save(ctx, "candidateTag", {"id": ctx.state.new_id(), "title": title, "isArchived": False})


@handler("candidateTag.archive")
def tag_archive(ctx: Ctx) -> dict[str, Any]:
    tag = ctx.require("candidateTag", ctx.need("tagId"), code="candidate_tag_not_found")
    tag["isArchived"] = True
    return _save(ctx, "candidateTag", tag)


# -- custom field definitions ------------------------------------------------------------------


@handler("customField.create")
def custom_field_create(ctx: Ctx) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "id": ctx.state.new_id(),
        "title": ctx.need("title"),
        "fieldType": ctx.need("fieldType"),
        "objectType": ctx.need("objectType"),
        "isArchived": False,
        "isPrivate": False,
        "isRequired": False,
    }
    if ctx.arg("selectableValues") is not None:
        rec["selectableValues"] = [{**v, "isArchived": False} for v in ctx.arg("selectableValues")]
    return _save(ctx, "customField", rec)


@handler("customField.updateSelectableValues")
def custom_field_values(ctx: Ctx) -> dict[str, Any]:
    rec = ctx.require("customField", ctx.need("customFieldId"), code="custom_field_not_found")
    if rec.get("fieldType") not in ("ValueSelect", "MultiValueSelect"):
        raise ApiError("invalid_input", "Only select fields have selectable values", field="customFieldId")
    rec["selectableValues"] = list(ctx.need("selectableValues"))
    return _save(ctx, "customField", rec)


# -- interviewer pools -------------------------------------------------------------------------


def _pool(ctx: Ctx) -> dict[str, Any]:
    return ctx.require("interviewerPool", ctx.need("interviewerPoolId"), code="interviewer_pool_not_found")


@handler("interviewerPool.create")
def pool_create(ctx: Ctx) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "id": ctx.state.new_id(),
        "title": ctx.need("title"),
        "isArchived": False,
        "qualifiedMembers": [],
        "trainees": [],
    }
    return _save(ctx, "interviewerPool", rec)


@handler("interviewerPool.update")
def pool_update(ctx: Ctx) -> dict[str, Any]:
    rec = _pool(ctx)
    if "title" in ctx.body:
        rec["title"] = ctx.body["title"]
    return _save(ctx, "interviewerPool", rec)


@handler("interviewerPool.archive", "interviewerPool.restore")
def pool_archive(ctx: Ctx) -> dict[str, Any]:
    rec = _pool(ctx)
    rec["isArchived"] = ctx.op.method == "archive"
    return _save(ctx, "interviewerPool", rec)


@handler("interviewerPool.addUser", "interviewerPool.removeUser")
def pool_members(ctx: Ctx) -> dict[str, Any]:
    rec = _pool(ctx)
    user = ctx.require("user", ctx.need("userId"), code="user_not_found")
    members = [m for m in rec.get("qualifiedMembers", []) if m.get("id") != user["id"]]
    if ctx.op.method == "addUser":
        members.append(user)
    rec["qualifiedMembers"] = members
    return _save(ctx, "interviewerPool", rec)


# -- users: interviewer settings, pauses, custom fields (users themselves come from the UI/SCIM) --


def _user(ctx: Ctx) -> dict[str, Any]:
    return ctx.require("user", ctx.need("userId"), code="user_not_found")


def _settings(ctx: Ctx, user_id: str) -> dict[str, Any]:
    store: dict[str, dict[str, Any]] = ctx.state.extras.setdefault("interviewer_settings", {})
    return store.setdefault(user_id, {"id": user_id, "dailyLimit": None, "weeklyLimit": None})


@handler("user.interviewerSettings")
def interviewer_settings(ctx: Ctx) -> dict[str, Any]:
    return dict(_settings(ctx, _user(ctx)["id"]))


@handler("user.updateInterviewerSettings")
def update_interviewer_settings(ctx: Ctx) -> dict[str, Any]:
    settings = _settings(ctx, _user(ctx)["id"])
    for name in ("dailyLimit", "weeklyLimit"):
        if name in ctx.body:
            settings[name] = ctx.body[name]
    return dict(settings)


@handler("user.createInterviewerPause")
def create_pause(ctx: Ctx) -> dict[str, Any]:
    user = _user(ctx)
    now = ctx.state.now_iso()
    rec: dict[str, Any] = {
        "id": ctx.state.new_id(),
        "userId": user["id"],
        "startsAt": ctx.arg("startsAt") or now,
        "createdAt": now,
    }
    for name in ("endsAt", "comment"):
        if ctx.arg(name) is not None:
            rec[name] = ctx.arg(name)
    return ctx.state.put("userInterviewerPause", rec, parent=user["id"])


@handler("user.deleteInterviewerPause")
def delete_pause(ctx: Ctx) -> dict[str, Any]:
    pause = ctx.require(
        "userInterviewerPause", ctx.need("interviewerPauseId"), code="interviewer_pause_not_found"
    )
    ctx.state.delete("userInterviewerPause", pause["id"])
    return pause


def _set_user_field(ctx: Ctx, user: dict[str, Any], field_id: str, value: Any) -> None:
    field = ctx.require("customField", field_id, code="custom_field_not_found")
    fields = [f for f in user.get("customFields", []) if f.get("id") != field_id]
    if value is not None:
        fields.append(
            {
                "id": field_id,
                "title": field["title"],
                "value": value,
                "isPrivate": bool(field.get("isPrivate")),
            }
        )
    user["customFields"] = fields


@handler("user.setCustomFieldValue")
def user_set_field(ctx: Ctx) -> dict[str, Any]:
    user = _user(ctx)
    _set_user_field(ctx, user, ctx.need("fieldId"), ctx.body.get("fieldValue"))
    return ctx.state.put("user", user)


@handler("user.setCustomFieldValues")
def user_set_fields(ctx: Ctx) -> list[Any]:
    user = _user(ctx)
    for item in ctx.need("values"):
        if isinstance(item, dict):
            _set_user_field(
                ctx,
                user,
                str(item.get("fieldId") or item.get("id")),
                item.get("fieldValue", item.get("value")),
            )
    ctx.state.put("user", user)
    return list(user.get("customFields", []))


# -- approval definitions ----------------------------------------------------------------------


@handler("approvalDefinition.update")
def approval_definition_update(ctx: Ctx) -> dict[str, Any]:
    entity_type, entity_id = ctx.need("entityType"), ctx.need("entityId")
    if entity_type == "offer":
        ctx.require("offer", entity_id, code="offer_not_found")
    steps = ctx.need("approvalStepDefinitions")
    for step in steps:
        for approver in step.get("approvers", []):
            ctx.require("user", approver.get("userId"), code="user_not_found")
    defs: dict[str, dict[str, Any]] = ctx.state.extras.setdefault("approval_definitions", {})
    definition = {
        "id": ctx.state.new_id(),
        "entityType": entity_type,
        "entityId": entity_id,
        "approvalStepDefinitions": steps,
    }
    defs[f"{entity_type}:{entity_id}"] = definition
    if steps:
        _approval_for(ctx, definition)
    return definition


def _approval_for(ctx: Ctx, definition: dict[str, Any]) -> None:
    """The entity's approval follows its API-managed definition (``approval.list`` filtered by the
    entity shows it), each approver pending until they decide. An empty list skips approval."""
    now = ctx.state.now_iso()
    existing = next(
        (
            a
            for a in ctx.state.iter("approval")
            if (a.get("entityType"), a.get("entityId")) == (definition["entityType"], definition["entityId"])
        ),
        None,
    )
    steps = [
        {
            "id": ctx.state.new_id(),
            "approvalsRequired": step.get("approvalsRequired", 1),
            "approvers": [
                {"id": ctx.state.new_id(), "userId": a["userId"], "decision": "pending", "requestedAt": now}
                for a in step.get("approvers", [])
            ],
        }
        for step in definition["approvalStepDefinitions"]
    ]
    ctx.state.put(
        "approval",
        {
            **(existing or {"id": ctx.state.new_id(), "createdAt": now}),
            "approvalDefinitionId": definition["id"],
            "entityType": definition["entityType"],
            "entityId": definition["entityId"],
            "steps": steps,
        },
    )
