"""Task descriptions of the VMAS scenarios (written by reading ``vmas/scenarios/<name>.py``).

Layouts follow each scenario's ``observation()`` and depend on the task config where the
scenario does (lidar on/off, number of rays, goals observed, packages...); the sizes are
checked against the live environment by
:func:`~benchmarl_qllm.environments.description.get_description`.

Discrete actions (VMAS 1.5, ``continuous_actions=False``, the BenchMARL default): each agent
has ``discrete_action_nvec = [3, 3]`` (x, y), flattened into 9 actions. Index ``k`` means
``x = k // 3``, ``y = k % 3`` with component value 0 -> 0, 1 -> ``-u``, 2 -> ``+u``, where ``u``
is ``u_range * u_multiplier`` of the agent (see ``Environment._set_action``).
"""

from __future__ import annotations

from typing import Any, List

from benchmarl_qllm.credit.function import OBSERVATION_KEY
from benchmarl_qllm.environments.description import (
    TaskDescription,
    build_layout,
    register_description,
)
from benchmarl_qllm.environments.sampling import EnvSpec

# (label, x sign, y sign) for flat action index k = 3 * ix + iy; 0 -> 0, 1 -> -, 2 -> +.
_SIGN = (0, -1, 1)
_DIRECTION = {
    (0, 0): "no-op",
    (0, -1): "down (-y)",
    (0, 1): "up (+y)",
    (-1, 0): "left (-x)",
    (-1, -1): "down-left (-x, -y)",
    (-1, 1): "up-left (-x, +y)",
    (1, 0): "right (+x)",
    (1, -1): "down-right (+x, -y)",
    (1, 1): "up-right (+x, +y)",
}


def _fmt(value: float) -> str:
    return f"{value:+.3g}" if value else "0"


def vmas_discrete_actions(u: float, what: str = "force", diagonal_u: float = None) -> List[str]:
    """The 9 VMAS discrete actions of a holonomic agent with per-axis magnitude ``u``."""
    diagonal_u = u if diagonal_u is None else diagonal_u
    actions = []
    for k in range(9):
        sx, sy = _SIGN[k // 3], _SIGN[k % 3]
        mag = diagonal_u if sx and sy else u
        actions.append(f"{_DIRECTION[(sx, sy)]}: {what} ({_fmt(sx * mag)}, {_fmt(sy * mag)})")
    return actions


def _vmas(spec: EnvSpec, **kwargs) -> TaskDescription:
    return TaskDescription(
        task=spec.task,
        n_agents=spec.n_agents,
        input_kind=OBSERVATION_KEY,
        input_dim=spec.input_dim,
        **kwargs,
    )


def _cfg(spec: EnvSpec, key: str, default: Any) -> Any:
    return spec.config.get(key, default)


_POS = ("agent_pos", 2, "agent position (x, y) in world units")
_VEL = ("agent_vel", 2, "agent velocity (vx, vy), world units per second")


# balance ----------------------------------------------------------------------------------------
def balance(spec: EnvSpec) -> TaskDescription:
    c = spec.config
    n = spec.n_agents
    layout = build_layout([
        _POS,
        _VEL,
        ("agent_minus_package", 2, "agent position - package position (x, y)"),
        ("agent_minus_line", 2, "agent position - line centre position (x, y)"),
        ("package_minus_goal", 2, "package position - goal position (x, y); 0 at the goal"),
        ("package_vel", 2, "package velocity (vx, vy)"),
        ("line_vel", 2, "line centre velocity (vx, vy)"),
        ("line_ang_vel", 1, "line angular velocity, rad/s (signed)"),
        ("line_rot", 1, "line rotation angle mod pi, rad in [0, pi); 0 = horizontal"),
    ])
    random_pos = _cfg(spec, "random_package_pos_on_line", True)
    return _vmas(
        spec,
        summary=(
            f"{n} agents (spheres of radius 0.03) start evenly spaced just under a rigid line "
            "(length 0.8, mass 5) that lies on the floor at the bottom of the arena (y = -1). "
            f"A package (mass {c.get('package_mass', 5)}, radius 0.05) rests on top of the line"
            + (" at a random point along it" if random_pos else " at its centre")
            + ". Gravity pulls everything down (-0.05 in y). A goal is placed at random with x "
            "in [-1, 1], y in [0, 1]. The agents must lift and carry the line so that the "
            "package reaches the goal without the line or the package touching the floor. The "
            "episode ends when the package reaches the goal, when the line or package touches the "
            f"floor, or after {c.get('max_steps', 'max_steps')} steps."
        ),
        reward=(
            "Shared by all agents (every agent gets the same value each step): "
            "100 * (previous package-goal distance - current package-goal distance), "
            "plus -10 on the step where the line or the package touches the floor."
        ),
        actions=vmas_discrete_actions(0.7),
        layout=layout,
        notes=(
            "Forces are in simulator units (agent mass 1, dt 0.1 s). Every agent observes the "
            "same package, line and goal quantities; only the agent_* fields differ per agent."
        ),
    )


# navigation -------------------------------------------------------------------------------------
def navigation(spec: EnvSpec) -> TaskDescription:
    n = spec.n_agents
    collisions = _cfg(spec, "collisions", True)
    observe_all = _cfg(spec, "observe_all_goals", False)
    n_rays = _cfg(spec, "n_lidar_rays", 12)
    lidar_range = _cfg(spec, "lidar_range", 0.35)
    radius = _cfg(spec, "agent_radius", 0.1)
    shared = _cfg(spec, "shared_rew", True)
    same_goal = _cfg(spec, "agents_with_same_goal", 1)
    fields = [_POS, _VEL]
    if observe_all:
        fields += [
            (f"agent_minus_goal_{j}", 2, f"agent position - goal of agent {j} (x, y)")
            for j in range(n)
        ]
    else:
        fields.append(("agent_minus_goal", 2, "agent position - own goal position (x, y); 0 at the goal"))
    if collisions:
        fields.append((
            "lidar",
            n_rays,
            f"{n_rays} lidar rays at angles 2*pi*r/{n_rays} (r = 0..{n_rays - 1}, ray 0 along +x, "
            f"counter-clockwise) that only detect other agents; value = {lidar_range} - hit "
            f"distance, so 0 = nothing within {lidar_range}, larger = closer agent",
        ))
    layout = build_layout(fields)
    goals = (
        "every agent has its own goal"
        if same_goal == 1
        else f"the first {same_goal} agents share one goal, the others have their own"
    )
    return _vmas(
        spec,
        summary=(
            f"{n} agents (spheres of radius {radius}) and their goals are placed at random in "
            f"[-1, 1] x [-1, 1] (the world itself is unbounded); {goals}. Each agent must "
            "reach its goal"
            + (" while avoiding collisions with the other agents" if collisions else "")
            + ". The episode ends when every agent is within its radius of its goal, or after "
            f"{_cfg(spec, 'max_steps', 'max_steps')} steps."
        ),
        reward=(
            ("Shared: every agent gets the sum over agents of " if shared else "Individual: each agent gets ")
            + "the decrease of "
            + ("each agent's" if shared else "its own")
            + " distance to its goal since the previous step (pos_shaping_factor 1), "
            "plus 0.01 for every agent once all agents are on their goals (within 0.05)"
            + (", plus -1 for an agent each step it collides with another agent" if collisions else "")
            + "."
        ),
        actions=vmas_discrete_actions(1.0),
        layout=layout,
        notes="Forces are in simulator units (agent mass 1, dt 0.1 s, 2 physics substeps).",
    )


# sampling ---------------------------------------------------------------------------------------
_NEIGHBOURS = (
    ("px", "+0.05, 0"), ("mx", "-0.05, 0"), ("py", "0, +0.05"), ("my", "0, -0.05"),
    ("mx_my", "-0.05, -0.05"), ("px_my", "+0.05, -0.05"), ("mx_py", "-0.05, +0.05"),
    ("px_py", "+0.05, +0.05"),
)


def sampling(spec: EnvSpec) -> TaskDescription:
    n = spec.n_agents
    collisions = _cfg(spec, "collisions", True)
    lidar_range = _cfg(spec, "lidar_range", 0.2)
    shared = _cfg(spec, "shared_rew", True)
    fields = [_POS, _VEL]
    if collisions:
        fields.append((
            "lidar",
            12,
            "12 lidar rays at angles 0.05 + 2*pi*r/12 rad (r = 0..11, counter-clockwise from "
            f"+x) that only detect other agents; value = hit distance, {lidar_range} = nothing "
            "seen, smaller = closer agent",
        ))
    fields += [
        (
            f"density_{name}",
            1,
            f"density still available at agent position + ({delta}) (one 0.05 grid cell away), "
            "normalised so the arena maximum is 1; 0 if that cell was already visited or lies "
            "outside the arena",
        )
        for name, delta in _NEIGHBOURS
    ]
    return _vmas(
        spec,
        summary=(
            f"{n} agents (spheres of radius 0.025) move in the arena [-1, 1] x [-1, 1], divided "
            "into a 40 x 40 grid of 0.05 cells. Each cell holds the value of an unknown density, "
            f"a sum of {_cfg(spec, 'n_gaussians', 3)} Gaussians (covariance "
            f"{_cfg(spec, 'cov', 0.05)} * I) at random centres, normalised so its arena maximum "
            "is 1. The first agent to stand on a cell harvests its value; visited cells are worth "
            "0 afterwards. The agents must spread out and harvest as much density as possible "
            f"within {_cfg(spec, 'max_steps', 'max_steps')} steps (no early termination)."
        ),
        reward=(
            ("Shared: every agent gets the sum of the values harvested by all agents this step."
             if shared else
             "Individual: each agent gets the value of the cell it stands on if that cell had "
             "not been visited before this step, else 0.")
        ),
        actions=vmas_discrete_actions(1.0),
        layout=build_layout(fields),
        notes=(
            "Forces are in simulator units (agent mass 1, dt 0.1 s). The density itself and the "
            "set of visited cells are not observed beyond the 8 neighbouring cells."
        ),
    )


# transport --------------------------------------------------------------------------------------
def transport(spec: EnvSpec) -> TaskDescription:
    n = spec.n_agents
    n_packages = _cfg(spec, "n_packages", 1)
    fields = [_POS, _VEL]
    for i in range(n_packages):
        tag = f"_{i}" if n_packages > 1 else ""
        fields += [
            (f"package{tag}_minus_goal", 2, f"package{tag} position - goal position (x, y); 0 at the goal"),
            (f"package{tag}_minus_agent", 2, f"package{tag} position - agent position (x, y)"),
            (f"package{tag}_vel", 2, f"package{tag} velocity (vx, vy)"),
            (f"package{tag}_on_goal", 1, f"1.0 if package{tag} overlaps the goal, else 0.0"),
        ]
    return _vmas(
        spec,
        summary=(
            f"{n} small agents (spheres of radius 0.03) must push {n_packages} heavy "
            f"package(s) (boxes {_cfg(spec, 'package_length', 0.15)} x "
            f"{_cfg(spec, 'package_width', 0.15)}, mass {_cfg(spec, 'package_mass', 50)}) onto "
            "one goal (radius 0.15). Agents, package(s) and goal start at random in "
            "[-1, 1] x [-1, 1]. A single agent is too weak to move a package: several must push "
            "it together from the side opposite the goal. The episode ends when every package "
            f"is on the goal, or after {_cfg(spec, 'max_steps', 'max_steps')} steps."
        ),
        reward=(
            "Shared by all agents: for every package not yet on the goal, 100 * (previous "
            "package-goal distance - current package-goal distance)."
        ),
        actions=vmas_discrete_actions(0.6),
        layout=build_layout(fields),
        notes="Forces are in simulator units (agent mass 1, dt 0.1 s).",
    )


# wheel ------------------------------------------------------------------------------------------
def wheel(spec: EnvSpec) -> TaskDescription:
    n = spec.n_agents
    length = _cfg(spec, "line_length", 2)
    desired = _cfg(spec, "desired_velocity", 0.05)
    layout = build_layout([
        _POS,
        _VEL,
        ("line_centre_minus_agent", 2, "line centre position - agent position (x, y); the centre is the pivot at the origin"),
        ("line_end1_minus_agent", 2, f"position of line end 1, (L/2)(cos rot, sin rot) with L = {length}, - agent position"),
        ("line_end2_minus_agent", 2, "position of line end 2 (opposite end) - agent position"),
        ("line_rot", 1, "line rotation angle mod pi, rad in [0, pi)"),
        ("line_abs_ang_vel", 1, "|line angular velocity|, rad/s"),
        ("ang_vel_error", 1, f"| |line angular velocity| - {desired} |, rad/s (the negated reward)"),
    ])
    return _vmas(
        spec,
        summary=(
            f"A line (length {length}, mass {_cfg(spec, 'line_mass', 30)}) is pinned at its "
            "centre at the origin and can only rotate. "
            f"{n} agents (spheres of radius 0.03, starting at random in [-1, 1] x [-1, 1]) push "
            f"it so that its angular speed stays at the desired value {desired} rad/s, in either "
            f"direction. No termination before {_cfg(spec, 'max_steps', 'max_steps')} steps."
        ),
        reward=(
            f"Shared by all agents: -| |line angular velocity| - {desired} | every step "
            "(0 is the best possible)."
        ),
        actions=vmas_discrete_actions(0.6),
        layout=layout,
        notes=(
            "Forces are in simulator units (agent mass 1, dt 0.1 s). Pushing further from the "
            "pivot gives more torque."
        ),
    )


# give_way ---------------------------------------------------------------------------------------
def give_way(spec: EnvSpec) -> TaskDescription:
    observe_rel = _cfg(spec, "observe_rel_pos", False)
    mirror = _cfg(spec, "mirror_passage", False)
    fields = [_POS, _VEL]
    if observe_rel:
        fields.append(("agent_minus_other", 2, "agent position - other agent position (x, y)"))
    alcove = (
        "Above and below the middle of the corridor (x in [-0.2, 0.2]) are small alcoves "
        "reaching to y = +0.68 and y = -0.68"
        if mirror
        else "Above the middle of the corridor (x in [-0.2, 0.2]) is a small alcove reaching up "
        "to y = 0.68"
    )
    final = _cfg(spec, "final_reward", 0.01)
    return _vmas(
        spec,
        summary=(
            "2 agents (spheres of radius 0.16) face each other in a corridor from x = -2.5 to "
            "2.5, 0.4 wide (y in [-0.2, 0.2]), too narrow for them to pass each other. "
            "Agent 0 starts near (-2, 0) and must reach its goal at (2.29, 0); agent 1 starts "
            f"near (2, 0) and must reach its goal at (-2.29, 0). {alcove}: one agent must step "
            "into it and let the other pass. Goal positions are fixed and not observed. "
            + ("The episode ends when both agents are on their goals or after "
               if _cfg(spec, "done_on_completion", False) else "No termination before ")
            + f"{_cfg(spec, 'max_steps', 'max_steps')} steps."
        ),
        reward=(
            "Shared by both agents: the decrease of agent 0's distance to its goal plus the "
            "decrease of agent 1's distance to its goal since the previous step, plus "
            f"{final} once both agents are on their goals (within 0.08). Collision penalties are "
            "0 in this configuration."
        ),
        actions=vmas_discrete_actions(0.5, what="velocity command", diagonal_u=0.354),
        layout=build_layout(fields),
        notes=(
            "Actions are velocity targets tracked by a PID controller (not forces); commands are "
            "clamped to norm 0.5, so diagonals are about (+-0.354, +-0.354). Agent i's row is "
            "always the same agent: row 0 goes right, row 1 goes left."
        ),
    )


VMAS_BUILDERS = {
    "vmas/balance": balance,
    "vmas/navigation": navigation,
    "vmas/sampling": sampling,
    "vmas/transport": transport,
    "vmas/wheel": wheel,
    "vmas/give_way": give_way,
}


def register_descriptions() -> None:
    """Register the description of every VMAS task above (idempotent: overwrites)."""
    for task, builder in VMAS_BUILDERS.items():
        register_description(task, builder, overwrite=True)
