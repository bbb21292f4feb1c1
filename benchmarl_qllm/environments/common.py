"""Shared machinery for the task families this package adds to BenchMARL.

* :class:`PackagedTask`: a BenchMARL :class:`~benchmarl.environments.Task` enum base whose
  ``get_from_yaml`` reads *this* package's ``conf/task/<env>/<task>.yaml`` (BenchMARL's own
  ``Task.get_from_yaml`` only knows ``benchmarl/conf``) and type-checks it with the family's
  config dataclass.
* :class:`SimulatorEnv`: the TorchRL ``EnvBase`` base of wrappers around one simulator object
  (``self._env``), which it closes with the wrapper.
* :class:`DiscreteTaskClass`: the part of BenchMARL's ``TaskClass`` every family here shares
  (discrete actions only, no rendering).
* :class:`SeededEnvFactory`: the ``get_env_fun`` result for non-vectorized environments, which
  gives every environment copy it creates a distinct, reproducible seed.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
from pathlib import Path
from typing import Any, Callable, Dict, Optional, Type

from torchrl.data import Composite
from torchrl.envs import EnvBase

from benchmarl.environments.common import Task, TaskClass
from benchmarl.utils import _read_yaml_config

TASK_CONF_DIR = Path(__file__).resolve().parent.parent / "conf" / "task"


def copy_seed(seed: int, copy_index: int, *extra: int) -> int:
    """The seed of environment copy ``copy_index`` of an experiment seeded with ``seed``.

    Derived with :class:`numpy.random.SeedSequence` (a 32-bit hash of ``(seed, copy_index)``),
    so the copies of one experiment get different seeds and the copies of experiments with
    neighbouring seeds (0, 1, 2...) do not share seeds either, as they would with
    ``seed + copy_index`` (LBF draws its whole episode layout from that seed at reset).
    Deterministic in its arguments.
    """
    import numpy as np

    entropy = [int(seed) % (1 << 64), int(copy_index), *(int(e) for e in extra)]
    return int(np.random.SeedSequence(entropy).generate_state(1)[0])


class SeededEnvFactory:
    """A picklable ``() -> EnvBase`` that seeds each environment it builds differently.

    BenchMARL passes one seed to ``TaskClass.get_env_fun`` and, for a non-vectorized
    environment, builds the training env as ``SerialEnv(n, env_fun)``: with a plain
    ``lambda: Env(seed=seed)`` all ``n`` copies would play identical episodes. This factory
    counts its calls and seeds call ``k`` with :func:`copy_seed` ``(seed, k)``; two factories
    with the same seed hand out the same sequence, so runs stay reproducible. ``seed=None``
    leaves every copy unseeded (random).

    Under ``SerialEnv`` every copy is built in this process: the first call is TorchRL's
    metadata probe (``_get_metadata``), the next ``n`` build the copies, all distinct.

    Under ``ParallelEnv`` (``experiment.parallel_collection=True``) each worker process
    receives its own pickled copy of the factory, with the counter frozen at pickling time, so
    the counter alone would give every worker the same seed. When the factory is called in a
    process other than the one that created it, it therefore also mixes in that process's
    multiprocessing identity (``multiprocessing.current_process()._identity``: the start order
    of the worker, deterministic for a given program), which keeps the workers' seeds distinct
    and reproducible from run to run as long as processes are started in the same order.
    """

    def __init__(self, env_class: Callable[..., Any], seed: Optional[int], **kwargs: Any):
        self.env_class = env_class
        self.seed = seed
        self.kwargs = kwargs
        self.calls = 0
        self._creator_pid = os.getpid()

    def next_seed(self) -> Optional[int]:
        """The seed the next call will use (advances the counter)."""
        index = self.calls
        self.calls += 1
        if self.seed is None:
            return None
        extra = ()
        if os.getpid() != self._creator_pid:
            extra = tuple(getattr(multiprocessing.current_process(), "_identity", ()) or (os.getpid(),))
        return copy_seed(self.seed, index, *extra)

    def __call__(self, **overrides: Any):
        kwargs = dict(self.kwargs, **overrides)
        return self.env_class(seed=self.next_seed(), **kwargs)

    def __repr__(self) -> str:
        name = getattr(self.env_class, "__name__", repr(self.env_class))
        return f"SeededEnvFactory({name}, seed={self.seed}, calls={self.calls})"


class PackagedTask(Task):
    """Base enum for task families shipped by this package (no members of its own).

    Subclasses define the members and ``associated_class()``; the associated
    :class:`~benchmarl.environments.TaskClass` must implement ``config_class()`` returning the
    family's config dataclass.
    """

    @classmethod
    def config_class(cls) -> Type:
        return cls.associated_class().config_class()

    @classmethod
    def yaml_path(cls, task_name: str) -> Path:
        return TASK_CONF_DIR / cls.env_name() / f"{task_name.lower()}.yaml"

    def get_from_yaml(self, path: Optional[str] = None):
        """Load ``benchmarl_qllm/conf/task/<env>/<task>.yaml`` (or ``path``), type-checked."""
        if path is None:
            path = str(self.yaml_path(self.name))
        config = check_task_config(self.config_class(), _read_yaml_config(path))
        return self.get_task(config=config)


def check_task_config(config_class: Type, config: Dict[str, Any]) -> Dict[str, Any]:
    """Validate ``config`` against ``config_class`` (unknown or missing keys raise)."""
    names = {f.name for f in dataclasses.fields(config_class)}
    unknown = sorted(set(config) - names)
    if unknown:
        raise TypeError(
            f"unknown {config_class.__name__} option(s) {unknown}; allowed: {sorted(names)}"
        )
    checked = dataclasses.asdict(config_class(**config))
    missing = [k for k, v in checked.items() if v is dataclasses.MISSING or v == "???"]
    if missing:
        raise TypeError(f"{config_class.__name__}: missing value(s) for {missing}")
    return checked


class DiscreteTaskClass(TaskClass):
    """``TaskClass`` defaults for discrete-action, render-less, single-env (not batched) task
    families whose environments expose a root ``"state"`` entry and no info."""

    def supports_continuous_actions(self) -> bool:
        return False

    def supports_discrete_actions(self) -> bool:
        return True

    def has_render(self, env: EnvBase) -> bool:
        return False

    def info_spec(self, env: EnvBase) -> Optional[Composite]:
        return None

    def state_spec(self, env: EnvBase) -> Optional[Composite]:
        return Composite({"state": env.observation_spec["state"].clone()})

    def action_spec(self, env: EnvBase) -> Composite:
        return env.full_action_spec


class SimulatorEnv(EnvBase):
    """An ``EnvBase`` wrapping one simulator object in ``self._env``; closing it closes both."""

    def close(self, *, raise_if_closed: bool = True) -> None:
        try:
            env = self.__dict__.get("_env")  # absent when __init__ failed before creating it
            if env is not None:
                env.close()
        finally:
            super().close(raise_if_closed=raise_if_closed)
