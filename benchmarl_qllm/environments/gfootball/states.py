"""Specs and states of ``gfootball/*`` for descriptions and the validator, with or without gfootball.

With gfootball installed both come from the live environment (as BenchMARL builds it), like
every other task. Without it (it builds from source, so most machines lack it) the spec follows
from the task config (``state_dim = 104 + 11 * n_agents``, see
:mod:`benchmarl_qllm.environments.gfootball.layout`) and the states are SYNTHETIC: random but
well-formed values of the exact layout (plausible positions, one-hots that are one-hot). A
warning says so once per task; install gfootball to validate on real game states.
"""

from __future__ import annotations

import logging
from typing import Any, Dict

import torch

from benchmarl_qllm.environments.gfootball.env import gfootball_available
from benchmarl_qllm.environments.gfootball.layout import gfootball_state_dim, MAX_PLAYERS, N_ACTIONS
from benchmarl_qllm.environments.sampling import (
    benchmarl_env_spec,
    benchmarl_sample_states,
    EnvSpec,
    live_env_spec,
    task_config,
)

logger = logging.getLogger(__name__)
SPEC_SOURCE_KEY = "spec_source"
_WARNED = set()


def gfootball_env_spec(task: str, overrides: Dict[str, Any]) -> EnvSpec:
    """Spec reader: the live env when gfootball is installed, else the config formula."""
    if gfootball_available():
        spec = benchmarl_env_spec(task, overrides)
        if spec.input_dim != gfootball_state_dim(spec.n_agents):
            raise RuntimeError(f"{task}: live state has {spec.input_dim} features, the documented "
                               f"layout {gfootball_state_dim(spec.n_agents)}")
        return spec
    config = task_config(task, overrides)
    n_agents = int(config["n_agents"])
    config[SPEC_SOURCE_KEY] = "formula (gfootball not installed)"
    return EnvSpec(task=task, n_agents=n_agents, input_kind="state",
                   input_dim=gfootball_state_dim(n_agents), input_key=("state",),
                   n_actions=N_ACTIONS, config=config)


def synthetic_gfootball_states(n_agents: int, n: int, seed: int) -> torch.Tensor:
    """``[n, 104 + 11 n_agents]`` well-formed states of the documented layout (not game states)."""
    g = torch.Generator().manual_seed(seed)

    def uniform(*shape, low=-1.0, high=1.0):
        return low + (high - low) * torch.rand(*shape, generator=g)

    def team(n_present: int) -> torch.Tensor:
        pos = torch.stack([uniform(n, MAX_PLAYERS), uniform(n, MAX_PLAYERS, low=-0.42, high=0.42)], -1)
        pos[:, n_present:] = -1.0
        direction = 0.01 * torch.randn(n, MAX_PLAYERS, 2, generator=g)
        direction[:, n_present:] = -1.0
        return torch.cat([pos.reshape(n, -1), direction.reshape(n, -1)], -1)

    def one_hot(index: torch.Tensor, size: int) -> torch.Tensor:
        return torch.nn.functional.one_hot(index, size).float()

    left = team(n_agents + 1)                      # goalkeeper + controlled players
    right = team(2)                                # goalkeeper + a defender
    ball = torch.stack([uniform(n), uniform(n, low=-0.42, high=0.42), uniform(n, low=0, high=0.5)], -1)
    ball_dir = 0.02 * torch.randn(n, 3, generator=g)
    owner = one_hot(torch.randint(0, 3, (n,), generator=g), 3)
    mode = one_hot(torch.where(torch.rand(n, generator=g) < 0.9, 0,
                               torch.randint(1, 7, (n,), generator=g)), 7)
    players = torch.stack([torch.randperm(n_agents, generator=g) + 1 for _ in range(n)])
    controlled = one_hot(players, MAX_PLAYERS).reshape(n, -1)
    return torch.cat([left, right, ball, ball_dir, owner, mode, controlled], -1)


def gfootball_sample_states(task: str, n: int, seed: int, overrides: Dict[str, Any]) -> torch.Tensor:
    """State sampler: a random-action rollout of the live env, else synthetic states (warned)."""
    if gfootball_available():
        return benchmarl_sample_states(task, n, seed, overrides)
    if task not in _WARNED:
        _WARNED.add(task)
        logger.warning("%s: gfootball is not installed; returning SYNTHETIC states of the exact "
                       "state layout (not game states). Run scripts/install_gfootball.sh to "
                       "validate on real states.", task)
    spec = live_env_spec(task, overrides)
    return synthetic_gfootball_states(spec.n_agents, n, seed)
