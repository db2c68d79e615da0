"""Child policies: how much of each child list (one request per parent) a sync fetches.

- ``eager``: every parent on the first run, then the parents that changed since the last run;
- ``changed``: only parents that changed after the first run (the first run fetches none);
- ``lazy``: none during syncs; fetched when first read through the server, and again once the
  parent changed after them (``ashby_connector.core.resources.lazy_children``);
- ``off``: never.

Derived child lists (interview events, embedded in interview schedules) have no policy: they cost
nothing and are always stored from their parent's pages.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal, cast

if TYPE_CHECKING:
    from ashby_connector.sync.streams import Stream

ChildPolicy = Literal["eager", "changed", "lazy", "off"]
POLICIES: tuple[ChildPolicy, ...] = ("eager", "changed", "lazy", "off")

# Chosen by value and cost (docs/sync.md, "Child lists: what they cost"). Each costs one request
# per parent it fetches (more only for a parent with over 100 children).
DEFAULT_CHILD_POLICIES: dict[str, ChildPolicy] = {
    # A handful of plans, and stages are needed to read any application's stage: always.
    "interviewStage": "eager",
    # Asked only for candidates whose fraudStatus is set (the others have none), but accounts that
    # screen every candidate set it on all of them: read with the candidate, when it is read.
    "candidateFraudCheck": "lazy",
    # Stage history is what reports are made of: kept fresh for every application that moves.
    "applicationHistory": "changed",
    # Notes, projects, client info, AI criteria evaluations and interviewer pauses are read one
    # parent at a time (a candidate's page): fetched when read.
    "candidateNote": "lazy",
    "candidateProject": "lazy",
    "candidateClientInfo": "lazy",
    "applicationCriteriaEvaluation": "lazy",
    "userInterviewerPause": "lazy",
    # Screening answers (application.info expand applicationFormSubmissions) are read one
    # application at a time: fetched when read.
    "applicationFormSubmission": "lazy",
}


def every_child(policy: ChildPolicy) -> dict[str, ChildPolicy]:
    """The same policy for every child list (``every_child("eager")``: the whole account now)."""
    return {s.name: policy for s in child_lists()}


def parse_children(text: str | None) -> dict[str, ChildPolicy]:
    """``candidateNote=eager,applicationHistory=off`` -> {stream: policy}; errors name the part."""
    out: dict[str, ChildPolicy] = {}
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        name, sep, policy = (p.strip() for p in part.partition("="))
        if not sep or not name or not policy:
            raise ChildPolicyError(f"--children: {part!r} is not stream=policy (e.g. candidateNote=eager)")
        out[name] = cast(ChildPolicy, policy)
    return check_policies(out)


class ChildPolicyError(ValueError):
    """A child policy that names no child list or no policy; the message says which."""

    def __init__(self, message: str, stream: str | None = None) -> None:
        super().__init__(message)
        self.stream = stream  # the child list named by the faulty entry, when there is one


def child_lists() -> list[Stream]:
    """Every child list a policy governs: those that cost a request per parent (derived child
    lists, stored from their parent's pages, have none). A child list registered in the stream
    catalog gets a policy here, per run and per connection, with no other change."""
    from ashby_connector.sync.streams import all_streams

    return [s for s in all_streams() if s.fans_out]


def default_policy(stream: str) -> ChildPolicy:
    """The policy a child list has when nothing overrides it."""
    return DEFAULT_CHILD_POLICIES.get(stream, "eager")


def check_policies(policies: Mapping[str, str]) -> dict[str, ChildPolicy]:
    from ashby_connector.sync.streams import all_streams

    streams = {s.name: s for s in all_streams()}
    for name, policy in policies.items():
        stream = streams.get(name)
        if stream is None or stream.parent is None:
            known = ", ".join(sorted(s.name for s in child_lists()))
            raise ChildPolicyError(f"children: {name!r} is not a child list; child lists: {known}", name)
        if stream.derived:
            raise ChildPolicyError(
                f"children: {name} is stored from {stream.parent} pages at no cost; it has no policy", name
            )
        if policy not in POLICIES:
            raise ChildPolicyError(
                f"children: {name}={policy!r}: the policy must be one of {', '.join(POLICIES)}", name
            )
    return {k: cast(ChildPolicy, v) for k, v in policies.items()}


def resolve(overrides: Mapping[str, str] | None) -> dict[str, ChildPolicy]:
    """Every child list's policy: its default, or ``overrides`` (per run or per connection), checked."""
    defaults = {s.name: default_policy(s.name) for s in child_lists()}
    return defaults | check_policies(overrides or {})
