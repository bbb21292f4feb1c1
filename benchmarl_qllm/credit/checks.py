"""The checks a verified credit program must pass on real states, computed in this process.

The program comes out of the jail already verified (operators, grammar, shapes, memory); these
checks run it, here, on the states it will meet: ``call``, ``outputs``, ``finite``, ``bounded``
(every weight and bias within ``output_bound``), ``igm`` (every weight ``>= 0`` under
``igm="enforce"``), ``gradient`` (through the mixing math of :mod:`benchmarl_qllm.credit.mixing`,
``dQ_tot/dQ_i == w_i``), ``deterministic``, ``batch_independence`` (random subsets of random
sizes, down to single rows, with and without grad mode), ``nonzero`` and ``speed``. Nothing here
trusts a word from the jail. Messages are concrete (rows, values) because they go back to the
LLM that wrote the code.
"""

from __future__ import annotations

import random
import time
from typing import Any, Dict, List, Optional

import torch

from benchmarl_qllm.credit.mixing import apply_igm_and_normalization, mix
from benchmarl_qllm.credit.program import TensorProgram

MAX_MESSAGE_CHARS = 1500
DEFAULT_OUTPUT_BOUND = 1e4
SUBSETS = 12
SPEED_REPEATS = 5
ALLCLOSE = dict(rtol=1e-4, atol=1e-5)


def clip_text(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """``text`` cut to ``limit`` characters (messages travel to reports and the LLM)."""
    text = str(text)
    return text if len(text) <= limit else text[: limit - 20] + f"... [{len(text)} chars]"


def _values(t: torch.Tensor, limit: int = 8) -> str:
    """A short, readable rendering of a tensor row for error messages."""
    flat = t.detach().reshape(-1).tolist()
    shown = ", ".join(f"{v:.4g}" if isinstance(v, float) else str(v) for v in flat[:limit])
    return f"[{shown}{', ...' if len(flat) > limit else ''}]"


class CheckLog:
    """Accumulates checks, warnings, timings and statistics as plain data."""

    def __init__(self) -> None:
        self.checks: List[Dict[str, Any]] = []
        self.warnings: List[str] = []
        self.timings: Dict[str, float] = {}
        self.stats: Dict[str, Any] = {}

    def add(self, name: str, passed: bool, message: str, **details: Any) -> bool:
        self.checks.append(
            {"name": name, "passed": bool(passed), "message": clip_text(message), "details": details}
        )
        return passed


def run_checks(
    program: TensorProgram,
    states: torch.Tensor,
    igm: str,
    max_ms_per_256: float,
    output_bound: float = DEFAULT_OUTPUT_BOUND,
    log: Optional[CheckLog] = None,
) -> CheckLog:
    """Run every check of the module docstring on ``states`` (``[B, ...]`` of the program's
    input spec); returns the :class:`CheckLog` (passed in or new)."""
    r = log or CheckLog()
    n_agents = program.spec.n_agents
    batch = int(states.shape[0])
    original = states.clone()
    t0 = time.perf_counter()
    try:
        w, b = program(states)
    except Exception as exc:  # noqa: BLE001 - e.g. a traced assert failing on real data
        r.add("call", False, f"the program failed on {batch} sampled states: "
              f"{type(exc).__name__}: {clip_text(exc, 600)}")
        return r
    r.timings["first_call_ms"] = (time.perf_counter() - t0) * 1e3
    r.add("call", True, f"weights()/bias() ran on {batch} sampled states")
    if not torch.equal(states, original):  # impossible for a verified program; checked anyway
        r.add("call", False, "the program modified its input")
        return r
    if tuple(w.shape) != (batch, n_agents) or tuple(b.shape) != (batch, 1):
        r.add("outputs", False, f"outputs have shapes {list(w.shape)} and {list(b.shape)}, "
              f"expected [{batch}, {n_agents}] and [{batch}, 1]")
        return r
    r.add("outputs", True, f"weights [{batch}, {n_agents}] and bias [{batch}, 1], float32")

    w, b = w.detach(), b.detach()
    _check_numbers(r, states, w, b, igm, output_bound)
    _check_gradient(r, states, w, b, igm, n_agents)
    _check_repeatable(r, program, states, w, b)
    effective = apply_igm_and_normalization(w, igm, "none", n_agents)
    _check_nonzero(r, effective)
    _check_speed(r, program, states, max_ms_per_256)
    r.stats.update(_stats(w, b, effective))
    if r.stats.get("state_dependent") is False:
        r.warnings.append("weights are the same for every state: this is VDN with fixed scales")
    finite = effective[torch.isfinite(effective).all(-1)]
    if finite.numel() and float(finite.abs().max()) > 100:
        r.warnings.append(f"large weights (max |w| = {float(finite.abs().max()):.3g}): "
                          "Q_tot scale and TD errors grow with them")
    return r


def _check_numbers(r, states, w, b, igm, output_bound) -> None:
    batch = w.shape[0]
    bad = ~(torch.isfinite(w).all(-1) & torch.isfinite(b).all(-1))
    if bad.any():
        row = int(bad.nonzero()[0, 0])
        r.add("finite", False,
              f"non-finite weights/bias (NaN or inf) for {int(bad.sum())} of {batch} states; first: "
              f"state row {row} = {_values(states[row], 12)} gave weights={_values(w[row])}, "
              f"bias={_values(b[row])}. Guard divisions (x / (y + 1e-6)), logs, sqrt and exp.",
              row=row, n_bad=int(bad.sum()))
    else:
        r.add("finite", True, "all weights and biases are finite")
    too_big = (w.abs() > output_bound).any(-1) | (b.abs() > output_bound).any(-1)
    if too_big.any():
        row = int(too_big.nonzero()[0, 0])
        r.add("bounded", False,
              f"weights or bias exceed the bound {output_bound:g} in absolute value for "
              f"{int(too_big.sum())} of {batch} states (first: row {row}, weights={_values(w[row])}, "
              f"bias={_values(b[row])}); keep credit weights O(1) and the bias on the return's scale",
              row=row)
    else:
        r.add("bounded", True, f"every weight and bias is within +-{output_bound:g}")
    if igm == "enforce":
        negative = w < 0
        if negative.any():
            row, agent = (int(i) for i in negative.nonzero()[0])
            r.add("igm", False,
                  f"igm=enforce requires every weight >= 0, but {int(negative.sum())} of {w.numel()} "
                  f"weights are negative (min {float(w.min()):.4g}; first: state row {row}, agent "
                  f"{agent}, weights={_values(w[row])}). Make weights non-negative, e.g. with "
                  "softplus, exp, sigmoid or clamp(min=0) plus a floor.", min_weight=float(w.min()))
        else:
            r.add("igm", True, "every weight is >= 0 (monotonic mixing)")
    else:
        r.add("igm", True, f"igm=relax: signed weights allowed ({float((w < 0).float().mean()):.1%} negative)")


def _check_gradient(r, states, w, b, igm, n_agents) -> None:
    batch = w.shape[0]
    generator = torch.Generator().manual_seed(random.SystemRandom().randrange(1 << 31))
    q = torch.randn(batch, n_agents, generator=generator).requires_grad_(True)
    effective = apply_igm_and_normalization(w, igm, "none", n_agents)
    q_tot = mix(q, effective, b)
    q_tot.sum().backward()
    if q.grad is None or not torch.allclose(q.grad, effective, **ALLCLOSE, equal_nan=True):
        r.add("gradient", False, "dQ_tot/dQ_i differs from the weights")
    else:
        r.add("gradient", True, "dQ_tot/dQ_i equals w_i: gradients reach every agent's Q")


def _same(a: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
    return torch.isclose(a, c, **ALLCLOSE, equal_nan=True).all(-1)


def _check_repeatable(r, program, states, w, b) -> None:
    """Same outputs again, and for random subsets of random sizes (grad mode on and off)."""
    batch = w.shape[0]
    w2, b2 = program(states.clone())
    if not (bool(_same(w, w2).all()) and bool(_same(b, b2).all())):
        r.add("deterministic", False, "two calls on the same states returned different outputs")
    else:
        r.add("deterministic", True, "two calls on the same states return identical outputs")
    rng = random.SystemRandom()
    for i in range(SUBSETS):
        size = 1 if i < 3 else rng.randint(2, max(2, batch))
        rows = torch.tensor(sorted(rng.sample(range(batch), min(size, batch))))
        x = states[rows].clone()
        if i % 2:
            x.requires_grad_(True)
        with torch.set_grad_enabled(bool(i % 2)):
            ws, bs = program(x)
        ok = _same(ws.detach(), w[rows]) & _same(bs.detach(), b[rows])
        if not bool(ok.all()):
            k = int((~ok).nonzero()[0, 0])
            row = int(rows[k])
            r.add("batch_independence", False,
                  f"weights/bias of state row {row} are {_values(w[row])}/{_values(b[row])} in the full "
                  f"batch of {batch} but {_values(ws[k])}/{_values(bs[k])} in a batch of {len(rows)}: "
                  "each row's output must depend only on that row (no mean/max/normalization over "
                  "the batch dimension 0)")
            return
    r.add("batch_independence", True, f"{SUBSETS} random sub-batches (sizes 1..{batch}) give the same outputs")


def _check_nonzero(r, effective) -> None:
    finite = effective[torch.isfinite(effective).all(-1)]
    if finite.numel() == 0:
        return  # already reported by "finite"
    if bool((finite == 0).all()):
        r.add("nonzero", False, "every weight is zero on every real state: no gradient would reach any agent")
        return
    dead_rows = float((finite == 0).all(-1).float().mean())
    r.add("nonzero", True, f"weights are non-zero ({dead_rows:.1%} of states have all-zero weights)")
    if dead_rows > 0.5:
        r.warnings.append(f"{dead_rows:.0%} of the sampled states give all-zero weights: agents learn nothing there")


def _check_speed(r, program, states, max_ms_per_256) -> None:
    batch = states.shape[0]
    times = []
    for _ in range(SPEED_REPEATS):
        t0 = time.perf_counter()
        program(states)
        times.append((time.perf_counter() - t0) * 1e3)
    per_call = sorted(times)[len(times) // 2]
    limit = max_ms_per_256 * max(1.0, batch / 256)
    r.timings["call_ms"] = per_call
    if per_call > limit:
        r.add("speed", False, f"one call on {batch} states takes {per_call:.1f} ms (limit {limit:.0f} ms): "
              "vectorize over the batch, avoid Python loops over states", ms=per_call)
    else:
        r.add("speed", True, f"{per_call:.2f} ms per call on {batch} states (limit {limit:.0f} ms)", ms=per_call)


def _stats(w, b, effective) -> Dict[str, Any]:
    finite = torch.isfinite(effective).all(-1) & torch.isfinite(b).all(-1)
    if not bool(finite.any()):
        return {}
    e, bb = effective[finite], b[finite]
    rel = e / e.sum(-1, keepdim=True).abs().clamp_min(1e-8)
    return {
        "weight_mean": float(e.mean()),
        "weight_min": float(e.min()),
        "weight_max": float(e.max()),
        "weight_std_over_states": float(e.std(0).mean()) if e.shape[0] > 1 else 0.0,
        "weight_mean_per_agent": [round(float(v), 4) for v in e.mean(0)],
        "share_std_within_state": float(rel.std(-1).mean()) if e.shape[-1] > 1 else 0.0,
        "bias_mean": float(bb.mean()),
        "bias_min": float(bb.min()),
        "bias_max": float(bb.max()),
        "state_dependent": bool((e.std(0) > 1e-6).any()) if e.shape[0] > 1 else True,
    }
