"""The parameter-free TFCAF mixer: ``Q_tot = sum_i w_i(s) * Q_i + b(s)``.

The math lives in :mod:`benchmarl_qllm.credit.mixing`; this module makes it the
``nn.Module`` and the ``TensorDictModule`` that ``QMixerLoss`` expects.
"""

from __future__ import annotations

from typing import List, Optional, Tuple

import torch
from tensordict import NestedKey, TensorDictBase
from tensordict.nn import TensorDictModule
from torch import nn

from benchmarl_qllm.credit.function import CreditFunction, OBSERVATION_KEY
from benchmarl_qllm.credit.checks import DEFAULT_OUTPUT_BOUND
from benchmarl_qllm.credit.mixing import (
    check_mixing_options,
    credit_weights,
    CreditFunctionError,
    guarded_credit,
    IGM_MODES,
    mix,
    state_batch_dims,
    WEIGHT_NORMALIZATIONS,
)

__all__ = [
    "CREDIT_BIAS_KEY", "CREDIT_WEIGHT_KEY", "CreditMixerModule", "IGM_MODES", "LLMCreditMixer", "WEIGHT_NORMALIZATIONS",
]

# Per-group TensorDict entries that carry a state's credit with it through the replay buffer:
# (group, CREDIT_WEIGHT_KEY) is w_i [*B, n_agents, 1]; (group, CREDIT_BIAS_KEY) is b, repeated
# for every agent [*B, n_agents, 1].
CREDIT_WEIGHT_KEY = "credit_weight"
CREDIT_BIAS_KEY = "credit_bias"


class LLMCreditMixer(nn.Module):
    """Mixes per-agent chosen-action values with a TFCAF; holds no learnable parameters.

    The TFCAF is training-free and deterministic, so its weights are a property of the state:
    training computes them once per collected state (:meth:`credit_for`, called by
    :meth:`~benchmarl_qllm.algorithms.qllm.Qllm.process_batch`), stores them next to the state
    in the replay buffer, and ``forward`` only mixes. Given states without stored credit,
    ``forward`` runs the verified program itself.

    Args:
        credit_function: the TFCAF.
        n_agents: number of agents in the group.
        input_kind: ``"state"`` (global state ``[*B, state_dim]``) or ``"observation"``
            (stacked agent observations ``[*B, n_agents, obs_dim]``).
        igm: ``"enforce"`` clamps weights at 0 so every ``w_i >= 0`` (monotonic mixing, IGM
            holds); ``"relax"`` keeps signed weights (non-monotonic games).
        weight_normalization: ``"none"`` (the paper's formula, default), ``"sum_to_one"``
            (``w / sum(w)``) or ``"mean_to_one"`` (``n * w / sum(w)``, VDN scale).
        check_finite: guard against NaN/inf and out-of-bound outputs (:meth:`credit_for`
            zeroes and flags such rows; ``credit()`` and ``forward`` on raw states raise).
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

    def credit_for(self, *states: torch.Tensor) -> List[Tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
        """``(w [*B, n_agents], b [*B, 1], invalid [*B])`` for each batch of states, from one
        program call on all of them. With ``check_finite``, rows whose outputs are non-finite
        or beyond ``output_bound`` are zeroed and flagged in ``invalid``; no host sync."""
        dims = [state_batch_dims(s, self.input_kind) for s in states]
        if len({s.shape[d:] for s, d in zip(states, dims)}) != 1:
            return [self._guarded(s) for s in states]  # different trailing shapes: one call each
        joined = torch.cat([s.reshape(-1, *s.shape[d:]) for s, d in zip(states, dims)])
        w, b, invalid = self._guarded(joined)
        out, start = [], 0
        for s, d in zip(states, dims):
            batch_shape, stop = s.shape[:d], start + s.shape[:d].numel()
            out.append((w[start:stop].reshape(*batch_shape, self.n_agents),
                        b[start:stop].reshape(*batch_shape, 1), invalid[start:stop].reshape(batch_shape)))
            start = stop
        return out

    def _guarded(self, state: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        return guarded_credit(
            self.credit_function, state, self.n_agents, self.input_kind, self.igm,
            self.weight_normalization, self.output_bound if self.check_finite else None,
        )

    def _state_batch_dims(self, state: torch.Tensor) -> int:
        return state_batch_dims(state, self.input_kind)

    def credit(self, state: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Weights ``[*B, n_agents]`` and bias ``[*B, 1]`` for a batch of states."""
        return credit_weights(
            self.credit_function, state, self.n_agents, self.input_kind, self.igm,
            self.weight_normalization, self.check_finite,
        )

    def forward(
        self,
        chosen_action_value: torch.Tensor,
        state: Optional[torch.Tensor],
        credit_weight: Optional[torch.Tensor] = None,
        credit_bias: Optional[torch.Tensor] = None,
    ) -> torch.Tensor:
        """``chosen_action_value`` ``[*B, n_agents, 1]`` -> ``Q_tot`` ``[*B, 1]``, with the stored
        ``credit_weight``/``credit_bias`` (``[*B, n_agents, 1]``) when given, else from ``state``
        (raising :class:`CreditFunctionError` on invalid outputs when ``check_finite``)."""
        if chosen_action_value.shape[-2:] != (self.n_agents, 1):
            raise CreditFunctionError(
                f"chosen_action_value has shape {tuple(chosen_action_value.shape)}, "
                f"expected [..., {self.n_agents}, 1]"
            )
        if credit_weight is not None and credit_bias is not None:
            # mix() without its squeezes: the training hot path
            return (credit_weight * chosen_action_value).sum(-2) + credit_bias[..., 0, :]
        q = chosen_action_value.squeeze(-1)
        if state is None:
            raise CreditFunctionError("the mixer got neither stored credit nor a state")
        try:
            ((w, b, invalid),) = self.credit_for(state)
        except CreditFunctionError:
            raise
        except Exception as exc:  # noqa: BLE001 - the verified program failed on these states
            raise CreditFunctionError(
                f"credit function {self.credit_function.origin} failed: {type(exc).__name__}: {exc}"
            ) from exc
        if tuple(w.shape[:-1]) != tuple(q.shape[:-1]):
            raise CreditFunctionError(
                f"batch shape of the state {tuple(w.shape[:-1])} does not match "
                f"chosen_action_value {tuple(q.shape[:-1])}"
            )
        if self.check_finite and bool(invalid.any()):
            raise CreditFunctionError(
                f"credit function {self.credit_function.origin} returned non-finite weights/bias, "
                f"or values beyond +-{self.output_bound:g}, for {int(invalid.sum())} of "
                f"{invalid.numel()} states"
            )
        return mix(q, w, b)

    def extra_repr(self) -> str:
        return (
            f"origin={self.credit_function.origin}, n_agents={self.n_agents}, "
            f"input={self.input_kind}, igm={self.igm}, normalization={self.weight_normalization}"
        )


class CreditMixerModule(TensorDictModule):
    """:class:`LLMCreditMixer` as the ``TensorDictModule`` ``QMixerLoss`` expects. Its inputs are
    alternatives, so ``forward`` is its own: ``(group, "chosen_action_value")`` with the stored
    credit, or with the state when a batch has no stored credit; it writes ``out_key``."""

    def __init__(self, mixer: LLMCreditMixer, group: str, state_key: NestedKey,
                 out_key: NestedKey = "chosen_action_value"):
        value_key, weight_key, bias_key = ((group, name) for name in
                                           ("chosen_action_value", CREDIT_WEIGHT_KEY, CREDIT_BIAS_KEY))
        super().__init__(mixer, in_keys=[value_key, state_key, weight_key, bias_key], out_keys=[out_key])
        self._keys = (value_key, state_key, weight_key, bias_key, out_key)

    def forward(self, tensordict: TensorDictBase, *args, **kwargs) -> TensorDictBase:
        value_key, state_key, weight_key, bias_key, out_key = self._keys
        weight = tensordict.get(weight_key, None)
        if weight is not None:
            out = self.module(tensordict.get(value_key), None, weight, tensordict.get(bias_key))
        else:
            out = self.module(tensordict.get(value_key), tensordict.get(state_key))
        tensordict.set(out_key, out)
        return tensordict

