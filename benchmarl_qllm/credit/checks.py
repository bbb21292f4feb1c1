"""The dynamic checks a TFCAF must pass, run on real states (in the validator's child process).

:func:`run_checks` loads the candidate with :func:`~benchmarl_qllm.credit.sandbox.load_source`
and checks, in order: ``load``, ``call``, ``input_unchanged``, ``outputs``, ``finite``,
``igm``, ``no_learnable_params``, ``gradient`` (through the mixing math of
:mod:`benchmarl_qllm.credit.mixing`), ``deterministic``, ``batch_independence``, ``nonzero``
and ``speed``. Results are plain data (JSON-serializable), with messages concrete enough to be
fed back to the LLM that wrote the code. Process isolation and resource limits are the job of
:mod:`benchmarl_qllm.credit._validation_worker`.
"""

from __future__ import annotations

import time
import traceback
from typing import Any, Callable, Dict, List, Optional, Tuple

import torch

from benchmarl_qllm.credit.function import CreditFunction, make_credit_input
from benchmarl_qllm.credit.mixing import fix_shape, mix_q_values
from benchmarl_qllm.credit.sandbox import CreditFunctionError, load_source

MAX_MESSAGE_CHARS = 1500
CANDIDATE_ORIGIN = "candidate"

# Rows evaluated one at a time, and the chunk size, in the batch-independence check.
SINGLE_ROWS = 8
CHUNK = 7
SPEED_REPEATS = 5
ALLCLOSE = dict(rtol=1e-4, atol=1e-6)


# helpers ---------------------------------------------------------------------------------------
def clip_text(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """``text`` cut to ``limit`` characters (messages travel back to the parent and the LLM)."""
    text = str(text)
    return text if len(text) <= limit else text[: limit - 20] + f"... [{len(text)} chars]"


def _values(t, limit: int = 8) -> str:
    """A short, readable rendering of a tensor row for error messages."""
    flat = t.detach().reshape(-1).tolist()
    shown = ", ".join(f"{v:.4g}" if isinstance(v, float) else str(v) for v in flat[:limit])
    return f"[{shown}{', ...' if len(flat) > limit else ''}]"


def describe_exception(exc: BaseException, source: str) -> str:
    """``Type: message`` plus the candidate line that raised it (for the LLM)."""
    if isinstance(exc, MemoryError):
        message = "out of memory (the allocation exceeded the validator's memory limit)"
    else:
        message = clip_text(exc, 600) or "(no message)"
    text = f"{type(exc).__name__}: {message}"
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == f"<{CANDIDATE_ORIGIN}>"]
    if frames:
        frame = frames[-1]
        lines = source.splitlines()
        line = lines[frame.lineno - 1].strip() if frame.lineno and frame.lineno <= len(lines) else ""
        text += f" (line {frame.lineno}, in {frame.name}: `{clip_text(line, 200)}`)"
    return text


# the checks ------------------------------------------------------------------------------------
class _Checks:
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

    def result(self) -> Dict[str, Any]:
        return {
            "checks": self.checks,
            "warnings": self.warnings,
            "timings": self.timings,
            "stats": self.stats,
        }


def run_checks(
    source: str,
    states,
    n_agents: int,
    input_kind: str,
    igm: str,
    max_ms_per_256: float,
) -> Dict[str, Any]:
    """Load ``source`` and run every dynamic check on ``states``; returns plain data."""
    r = _Checks()
    batch = int(states.shape[0])
    t0 = time.perf_counter()
    try:
        functions = load_source(source, origin=CANDIDATE_ORIGIN)
    except CreditFunctionError as exc:
        r.add("load", False, clip_text(exc))
        return r.result()
    except Exception as exc:  # noqa: BLE001
        r.add("load", False, describe_exception(exc, source))
        return r.result()
    r.timings["load_ms"] = (time.perf_counter() - t0) * 1e3
    r.add("load", True, "module loaded in the restricted namespace")
    weights_fn: Callable = functions["weights"]
    bias_fn: Optional[Callable] = functions["bias"]

    def call(x) -> Tuple[Any, Any]:
        td = make_credit_input(input_kind, x, n_agents)
        w = weights_fn(td)
        b = bias_fn(td) if bias_fn is not None else None
        return w, b

    # 1. it runs on the sampled states and leaves them alone ---------------------------------------
    original = states.clone()
    t0 = time.perf_counter()
    try:
        w_raw, b_raw = call(states)
    except Exception as exc:  # noqa: BLE001 - anything the candidate raises is reported
        r.add("call", False, f"calling weights()/bias() on {batch} sampled states raised "
              + describe_exception(exc, source))
        return r.result()
    r.timings["first_call_ms"] = (time.perf_counter() - t0) * 1e3
    r.add("call", True, f"weights()/bias() ran on {batch} sampled states")
    limit_ms = max_ms_per_256 * max(1.0, batch / 256)
    if r.timings["first_call_ms"] > 4 * limit_ms:
        r.add("speed", False,
              f"the first call on {batch} states took {r.timings['first_call_ms']:.0f} ms (limit "
              f"{limit_ms:.0f} ms per call): vectorize over the batch, avoid Python loops over "
              "states and agents", ms=r.timings["first_call_ms"])
        return r.result()
    if not torch.equal(states, original):
        changed = int((states != original).any(-1).reshape(batch, -1).any(-1).sum())
        r.add("input_unchanged", False,
              f"the credit function modified its input in place ({changed} of {batch} states "
              "changed); never write into td[...] tensors (no x[...] = v, no x.add_())")
        states.copy_(original)
    else:
        r.add("input_unchanged", True, "input not modified")

    # 2. outputs: type, shape, dtype ------------------------------------------------------------
    def output(name: str, value: Any, shape: Tuple[int, int]):
        if not isinstance(value, torch.Tensor):
            return None, f"{name}() returned {type(value).__name__}, expected a torch.Tensor of shape {list(shape)}"
        fixed = fix_shape(value, shape)
        if fixed is None:
            return None, (f"{name}() returned shape {list(value.shape)}, expected {list(shape)} "
                          f"(batch {shape[0]} x {'n_agents' if shape[1] == n_agents and name == 'weights' else '1'})")
        if not fixed.is_floating_point():
            return None, f"{name}() returned dtype {value.dtype}, expected a floating-point tensor"
        if fixed.device != states.device:
            return None, f"{name}() returned a tensor on {fixed.device}, input was on {states.device}"
        return fixed, None

    w, w_err = output("weights", w_raw, (batch, n_agents))
    if b_raw is None:
        b, b_err = states.new_zeros(batch, 1), None
    else:
        b, b_err = output("bias", b_raw, (batch, 1))
    errors = [e for e in (w_err, b_err) if e]
    if errors:
        r.add("outputs", False, "; ".join(errors))
        return r.result()
    notes = []
    if tuple(w_raw.shape) != (batch, n_agents):
        notes.append(f"weights shape {list(w_raw.shape)} accepted as [{batch}, {n_agents}]")
    if b_raw is not None and tuple(b_raw.shape) != (batch, 1):
        notes.append(f"bias shape {list(b_raw.shape)} accepted as [{batch}, 1]")
    r.warnings.extend(notes)
    r.add("outputs", True, f"weights [{batch}, {n_agents}] and bias [{batch}, 1], floating point"
          + ("" if bias_fn is not None else " (no bias(): b = 0)"))

    # 3. numbers --------------------------------------------------------------------------------
    w, b = w.detach(), b.detach()
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

    if igm == "enforce":
        negative = w < 0
        if negative.any():
            idx = negative.nonzero()[0]
            row, agent = int(idx[0]), int(idx[1])
            r.add("igm", False,
                  f"igm=enforce requires every weight >= 0, but {int(negative.sum())} of {w.numel()} "
                  f"weights are negative (min {float(w.min()):.4g}; first: state row {row}, agent "
                  f"{agent}, weights={_values(w[row])}). Make weights non-negative, e.g. with "
                  "softplus, exp, sigmoid or clamp(min=0) plus a floor.",
                  min_weight=float(w.min()))
        else:
            r.add("igm", True, "every weight is >= 0 (monotonic mixing)")
    else:
        frac = float((w < 0).float().mean())
        r.add("igm", True, f"igm=relax: signed weights allowed ({frac:.1%} negative)")

    if (isinstance(w_raw, torch.Tensor) and w_raw.requires_grad) or (
        isinstance(b_raw, torch.Tensor) and b_raw.requires_grad
    ):
        r.add("no_learnable_params", False,
              "weights/bias require grad although the states do not: the function creates "
              "trainable tensors (requires_grad=True); a TFCAF must have no learnable parameters")
    else:
        r.add("no_learnable_params", True, "no trainable tensors")

    # 4. the mixer passes gradients to the agents' Q values -------------------------------------
    credit = CreditFunction(source=source, origin=CANDIDATE_ORIGIN, weights=weights_fn, bias=bias_fn)
    generator = torch.Generator().manual_seed(0)
    q = torch.randn(batch, n_agents, 1, generator=generator, dtype=states.dtype).requires_grad_(True)
    try:
        q_tot = mix_q_values(credit, q, states, n_agents, input_kind, igm, check_finite=False)
        q_tot.sum().backward()
        expected = w.clamp_min(0.0) if igm == "enforce" else w
        grad = q.grad
        if grad is None:
            r.add("gradient", False, "no gradient reached the agents' Q values through Q_tot")
        elif tuple(q_tot.shape) != (batch, 1):
            r.add("gradient", False, f"Q_tot has shape {list(q_tot.shape)}, expected [{batch}, 1]")
        elif not torch.allclose(grad.squeeze(-1), expected.to(grad.dtype), **ALLCLOSE, equal_nan=True):
            diff = float((grad.squeeze(-1) - expected).abs().nan_to_num(float("inf")).max())
            r.add("gradient", False, f"dQ_tot/dQ_i differs from the weights (max diff {diff:.3g})")
        else:
            r.add("gradient", True, "dQ_tot/dQ_i equals w_i: gradients reach every agent's Q")
    except Exception as exc:  # noqa: BLE001
        r.add("gradient", False, "mixing Q_tot = sum_i w_i Q_i + b failed: " + describe_exception(exc, source))

    # 5. determinism and per-row independence --------------------------------------------------
    def same(a, c) -> bool:
        return a.shape == c.shape and torch.equal(a.nan_to_num(), c.nan_to_num())

    try:
        w2, b2 = call(states.clone())
        w2 = _as_output(w2, (batch, n_agents))
        b2 = b if bias_fn is None else _as_output(b2, (batch, 1))
        if w2 is None or b2 is None:
            r.add("deterministic", False, "a second call on the same states returned a different "
                  "type or shape")
        elif same(w, w2) and same(b, b2):
            r.add("deterministic", True, "two calls on the same states return identical outputs")
        else:
            diff = float(max((w - w2).abs().nan_to_num().max(), (b - b2).abs().nan_to_num().max()))
            r.add("deterministic", False,
                  f"two calls on the same states returned different outputs (max diff {diff:.3g}); "
                  "no randomness allowed")
    except Exception as exc:  # noqa: BLE001
        r.add("deterministic", False, "second call raised " + describe_exception(exc, source))

    problem = _batch_independence(call, states, w, b, bias_fn is not None, n_agents, source)
    if problem:
        r.add("batch_independence", False, problem)
    else:
        r.add("batch_independence", True,
              f"single rows and chunks of {CHUNK} give the same outputs as the full batch")

    # 6. useful credit -----------------------------------------------------------------------------
    effective = w.clamp_min(0.0) if igm == "enforce" else w
    finite = effective[torch.isfinite(effective).all(-1)]
    if finite.numel() == 0:
        pass  # no state gives finite weights: already reported by the "finite" check
    elif bool((finite == 0).all()):
        r.add("nonzero", False,
              "every weight is zero on every real state: no gradient would reach any agent")
    else:
        dead_rows = float((finite == 0).all(-1).float().mean())
        r.add("nonzero", True, f"weights are non-zero ({dead_rows:.1%} of states have all-zero weights)")
        if dead_rows > 0.5:
            r.warnings.append(
                f"{dead_rows:.0%} of the sampled states give all-zero weights: agents learn nothing there")

    # 7. speed ---------------------------------------------------------------------------------------
    times = []
    for _ in range(SPEED_REPEATS):
        t0 = time.perf_counter()
        call(states)
        times.append((time.perf_counter() - t0) * 1e3)
    times.sort()
    per_call = times[len(times) // 2]
    limit = limit_ms
    r.timings["call_ms"] = per_call
    if per_call > limit:
        r.add("speed", False,
              f"one call on {batch} states takes {per_call:.1f} ms (limit {limit:.0f} ms): "
              "vectorize over the batch, avoid Python loops over states", ms=per_call)
    else:
        r.add("speed", True, f"{per_call:.2f} ms per call on {batch} states (limit {limit:.0f} ms)",
              ms=per_call)

    r.stats.update(_stats(w, b, effective))
    if r.stats.get("state_dependent") is False:
        r.warnings.append("weights are the same for every state: this is VDN with fixed scales")
    if finite.numel() and float(finite.abs().max()) > 100:
        r.warnings.append(f"large weights (max |w| = {float(finite.abs().max()):.3g}): "
                          "Q_tot scale and TD errors grow with them")
    return r.result()


def _as_output(value, shape):
    """``value`` reshaped to ``shape`` the way the mixer accepts it, detached; else ``None``."""
    if not isinstance(value, torch.Tensor):
        return None
    fixed = fix_shape(value, shape)
    return None if fixed is None else fixed.detach()


def _batch_independence(call, states, w, b, has_bias, n_agents, source) -> Optional[str]:
    batch = states.shape[0]

    def compare(rows, what: str) -> Optional[str]:
        x = states[rows].clone()
        try:
            wr, br = call(x)
        except Exception as exc:  # noqa: BLE001
            return (f"calling weights()/bias() on {what} ({len(rows)} states) raised "
                    + describe_exception(exc, source)
                    + "; a batch may hold any number of states, even 1 (use dim= arguments, "
                    "never a bare squeeze())")
        n = len(rows)
        wr_fixed = _as_output(wr, (n, n_agents))
        br_fixed = _as_output(br, (n, 1)) if has_bias else b[rows]
        if wr_fixed is None or br_fixed is None:
            got = tuple(wr.shape) if isinstance(wr, torch.Tensor) else type(wr).__name__
            return (f"on {what} ({n} states) weights() returned {got} instead of [{n}, {n_agents}]"
                    " (or bias() the wrong shape): outputs must follow the batch size")
        for name, full, part in (("weights", w[rows], wr_fixed), ("bias", b[rows], br_fixed)):
            ok = torch.isclose(part.to(full.dtype), full, **ALLCLOSE, equal_nan=True).all(-1)
            if not bool(ok.all()):
                i = int((~ok).nonzero()[0, 0])
                return (f"{name} of state row {rows[i]} is {_values(full[i])} in the full batch of "
                        f"{batch} but {_values(part[i])} when evaluated in {what}: each row's "
                        "output must depend only on that row (no mean/max/normalization over "
                        "the batch dimension 0)")
        return None

    for row in range(min(batch, SINGLE_ROWS)):
        problem = compare([row], f"a batch of 1 (row {row})")
        if problem:
            return problem
    for start in range(0, batch, CHUNK):
        rows = list(range(start, min(batch, start + CHUNK)))
        problem = compare(rows, f"a chunk of rows {rows[0]}..{rows[-1]}")
        if problem:
            return problem
    return None


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
