"""Control-API actions for what happens only in Ashby's UI yet fires webhooks: deleting a
candidate, publishing, unpublishing or deleting a job posting, moving a job to another interview
plan. Ashby's API has no operation for these, so tests and demos trigger them here."""

from __future__ import annotations

from typing import Any

from ashby_connector.emulator.delivery.services import webhook_sender
from ashby_connector.emulator.handlers.lookups import stage_view
from ashby_connector.emulator.organisation import Emulator
from ashby_connector.emulator.records.state import State

JSON = dict[str, Any]


def _need(state: State, kind: str, ident: Any) -> JSON:
    rec = state.get(kind, str(ident))
    if rec is None:
        raise KeyError(f"{kind} {ident} not found")
    return rec


def _emit(state: State, webhook_type: str, data: JSON) -> str:
    webhook_sender(state)  # the sender must be listening before the event goes out
    return state.emit(webhook_type, data)


def delete_candidate(emu: Emulator, args: JSON) -> JSON:
    """Delete a candidate and its applications, as an admin can in the UI: ``{"candidateId"}``."""
    state = emu.state
    cand = _need(state, "candidate", args["candidateId"])
    for app_id in cand.get("applicationIds", []):
        for hist_id in state.children("applicationHistory", app_id):
            state.delete("applicationHistory", hist_id)
        state.delete("application", app_id)
    for note_id in state.children("candidateNote", cand["id"]):
        state.delete("candidateNote", note_id)
    state.delete("candidate", cand["id"])
    return {"webhookActionId": _emit(state, "candidateDelete", {"candidate": {"id": cand["id"]}})}


def _set_listed(emu: Emulator, args: JSON, listed: bool) -> JSON:
    state = emu.state
    posting = _need(state, "jobPosting", args["jobPostingId"])
    posting["isListed"] = listed
    state.put("jobPosting", posting)
    kind = "jobPostingPublish" if listed else "jobPostingUnpublish"
    # jobPostingUpdate follows under the same action id (webhook_sender.RELATED).
    return {"webhookActionId": _emit(state, kind, {"jobPosting": state.get("jobPosting", posting["id"])})}


def publish(emu: Emulator, args: JSON) -> JSON:
    """``{"jobPostingId"}``: list the posting; fires jobPostingPublish and jobPostingUpdate."""
    return _set_listed(emu, args, True)


def unpublish(emu: Emulator, args: JSON) -> JSON:
    """``{"jobPostingId"}``: unlist the posting; fires jobPostingUnpublish and jobPostingUpdate."""
    return _set_listed(emu, args, False)


def delete_posting(emu: Emulator, args: JSON) -> JSON:
    """``{"jobPostingId"}``: remove the posting; fires jobPostingDelete."""
    state = emu.state
    posting = _need(state, "jobPosting", args["jobPostingId"])
    state.delete("jobPosting", posting["id"])
    return {"webhookActionId": _emit(state, "jobPostingDelete", {"jobPosting": {"id": posting["id"]}})}


def transition(emu: Emulator, args: JSON) -> JSON:
    """Move a job to another interview plan: ``{"jobId", "toInterviewPlanId"}``. Stages map by
    position, and the job's applications in a stage of the old plan move to its mapped stage (the
    payload carries only the mappings, and no applicationUpdate is sent for them); fires
    interviewPlanTransition and, under the same action id, jobUpdate."""
    state = emu.state
    job = _need(state, "job", args["jobId"])
    to_plan = _need(state, "interviewPlan", args["toInterviewPlanId"])
    from_plan = _need(state, "interviewPlan", job.get("defaultInterviewPlanId"))

    def stages(plan_id: str) -> list[str]:
        found = [state.get("interviewStage", i) for i in state.children("interviewStage", plan_id)]
        ordered = sorted((s for s in found if s), key=lambda s: int(s.get("orderInInterviewPlan") or 0))
        return [s["id"] for s in ordered]

    old, new = stages(from_plan["id"]), stages(to_plan["id"])
    mappings = [{"fromInterviewStageId": a, "toInterviewStageId": b} for a, b in zip(old, new, strict=False)]
    job["defaultInterviewPlanId"] = to_plan["id"]
    job["interviewPlanIds"] = [
        to_plan["id"],
        *[p for p in job.get("interviewPlanIds", []) if p != to_plan["id"]],
    ]
    state.put("job", job)
    moves = {m["fromInterviewStageId"]: m["toInterviewStageId"] for m in mappings}
    for app in list(state.iter("application")):
        current = (app.get("currentInterviewStage") or {}).get("id")
        if (app.get("job") or {}).get("id") == job["id"] and current in moves:
            app["currentInterviewStage"] = stage_view(_need(state, "interviewStage", moves[current]))
            state.put("application", app)
    data = {
        "jobId": job["id"],
        "fromInterviewPlan": {"id": from_plan["id"], "title": from_plan.get("title", "")},
        "toInterviewPlan": {"id": to_plan["id"], "title": to_plan.get("title", "")},
        "interviewStageMappings": mappings,
    }
    return {"webhookActionId": _emit(state, "interviewPlanTransition", data)}
