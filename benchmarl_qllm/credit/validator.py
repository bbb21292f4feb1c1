"""Validate a TFCAF on given states: static filter, jail trace, verified program, checks here.

:func:`validate` takes the states (and the task facts: agents, input kind, IGM mode) as
arguments; :func:`benchmarl_qllm.environments.validation.validate_for_task` samples them from a
task's live environment. Steps, each a named check in the report:

``static`` (:func:`~benchmarl_qllm.credit.sandbox.static_check`, a usability filter with
messages for the LLM, not a security boundary), ``trace`` (the source runs only in the jail,
:func:`~benchmarl_qllm.credit.jail.trace_in_jail`, which returns a tensor program),
``verify`` (the program is verified and rebuilt in this process:
:meth:`~benchmarl_qllm.credit.program.TensorProgram.from_json`), then
:func:`~benchmarl_qllm.credit.checks.run_checks` on the real states, computed here on the
verified program: ``call``, ``outputs``, ``finite``, ``bounded``, ``igm``, ``gradient``,
``deterministic``, ``batch_independence``, ``nonzero``, ``speed``. The report carries the
verified program, which is exactly what training will execute.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, List, Optional

import torch

from benchmarl_qllm.credit.checks import CheckLog, DEFAULT_OUTPUT_BOUND, run_checks
from benchmarl_qllm.credit.function import OBSERVATION_KEY, STATE_KEY, source_sha256
from benchmarl_qllm.credit.jail import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_S, shutdown_jail, trace_in_jail
from benchmarl_qllm.credit.mixing import IGM_MODES
from benchmarl_qllm.credit.program import InputSpec, TensorProgram
from benchmarl_qllm.credit.sandbox import static_check

# Generous: a verified program is already bounded; this only catches pathological cost, and
# must not fail on a loaded machine (measured speed is reported in the timings either way).
DEFAULT_MAX_MS_PER_256 = 500.0


@dataclass
class CheckResult:
    """One check: its name, whether it passed, and a message meant for humans and LLMs."""

    name: str
    passed: bool
    message: str
    details: Dict[str, Any] = field(default_factory=dict)


@dataclass
class ValidationReport:
    """Everything :func:`validate` found out about one TFCAF source."""

    ok: bool
    checks: List[CheckResult]
    n_states: int
    n_agents: int
    input_kind: str
    igm: str
    source_sha256: str
    timings: Dict[str, float] = field(default_factory=dict)  # milliseconds
    stats: Dict[str, Any] = field(default_factory=dict)
    warnings: List[str] = field(default_factory=list)
    # The verified program (what training executes); not part of the serialized report.
    program: Optional[TensorProgram] = field(default=None, repr=False, compare=False)

    @property
    def failures(self) -> List[CheckResult]:
        return [c for c in self.checks if not c.passed]

    def check(self, name: str) -> Optional[CheckResult]:
        return next((c for c in self.checks if c.name == name), None)

    def feedback(self) -> str:
        """The failing checks, one per line (what the coder LLM is told to fix)."""
        if self.ok:
            return "all checks passed"
        return "\n".join(f"- [{c.name}] {c.message}" for c in self.failures)

    def format(self, verbose: bool = True) -> str:
        """A human-readable report."""
        status = "PASSED" if self.ok else "FAILED"
        lines = [
            f"validation {status}: {self.n_states} states, {self.n_agents} agents, "
            f"input={self.input_kind}, igm={self.igm}, sha256={self.source_sha256[:12]}"
        ]
        for c in self.checks:
            if verbose or not c.passed:
                lines.append(f"  [{'ok' if c.passed else 'FAIL'}] {c.name}: {c.message}")
        for w in self.warnings:
            lines.append(f"  [warn] {w}")
        if self.stats and verbose:
            s = self.stats
            lines.append(
                f"  weights: mean {s['weight_mean']:.3g}, min {s['weight_min']:.3g}, max "
                f"{s['weight_max']:.3g}, per agent {s['weight_mean_per_agent']}; bias mean "
                f"{s['bias_mean']:.3g}"
            )
        if self.timings:
            lines.append(
                "  timings (ms): "
                + ", ".join(f"{k[:-3] if k.endswith('_ms') else k} {v:.1f}" for k, v in self.timings.items())
            )
        return "\n".join(lines)

    def to_dict(self) -> Dict[str, Any]:
        program, self.program = self.program, None
        try:
            return asdict(self)
        finally:
            self.program = program

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> "ValidationReport":
        data = dict(data)
        data["checks"] = [CheckResult(**c) for c in data.get("checks", [])]
        data.pop("program", None)
        return cls(**data)


def shutdown_worker() -> None:
    """Stop the jail worker process (it restarts on the next :func:`validate`)."""
    shutdown_jail()


# public API ------------------------------------------------------------------------------------------
def validate(
    source: str,
    states: torch.Tensor,
    n_agents: int,
    input_kind: str,
    igm: str = "enforce",
    timeout_s: float = DEFAULT_TIMEOUT_S,
    memory_mb: int = DEFAULT_MEMORY_MB,
    max_ms_per_256: float = DEFAULT_MAX_MS_PER_256,
    output_bound: float = DEFAULT_OUTPUT_BOUND,
) -> ValidationReport:
    """Check ``source`` statically, trace it in the jail, verify the program and run the
    checks on ``states`` here (see the module docstring).

    Args:
        source: the TFCAF module text.
        states: real credit inputs, ``[B, n_agents, obs_dim]`` (``input_kind="observation"``)
            or ``[B, state_dim]`` (``"state"``).
        n_agents: agents in the group.
        input_kind: ``"observation"`` or ``"state"``.
        igm: ``"enforce"`` (every weight must be ``>= 0``) or ``"relax"``.
        timeout_s: wall-clock limit of running and tracing the source in the jail.
        memory_mb: address space the jailed child may add to what it has mapped at start.
        max_ms_per_256: speed limit, per call, scaled with the batch size.
        output_bound: largest allowed ``|w_i|`` and ``|b|``.

    Never raises for a bad candidate: everything wrong ends up in the report.
    """
    if input_kind not in (OBSERVATION_KEY, STATE_KEY):
        raise ValueError(f"input_kind must be 'observation' or 'state', got '{input_kind}'")
    if igm not in IGM_MODES:
        raise ValueError(f"igm must be one of {IGM_MODES}, got '{igm}'")
    if not isinstance(states, torch.Tensor) or not states.is_floating_point():
        raise ValueError("states must be a floating-point tensor")
    expected_ndim = 3 if input_kind == OBSERVATION_KEY else 2
    if states.ndim != expected_ndim or states.shape[0] < 1 or (
        input_kind == OBSERVATION_KEY and states.shape[1] != n_agents
    ):
        shape = "[B, n_agents, obs_dim]" if input_kind == OBSERVATION_KEY else "[B, state_dim]"
        raise ValueError(f"states have shape {list(states.shape)}, expected {shape} with B >= 1")

    started = time.perf_counter()
    report = ValidationReport(
        ok=False,
        checks=[],
        n_states=int(states.shape[0]),
        n_agents=int(n_agents),
        input_kind=input_kind,
        igm=igm,
        source_sha256=source_sha256(source) if isinstance(source, str) else "",
    )
    static = static_check(source)
    report.timings["static_ms"] = (time.perf_counter() - started) * 1e3
    if not static.ok:
        report.checks.append(
            CheckResult("static", False, "rejected by the static checker: " + "; ".join(static.errors))
        )
        return report
    report.checks.append(CheckResult("static", True, "only the allowed Python/torch subset is used"))

    cpu_states = states.detach().to("cpu", torch.float32).contiguous()
    spec = InputSpec(input_kind, int(n_agents), int(cpu_states.shape[-1]))
    outcome = trace_in_jail(source, spec, timeout_s=timeout_s, memory_mb=memory_mb)
    report.timings["jail_ms"] = outcome.wall_ms
    if outcome.stage in ("load", "trace", "timeout", "crash"):
        report.checks.append(CheckResult("trace", False, _trace_failure(outcome.stage, outcome.message)))
    elif outcome.stage == "rejected":
        report.checks.append(CheckResult("trace", True, "ran and traced in the jail"))
        report.checks.append(CheckResult("verify", False, "the traced program was rejected: " + outcome.message))
    else:
        program = outcome.program
        report.program = program
        report.checks.append(CheckResult("trace", True, "ran and traced in the jail"))
        report.checks.append(CheckResult(
            "verify", True, f"verified tensor program: {program.n_operations} operations "
            f"({', '.join(program.operators()[:12])}{', ...' if len(program.operators()) > 12 else ''})"))
        log = run_checks(program, cpu_states, igm, max_ms_per_256, output_bound, CheckLog())
        for c in log.checks:
            report.checks.append(CheckResult(c["name"], c["passed"], c["message"], c.get("details", {})))
        report.warnings.extend(log.warnings)
        report.stats.update(log.stats)
        report.timings.update({k: float(v) for k, v in log.timings.items()})
    report.timings["total_ms"] = (time.perf_counter() - started) * 1e3
    names = {c.name for c in report.checks}
    report.ok = all(c.passed for c in report.checks) and "speed" in names
    return report


def _trace_failure(stage: str, message: str) -> str:
    prefix = {
        "load": "executing the module failed: ",
        "trace": "calling weights()/bias() on a batch of states failed while tracing: ",
        "timeout": "",
        "crash": "",
    }[stage]
    hint = ""
    if "GuardOnDataDependentSymNode" in message and " (line " in message:
        # torch's text is long and generic; keep its first line and where it happened
        message = message.splitlines()[0] + message[message.rindex(" (line "):]
    if stage == "trace" and ("data-dependent" in message or "GuardOnDataDependent" in message):
        hint = (" -- Python `if`/`while` on tensor values cannot be traced: use torch.where, "
                "clamp or masks instead of branching on data")
    if stage == "trace" and "Constraints violated" in message:
        hint = " -- the code behaves differently for different batch sizes; it must not depend on B"
    return prefix + message + hint
