"""Live environments for task descriptions: their specs and real states from random rollouts.

Everything here builds the environment exactly as a BenchMARL experiment does, through the
task's own :class:`~benchmarl.environments.TaskClass` (``get_from_yaml()``, then the overrides,
then ``get_env_fun(...)()``), so sizes and states are the ones the credit function will see.

Families that BenchMARL does not ship (a matrix game, ...) plug in their own spec reader and
state sampler with :func:`register_env_spec_reader` / :func:`register_state_sampler`.
"""

from __future__ import annotations

import copy
import json
import math
import random
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Mapping, Optional, Tuple

import torch

from benchmarl_qllm.credit.function import OBSERVATION_KEY, STATE_KEY

# Random-action rollouts: at most this many parallel envs, and at least this many steps,
# so the states spread over an episode rather than sitting next to the reset.
MAX_SAMPLING_ENVS = 32
MIN_ROLLOUT_STEPS = 25


@dataclass(frozen=True)
class EnvSpec:
    """What the live environment says about the credit function's input.

    Attributes:
        task: ``"env/task"``.
        n_agents: agents in the (single) group.
        input_kind: ``"observation"`` (``[B, n_agents, input_dim]``) or ``"state"``
            (``[B, input_dim]``).
        input_dim: last dimension of the credit function's input.
        input_key: TensorDict key of that input in the environment's output.
        n_actions: number of discrete actions per agent (``None`` when not discrete).
        config: the task configuration the environment was built with.
    """

    task: str
    n_agents: int
    input_kind: str
    input_dim: int
    input_key: Tuple[str, ...]
    n_actions: Optional[int] = None
    config: Dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


EnvSpecReader = Callable[[str, Dict[str, Any]], EnvSpec]
StateSampler = Callable[[str, int, int, Dict[str, Any]], torch.Tensor]

_SPEC_READERS: Dict[str, EnvSpecReader] = {}
_STATE_SAMPLERS: Dict[str, StateSampler] = {}
_SPEC_CACHE: Dict[Tuple[str, str], EnvSpec] = {}


def register_env_spec_reader(task: str, reader: EnvSpecReader) -> None:
    """Use ``reader(task, overrides) -> EnvSpec`` instead of BenchMARL for ``task``."""
    _SPEC_READERS[task.lower()] = reader
    for key in [k for k in _SPEC_CACHE if k[0] == task.lower()]:
        del _SPEC_CACHE[key]


def register_state_sampler(task: str, sampler: StateSampler) -> None:
    """Use ``sampler(task, n, seed, overrides) -> Tensor`` instead of BenchMARL for ``task``."""
    _STATE_SAMPLERS[task.lower()] = sampler


# BenchMARL ------------------------------------------------------------------------------------
def benchmarl_task_class(task: str, overrides: Optional[Mapping[str, Any]] = None):
    """The BenchMARL ``TaskClass`` for ``"env/task"`` with its default yaml config + overrides."""
    from benchmarl.environments import task_config_registry

    key = task.lower()
    if key not in task_config_registry:
        raise ValueError(f"'{task}' is not a BenchMARL task (e.g. 'vmas/balance')")
    task_class = task_config_registry[key].get_from_yaml()
    if overrides:
        # BenchMARL 1.5 TaskClass has no update_config(); its config is a plain dict.
        update = getattr(task_class, "update_config", None)
        if callable(update):
            update(dict(overrides))
        else:
            task_class.config.update(copy.deepcopy(dict(overrides)))
    return task_class


def task_config(task: str, overrides: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
    """A copy of the BenchMARL config of ``task`` (its default yaml + ``overrides``)."""
    return copy.deepcopy(dict(benchmarl_task_class(task, overrides).config))


def make_benchmarl_env(
    task: str, overrides: Optional[Mapping[str, Any]] = None, num_envs: int = 1, seed: int = 0
):
    """``(task_class, env)``: the env built exactly like a BenchMARL experiment builds it."""
    task_class = benchmarl_task_class(task, overrides)
    env = task_class.get_env_fun(
        num_envs=num_envs, continuous_actions=False, seed=seed, device="cpu"
    )()
    return task_class, env


def _single_group(task: str, task_class, env) -> str:
    groups = list(task_class.group_map(env))
    if len(groups) != 1:
        raise ValueError(
            f"{task}: the environment has agent groups {groups}; task descriptions and credit "
            "functions support exactly one group"
        )
    return groups[0]


def spec_from_env(task: str, task_class, env) -> EnvSpec:
    """Read n_agents, the credit input (state or stacked observations) and the action count."""
    group = _single_group(task, task_class, env)
    n_agents = len(task_class.group_map(env)[group])
    state_spec = task_class.state_spec(env)
    if state_spec is not None:
        key = list(state_spec.keys(True, True))[0]
        shape = tuple(state_spec[key].shape)
        input_kind, input_key = STATE_KEY, key if isinstance(key, tuple) else (key,)
    else:
        obs_spec = task_class.observation_spec(env)[group]
        obs_keys = list(obs_spec.keys(True, True))
        if len(obs_keys) != 1:
            raise ValueError(
                f"{task}: no global state and several observation keys {obs_keys}; "
                "the credit function reads exactly one"
            )
        key = obs_keys[0]
        shape = tuple(obs_spec[key].shape)
        if len(shape) != 2 or shape[0] != n_agents:
            raise ValueError(
                f"{task}: observation spec has shape {shape}, expected [n_agents={n_agents}, "
                "obs_dim] (flat vector observations)"
            )
        input_kind = OBSERVATION_KEY
        input_key = (group,) + (key if isinstance(key, tuple) else (key,))
    n_actions = None
    action_spec = task_class.action_spec(env)
    if (group, "action") in action_spec.keys(True, True):
        space = getattr(action_spec[group, "action"], "space", None)
        n_actions = getattr(space, "n", None)
    return EnvSpec(
        task=task.lower(),
        n_agents=n_agents,
        input_kind=input_kind,
        input_dim=int(shape[-1]),
        input_key=input_key,
        n_actions=int(n_actions) if n_actions is not None else None,
        config=copy.deepcopy(dict(task_class.config)),
    )


def benchmarl_env_spec(task: str, overrides: Dict[str, Any]) -> EnvSpec:
    """Default :data:`EnvSpecReader`: build one BenchMARL env and read its specs."""
    with _preserved_rng():
        task_class, env = make_benchmarl_env(task, overrides, num_envs=1, seed=0)
        try:
            return spec_from_env(task, task_class, env)
        finally:
            env.close()


def _cache_key(task: str, overrides: Mapping[str, Any]) -> Tuple[str, str]:
    return task.lower(), json.dumps(dict(overrides), sort_keys=True, default=repr)


def live_env_spec(task: str, overrides: Optional[Mapping[str, Any]] = None) -> EnvSpec:
    """The live :class:`EnvSpec` of ``task`` (cached per task and overrides)."""
    overrides = dict(overrides or {})
    cache_key = _cache_key(task, overrides)
    if cache_key not in _SPEC_CACHE:
        reader = _SPEC_READERS.get(task.lower(), benchmarl_env_spec)
        _SPEC_CACHE[cache_key] = reader(task.lower(), overrides)
    return _SPEC_CACHE[cache_key]


# States ---------------------------------------------------------------------------------------
class _preserved_rng:
    """Environments seed the global torch/numpy/random generators; undo that for the caller."""

    def __enter__(self):
        self._torch = torch.random.get_rng_state()
        self._random = random.getstate()
        try:
            import numpy as np

            self._np = np.random.get_state()
        except ImportError:  # pragma: no cover - numpy ships with torchrl
            self._np = None
        return self

    def __exit__(self, *exc):
        torch.random.set_rng_state(self._torch)
        random.setstate(self._random)
        if self._np is not None:
            import numpy as np

            np.random.set_state(self._np)
        return False


def _random_rollout(env, steps: int, key) -> torch.Tensor:
    """``[*batch, steps, ...]`` values of ``key`` along a random-action rollout."""
    from torchrl.envs.libs.vmas import VmasEnv
    from torchrl.envs.utils import step_mdp

    if not isinstance(env, VmasEnv):
        return env.rollout(steps, break_when_any_done=False).get(key)
    # A VMAS env is already reset when it is built, and resetting the sampling scenario costs
    # about a second (it scans the whole density grid): take the first step from there.
    first = env.step(env.rand_action())
    rest = env.rollout(
        steps - 1, break_when_any_done=False, auto_reset=False, tensordict=step_mdp(first)
    )
    return torch.cat([first.get(("next",) + tuple(key)).unsqueeze(len(env.batch_size)),
                      rest.get(key)], dim=len(env.batch_size))


def benchmarl_sample_states(task: str, n: int, seed: int, overrides: Dict[str, Any]) -> torch.Tensor:
    """Default :data:`StateSampler`: random-action rollout of the BenchMARL env."""
    num_envs = max(1, min(n, MAX_SAMPLING_ENVS))
    with _preserved_rng():
        torch.manual_seed(seed)
        task_class, env = make_benchmarl_env(task, overrides, num_envs=num_envs, seed=seed)
        # Non-vectorized envs (PettingZoo, LBF...) ignore num_envs: roll out longer instead.
        steps = max(math.ceil(n / max(1, env.batch_size.numel())), MIN_ROLLOUT_STEPS, 2)
        try:
            spec = spec_from_env(task, task_class, env)
            with torch.no_grad():
                states = _random_rollout(env, steps, spec.input_key)
        finally:
            env.close()
        _SPEC_CACHE.setdefault(_cache_key(task, overrides), spec)
        tail = (spec.n_agents, spec.input_dim) if spec.input_kind == OBSERVATION_KEY else (
            spec.input_dim,
        )
        states = states.reshape(-1, *tail).to(torch.float32)
        generator = torch.Generator().manual_seed(seed)
        index = torch.randperm(states.shape[0], generator=generator)[:n]
    return states[index].contiguous()


def sample_states(task: str, n: int = 256, seed: int = 0, **task_overrides) -> torch.Tensor:
    """``n`` real states of ``task`` from a random-action rollout of the live environment.

    Returns ``[n, n_agents, obs_dim]`` (tasks without a global state, e.g. VMAS) or
    ``[n, state_dim]``. Deterministic for a given ``seed``; the caller's global RNG state is
    left untouched.
    """
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}")
    sampler = _STATE_SAMPLERS.get(task.lower(), benchmarl_sample_states)
    states = sampler(task.lower(), n, seed, dict(task_overrides))
    if states.shape[0] != n:
        raise RuntimeError(f"{task}: sampler returned {states.shape[0]} states, expected {n}")
    return states
