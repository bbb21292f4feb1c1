"""QLLM: value decomposition with an LLM-written, training-free credit assignment function."""

from __future__ import annotations

import functools
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

from benchmarl_qllm.algorithms import credit_files
from benchmarl_qllm.algorithms.credit_source import GENERATE, library_variant, resolve_credit_function
from benchmarl_qllm.credit.checks import DEFAULT_OUTPUT_BOUND
from benchmarl_qllm.credit.function import CreditFunction, OBSERVATION_KEY, STATE_KEY
from benchmarl_qllm.credit.program import InputSpec
from benchmarl_qllm.credit.sandbox import CreditFunctionError
from benchmarl_qllm.environments.sampling import credit_target
from benchmarl_qllm.credit.mixing import IGM_MODES, WEIGHT_NORMALIZATIONS
from benchmarl_qllm.models.llm_credit import (
    CREDIT_BIAS_KEY, CREDIT_WEIGHT_KEY, CreditMixerModule, LLMCreditMixer,
)

CONF_DIR = Path(__file__).resolve().parent.parent / "conf"
CREDIT_COPY_NAME = credit_files.SOURCE_NAME
CREDIT_META_NAME = credit_files.META_NAME
# States per program call when the credit stored in a resumed replay buffer is recomputed.
RECOMPUTE_CHUNK = 65_536
LOSS_FUNCTIONS = ("l1", "l2", "smooth_l1")  # torchrl's distance_loss


def _as_tuple(key) -> tuple:
    return key if isinstance(key, tuple) else (key,)


class QllmLoss(QMixerLoss):
    """``QMixerLoss`` for a TFCAF mixer.

    Besides the TD loss it writes the priority where BenchMARL's prioritized replay buffer
    reads it, ``(group, "td_error")`` (when ``group_priority``), so prioritized replay really
    prioritizes. If the credit program fails outright, ``on_failure(states, error)`` turns it
    into one clear error.
    """

    # LossModule.convert_to_functional looks the network names up in the class annotations.
    __annotations__ = dict(QMixerLoss.__annotations__)

    def __init__(self, *args, group: str, state_key, on_failure=None, group_priority: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.group = group
        self.state_key = state_key
        self.on_failure = on_failure
        self.group_priority = group_priority

    def forward(self, tensordict: TensorDictBase) -> TensorDict:
        try:
            out = super().forward(tensordict)
        except CreditFunctionError as exc:  # the credit program failed on these states
            if self.on_failure is None:
                raise
            raise self.on_failure(tensordict.get(self.state_key, None), exc) from exc
        if not self.group_priority:
            return out
        td_error = tensordict.get(self.tensor_keys.priority)  # [*B, 1]
        n_agents = tensordict.get(self.group).batch_size[-1]
        tensordict.set(
            (self.group, "td_error"),
            td_error.unsqueeze(-2).expand(*td_error.shape[:-1], n_agents, 1),
        )
        return out


class Qllm(Algorithm):
    """QLLM (from `https://arxiv.org/abs/2504.12961`): QMIX-style value decomposition whose
    mixer is a training-free credit assignment function (TFCAF) written by an LLM.

    Args:
        credit (str): which TFCAF to use: ``"library"`` (the packaged LLM-written one for the
            task, else the hand-written one), ``"llm"``, ``"handwritten"``, ``"generate"``
            (cached or freshly generated, see ``qllm generate``) or a file path.
        igm (str): ``"enforce"`` (weights clamped to ``>= 0``; monotonic, IGM holds) or
            ``"relax"`` (signed weights, for non-monotonic games).
        weight_normalization (str): ``"none"`` (``Q_tot = sum w_i Q_i + b``, the paper's
            formula), ``"sum_to_one"`` or ``"mean_to_one"``.
        check_finite (bool): stop the run with a clear error (after saving the offending states
            and a checkpoint) when the TFCAF returns NaN/inf or values beyond ``output_bound``.
        output_bound (float): largest allowed ``|w_i|`` and ``|b|`` (validation and training).
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
        output_bound: float = DEFAULT_OUTPUT_BOUND,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.output_bound = float(output_bound)
        self.credit = credit
        self.igm = igm
        self.weight_normalization = weight_normalization
        self.check_finite = check_finite
        self.delay_value = delay_value
        self.loss_function = loss_function
        self._credit_functions: Dict[str, CreditFunction] = {}
        self._mixers: Dict[str, LLMCreditMixer] = {}
        # group -> (offending states, error or None), raised at the group's next optimizer step
        self._pending_failures: Dict[str, Tuple[torch.Tensor, Optional[BaseException]]] = {}
        # groups whose restored replay buffer still holds credit from before the resume
        self._stale_buffers = set()

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
            on_failure=functools.partial(self._credit_failure, group),
            group_priority=bool(self.experiment_config.off_policy_use_prioritized_replay_buffer),
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

    def process_batch(self, group: str, batch: TensorDictBase) -> TensorDictBase:
        """QMIX's team reward/done, plus each state's credit stored next to it (``(group,
        "credit_weight")`` and ``(group, "credit_bias")``, also under ``"next"``): the TFCAF is
        deterministic, so it runs once per collected state instead of on every sampled batch."""
        batch = Qmix.process_batch(self, group, batch)
        if group in self._stale_buffers:
            self._stale_buffers.discard(group)
            self._recompute_stored_credit(group)
        weights, bias = self._store_credit(group, batch)
        logger = getattr(self.experiment, "logger", None)
        if logger is not None:
            *means, bias_mean = torch.cat([weights.reshape(-1, weights.shape[-1]).mean(0), bias.mean().reshape(1)]).tolist()
            scalars = {f"collection/{group}/credit_weight_agent_{i}": w for i, w in enumerate(means)}
            scalars[f"collection/{group}/credit_bias"] = bias_mean
            logger.log(scalars, step=self.experiment.n_iters_performed)
        return batch

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

    def input_spec(self, group: str) -> InputSpec:
        """The shape of the credit input of ``group``: what its program is traced for."""
        key, kind = self.mixer_input(group)
        spec = self.state_spec if kind == STATE_KEY else self.observation_spec
        return InputSpec(kind, len(self.group_map[group]), int(spec[key].shape[-1]))

    def _folder(self) -> Optional[Path]:
        folder = getattr(self.experiment, "folder_name", None)
        return Path(folder) if folder is not None else None

    def credit_function(self, group: str) -> CreditFunction:
        """Load (once) the TFCAF for ``group`` as a verified program; keep both in the run folder."""
        if group not in self._credit_functions:
            folder = self._folder()
            n_groups = len(self.group_map)
            spec = self.input_spec(group)
            function = None
            if self.experiment_config.restore_file is not None and folder is not None:
                # Resume/evaluate with exactly the function (and program) the run trained with.
                function = credit_files.load_saved(folder, group, n_groups, spec)
            fresh = function is None
            if fresh:
                target = credit_target(self._task(), group, n_groups)
                function = resolve_credit_function(
                    self.credit, task=target, igm=self.igm, gamma=self.experiment_config.gamma,
                    group=group,
                    task_overrides=self._task_overrides() if self.credit == GENERATE else None,
                )
                if folder is not None and not credit_files.source_path(folder, group, n_groups).is_file():
                    credit_files.save_source(folder, function, self._settings(target), group, n_groups)
            known = spec in function.programs
            program = function.program(spec)  # traced in the jail unless a saved one was attached
            if folder is not None and not known:
                credit_files.save_program(folder, group, n_groups, program)
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

    def _task(self) -> str:
        return f"{self.experiment.environment_name}/{self.experiment.task_name}"

    def _task_overrides(self) -> Dict[str, object]:
        """The run's task settings that differ from the task's YAML config (what ``generate``
        must describe: e.g. ``task.n_agents=6``)."""
        from benchmarl_qllm.environments.sampling import task_config

        config = dict(getattr(getattr(self.experiment, "task", None), "config", None) or {})
        try:
            defaults = task_config(self._task())
        except ValueError:  # a task BenchMARL's registry does not know: nothing to compare
            return {}
        return {k: v for k, v in config.items() if k not in defaults or defaults[k] != v}

    def _settings(self, target: str) -> Dict[str, object]:
        return {"credit": self.credit, "library_variant": library_variant(self.credit, target),
                "igm": self.igm,
                "weight_normalization": self.weight_normalization, "output_bound": self.output_bound}

    def _store_credit(self, group: str, batch: TensorDictBase) -> Tuple[torch.Tensor, torch.Tensor]:
        """Set the credit of ``batch``'s states and next states (one program call for both)
        and return the states' ``(weights [*B, n], bias [*B, 1])``. Invalid rows are stored as
        zeros and reported at the group's next optimizer step (one host sync per batch)."""
        mixer = self._mixers[group]
        state_key, _ = self.mixer_input(group)
        prefixes = [()] + ([("next",)] if ("next", *_as_tuple(state_key)) in batch.keys(True) else [])
        states = [batch.get((*prefix, *_as_tuple(state_key))) for prefix in prefixes]
        try:
            credits = mixer.credit_for(*states)
        except Exception as exc:  # noqa: BLE001 - the program failed on these states
            self._pending_failures.setdefault(group, (states[0], exc))
            credits = [(s.new_zeros(*s.shape[: mixer._state_batch_dims(s)], mixer.n_agents),
                        s.new_zeros(*s.shape[: mixer._state_batch_dims(s)], 1), None) for s in states]
        for prefix, (w, b, _) in zip(prefixes, credits):
            batch.set((*prefix, group, CREDIT_WEIGHT_KEY), w.unsqueeze(-1))
            batch.set((*prefix, group, CREDIT_BIAS_KEY), b.unsqueeze(-2).expand(*w.shape, 1))
        flagged = [(s, invalid) for s, (_, _, invalid) in zip(states, credits) if invalid is not None]
        if flagged and bool(torch.stack([invalid.any() for _, invalid in flagged]).any()):
            self._pending_failures.setdefault(group, (torch.cat([s[invalid] for s, invalid in flagged]), None))
        return credits[0][0], credits[0][1]

    def _recompute_stored_credit(self, group: str) -> None:
        """After a resume, recompute the credit stored in the restored replay buffer with the
        run's function (which may have been fixed since the checkpoint)."""
        storage = self.experiment.replay_buffers[group].storage
        for start in range(0, len(storage), RECOMPUTE_CHUNK):
            index = slice(start, min(len(storage), start + RECOMPUTE_CHUNK))
            data = storage.get(index)
            self._store_credit(group, data)
            storage.set(index, data, set_cursor=False)

    def get_mixer(self, group: str) -> TensorDictModule:
        state_key, input_kind = self.mixer_input(group)
        mixer = LLMCreditMixer(
            credit_function=self.credit_function(group),
            n_agents=len(self.group_map[group]),
            input_kind=input_kind,
            igm=self.igm,
            weight_normalization=self.weight_normalization,
            check_finite=self.check_finite,
            output_bound=self.output_bound,
        )
        self._check_on_real_states(group, mixer, state_key)
        self._mixers[group] = mixer
        if self.experiment_config.restore_file is not None:
            self._stale_buffers.add(group)
        return CreditMixerModule(mixer, group, state_key)

    # train-time failures ----------------------------------------------------------------------
    def process_loss_vals(self, group: str, loss_vals: TensorDictBase) -> TensorDictBase:
        """Stop the run, before any update, when the credit of the group's last collected batch
        was invalid (found in :meth:`process_batch`; no per-step host sync)."""
        failure = self._pending_failures.pop(group, None)
        if failure is not None:
            raise self._credit_failure(group, *failure)
        return loss_vals

    def _credit_failure(self, group: str, states: Optional[torch.Tensor], error: Optional[BaseException]):
        """Save the offending states and a checkpoint; return the error that stops the run."""
        function = self._credit_functions[group]
        states = states if states is not None else torch.empty(0)
        if error is None:  # invalid outputs: the rows flagged when the batch was collected
            what = (f"returned non-finite weights/bias, or values beyond +-{self.output_bound:g}, "
                    f"for {states.shape[0]} states")
        else:
            what = f"failed on a batch of states ({type(error).__name__}: {str(error)[:400]})"
        total_frames = getattr(self.experiment, "total_frames", 0)
        folder = credit_files.dump_failure(
            self._folder(), group, states,
            {"origin": function.origin, "sha256": function.sha256, "total_frames": total_frames,
             "error": what},
        )
        checkpoint = ""
        if folder is not None and hasattr(self.experiment, "_save_experiment"):
            # This iteration's batch is collected and in the replay buffer: checkpoint it as a
            # finished iteration, so that a resume continues with the next collection.
            self.experiment.n_iters_performed += 1
            self.experiment._save_experiment()
            checkpoints = sorted((folder.parent / "checkpoints").glob("checkpoint_*.pt"), key=lambda p: p.stat().st_mtime)
            checkpoint = str(checkpoints[-1]) if checkpoints else ""
        where = f"; the states are saved in {folder}" if folder is not None else ""
        resume = (f"; a checkpoint was written ({checkpoint}): fix the function, replace "
                  f"{credit_files.source_path(folder.parent, group, len(self.group_map))} with it and run "
                  f"`python -m benchmarl.resume {checkpoint}`") if checkpoint else ""
        return CreditFunctionError(
            f"credit function {function.origin} (sha256 {function.sha256[:12]}) {what} at "
            f"{total_frames} frames{where}{resume}"
        )

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
            q_tot = mixer(q, states)  # raises, naming the function, on invalid outputs
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
    output_bound: float = DEFAULT_OUTPUT_BOUND

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
        if not self.output_bound > 0:
            raise ValueError(f"algorithm.output_bound must be > 0; got {self.output_bound}")

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
