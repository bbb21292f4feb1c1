"""The parameter-free TFCAF mixer: ``Q_tot = sum_i w_i(s) * Q_i + b(s)``.

The math lives in :mod:`benchmarl_qllm.credit.mixing`; this module makes it the
``nn.Module`` / ``TensorDictModule`` that ``QMixerLoss`` expects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Tuple

import torch
from tensordict import NestedKey
from tensordict.nn import TensorDictModule
from torch import nn

from benchmarl_qllm.credit.function import CreditFunction, OBSERVATION_KEY
from benchmarl_qllm.credit.checks import DEFAULT_OUTPUT_BOUND
from benchmarl_qllm.credit.mixing import (
    apply_igm_and_normalization,
    check_mixing_options,
    credit_weights,
    CreditFunctionError,
    flat_credit,
    guard_outputs,
    IGM_MODES,
    mix,
    state_batch_dims,
    WEIGHT_NORMALIZATIONS,
)

__all__ = ["CreditRecord", "IGM_MODES", "LLMCreditMixer", "WEIGHT_NORMALIZATIONS", "credit_mixer_module"]


@dataclass
class CreditRecord:
    """One mixer call seen while recording: its flat states, weights, bias and invalid rows."""

    states: torch.Tensor
    weights: torch.Tensor
    bias: torch.Tensor
    invalid: torch.Tensor


class LLMCreditMixer(nn.Module):
    """Mixes per-agent chosen-action values with a TFCAF; holds no learnable parameters.

    The TFCAF runs as its verified tensor program. In ``forward`` (training) rows whose
    weights or bias are non-finite or beyond ``output_bound`` are zeroed and flagged, without
    a host sync; the caller (:class:`~benchmarl_qllm.algorithms.qllm.QllmLoss`) reads the
    flags through :attr:`records` and stops the run.

    Args:
        credit_function: the TFCAF.
        n_agents: number of agents in the group.
        input_kind: ``"state"`` (global state ``[*B, state_dim]``) or ``"observation"``
            (stacked agent observations ``[*B, n_agents, obs_dim]``).
        igm: ``"enforce"`` clamps weights at 0 so every ``w_i >= 0`` (monotonic mixing, IGM
            holds); ``"relax"`` keeps signed weights (non-monotonic games).
        weight_normalization: ``"none"`` (the paper's formula, default), ``"sum_to_one"``
            (``w / sum(w)``) or ``"mean_to_one"`` (``n * w / sum(w)``, VDN scale).
        check_finite: guard against NaN/inf and out-of-bound outputs (``credit()`` raises;
            ``forward`` zeroes and flags).
        output_bound: largest allowed ``|w_i|`` and ``|b|``.
    """

    def __init__(
        self,
        credit_function: CreditFunction,
        n_agents: int,
        input_kind: str = OBSERVATION_KEY,
        igm: str = "enforce",
        weight_normalization: str = "none",
        check_finite: bool = True,
        output_bound: float = DEFAULT_OUTPUT_BOUND,
    ):
        super().__init__()
        check_mixing_options(input_kind, igm, weight_normalization)
        self.credit_function = credit_function
        self.n_agents = n_agents
        self.input_kind = input_kind
        self.igm = igm
        self.weight_normalization = weight_normalization
        self.check_finite = check_finite
        self.output_bound = float(output_bound)
        self.recording = False
        self.records: List[CreditRecord] = []
        self._prefetched: Dict[int, Tuple] = {}

    def prefetch(self, *states: torch.Tensor) -> None:
        """Evaluate the program once for several state batches (the loss's ``s`` and ``s'``):
        one call on their concatenation instead of one per batch. ``forward`` then uses the
        result for exactly these tensor objects (once each); anything else is computed as usual."""
        self._prefetched = {}
        if len({s.shape[1:] for s in states}) != 1:
            return
        joined = torch.cat([s.reshape(-1, *s.shape[state_batch_dims(s, self.input_kind):]) for s in states])
        flat, w, b, _ = flat_credit(self.credit_function, joined, self.n_agents, self.input_kind)
        start = 0
        for s in states:
            n_batch = state_batch_dims(s, self.input_kind)
            stop = start + s.shape[:n_batch].numel()
            self._prefetched[id(s)] = (flat[start:stop], w[start:stop], b[start:stop], s.shape[:n_batch])
            start = stop

    def _state_batch_dims(self, state: torch.Tensor) -> int:
        return state_batch_dims(state, self.input_kind)

    def credit(self, state: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Weights ``[*B, n_agents]`` and bias ``[*B, 1]`` for a batch of states."""
        return credit_weights(
            self.credit_function, state, self.n_agents, self.input_kind, self.igm,
            self.weight_normalization, self.check_finite,
        )

    def forward(self, chosen_action_value: torch.Tensor, state: torch.Tensor) -> torch.Tensor:
        """``chosen_action_value`` ``[*B, n_agents, 1]`` and state -> ``Q_tot`` ``[*B, 1]``."""
        q = chosen_action_value.squeeze(-1)
        if q.shape[-1] != self.n_agents:
            raise CreditFunctionError(
                f"chosen_action_value has shape {tuple(chosen_action_value.shape)}, "
                f"expected [..., {self.n_agents}, 1]"
            )
        flat, w, b, batch_shape = self._prefetched.pop(id(state), None) or flat_credit(
            self.credit_function, state, self.n_agents, self.input_kind
        )
        if tuple(batch_shape) != tuple(q.shape[:-1]):
            raise CreditFunctionError(
                f"batch shape of the state {tuple(batch_shape)} does not match "
                f"chosen_action_value {tuple(q.shape[:-1])}"
            )
        if self.check_finite:
            w, b, invalid = guard_outputs(w, b, self.output_bound)
        else:
            invalid = None
        w = apply_igm_and_normalization(w, self.igm, self.weight_normalization, self.n_agents)
        if self.recording:
            self.records.append(CreditRecord(flat, w.detach(), b.detach(), invalid))
        return mix(q, w.reshape(*batch_shape, self.n_agents), b.reshape(*batch_shape, 1))

    def extra_repr(self) -> str:
        return (
            f"origin={self.credit_function.origin}, n_agents={self.n_agents}, "
            f"input={self.input_kind}, igm={self.igm}, normalization={self.weight_normalization}"
        )


def credit_mixer_module(
    mixer: LLMCreditMixer,
    chosen_action_value_key: NestedKey,
    state_key: NestedKey,
    out_key: NestedKey = "chosen_action_value",
) -> TensorDictModule:
    """Wrap :class:`LLMCreditMixer` as the TensorDictModule that ``QMixerLoss`` expects."""
    return TensorDictModule(
        mixer, in_keys=[chosen_action_value_key, state_key], out_keys=[out_key]
    )
