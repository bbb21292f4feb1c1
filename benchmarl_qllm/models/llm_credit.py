"""The parameter-free TFCAF mixer: ``Q_tot = sum_i w_i(s) * Q_i + b(s)``."""

from __future__ import annotations

from typing import Optional, Tuple

import torch
from tensordict import NestedKey
from tensordict.nn import TensorDictModule
from torch import nn

from benchmarl_qllm.credit.function import (
    CreditFunction,
    make_credit_input,
    OBSERVATION_KEY,
    STATE_KEY,
)
from benchmarl_qllm.credit.sandbox import CreditFunctionError

IGM_MODES = ("enforce", "relax")
WEIGHT_NORMALIZATIONS = ("none", "sum_to_one", "mean_to_one")


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
        if igm not in IGM_MODES:
            raise ValueError(f"igm must be one of {IGM_MODES}, got '{igm}'")
        if weight_normalization not in WEIGHT_NORMALIZATIONS:
            raise ValueError(
                f"weight_normalization must be one of {WEIGHT_NORMALIZATIONS}, "
                f"got '{weight_normalization}'"
            )
        if input_kind not in (STATE_KEY, OBSERVATION_KEY):
            raise ValueError(f"input_kind must be 'state' or 'observation', got '{input_kind}'")
        self.credit_function = credit_function
        self.n_agents = n_agents
        self.input_kind = input_kind
        self.igm = igm
        self.weight_normalization = weight_normalization
        self.check_finite = check_finite

    def _state_batch_dims(self, state: torch.Tensor) -> int:
        return state.ndim - (2 if self.input_kind == OBSERVATION_KEY else 1)

    def credit(self, state: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Weights ``[*B, n_agents]`` and bias ``[*B, 1]`` for a batch of states."""
        n_batch_dims = self._state_batch_dims(state)
        if n_batch_dims < 0:
            raise CreditFunctionError(
                f"{self.input_kind} has shape {tuple(state.shape)}: too few dimensions"
            )
        if self.input_kind == OBSERVATION_KEY and state.shape[-2] != self.n_agents:
            raise CreditFunctionError(
                f"observation has shape {tuple(state.shape)}, expected [..., {self.n_agents}, obs_dim]"
            )
        batch_shape = state.shape[:n_batch_dims]
        flat = state.reshape(-1, *state.shape[n_batch_dims:])
        flat_batch = flat.shape[0]
        td = make_credit_input(self.input_kind, flat, self.n_agents)

        origin = self.credit_function.origin
        try:
            w = self.credit_function.weights(td)
            b = self.credit_function.bias(td) if self.credit_function.bias else None
        except CreditFunctionError:
            raise
        except Exception as exc:  # noqa: BLE001 - user code: report any failure clearly
            raise CreditFunctionError(
                f"credit function {origin} raised {type(exc).__name__}: {exc}"
            ) from exc
        w = self._check_output("weights", w, (flat_batch, self.n_agents), flat)
        if b is None:
            b = flat.new_zeros(flat_batch, 1)
        else:
            b = self._check_output("bias", b, (flat_batch, 1), flat)

        if self.check_finite:
            bad = ~(torch.isfinite(w).all(-1) & torch.isfinite(b).all(-1))
            if bad.any():
                row = int(bad.nonzero()[0, 0])
                raise CreditFunctionError(
                    f"credit function {origin} returned non-finite values for "
                    f"{int(bad.sum())} of {flat_batch} states (first: row {row}, "
                    f"weights={w[row].tolist()}, bias={b[row].tolist()})"
                )
        if self.igm == "enforce":
            w = w.clamp_min(0.0)
        if self.weight_normalization != "none":
            total = w.sum(-1, keepdim=True)
            safe_total = torch.where(total.abs() < 1e-8, torch.ones_like(total), total)
            w = w / safe_total
            if self.weight_normalization == "mean_to_one":
                w = w * self.n_agents
        return w.reshape(*batch_shape, self.n_agents), b.reshape(*batch_shape, 1)

    @staticmethod
    def _fix_shape(value: torch.Tensor, shape: Tuple[int, int]) -> Optional[torch.Tensor]:
        if tuple(value.shape) == shape:
            return value
        # Accept harmless variants: [B] for a bias, [B, n, 1] for weights.
        if value.numel() == shape[0] * shape[1] and value.ndim >= 1 and value.shape[0] == shape[0]:
            return value.reshape(shape)
        return None

    def _check_output(
        self, name: str, value: object, shape: Tuple[int, int], like: torch.Tensor
    ) -> torch.Tensor:
        origin = self.credit_function.origin
        if not isinstance(value, torch.Tensor):
            raise CreditFunctionError(
                f"credit function {origin}: {name}() returned {type(value).__name__}, "
                "expected a torch.Tensor"
            )
        fixed = self._fix_shape(value, shape)
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

    def forward(self, chosen_action_value: torch.Tensor, state: torch.Tensor) -> torch.Tensor:
        """``chosen_action_value`` ``[*B, n_agents, 1]`` and state -> ``Q_tot`` ``[*B, 1]``."""
        q = chosen_action_value.squeeze(-1)
        if q.shape[-1] != self.n_agents:
            raise CreditFunctionError(
                f"chosen_action_value has shape {tuple(chosen_action_value.shape)}, "
                f"expected [..., {self.n_agents}, 1]"
            )
        w, b = self.credit(state)
        if w.shape[:-1] != q.shape[:-1]:
            raise CreditFunctionError(
                f"batch shape of the state {tuple(w.shape[:-1])} does not match "
                f"chosen_action_value {tuple(q.shape[:-1])}"
            )
        return (w * q).sum(-1, keepdim=True) + b

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
