"""Typed results: what a runner returns, and what an apply reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Optional, Tuple

from ._exceptions import StepFailed

StepStatus = Literal["ok", "changed", "failed", "not-run"]
Outcome = Literal["ok", "changed", "failed"]


@dataclass(frozen=True)
class RunResult:
    """What running a script on a node gave back."""

    stdout: str
    #: `None` when the script was killed by a signal or the transport lost it.
    exit_code: Optional[int]
    stderr: str = ""

    @classmethod
    def of(cls, value: object) -> "RunResult":
        """A runner's answer: a `RunResult`, or a tuple `(stdout,
        exit_code)` or `(stdout, exit_code, stderr)`."""
        if isinstance(value, RunResult):
            return value
        if isinstance(value, tuple) and len(value) in (2, 3):
            stdout, code = value[0], value[1]
            stderr = value[2] if len(value) == 3 else ""
            return cls(_text(stdout), code, _text(stderr))
        raise TypeError(f"a runner returns RunResult or (stdout, exit_code[, stderr]), not {type(value).__name__}")

    def canonical(self) -> dict:
        return {"stdout": self.stdout, "stderr": self.stderr, "exit-code": self.exit_code}


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value or "")


@dataclass(frozen=True)
class StepReport:
    """One step of a plan and what came of it."""

    index: int
    #: The resource in a few words: `file /etc/supervisor/conf.d/web.conf`.
    what: str
    #: Why the plan has it.
    reason: str
    status: StepStatus
    #: What the node said.
    message: str
    #: A unified diff of a file it changed, secrets shown as `<redacted>`.
    diff: Optional[str] = None


@dataclass(frozen=True)
class ProgramStatus:
    """One process as a status step reported it."""

    name: str
    state: str
    detail: str
    pid: Optional[int] = None
    #: Why it is not running, when supervisord knows (a spawn error such as
    #: "can't find command '/no/such/binary'", or how it exited).
    reason: Optional[str] = None
    #: The last lines of its logs when it is not running, secrets redacted.
    stdout_tail: Tuple[str, ...] = ()
    stderr_tail: Tuple[str, ...] = ()


@dataclass(frozen=True)
class Report:
    """Everything one converge, service action or status reported."""

    outcome: Outcome
    steps: Tuple[StepReport, ...]
    changed: int
    ok: int
    #: Why the node failed, for people.
    error: Optional[str]
    programs: Tuple[ProgramStatus, ...] = ()
    #: Scripts run on the node: 1 when nothing had to change, else 2.
    round_trips: int = 0
    #: The plan the steps came from, in canonical JSON (it may hold secrets).
    plan: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def failed(self) -> bool:
        return self.outcome == "failed"

    @property
    def diffs(self) -> Tuple[str, ...]:
        return tuple(step.diff for step in self.steps if step.diff)

    def followed_by(self, later: "Report") -> "Report":
        """This report and a later one on the same node, as one: both's
        steps, the later's program states, round trips added up."""
        outcomes = (self.outcome, later.outcome)
        outcome: Outcome = "failed" if "failed" in outcomes else "changed" if "changed" in outcomes else "ok"
        return Report(
            outcome=outcome,
            steps=self.steps + later.steps,
            changed=self.changed + later.changed,
            ok=self.ok + later.ok,
            error=later.error or self.error,
            programs=later.programs or self.programs,
            round_trips=self.round_trips + later.round_trips,
            plan=self.plan,
        )

    def raise_for_outcome(self) -> "Report":
        """Raises `StepFailed` when the node failed; returns the report."""
        if self.failed:
            raise StepFailed(self.error or "the node failed", report=self)
        return self

    @classmethod
    def from_canonical(cls, data: dict, *, round_trips: int, plan: dict) -> "Report":
        return cls(
            outcome=data["outcome"],
            steps=tuple(
                StepReport(
                    index=s["index"],
                    what=s["what"],
                    reason=s["reason"],
                    status=s["status"],
                    message=s["message"],
                    diff=s["diff"],
                )
                for s in data["steps"]
            ),
            changed=data["changed"],
            ok=data["ok"],
            error=data["error"],
            programs=tuple(
                ProgramStatus(
                    name=p["name"],
                    state=p["state"],
                    detail=p["detail"],
                    pid=p["pid"],
                    reason=p["reason"],
                    stdout_tail=tuple(p["stdout-tail"]),
                    stderr_tail=tuple(p["stderr-tail"]),
                )
                for p in data["programs"]
            ),
            round_trips=round_trips,
            plan=plan,
        )
