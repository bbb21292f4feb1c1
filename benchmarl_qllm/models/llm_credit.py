"""The parameter-free TFCAF mixer: ``Q_tot = sum_i w_i(s) * Q_i + b(s)``.

The math lives in :mod:`benchmarl_qllm.credit.mixing`; this module makes it the
``nn.Module`` / ``TensorDictModule`` that ``QMixerLoss`` expects.
"""

from __future__ import annotations

from typing import Tuple

import torch
from tensordict import NestedKey
from tensordict.nn import TensorDictModule
from torch import nn

from benchmarl_qllm.credit.function import CreditFunction, OBSERVATION_KEY
from benchmarl_qllm.credit.mixing import (
    check_mixing_options,
    credit_weights,
    IGM_MODES,
    mix_q_values,
    state_batch_dims,
    WEIGHT_NORMALIZATIONS,
)

__all__ = ["IGM_MODES", "LLMCreditMixer", "WEIGHT_NORMALIZATIONS", "credit_mixer_module"]


class LLMCreditMixer(nn.Module):
    """Mixes per-agent chosen-action values with a TFCAF; holds no learnable parameters.

    Args:
        credit_function: the loaded TFCAF.
        n_agents: number of agents in the group.
        input_kind: ``"state"`` (global state ``[*B, state_dim]``) or ``"observation"``
            (stacked agent observations ``[*B, n_agents, obs_dim]``).
        igm: ``"enforce"`` clamps weights at 0 so every ``w_i >= 0`` (monotonic mixing, IGM
            holds); ``"relax"`` keeps signed weights (non-monotonic games).
        weight_normalization: ``"none"`` (the paper's formula, default), ``"sum_to_one"``
            (``w / sum(w)``) or ``"mean_to_one"`` (``n * w / sum(w)``, VDN scale).
        check_finite: raise :class:`CreditFunctionError` when weights or bias contain NaN/inf
            (costs one host sync per call on CUDA).
    """

    def __init__(
        self,
        credit_function: CreditFunction,
        n_agents: int,
        input_kind: str = OBSERVATION_KEY,
        igm: str = "enforce",
        weight_normalization: str = "none",
        check_finite: bool = True,
    ):
        super().__init__()
        check_mixing_options(input_kind, igm, weight_normalization)
        self.credit_function = credit_function
        self.n_agents = n_agents
        self.input_kind = input_kind
        self.igm = igm
        self.weight_normalization = weight_normalization
        self.check_finite = check_finite

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
        return mix_q_values(
            self.credit_function, chosen_action_value, state, self.n_agents, self.input_kind,
            self.igm, self.weight_normalization, self.check_finite,
        )

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
