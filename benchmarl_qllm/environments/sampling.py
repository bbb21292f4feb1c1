"""Live environments for task descriptions: their specs, facts and real states.

Everything here builds the environment exactly as a BenchMARL experiment does, through the
task's own :class:`~benchmarl.environments.TaskClass` (``get_from_yaml()``, then the overrides,
then ``get_env_fun(...)()``), so sizes and states are the ones the credit function will see.

States come from rollouts of a mix of behaviours, so that they cover the situations a credit
function has to tell apart, not only what uniformly random actions reach:

* ``random``: a uniformly random action every step;
* ``sticky``: a random action held for several steps, so agents travel across the arena;
* scripted policies a family registers with :func:`register_rollout_policies` (e.g. "seek
  goal", "seek food", "seek teammate"), ``policy(td, spec, generator) -> actions``.

A family may also register a regime classifier (:func:`register_regime_classifier`) that
names the situations in a batch of states (near goal, teammate in sight, ...);
:func:`regime_masks` and :func:`regime_coverage` apply it.

Facts about the live environment that descriptions state as numbers (radii, speeds,
thresholds, episode limits, ...) are read from the live environment object by a fact reader
(:func:`register_fact_reader`) while the spec is read, and travel in :attr:`EnvSpec.facts`.

Families that BenchMARL does not ship (a matrix game, ...) plug in their own spec reader and
state sampler with :func:`register_env_spec_reader` / :func:`register_state_sampler`.
"""

from __future__ import annotations

import copy
import json
import math
import random
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

import torch

from benchmarl_qllm.credit.function import OBSERVATION_KEY, STATE_KEY

# Rollouts: this many parallel envs (vectorized envs), a whole episode long but at most
# ROLLOUT_STEPS and at least MIN_ROLLOUT_STEPS steps, so the states spread over an episode.
MAX_SAMPLING_ENVS = 32
ROLLOUT_STEPS = 100
MIN_ROLLOUT_STEPS = 25
MAX_CACHED_POOLS = 16
# Non-vectorized envs: a few episodes per behaviour (at most this many steps each).
EPISODES_PER_BEHAVIOUR = 3
MAX_UNBATCHED_STEPS = 300
# A sticky action is held for STICKY_MIN..STICKY_MAX steps.
STICKY_MIN, STICKY_MAX = 4, 12
BUILTIN_POLICIES = ("random", "sticky")


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
        group: the agent group's name (``""`` when unknown).
        reward_key: where the environment writes rewards: ``(group, "reward")`` (one per
            agent) or ``("reward",)`` (one team reward); ``None`` when unknown.
        time_limit: how the episode limit ends an episode: ``"truncated"`` (TD targets still
            bootstrap) or ``"terminated"``; ``None`` when unknown.
        facts: numbers read from the live environment object by the family's fact reader
            (:func:`register_fact_reader`), e.g. ``{"agent_radius": 0.1}``.
    """

    task: str
    n_agents: int
    input_kind: str
    input_dim: int
    input_key: Tuple[str, ...]
    n_actions: Optional[int] = None
    config: Dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    group: str = ""
    reward_key: Optional[Tuple[str, ...]] = None
    time_limit: Optional[str] = None
    facts: Dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def per_agent_rewards(self) -> Optional[bool]:
        """``True`` if every agent gets its own reward entry, ``None`` when unknown."""
        if self.reward_key is None:
            return None
        return len(self.reward_key) > 1


EnvSpecReader = Callable[[str, Dict[str, Any]], EnvSpec]
StateSampler = Callable[[str, int, int, Dict[str, Any]], torch.Tensor]
#: ``reader(env, task_class) -> {name: number}``, called with the live env.
FactReader = Callable[[Any, Any], Dict[str, Any]]
#: ``policy(td, spec, generator) -> LongTensor [*env_batch, n_agents]`` (or ``None``: not
#: applicable here, random actions instead).
RolloutPolicy = Callable[[Any, EnvSpec, torch.Generator], Optional[torch.Tensor]]
#: ``classifier(states, spec) -> {regime: BoolTensor [B] or [B, n_agents]}``.
RegimeClassifier = Callable[[torch.Tensor, EnvSpec], Dict[str, torch.Tensor]]

_SPEC_READERS: Dict[str, EnvSpecReader] = {}
_STATE_SAMPLERS: Dict[str, StateSampler] = {}
_FACT_READERS: Dict[str, FactReader] = {}
_POLICIES: Dict[str, Dict[str, RolloutPolicy]] = {}
_CLASSIFIERS: Dict[str, RegimeClassifier] = {}
_SPEC_CACHE: Dict[Tuple[str, str], EnvSpec] = {}
_POOL_CACHE: Dict[Tuple[str, int, str], List[torch.Tensor]] = {}


def register_env_spec_reader(task: str, reader: EnvSpecReader) -> None:
    """Use ``reader(task, overrides) -> EnvSpec`` instead of BenchMARL for ``task``."""
    _SPEC_READERS[task.lower()] = reader
    _forget_specs(task)


def register_state_sampler(task: str, sampler: StateSampler) -> None:
    """Use ``sampler(task, n, seed, overrides) -> Tensor`` instead of BenchMARL for ``task``."""
    _STATE_SAMPLERS[task.lower()] = sampler


def register_fact_reader(task: str, reader: FactReader) -> None:
    """Read ``reader(env, task_class) -> dict`` from the live env into :attr:`EnvSpec.facts`."""
    _FACT_READERS[task.lower()] = reader
    _forget_specs(task)


def register_rollout_policies(task: str, policies: Mapping[str, RolloutPolicy]) -> None:
    """Scripted behaviours whose states are sampled next to ``random`` and ``sticky``."""
    clash = set(policies) & set(BUILTIN_POLICIES)
    if clash:
        raise ValueError(f"policy names {sorted(clash)} are built in")
    _POLICIES[task.lower()] = dict(policies)
    for key in [k for k in _POOL_CACHE if k[0] == task.lower()]:
        del _POOL_CACHE[key]


def register_regime_classifier(task: str, classifier: RegimeClassifier) -> None:
    """Name the situations (regimes) in states of ``task``: see :func:`regime_masks`."""
    _CLASSIFIERS[task.lower()] = classifier


def rollout_policies(task: str) -> List[str]:
    """The behaviours sampled for ``task``: ``random``, ``sticky`` and the scripted ones."""
    return list(BUILTIN_POLICIES) + sorted(_POLICIES.get(task.lower(), {}))


def _forget_specs(task: str) -> None:
    for key in [k for k in _SPEC_CACHE if k[0] == task.lower()]:
        del _SPEC_CACHE[key]
    for key in [k for k in _POOL_CACHE if k[0] == task.lower()]:
        del _POOL_CACHE[key]


# BenchMARL ------------------------------------------------------------------------------------
def split_target(target: str) -> Tuple[str, Optional[str]]:
    """``("env/task", group)`` of a credit target: ``"env/task"`` (a task with one agent group;
    group ``None``) or ``"env/task/group"`` (one agent group of a multi-group task)."""
    parts = target.split("/")
    if len(parts) == 3 and all(parts):
        return f"{parts[0]}/{parts[1]}", parts[2]
    return target, None


def credit_target(task: str, group: str, n_groups: int) -> str:
    """The credit target of ``group`` in ``task``: the task itself when it has one group, else
    ``"env/task/group"`` (every group of a multi-group task gets its own credit function)."""
    return task if n_groups == 1 else f"{task}/{group}"


def benchmarl_task_class(task: str, overrides: Optional[Mapping[str, Any]] = None):
    """The BenchMARL ``TaskClass`` for ``"env/task"`` (or a credit target ``"env/task/group"``)
    with its default yaml config + overrides."""
    from benchmarl.environments import task_config_registry

    key = split_target(task)[0].lower()
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


def select_group(target: str, task_class, env) -> str:
    """The agent group a credit target names (the only group of a single-group task)."""
    task, group = split_target(target)
    groups = list(task_class.group_map(env))
    if group is None and len(groups) == 1:
        return groups[0]
    if group is None:
        raise ValueError(
            f"task {task} has {len(groups)} agent groups {groups}; QLLM gives each group its own "
            f"credit function: name the group, e.g. `qllm generate {task}/{groups[0]}`"
        )
    if group not in groups:
        raise ValueError(f"task {task} has no agent group '{group}'; its groups are {groups}")
    return group


def _keys(env, *names) -> List[Tuple[str, ...]]:
    for name in names:
        spec = getattr(env, name, None)
        if spec is not None and hasattr(spec, "keys"):
            try:
                return [k if isinstance(k, tuple) else (k,) for k in spec.keys(True, True)]
            except TypeError:  # a spec that is not a Composite
                continue
    return []


def _reward_key(env, group: str) -> Optional[Tuple[str, ...]]:
    keys = _keys(env, "full_reward_spec", "reward_spec")
    if (group, "reward") in keys:
        return (group, "reward")
    if ("reward",) in keys:
        return ("reward",)
    return keys[0] if keys else None


def _time_limit(env) -> Optional[str]:
    keys = {k[-1] for k in _keys(env, "full_done_spec", "done_spec")}
    if not keys:
        return None
    return "truncated" if "truncated" in keys else "terminated"


def spec_from_env(task: str, task_class, env) -> EnvSpec:
    """Read n_agents, the credit input (state or stacked observations), the action count,
    where rewards are written and the family's facts (:func:`register_fact_reader`)."""
    group = select_group(task, task_class, env)
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
    reader = _FACT_READERS.get(task.lower())
    facts = dict(reader(env, task_class)) if reader is not None else {}
    return EnvSpec(
        task=task.lower(),
        n_agents=n_agents,
        input_kind=input_kind,
        input_dim=int(shape[-1]),
        input_key=input_key,
        n_actions=int(n_actions) if n_actions is not None else None,
        config=copy.deepcopy(dict(task_class.config)),
        group=group,
        reward_key=_reward_key(env, group),
        time_limit=_time_limit(env),
        facts=facts,
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


class MixedPolicy:
    """The rollout policy of :func:`benchmarl_sample_states`.

    On a vectorized env (batch ``[E]``) env copy ``e`` follows behaviour ``e % len(names)``
    for the whole rollout; on an unbatched env one behaviour drives each rollout
    (:attr:`names` is then a single name). Scripted behaviours that return ``None`` (not
    applicable to this state) fall back to random actions.
    """

    def __init__(self, spec: EnvSpec, names: Sequence[str], batch_shape: torch.Size,
                 generator: torch.Generator):
        self.spec = spec
        self.names = list(names)
        self.batch_shape = torch.Size(batch_shape)
        self.generator = generator
        self.scripted = _POLICIES.get(spec.task, {})
        shape = self.batch_shape + (spec.n_agents,)
        self.held = torch.zeros(shape, dtype=torch.long)
        self.left = torch.zeros(shape, dtype=torch.long)
        if self.batch_shape.numel() and len(self.batch_shape) == 1:
            index = torch.arange(self.batch_shape[0]) % len(self.names)
            self.assignment = {name: index == i for i, name in enumerate(self.names)}
        else:
            self.assignment = {self.names[0]: torch.ones(self.batch_shape, dtype=torch.bool)}

    def _random(self) -> torch.Tensor:
        shape = self.batch_shape + (self.spec.n_agents,)
        return torch.randint(self.spec.n_actions, shape, generator=self.generator)

    def _sticky(self) -> torch.Tensor:
        renew = self.left <= 0
        fresh = self._random()
        durations = torch.randint(STICKY_MIN, STICKY_MAX + 1, self.left.shape, generator=self.generator)
        self.held = torch.where(renew, fresh, self.held)
        self.left = torch.where(renew, durations, self.left) - 1
        return self.held

    def actions(self, td) -> torch.Tensor:
        out = self._random()
        for name, mask in self.assignment.items():
            if not bool(mask.any()):
                continue
            if name == "random":
                continue
            if name == "sticky":
                chosen = self._sticky()
            else:
                chosen = self.scripted[name](td, self.spec, self.generator)
                if chosen is None:
                    continue
                chosen = chosen.to(torch.long).reshape(out.shape)
            out = torch.where(mask.reshape(mask.shape + (1,)), chosen, out)
        return out

    def __call__(self, td):
        td.set((self.spec.group, "action"), self.actions(td))
        return td


class _OtherGroupsRandom:
    """Multi-group tasks: the credited group follows ``policy``; every other group acts
    uniformly at random (drawn from ``generator``, so sampling stays deterministic)."""

    def __init__(self, env, task_class, policy: MixedPolicy, generator: torch.Generator):
        self.policy = policy
        self.generator = generator
        specs = task_class.action_spec(env)
        self.others = {
            group: (len(agents), int(specs[group, "action"].space.n))
            for group, agents in task_class.group_map(env).items() if group != policy.spec.group
        }

    def __call__(self, td):
        td = self.policy(td)
        for group, (n_agents, n_actions) in self.others.items():
            shape = self.policy.batch_shape + (n_agents,)
            td.set((group, "action"), torch.randint(n_actions, shape, generator=self.generator))
        return td


def _group_policy(env, task_class, policy: MixedPolicy, generator: torch.Generator):
    """``policy`` itself for single-group tasks, else it plus random actions for other groups."""
    if len(task_class.group_map(env)) == 1:
        return policy
    return _OtherGroupsRandom(env, task_class, policy, generator)


def _rollout(env, steps: int, key, policy) -> torch.Tensor:
    """``[*batch, steps, ...]`` values of ``key`` along a rollout of ``policy``."""
    from torchrl.envs.libs.vmas import VmasEnv
    from torchrl.envs.utils import step_mdp

    if not isinstance(env, VmasEnv):
        return env.rollout(steps, policy=policy, break_when_any_done=False).get(key)
    # A VMAS env is already reset when it is built, and resetting the sampling scenario costs
    # about a second (it scans the whole density grid): take the first step from there, with
    # random actions (nothing has been observed yet), then follow the policy.
    first = env.step(env.rand_action())
    rest = env.rollout(
        steps - 1, policy=policy, break_when_any_done=False, auto_reset=False,
        tensordict=step_mdp(first),
    )
    return torch.cat([first.get(("next",) + tuple(key)).unsqueeze(len(env.batch_size)),
                      rest.get(key)], dim=len(env.batch_size))


def benchmarl_sample_states(task: str, n: int, seed: int, overrides: Dict[str, Any]) -> torch.Tensor:
    """Default :data:`StateSampler`: rollouts of the BenchMARL env under a mix of behaviours
    (:func:`rollout_policies`: random, sticky and the family's scripted ones), in equal
    shares, shuffled. Rollouts last a whole episode (at most :data:`ROLLOUT_STEPS` steps) so
    that late-episode situations (goals reached, agents met) are represented; the rollout
    pool of a (task, seed, overrides) is kept, so other ``n`` draw from the same episodes."""
    pools = _rollout_pool(task, n, seed, overrides)
    generator = torch.Generator().manual_seed(seed * 1_000_003 + n)
    share = math.ceil(n / len(pools))
    picked = []
    for pool in pools:
        order = torch.randperm(pool.shape[0], generator=generator)[:share]
        picked.append(pool[order])
    states = torch.cat(picked)
    index = torch.randperm(states.shape[0], generator=generator)[:n]
    return states[index].contiguous()


def _rollout_pool(task: str, n: int, seed: int, overrides: Dict[str, Any]) -> List[torch.Tensor]:
    """One state pool per behaviour (each ``[N, ...]`` with ``N >= n / behaviours``)."""
    key = (task.lower(), seed, json.dumps(dict(overrides), sort_keys=True, default=repr))
    pools = _POOL_CACHE.get(key)
    if pools is not None and all(p.shape[0] * len(pools) >= n for p in pools):
        return pools
    names = rollout_policies(task)
    generator = torch.Generator().manual_seed(seed)
    with _preserved_rng():
        torch.manual_seed(seed)
        task_class, env = make_benchmarl_env(task, overrides, num_envs=MAX_SAMPLING_ENVS, seed=seed)
        try:
            spec = spec_from_env(task, task_class, env)
            _SPEC_CACHE.setdefault(_cache_key(task, overrides), spec)
            try:
                limit = int(task_class.max_steps(env))
            except Exception:  # noqa: BLE001 - a task class without a step limit
                limit = ROLLOUT_STEPS
            length = max(min(limit, ROLLOUT_STEPS), MIN_ROLLOUT_STEPS, 2)
            batch = env.batch_size
            vectorized = len(batch) == 1 and batch.numel() > 1
            pools = []
            with torch.no_grad():
                if vectorized:
                    # Env copy e follows behaviour e % len(names) for the whole rollout.
                    steps = max(length, math.ceil(n / batch.numel()))
                    policy = _group_policy(env, task_class, MixedPolicy(spec, names, batch, generator),
                                           generator)
                    values = _rollout(env, steps, spec.input_key, policy)  # [E, T, ...]
                    index = torch.arange(batch[0]) % len(names)
                    for i in range(len(names)):
                        pools.append(_flat(values[index == i], spec))
                else:
                    # Non-vectorized envs (PettingZoo, LBF...) ignore num_envs: one rollout
                    # per behaviour, each long enough for its share.
                    share = math.ceil(n / len(names))
                    steps = max(min(EPISODES_PER_BEHAVIOUR * length, MAX_UNBATCHED_STEPS),
                                math.ceil(share / max(1, batch.numel())))
                    for name in names:
                        policy = _group_policy(env, task_class,
                                               MixedPolicy(spec, [name], batch, generator), generator)
                        pools.append(_flat(_rollout(env, steps, spec.input_key, policy), spec))
        finally:
            env.close()
    if len(_POOL_CACHE) >= MAX_CACHED_POOLS:
        _POOL_CACHE.pop(next(iter(_POOL_CACHE)))
    _POOL_CACHE[key] = pools
    return pools


def _flat(values: torch.Tensor, spec: EnvSpec) -> torch.Tensor:
    tail = (spec.n_agents, spec.input_dim) if spec.input_kind == OBSERVATION_KEY else (
        spec.input_dim,
    )
    return values.reshape(-1, *tail).to(torch.float32)


def sample_states(task: str, n: int = 256, seed: int = 0, **task_overrides) -> torch.Tensor:
    """``n`` real states of ``task`` from rollouts of the live environment.

    The rollouts mix random, sticky-random and the family's scripted behaviours (see the
    module docstring), so near-goal, near-teammate, near-food... states are represented.
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


# Regimes ----------------------------------------------------------------------------------------
def has_regime_classifier(task: str) -> bool:
    return task.lower() in _CLASSIFIERS


def regime_masks(task: str, states: torch.Tensor,
                 overrides: Optional[Mapping[str, Any]] = None) -> Dict[str, torch.Tensor]:
    """``{regime: BoolTensor}`` for ``states`` of ``task``: ``[B]`` (a property of the state)
    or ``[B, n_agents]`` (of each agent in it); ``{}`` without a registered classifier."""
    classifier = _CLASSIFIERS.get(task.lower())
    if classifier is None:
        return {}
    spec = live_env_spec(task, overrides)
    masks = classifier(states, spec)
    out = {}
    for name, mask in masks.items():
        mask = torch.as_tensor(mask, dtype=torch.bool)
        if mask.shape not in ((states.shape[0],), (states.shape[0], spec.n_agents)):
            raise ValueError(f"{task}: regime '{name}' has mask shape {tuple(mask.shape)}, "
                             f"expected [{states.shape[0]}] or [{states.shape[0]}, {spec.n_agents}]")
        out[name] = mask
    return out


def regime_coverage(task: str, states: torch.Tensor,
                    overrides: Optional[Mapping[str, Any]] = None) -> Dict[str, float]:
    """Fraction of ``states`` in each regime (per-agent regimes: states where any agent is)."""
    out = {}
    for name, mask in regime_masks(task, states, overrides).items():
        per_state = mask if mask.ndim == 1 else mask.any(-1)
        out[name] = round(float(per_state.float().mean()), 4)
    return out
