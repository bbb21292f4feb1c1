"""Task descriptions of BenchMARL's PettingZoo MPE tasks (read from ``pettingzoo/mpe``).

BenchMARL runs them with ``return_state=True``: the global state is the concatenation of every
agent's own observation (``SimpleEnv.state()``), so agent ``i``'s block is
``state[:, i * obs_dim:(i + 1) * obs_dim]``. Requires ``pettingzoo[mpe]<1.25`` (MPE moved out of
PettingZoo in 1.25).
"""

from __future__ import annotations

from benchmarl_qllm.credit.function import STATE_KEY
from benchmarl_qllm.environments.description import (
    TaskDescription,
    build_layout,
    register_description,
)
from benchmarl_qllm.environments.sampling import EnvSpec

MPE_ACTIONS = [
    "no-op",
    "move left: force (-5, 0)",
    "move right: force (+5, 0)",
    "move down: force (0, -5)",
    "move up: force (0, +5)",
]


def simple_spread(spec: EnvSpec) -> TaskDescription:
    n = spec.n_agents
    obs_fields = [
        ("vel", 2, "agent velocity (vx, vy)"),
        ("pos", 2, "agent position (x, y); the arena is roughly [-1, 1]^2"),
    ]
    obs_fields += [
        (f"landmark_{j}_rel", 2, f"landmark {j} position - agent position (x, y)") for j in range(n)
    ]
    obs_fields += [
        (f"other_{k}_rel", 2, f"position of the {k}-th other agent (agent order, self skipped) - agent position")
        for k in range(n - 1)
    ]
    obs_fields += [
        (f"other_{k}_comm", 2, f"communication of the {k}-th other agent (always 0: agents are silent)")
        for k in range(n - 1)
    ]
    obs_dim = sum(width for _, width, _ in obs_fields)
    fields = []
    for i in range(n):
        fields += [(f"agent{i}_{name}", width, f"agent {i}: {text}") for name, width, text in obs_fields]
    local_ratio = spec.config.get("local_ratio", 0.5)
    return TaskDescription(
        task=spec.task,
        summary=(
            f"{n} agents and {n} landmarks in a 2-D world. The agents must spread out so that "
            "every landmark is covered by some agent, without colliding with each other. "
            f"Episodes last {spec.config.get('max_cycles', 25)} steps (no early termination)."
        ),
        reward=(
            f"Per agent: {1 - local_ratio:g} * global + {local_ratio:g} * local. Global (shared): "
            "minus the sum over landmarks of the distance from the landmark to its nearest agent. "
            "Local: -1 for every other agent the agent collides with. BenchMARL's QMIX/QLLM team "
            "reward is the mean over agents."
        ),
        actions=MPE_ACTIONS,
        n_agents=n,
        input_kind=STATE_KEY,
        input_dim=spec.input_dim,
        layout=build_layout(fields),
        notes=(
            f"The state is the {n} agent observations concatenated; each block has {obs_dim} "
            f"features, agent i's block starts at i * {obs_dim}. Reshape with "
            f"`state.reshape(B, {n}, {obs_dim})` to get one row per agent."
        ),
    )


PETTINGZOO_BUILDERS = {"pettingzoo/simple_spread": simple_spread}


def register_descriptions() -> None:
    """Register the description of every PettingZoo task above (idempotent: overwrites)."""
    for task, builder in PETTINGZOO_BUILDERS.items():
        register_description(task, builder, overwrite=True)
