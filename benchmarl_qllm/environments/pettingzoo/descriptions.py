"""Task descriptions of BenchMARL's PettingZoo MPE tasks (read from ``pettingzoo/mpe``).

BenchMARL runs them with ``return_state=True``: the global state is the concatenation of every
agent's own observation (``SimpleEnv.state()``), so agent ``i``'s block is
``state[:, i * obs_dim:(i + 1) * obs_dim]``. Requires ``pettingzoo[mpe]<1.25`` (MPE moved out of
PettingZoo in 1.25).

Every number the text states (agent size, force, damping, time step, episode length, reward
mix) is read from the live PettingZoo ``World``/env by :func:`mpe_facts`; the action force
scale ("sensitivity" 5, used when an agent has no ``accel``) comes from
``SimpleEnv._set_action``.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import torch

from benchmarl_qllm.credit.function import STATE_KEY
from benchmarl_qllm.environments.automatic import register_action_namer
from benchmarl_qllm.environments.description import (
    Fact,
    TaskDescription,
    build_layout,
    num,
    register_description,
)
from benchmarl_qllm.environments.sampling import (
    EnvSpec,
    register_fact_reader,
    register_regime_classifier,
    register_rollout_policies,
)

# SimpleEnv._set_action: discrete action k sets u = +-1 on one axis, times this sensitivity
# unless the agent defines ``accel``.
MPE_SENSITIVITY = 5.0


def mpe_actions(force: float):
    f = num(force)
    return [
        "no-op",
        f"move left: force (-{f}, 0)",
        f"move right: force (+{f}, 0)",
        f"move down: force (0, -{f})",
        f"move up: force (0, +{f})",
    ]


MPE_ACTIONS = mpe_actions(MPE_SENSITIVITY)


def mpe_facts(env, task_class=None) -> Dict[str, Any]:
    """Numbers of the live PettingZoo MPE env inside BenchMARL's ``PettingZooEnv``."""
    raw = env._env.unwrapped
    world = raw.world
    agent = world.agents[0]
    force = float(agent.accel) if agent.accel is not None else MPE_SENSITIVITY
    return {
        "max_cycles": int(raw.max_cycles),
        "local_ratio": None if raw.local_ratio is None else float(raw.local_ratio),
        "agent_size": float(agent.size),
        "agent_mass": float(agent.mass),
        "action_force": force,
        "dt": float(world.dt),
        "damping": float(world.damping),
        "max_speed": None if agent.max_speed is None else float(agent.max_speed),
        "n_landmarks": len(world.landmarks),
        "terminal_speed": force / float(agent.mass) * float(world.dt) / float(world.damping),
    }


def _obs_fields(n: int):
    fields = [
        ("vel", 2, "agent velocity (vx, vy), world units per second"),
        ("pos", 2, "agent position (x, y), world units; starts uniform in [-1, 1]^2, unbounded"),
    ]
    fields += [
        (f"landmark_{j}_rel", 2, f"landmark {j} position - agent position (x, y)") for j in range(n)
    ]
    fields += [
        (f"other_{k}_rel", 2, f"position of the {k}-th other agent (agent order, self skipped) - agent position")
        for k in range(n - 1)
    ]
    fields += [
        (f"other_{k}_comm", 2, f"communication of the {k}-th other agent (always 0: agents are silent)")
        for k in range(n - 1)
    ]
    return fields


def simple_spread(spec: EnvSpec) -> TaskDescription:
    n = spec.n_agents
    f = spec.facts or _facts_from_config(spec)
    obs_fields = _obs_fields(n)
    obs_dim = sum(width for _, width, _ in obs_fields)
    fields = []
    for i in range(n):
        fields += [(f"agent{i}_{name}", width, f"agent {i}: {text}") for name, width, text in obs_fields]
    lr = f["local_ratio"]
    size = f["agent_size"]
    v = f["terminal_speed"]
    return TaskDescription(
        task=spec.task,
        summary=(
            f"{n} agents (discs of radius {num(size)}) and {f['n_landmarks']} landmarks start "
            "uniformly at random in [-1, 1] x [-1, 1] of an unbounded 2-D world. The agents must "
            "spread out so that every landmark has an agent on it, without colliding with each "
            f"other (two agents collide when their centres are closer than {num(2 * size)}). "
            f"Episodes last {f['max_cycles']} steps with no early termination; the last step is "
            "a truncation (the training target still bootstraps there)."
        ),
        reward=(
            f"Per agent: r_i = {num(1 - lr)} * global + {num(lr)} * local_i. Global (the same "
            "for every agent): minus the sum over landmarks of the distance from the landmark "
            "to its nearest agent. local_i: -1 for every other agent that agent i collides "
            "with this step."
        ),
        team_reward=(
            f"The environment gives each agent its own reward r_i. QMIX, VDN and QLLM in "
            f"BenchMARL train on one team reward, the mean over the {n} agents: "
            f"r_team = (r_0 + ... + r_{n - 1}) / {n} (BenchMARL's `process_batch`: "
            f"reward.mean over the agent dimension) = {num(1 - lr)} * global + {num(lr)} * "
            "(mean over agents of local_i). It is never positive; 0 means every landmark is "
            "covered exactly and nobody collides."
        ),
        facts=[
            Fact("max_cycles", f["max_cycles"], "episode length, steps (time limit = truncation)"),
            Fact("local_ratio", lr, "weight of the local (collision) reward in r_i"),
            Fact("agent_size", size, "agent radius, world units"),
            Fact("action_force", f["action_force"], "force of a move action (agent mass "
                 f"{num(f['agent_mass'])})"),
            Fact("dt", f["dt"], "seconds of simulated time per step"),
            Fact("damping", f["damping"], "fraction of velocity lost per step"),
            Fact("terminal_speed", v, "speed (world units/s) an agent settles at under a constant "
                 f"move action (action_force / mass * dt / damping); {num(v * f['dt'])} world "
                 "units per step"),
        ],
        actions=mpe_actions(f["action_force"]),
        n_agents=n,
        input_kind=STATE_KEY,
        input_dim=spec.input_dim,
        layout=build_layout(fields),
        notes=(
            f"The state is the {n} agent observations concatenated; each block has {obs_dim} "
            f"features, agent i's block starts at i * {obs_dim}. Reshape with "
            f"`state.reshape(B, {n}, {obs_dim})` to get one row per agent. Landmarks are not "
            "assigned to agents: any agent may cover any landmark."
        ),
    )


def _facts_from_config(spec: EnvSpec) -> Dict[str, Any]:
    """PettingZoo's simple_spread defaults, where no live env was read (hand-made specs)."""
    return {"max_cycles": int(spec.config.get("max_cycles", 25)),
            "local_ratio": float(spec.config.get("local_ratio", 0.5)),
            "agent_size": 0.15, "agent_mass": 1.0, "action_force": MPE_SENSITIVITY, "dt": 0.1,
            "damping": 0.25, "max_speed": None, "n_landmarks": spec.n_agents,
            "terminal_speed": MPE_SENSITIVITY * 0.1 / 0.25}


# rollout behaviours and regimes -------------------------------------------------------------------
def _blocks(state: torch.Tensor, n: int) -> torch.Tensor:
    return state.reshape(*state.shape[:-1], n, state.shape[-1] // n)


def _mpe_action(vec: torch.Tensor, deadzone: float = 0.05) -> torch.Tensor:
    """MPE action moving along the dominant axis of ``vec [..., 2]`` (0 inside the deadzone)."""
    horizontal = vec[..., 0].abs() >= vec[..., 1].abs()
    x = torch.where(vec[..., 0] < 0, 1, 2)
    y = torch.where(vec[..., 1] < 0, 3, 4)
    action = torch.where(horizontal, x, y)
    return torch.where(vec.norm(dim=-1) < deadzone, torch.zeros_like(action), action)


def _landmark_targets(state: torch.Tensor, n: int, own: bool) -> torch.Tensor:
    blocks = _blocks(state, n)
    rel = blocks[..., 4: 4 + 2 * n].reshape(*blocks.shape[:-1], n, 2)  # [..., agent, landmark, 2]
    if own:  # agent i -> landmark i: spreads out and covers
        index = torch.arange(n)
        return rel[..., index, index, :]
    return rel[..., 0, :]  # everyone -> landmark 0: crowding and collisions


def _policy(own: bool):
    def policy(td, spec: EnvSpec, generator: torch.Generator):
        state = td.get("state")
        velocity = _blocks(state, spec.n_agents)[..., 0:2]
        # Aim ahead of the target by the velocity, so agents brake instead of overshooting.
        return _mpe_action(_landmark_targets(state, spec.n_agents, own) - 0.4 * velocity)

    return policy


def mpe_regimes(states: torch.Tensor, spec: EnvSpec) -> Dict[str, torch.Tensor]:
    n = spec.n_agents
    size = (spec.facts or _facts_from_config(spec))["agent_size"]
    blocks = _blocks(states, n)
    rel = blocks[..., 4: 4 + 2 * n].reshape(*blocks.shape[:-1], n, 2)
    to_landmark = rel.norm(dim=-1)                      # [B, agent, landmark]
    others = blocks[..., 4 + 2 * n: 4 + 2 * n + 2 * (n - 1)].reshape(*blocks.shape[:-1], n - 1, 2)
    near_other = others.norm(dim=-1).amin(-1) if n > 1 else torch.full(blocks.shape[:-1], 1e9)
    return {
        "agent within 0.1 of a landmark": to_landmark.amin(-1) < 0.1,
        "agent colliding with another": near_other < 2 * size,
        "every landmark within 0.1 of some agent": (to_landmark.amin(-2) < 0.1).all(-1),
    }


PETTINGZOO_BUILDERS = {"pettingzoo/simple_spread": simple_spread}


def automatic_mpe_actions(env, spec: EnvSpec) -> Optional[List[str]]:
    """Action names for automatic descriptions of MPE tasks (5 discrete moves)."""
    if spec.n_actions != 5:
        return None
    return mpe_actions(MPE_SENSITIVITY)


def register_descriptions() -> None:
    """Register the description, facts, rollout behaviours and regimes of every PettingZoo
    task above (idempotent: overwrites), and the action names of automatic descriptions of
    the other MPE tasks."""
    register_action_namer("pettingzoo", automatic_mpe_actions)
    for task, builder in PETTINGZOO_BUILDERS.items():
        register_fact_reader(task, mpe_facts)
        register_description(task, builder, overwrite=True)
        register_rollout_policies(task, {"cover_own_landmark": _policy(True),
                                         "crowd_one_landmark": _policy(False)})
        register_regime_classifier(task, mpe_regimes)
