"""The mixing math of a TFCAF: ``Q_tot = sum_i w_i(s) * Q_i + b(s)``, with IGM and normalization.

Plain functions, so that the mixer module (:class:`~benchmarl_qllm.models.LLMCreditMixer`) and
the validator's gradient check (:mod:`benchmarl_qllm.credit.checks`) compute exactly the same
thing:

* :func:`credit_weights`: call the TFCAF on a batch of states (any batch shape), check its
  outputs and apply :func:`apply_igm_and_normalization` (raises on NaN/inf: for people);
* :func:`guarded_credit`: the same for training, which zeroes and flags invalid rows instead;
* :func:`mix`: ``sum_i w_i * q_i + b``;
"""

from __future__ import annotations

from typing import Optional, Tuple

import torch

from benchmarl_qllm.credit.function import (
    CreditFunction,
    OBSERVATION_KEY,
    STATE_KEY,
)
from benchmarl_qllm.credit.sandbox import CreditFunctionError

IGM_MODES = ("enforce", "relax")
WEIGHT_NORMALIZATIONS = ("none", "sum_to_one", "mean_to_one")


def check_mixing_options(input_kind: str, igm: str, weight_normalization: str) -> None:
    """Raise ``ValueError`` for an unknown IGM mode, normalization or input kind."""
    if igm not in IGM_MODES:
        raise ValueError(f"igm must be one of {IGM_MODES}, got '{igm}'")
    if weight_normalization not in WEIGHT_NORMALIZATIONS:
        raise ValueError(
            f"weight_normalization must be one of {WEIGHT_NORMALIZATIONS}, "
            f"got '{weight_normalization}'"
        )
    if input_kind not in (STATE_KEY, OBSERVATION_KEY):
        raise ValueError(f"input_kind must be 'state' or 'observation', got '{input_kind}'")


def state_batch_dims(state: torch.Tensor, input_kind: str) -> int:
    """Number of leading batch dimensions of ``state`` (``[*B, state_dim]`` or
    ``[*B, n_agents, obs_dim]``)."""
    return state.ndim - (2 if input_kind == OBSERVATION_KEY else 1)


def fix_shape(value: torch.Tensor, shape: Tuple[int, int]) -> Optional[torch.Tensor]:
    """``value`` as ``shape``, accepting harmless variants (``[B]`` for a bias, ``[B, n, 1]``
    for weights); ``None`` when it cannot be read as ``shape``."""
    if tuple(value.shape) == shape:
        return value
    if value.numel() == shape[0] * shape[1] and value.ndim >= 1 and value.shape[0] == shape[0]:
        return value.reshape(shape)
    return None


def checked_output(
    name: str, value: object, shape: Tuple[int, int], like: torch.Tensor, origin: str
) -> torch.Tensor:
    """A TFCAF output (``weights``/``bias``) as a ``shape`` tensor of ``like``'s dtype, or a
    :class:`CreditFunctionError` naming what is wrong."""
    if not isinstance(value, torch.Tensor):
        raise CreditFunctionError(
            f"credit function {origin}: {name}() returned {type(value).__name__}, "
            "expected a torch.Tensor"
        )
    fixed = fix_shape(value, shape)
    if fixed is None:
        raise CreditFunctionError(
            f"credit function {origin}: {name}() returned shape {tuple(value.shape)}, "
            f"expected {list(shape)}"
        )
    if not fixed.is_floating_point():
        fixed = fixed.to(like.dtype)
    if fixed.device != like.device:
        raise CreditFunctionError(
            f"credit function {origin}: {name}() returned a tensor on {fixed.device}, "
            f"input was on {like.device} (create tensors with x.new_*/torch.*_like)"
        )
    return fixed.to(like.dtype)


def apply_igm_and_normalization(
    w: torch.Tensor, igm: str, normalization: str, n_agents: int
) -> torch.Tensor:
    """Weights ``[..., n_agents]`` after IGM gating (``"enforce"``: clamped at 0) and the
    optional normalization (``"sum_to_one"``: ``w / sum(w)``; ``"mean_to_one"``: ``n w / sum(w)``)."""
    if igm == "enforce":
        w = w.clamp_min(0.0)
    if normalization != "none":
        total = w.sum(-1, keepdim=True)
        safe_total = torch.where(total.abs() < 1e-8, torch.ones_like(total), total)
        w = w / safe_total
        if normalization == "mean_to_one":
            w = w * n_agents
    return w


def guard_outputs(
    w: torch.Tensor, b: torch.Tensor, bound: float
) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Zero the rows whose weights or bias are non-finite or exceed ``bound`` in absolute value.

    Returns ``(w, b, invalid)`` with ``invalid`` the boolean row mask ``[B]``. No host sync:
    training keeps going with harmless zeros and the caller reads ``invalid`` when it syncs.
    """
    valid = (w.abs() <= bound).all(-1, keepdim=True) & (b.abs() <= bound).all(-1, keepdim=True)
    return (
        torch.where(valid, w, torch.zeros_like(w)),
        torch.where(valid, b, torch.zeros_like(b)),
        ~valid.squeeze(-1),
    )


def flat_credit(
    credit_function: CreditFunction, state: torch.Tensor, n_agents: int, input_kind: str
) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Size]:
    """``(flat_states, w [N, n_agents], b [N, 1], batch_shape)`` for states of any batch shape,
    straight from the verified program (no IGM, no normalization, no guard)."""
    n_batch_dims = state_batch_dims(state, input_kind)
    if n_batch_dims < 0:
        raise CreditFunctionError(
            f"{input_kind} has shape {tuple(state.shape)}: too few dimensions"
        )
    if input_kind == OBSERVATION_KEY and state.shape[-2] != n_agents:
        raise CreditFunctionError(
            f"observation has shape {tuple(state.shape)}, expected [..., {n_agents}, obs_dim]"
        )
    batch_shape = state.shape[:n_batch_dims]
    flat = state.reshape(-1, *state.shape[n_batch_dims:])
    origin = credit_function.origin
    w, b = credit_function.evaluate(flat, n_agents, input_kind)
    w = checked_output("weights", w, (flat.shape[0], n_agents), flat, origin)
    b = checked_output("bias", b, (flat.shape[0], 1), flat, origin)
    return flat, w, b, batch_shape


def guarded_credit(
    credit_function: CreditFunction,
    state: torch.Tensor,
    n_agents: int,
    input_kind: str,
    igm: str,
    weight_normalization: str,
    output_bound: Optional[float],
) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """What training mixes with: weights ``[*B, n_agents]`` after :func:`guard_outputs` (when
    ``output_bound`` is set) and IGM/normalization, bias ``[*B, 1]`` and the invalid-row mask
    ``[*B]`` (all ``False`` without a bound). One program call, no host sync."""
    flat, w, b, batch_shape = flat_credit(credit_function, state, n_agents, input_kind)
    if output_bound is not None:
        w, b, invalid = guard_outputs(w, b, output_bound)
    else:
        invalid = torch.zeros(flat.shape[0], dtype=torch.bool, device=flat.device)
    w = apply_igm_and_normalization(w, igm, weight_normalization, n_agents)
    return w.reshape(*batch_shape, n_agents), b.reshape(*batch_shape, 1), invalid.reshape(batch_shape)


def credit_weights(
    credit_function: CreditFunction,
    state: torch.Tensor,
    n_agents: int,
    input_kind: str,
    igm: str = "enforce",
    weight_normalization: str = "none",
    check_finite: bool = True,
) -> Tuple[torch.Tensor, torch.Tensor]:
    """Weights ``[*B, n_agents]`` and bias ``[*B, 1]`` of ``credit_function`` for a batch of
    states, after IGM gating and normalization (for inspection and checks; training uses
    :func:`guard_outputs` instead, which never syncs).

    Raises:
        CreditFunctionError: wrong input shape, the program failed, or (``check_finite``)
            NaN/inf.
    """
    flat, w, b, batch_shape = flat_credit(credit_function, state, n_agents, input_kind)
    if check_finite:
        bad = ~(torch.isfinite(w).all(-1) & torch.isfinite(b).all(-1))
        if bad.any():
            row = int(bad.nonzero()[0, 0])
            raise CreditFunctionError(
                f"credit function {credit_function.origin} returned non-finite values for "
                f"{int(bad.sum())} of {flat.shape[0]} states (first: row {row}, "
                f"weights={w[row].tolist()}, bias={b[row].tolist()})"
            )
    w = apply_igm_and_normalization(w, igm, weight_normalization, n_agents)
    return w.reshape(*batch_shape, n_agents), b.reshape(*batch_shape, 1)


def mix(q: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``Q_tot = sum_i w_i * q_i + b``: ``q``, ``w`` ``[*B, n_agents]``, ``b`` ``[*B, 1]``."""
    return (w * q).sum(-1, keepdim=True) + b
