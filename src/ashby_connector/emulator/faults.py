"""Seeded, reproducible fault injection, globally or per operation.

Spec (CLI ``--faults``): groups separated by ``;``; each group is ``kind:value`` pairs separated by
``,``, optionally prefixed by ``operation=``. Kinds: ``500``, ``502``, ``503``, ``429`` (HTTP errors),
``timeout`` (hang past the client's timeout), ``reset`` (drop the connection), ``truncate`` (send a
body shorter than its Content-Length), each with a probability; ``latency_ms`` adds latency;
``hang_s`` sets how long a timeout hangs (default 35 s, longer than a 30 s client timeout).

    500:0.02,503:0.02,429:0.02,timeout:0.01,reset:0.01,truncate:0.01,latency_ms:5
    candidate.list=500:0.1;application.list=reset:1
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

FAULT_KINDS = ("500", "502", "503", "429", "timeout", "reset", "truncate")


@dataclass
class FaultRule:
    probabilities: dict[str, float] = field(default_factory=dict)
    latency_ms: float = 0.0
    hang_s: float = 35.0


@dataclass
class FaultPlan:
    default: FaultRule = field(default_factory=FaultRule)
    per_operation: dict[str, FaultRule] = field(default_factory=dict)

    def rule(self, operation: str) -> FaultRule:
        return self.per_operation.get(operation, self.default)


def parse_faults(spec: str | None) -> FaultPlan:
    plan = FaultPlan()
    if not spec:
        return plan
    for group in spec.split(";"):
        group = group.strip()
        if not group:
            continue
        target = None
        if "=" in group:
            target, group = group.split("=", 1)
            target = target.strip()
        rule = FaultRule()
        for pair in group.split(","):
            pair = pair.strip()
            if not pair:
                continue
            name, _, value = pair.partition(":")
            name = name.strip()
            try:
                number = float(value)
            except ValueError:
                raise ValueError(f"fault {pair!r}: value must be a number") from None
            if name == "latency_ms":
                rule.latency_ms = number
            elif name == "hang_s":
                rule.hang_s = number
            elif name in FAULT_KINDS:
                if not 0 <= number <= 1:
                    raise ValueError(f"fault {pair!r}: probability must be within 0..1")
                rule.probabilities[name] = number
            else:
                raise ValueError(
                    f"unknown fault kind {name!r}; known: {', '.join(FAULT_KINDS)}, latency_ms, hang_s"
                )
        if target:
            plan.per_operation[target] = rule
        else:
            plan.default = rule
    return plan


class FaultInjector:
    """Draws one number per request from a seeded RNG, so a run's faults repeat exactly."""

    def __init__(self, plan: FaultPlan, seed: int) -> None:
        self.plan = plan
        self.rng = random.Random(seed * 7919 + 17)
        self.counts: dict[str, int] = {}

    def draw(self, operation: str) -> tuple[str | None, FaultRule]:
        rule = self.plan.rule(operation)
        if not rule.probabilities:
            return None, rule
        r = self.rng.random()
        acc = 0.0
        for kind in FAULT_KINDS:
            acc += rule.probabilities.get(kind, 0.0)
            if r < acc:
                self.counts[kind] = self.counts.get(kind, 0) + 1
                return kind, rule
        return None, rule
