"""QLLM: value decomposition with an LLM-written, training-free credit assignment function."""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, MISSING
from pathlib import Path
from typing import Dict, Iterable, Optional, Tuple, Type

import torch
from tensordict import TensorDict, TensorDictBase
from tensordict.nn import TensorDictModule
from torchrl.objectives import LossModule, QMixerLoss, ValueEstimators

from benchmarl.algorithms.common import Algorithm, AlgorithmConfig
from benchmarl.algorithms.qmix import Qmix
from benchmarl.utils import _read_yaml_config

from benchmarl_qllm.algorithms.credit_source import resolve_credit_function
from benchmarl_qllm.credit.function import CreditFunction, OBSERVATION_KEY, STATE_KEY
from benchmarl_qllm.credit.mixing import IGM_MODES, WEIGHT_NORMALIZATIONS
from benchmarl_qllm.models.llm_credit import credit_mixer_module, LLMCreditMixer

CONF_DIR = Path(__file__).resolve().parent.parent / "conf"
CREDIT_COPY_NAME = "credit_function.py"
CREDIT_META_NAME = "credit_function.json"
LOSS_FUNCTIONS = ("l1", "l2", "smooth_l1")  # torchrl's distance_loss


class QllmLoss(QMixerLoss):
    """``QMixerLoss`` for a TFCAF mixer.

    Besides the TD loss it (1) writes the priority where BenchMARL's replay buffer reads it,
    ``(group, "td_error")``, so prioritized replay really prioritizes, and (2) reports the
    mean credit weight of every agent and the mean bias, which BenchMARL logs as
    ``train/<group>/credit_weight_agent_<i>`` and ``train/<group>/credit_bias``.
    """

    # LossModule.convert_to_functional looks the network names up in the class annotations.
    __annotations__ = dict(QMixerLoss.__annotations__)

    def __init__(self, *args, group: str, state_key, **kwargs):
        super().__init__(*args, **kwargs)
        self.group = group
        self.state_key = state_key

    def forward(self, tensordict: TensorDictBase) -> TensorDict:
        out = super().forward(tensordict)
        td_error = tensordict.get(self.tensor_keys.priority)  # [*B, 1]
        n_agents = tensordict.get(self.group).batch_size[-1]
        tensordict.set(
            (self.group, "td_error"),
            td_error.unsqueeze(-2).expand(*td_error.shape[:-1], n_agents, 1),
        )
        with torch.no_grad():
            mixer: LLMCreditMixer = self.mixer_network.module
            weights, bias = mixer.credit(tensordict.get(self.state_key))
            mean_weights = weights.reshape(-1, weights.shape[-1]).mean(0)
        for i, w in enumerate(mean_weights.unbind(0)):
            out.set(f"credit_weight_agent_{i}", w)
        out.set("credit_bias", bias.mean())
        return out


class Qllm(Algorithm):
    """QLLM (from `https://arxiv.org/abs/2504.12961`): QMIX-style value decomposition whose
    mixer is a training-free credit assignment function (TFCAF) written by an LLM.

    Args:
        credit (str): which TFCAF to use: ``"library"`` (the packaged one for the task),
            ``"generate"`` (cached or freshly generated, see ``qllm generate``) or a file path.
        igm (str): ``"enforce"`` (weights clamped to ``>= 0``; monotonic, IGM holds) or
            ``"relax"`` (signed weights, for non-monotonic games).
        weight_normalization (str): ``"none"`` (``Q_tot = sum w_i Q_i + b``, the paper's
            formula), ``"sum_to_one"`` or ``"mean_to_one"``.
        check_finite (bool): raise a clear error when the TFCAF returns NaN/inf.
        delay_value (bool): use target value networks.
        loss_function (str): ``"l1"``, ``"l2"`` or ``"smooth_l1"``.
    """

    def __init__(
        self,
        credit: str,
        igm: str,
        weight_normalization: str,
        check_finite: bool,
        delay_value: bool,
        loss_function: str,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.credit = credit
        self.igm = igm
        self.weight_normalization = weight_normalization
        self.check_finite = check_finite
        self.delay_value = delay_value
        self.loss_function = loss_function
        self._credit_functions: Dict[str, CreditFunction] = {}

    #############################
    # Overridden abstract methods
    #############################

    def _get_loss(
        self, group: str, policy_for_loss: TensorDictModule, continuous: bool
    ) -> Tuple[LossModule, bool]:
        if continuous:
            raise NotImplementedError("QLLM is not compatible with continuous actions.")
        mixer = self.get_mixer(group)
        loss_module = QllmLoss(
            policy_for_loss,
            mixer,
            group=group,
            state_key=mixer.in_keys[1],
            delay_value=self.delay_value,
            loss_function=self.loss_function,
            action_space=self.action_spec[group, "action"],
        )
        loss_module.set_keys(
            reward="reward",
            action=(group, "action"),
            done="done",
            terminated="terminated",
            action_value=(group, "action_value"),
            local_value=(group, "chosen_action_value"),
            global_value="chosen_action_value",
            priority="td_error",
        )
        loss_module.make_value_estimator(
            ValueEstimators.TD0, gamma=self.experiment_config.gamma
        )
        # A target-network updater only when there are target networks: with
        # delay_value=False torchrl's SoftUpdate/HardUpdate refuse a loss without them.
        return loss_module, self.delay_value

    def _get_parameters(self, group: str, loss: LossModule) -> Dict[str, Iterable]:
        return {"loss": loss.parameters()}

    # The agent networks, exploration and team-reward processing are exactly QMIX's.
    _get_policy_for_loss = Qmix._get_policy_for_loss
    _get_policy_for_collection = Qmix._get_policy_for_collection
    process_batch = Qmix.process_batch

    #####################
    # Custom new methods
    #####################

    def mixer_input(self, group: str) -> Tuple[Tuple, str]:
        """The TensorDict key the mixer reads and whether it is a state or observations."""
        if self.state_spec is not None:
            return list(self.state_spec.keys(True, True))[0], STATE_KEY
        observation_keys = list(self.observation_spec[group].keys(True, True))
        if len(observation_keys) > 1:
            raise ValueError(
                "QLLM called without a global state and with several observation keys "
                f"{observation_keys}; the credit function reads exactly one."
            )
        return (group, observation_keys[0]), OBSERVATION_KEY

    def credit_function(self, group: str) -> CreditFunction:
        """Load (once) and check the TFCAF for ``group``; copy it into the run folder."""
        if group not in self._credit_functions:
            folder = getattr(self.experiment, "folder_name", None)
            restoring = self.experiment_config.restore_file is not None
            saved = Path(folder) / CREDIT_COPY_NAME if folder is not None else None
            if restoring and saved is not None and saved.is_file():
                # Resume/evaluate with exactly the function the run was trained with; its
                # provenance record (credit_function.json) stays as the run wrote it.
                function = CreditFunction.from_file(saved)
            else:
                function = resolve_credit_function(
                    self.credit,
                    task=f"{self.experiment.environment_name}/{self.experiment.task_name}",
                    igm=self.igm,
                )
                if folder is not None:
                    self._save_credit_function(Path(folder), function)
            written_for = function.header.get("igm")
            if written_for and written_for != self.igm:
                warnings.warn(
                    f"the credit function {function.origin} was written for igm={written_for} "
                    f"but the run uses algorithm.igm={self.igm}"
                    + (" (its negative weights will be clamped to 0)" if self.igm == "enforce" else ""),
                    stacklevel=2,
                )
            self._credit_functions[group] = function
        return self._credit_functions[group]

    def _save_credit_function(self, folder: Path, function: CreditFunction) -> None:
        (folder / CREDIT_COPY_NAME).write_text(function.source, encoding="utf-8")
        meta = {
            "credit": self.credit,
            "origin": function.origin,
            "sha256": function.sha256,
            "header": function.header,
            "igm": self.igm,
            "weight_normalization": self.weight_normalization,
        }
        (folder / CREDIT_META_NAME).write_text(json.dumps(meta, indent=2), encoding="utf-8")

    def get_mixer(self, group: str) -> TensorDictModule:
        state_key, input_kind = self.mixer_input(group)
        mixer = LLMCreditMixer(
            credit_function=self.credit_function(group),
            n_agents=len(self.group_map[group]),
            input_kind=input_kind,
            igm=self.igm,
            weight_normalization=self.weight_normalization,
            check_finite=self.check_finite,
        )
        self._check_on_real_states(group, mixer, state_key)
        return credit_mixer_module(mixer, (group, "chosen_action_value"), state_key)

    def _check_on_real_states(self, group: str, mixer: LLMCreditMixer, state_key) -> None:
        """Run the mixer once on states from the experiment's own environment."""
        env = getattr(self.experiment, "test_env", None)
        if env is None:
            return
        with torch.no_grad():
            states = env.rollout(4, break_when_any_done=False).get(state_key).to(self.device)
            n_agents = len(self.group_map[group])
            batch = states.shape[: mixer._state_batch_dims(states)]
            q = torch.randn(*batch, n_agents, 1, device=self.device)
            q_tot = mixer(q, states)
        if q_tot.shape != (*batch, 1):
            raise ValueError(f"mixer produced shape {tuple(q_tot.shape)}, expected {(*batch, 1)}")


@dataclass
class QllmConfig(AlgorithmConfig):
    """Configuration dataclass for :class:`Qllm`."""

    delay_value: bool = MISSING
    loss_function: str = MISSING
    credit: str = "library"
    igm: str = "enforce"
    weight_normalization: str = "none"
    check_finite: bool = True

    def __post_init__(self) -> None:
        # Checked here, when BenchMARL builds the config from Hydra's, so that a bad value
        # stops the run before anything is built, with one line naming the option.
        for option, allowed in (("igm", IGM_MODES),
                                ("weight_normalization", WEIGHT_NORMALIZATIONS),
                                ("loss_function", LOSS_FUNCTIONS)):
            value = getattr(self, option)
            if value not in allowed:
                raise ValueError(
                    f"algorithm.{option} must be one of {', '.join(allowed)}; got '{value}'"
                )

    @staticmethod
    def associated_class() -> Type[Algorithm]:
        return Qllm

    @staticmethod
    def supports_continuous_actions() -> bool:
        return False

    @staticmethod
    def supports_discrete_actions() -> bool:
        return True

    @staticmethod
    def on_policy() -> bool:
        return False

    @classmethod
    def get_from_yaml(cls, path: Optional[str] = None) -> "QllmConfig":
        """Load the config from this package's ``conf/algorithm/qllm.yaml`` (or ``path``)."""
        if path is None:
            path = str(CONF_DIR / "algorithm" / "qllm.yaml")
        return cls(**_read_yaml_config(path))
