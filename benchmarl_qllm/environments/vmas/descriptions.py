"""Task descriptions of the VMAS scenarios (written by reading ``vmas/scenarios/<name>.py``).

Layouts follow each scenario's ``observation()`` and depend on the task config where the
scenario does (lidar on/off, number of rays, goals observed, packages...); the sizes are
checked against the live environment by
:func:`~benchmarl_qllm.environments.description.get_description`. Every number the text
states (radii, thresholds, reward coefficients, episode limit, force and speed scales) is
read from the live VMAS ``Scenario``/``World``/``Agent`` objects by :func:`vmas_facts` while the
spec is read, not written down here; ``tests/test_prompt_facts.py`` compares each of them
with the live environment.

Discrete actions (VMAS 1.5, ``continuous_actions=False``, the BenchMARL default): each agent
has ``discrete_action_nvec = [3, 3]`` (x, y), flattened into 9 actions. Index ``k`` means
``x = k // 3``, ``y = k % 3`` with component value 0 -> 0, 1 -> ``-u``, 2 -> ``+u``, where ``u``
is ``u_range * u_multiplier`` of the agent (see ``Environment._set_action``).

Each task also registers scripted rollout behaviours (``seek_goal``, ``seek_teammate``, ...)
for :func:`~benchmarl_qllm.environments.sampling.sample_states` and a regime classifier
(near goal, teammate in lidar range, ...) for the validator's statistics.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Dict, List, Optional

import torch

from benchmarl_qllm.credit.function import OBSERVATION_KEY
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
    if not value:
        return "0"
    return ("+" if value > 0 else "-") + num(abs(value))


def vmas_discrete_actions(u: float, what: str = "force", diagonal_u: float = None) -> List[str]:
    """The 9 VMAS discrete actions of a holonomic agent with per-axis magnitude ``u``."""
    diagonal_u = u if diagonal_u is None else diagonal_u
    actions = []
    for k in range(9):
        sx, sy = _SIGN[k // 3], _SIGN[k % 3]
        mag = diagonal_u if sx and sy else u
        actions.append(f"{_DIRECTION[(sx, sy)]}: {what} ({_fmt(sx * mag)}, {_fmt(sy * mag)})")
    return actions


# live facts ---------------------------------------------------------------------------------------
def _radius(entity) -> Optional[float]:
    shape = getattr(entity, "shape", None)
    radius = getattr(shape, "radius", None)
    return float(radius) if radius is not None else None


def _float(value) -> Optional[float]:
    if value is None:
        return None
    if isinstance(value, torch.Tensor):
        return float(value.reshape(-1)[0])
    return float(value)


def vmas_facts(env, task_class=None, scenario_name: Optional[str] = None) -> Dict[str, Any]:
    """Numbers of a live VMAS env (a torchrl ``VmasEnv``): episode limit, physics, the first
    agent's shape/action/mass, and every numeric attribute of the scenario
    (``scenario.<name>``), plus the per-scenario extras of :data:`_EXTRA_FACTS`."""
    venv = env._env
    world, scenario = venv.world, venv.scenario
    agent = world.agents[0]
    drag = agent.drag if agent.drag is not None else world._drag
    u = float(agent.u_range) * float(agent.u_multiplier)
    facts: Dict[str, Any] = {
        "max_steps": int(venv.max_steps) if venv.max_steps is not None else None,
        "dt": float(world.dt),
        "substeps": int(world._substeps),
        "drag": float(drag),
        "agent_mass": float(agent.mass),
        "agent_radius": _radius(agent),
        "action_u": u,
        "agent_max_speed": _float(agent.max_speed),
        "agent_v_range": _float(agent.v_range),
        "gravity_y": float(world._gravity.reshape(-1)[1]),
        "x_semidim": _float(world._x_semidim),
        "y_semidim": _float(world._y_semidim),
    }
    # Speed reached under a constant action: v <- v (1 - drag) then v += (u / m) dt each step.
    if drag > 0:
        facts["terminal_speed"] = u / float(agent.mass) * float(world.dt) / float(drag)
    for name, value in sorted(vars(scenario).items()):
        if isinstance(value, bool) or isinstance(value, (int, float)):
            facts[f"scenario.{name}"] = value
    extra = _EXTRA_FACTS.get(scenario_name or "")
    if extra is not None:
        facts.update(extra(venv, world, scenario))
    return facts


def _lidar_facts(world) -> Dict[str, Any]:
    """Range, ray count and first ray angle of the first agent's lidar (``{}`` without one)."""
    agent = world.agents[0]
    if not agent.sensors:
        return {}
    lidar = agent.sensors[0]
    return {"lidar_range": float(lidar._max_range), "lidar_rays": int(lidar._angles.shape[-1]),
            "lidar_angle_0": float(lidar._angles.reshape(-1)[0])}


def _navigation_facts(venv, world, scenario) -> Dict[str, Any]:
    return {"goal_radius": _radius(world.agents[0].goal), **_lidar_facts(world)}


def _balance_facts(venv, world, scenario) -> Dict[str, Any]:
    return {"package_radius": _radius(scenario.package), "goal_radius": _radius(scenario.package.goal),
            "package_mass": float(scenario.package.mass), "line_mass": float(scenario.line.mass),
            "line_length": float(scenario.line.shape.length)}


def _sampling_facts(venv, world, scenario) -> Dict[str, Any]:
    return _lidar_facts(world)


def _transport_facts(venv, world, scenario) -> Dict[str, Any]:
    goal = world.landmarks[0]
    package = scenario.packages[0]
    return {"goal_radius": _radius(goal), "package_mass": float(package.mass),
            "package_length": float(package.shape.length), "package_width": float(package.shape.width)}


def _wheel_facts(venv, world, scenario) -> Dict[str, Any]:
    return {"line_length": float(scenario.line.shape.length), "line_mass": float(scenario.line.mass)}


def _give_way_facts(venv, world, scenario) -> Dict[str, Any]:
    goal = world.agents[0].goal
    return {"goal_radius": _radius(goal),
            "goal_x": float(scenario.scenario_length / 2 - scenario.goal_dist_from_wall),
            "start_x": float(scenario.scenario_length / 2 - scenario.agent_dist_from_wall),
            "corridor_half_width": float(scenario.corridor_width / 2),
            "alcove_half_width": float(scenario.passage_length / 2),
            "alcove_depth_to": float(scenario.passage_length / 2 + scenario.passage_width),
            "diagonal_u": float(world.agents[0].u_range) / math.sqrt(2)}


_EXTRA_FACTS: Dict[str, Callable] = {
    "navigation": _navigation_facts,
    "balance": _balance_facts,
    "sampling": _sampling_facts,
    "transport": _transport_facts,
    "wheel": _wheel_facts,
    "give_way": _give_way_facts,
}


# shared text --------------------------------------------------------------------------------------
def _facts(spec: EnvSpec) -> Dict[str, Any]:
    if not spec.facts:
        raise ValueError(f"{spec.task}: the live VMAS facts are missing (no fact reader ran)")
    return spec.facts


def _vmas(spec: EnvSpec, **kwargs) -> TaskDescription:
    return TaskDescription(
        task=spec.task,
        n_agents=spec.n_agents,
        input_kind=OBSERVATION_KEY,
        input_dim=spec.input_dim,
        **kwargs,
    )


def mean_team_reward(n_agents: int, what: str) -> str:
    """The team reward of per-agent reward families: BenchMARL's QMIX/VDN ``process_batch``
    (which QLLM reuses) averages the agents' rewards."""
    return (
        f"The environment gives each agent its own reward r_i. QMIX, VDN and QLLM in BenchMARL "
        f"train on one team reward, the mean over the {n_agents} agents: "
        f"r_team = (r_0 + ... + r_{n_agents - 1}) / {n_agents} (BenchMARL's "
        f"`process_batch`: reward.mean over the agent dimension). {what}"
    ).strip()


def _episode_end(f: Dict[str, Any]) -> str:
    return (
        f"after {num(f['max_steps'])} steps the episode is cut off; VMAS reports that step as "
        "terminated (not truncated), so the training target does not bootstrap past it"
    )


def _physics_facts(f: Dict[str, Any], what: str = "force") -> List[Fact]:
    facts = [
        Fact("max_steps", f["max_steps"], "episode limit, steps"),
        Fact("dt", f["dt"], f"seconds of simulated time per step ({num(f['substeps'])} physics substeps)"),
        Fact("action_u", f["action_u"], f"{what} per axis of a move action (simulator units)"),
        Fact("agent_radius", f["agent_radius"], "agent radius, world units"),
    ]
    if what == "force":
        facts.append(Fact("agent_mass", f["agent_mass"], "agent mass"))
        facts.append(Fact("drag", f["drag"], "fraction of velocity lost per step"))
    if f.get("terminal_speed"):
        v = f["terminal_speed"]
        facts.append(Fact(
            "terminal_speed", v,
            f"speed per axis (world units/s) an agent settles at under a constant move action "
            f"(action_u / agent_mass * dt / drag); {num(v * f['dt'])} world units per step, "
            f"{num(v * math.sqrt(2))}/s diagonally"))
    return facts


SAME_REWARD = "Here every agent gets the same reward, so r_team equals it."
_POS = ("agent_pos", 2, "agent position (x, y), world units")
_VEL = ("agent_vel", 2, "agent velocity (vx, vy), world units per second")


# balance ----------------------------------------------------------------------------------------
def balance(spec: EnvSpec) -> TaskDescription:
    f = _facts(spec)
    n = spec.n_agents
    s = lambda k: f[f"scenario.{k}"]  # noqa: E731
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
    random_pos = s("random_package_pos_on_line")
    reach = f["package_radius"] + f["goal_radius"]
    return _vmas(
        spec,
        summary=(
            f"{n} agents (spheres of radius {num(f['agent_radius'])}) start evenly spaced "
            f"just under a rigid line (length {num(f['line_length'])}, mass "
            f"{num(f['line_mass'])}) resting above the floor at the bottom of the arena "
            f"(y = -{num(f['y_semidim'])}; positions are kept within |y| <= "
            f"{num(f['y_semidim'])}). A package (sphere of radius {num(f['package_radius'])}, "
            f"mass {num(f['package_mass'])}) rests on top of the line"
            + (" at a random point along it" if random_pos else " at its centre")
            + f". Gravity accelerates everything by {num(f['gravity_y'])} in y. A goal "
            f"(radius {num(f['goal_radius'])}) is placed at random with x in [-1, 1], y in "
            f"[0, {num(f['y_semidim'])}]. The agents must lift and carry the line so that the "
            "package reaches the goal without the line or the package touching the floor. "
            f"The episode ends (terminated) when the package overlaps the goal (centre distance "
            f"< {num(reach)}), or when the line or the package touches the floor; "
            + _episode_end(f) + "."
        ),
        reward=(
            f"Identical for every agent: {num(s('shaping_factor'))} * (previous package-goal "
            f"distance - current package-goal distance), plus {num(s('fall_reward'))} on every "
            "step where the line or the package touches the floor. Nothing extra for reaching "
            "the goal."
        ),
        team_reward=mean_team_reward(n, SAME_REWARD),
        facts=_physics_facts(f) + [
            Fact("shaping_factor", s("shaping_factor"), "reward per world unit the package moves towards the goal"),
            Fact("fall_reward", s("fall_reward"), "reward on a step where line or package touch the floor"),
            Fact("goal_reach_distance", reach, "package-goal centre distance below which the episode ends"),
        ],
        actions=vmas_discrete_actions(f["action_u"]),
        layout=layout,
        notes=(
            "Every agent observes the same package, line and goal quantities; only the "
            "agent_* fields differ per agent."
        ),
    )


# navigation -------------------------------------------------------------------------------------
def navigation(spec: EnvSpec) -> TaskDescription:
    f = _facts(spec)
    s = lambda k: f[f"scenario.{k}"]  # noqa: E731
    n = spec.n_agents
    collisions = s("collisions")
    observe_all = s("observe_all_goals")
    radius = f["agent_radius"]
    shared = s("shared_rew")
    same_goal = s("agents_with_same_goal")
    fields = [_POS, _VEL]
    if observe_all:
        fields += [
            (f"agent_minus_goal_{j}", 2, f"agent position - goal of agent {j} (x, y)")
            for j in range(n)
        ]
    else:
        fields.append(("agent_minus_goal", 2, "agent position - own goal position (x, y); 0 at the goal"))
    facts = _physics_facts(f) + [
        Fact("done_distance", radius,
             "the episode ends (terminated) once every agent's centre is closer than this to its goal "
             "(VMAS uses the agent's radius)"),
        Fact("goal_radius", f["goal_radius"],
             "an agent counts as on its goal for the final reward when closer than this (the goal's radius)"),
        Fact("final_reward", s("final_reward"), "reward to every agent on a step where all agents are on their goals"),
        Fact("pos_shaping_factor", s("pos_shaping_factor"), "reward per world unit of distance to the goal gained"),
        Fact("spawn_bound", s("world_spawning_x"), "agents and goals start uniformly in [-bound, bound]^2"),
    ]
    if collisions:
        rays, rng, a0 = f["lidar_rays"], f["lidar_range"], f["lidar_angle_0"]
        fields.append((
            "lidar",
            rays,
            f"{rays} lidar rays; ray r points at angle {num(a0)} + 2*pi*r/{rays} rad in the world "
            f"frame (r = 0..{rays - 1}; ray 0 along +x, counter-clockwise; agents never rotate). "
            "Each ray starts at the agent's centre and only detects other agents. value = "
            f"{num(rng)} - (distance from this agent's centre to the first other agent's "
            f"surface along the ray): 0 = no agent within {num(rng)}, larger = closer",
        ))
        facts += [
            Fact("lidar_range", rng, "lidar range, world units (from the agent's centre)"),
            Fact("lidar_touching", rng - radius,
                 "lidar value of a ray that hits an agent touching this one (centre-to-centre "
                 "distance 2 * agent_radius); values are at most about this"),
            Fact("collision_distance", 2 * radius,
                 "two agents collide (penalty) when their centres are at most this far apart, "
                 "i.e. their surfaces touch or overlap"),
            Fact("collision_penalty", s("agent_collision_penalty"),
                 "reward to each of two colliding agents, per step of contact"),
        ]
    layout = build_layout(fields)
    goals = (
        "every agent has its own goal"
        if same_goal == 1
        else f"the first {same_goal} agents share one goal, the others have their own"
    )
    bound = num(s("world_spawning_x"))
    pos_text = (
        f"{num(s('pos_shaping_factor'))} * (previous distance - current distance) between an "
        "agent and its goal"
    )
    if shared:
        reward = (
            f"Shared: every agent gets the sum over all agents of {pos_text}, plus "
            f"{num(s('final_reward'))} on a step where every agent is within "
            f"{num(f['goal_radius'])} of its goal"
        )
    else:
        reward = (
            f"Individual: agent i gets {pos_text} (its own progress), plus "
            f"{num(s('final_reward'))} for every agent on a step where every agent is within "
            f"{num(f['goal_radius'])} of its goal"
        )
    if collisions:
        reward += (
            f", plus {num(s('agent_collision_penalty'))} per other agent it collides with on that "
            f"step (centres at most {num(2 * radius)} apart: the surfaces touch)"
        )
    reward += (
        f". Because the episode already ends when every agent is within {num(radius)} of its "
        f"goal, the {num(s('final_reward'))} bonus (which needs all within "
        f"{num(f['goal_radius'])} on the same step) is rarely paid; the progress term dominates."
    )
    team = (
        "Here r_team = the mean of the agents' progress terms"
        if not shared else
        "Here the progress part is already the sum over agents, identical for everyone"
    )
    team += (
        " + the final bonus"
        + (" + (collision penalties summed over agents) / n" if collisions else "")
        + "."
    )
    return _vmas(
        spec,
        summary=(
            f"{n} agents (spheres of radius {num(radius)}) and their goals are placed at random "
            f"in [-{bound}, {bound}] x [-{bound}, {bound}]"
            + (" (the world itself is unbounded)" if f["x_semidim"] is None else "")
            + f"; {goals}. Each agent must reach its goal"
            + (" while avoiding collisions with the other agents" if collisions else "")
            + ". The episode ends (terminated) when every agent's centre is within "
            f"{num(radius)} (its radius) of its goal; " + _episode_end(f) + "."
        ),
        reward=reward,
        team_reward=mean_team_reward(n, team),
        facts=facts,
        actions=vmas_discrete_actions(f["action_u"]),
        layout=layout,
        notes=(
            "Positions are world coordinates (not relative to the agent) and the observation "
            "has no time index. Lidar hits are rare when agents are spread out: weights should "
            "still behave sensibly when every lidar value is 0."
        ),
    )


# sampling ---------------------------------------------------------------------------------------
def sampling(spec: EnvSpec) -> TaskDescription:
    f = _facts(spec)
    s = lambda k: f[f"scenario.{k}"]  # noqa: E731
    n = spec.n_agents
    collisions = s("collisions")
    shared = s("shared_rew")
    cell = s("grid_spacing")
    g = num(cell)
    neighbours = (
        ("px", f"+{g}, 0"), ("mx", f"-{g}, 0"), ("py", f"0, +{g}"), ("my", f"0, -{g}"),
        ("mx_my", f"-{g}, -{g}"), ("px_my", f"+{g}, -{g}"), ("mx_py", f"-{g}, +{g}"),
        ("px_py", f"+{g}, +{g}"),
    )
    fields = [_POS, _VEL]
    facts = _physics_facts(f) + [
        Fact("grid_spacing", cell, "side of a grid cell, world units"),
        Fact("n_cells", s("n_x_cells"), "grid cells per axis"),
        Fact("xdim", s("xdim"), "the arena is [-xdim, xdim] x [-ydim, ydim]"),
        Fact("n_gaussians", s("n_gaussians"), "Gaussians summed into the density"),
        Fact("cov", s("cov"), "variance of each Gaussian (covariance cov * I)"),
    ]
    if collisions:
        rays, rng, a0 = f["lidar_rays"], f["lidar_range"], f["lidar_angle_0"]
        fields.append((
            "lidar",
            rays,
            f"{rays} lidar rays at angles {num(a0)} + 2*pi*r/{rays} rad in the world frame "
            f"(r = 0..{rays - 1}, counter-clockwise from +x), from the agent's centre, detecting "
            f"only other agents; value = distance from this agent's centre to the other agent's "
            f"surface, {num(rng)} = nothing within range, smaller = closer agent (slightly "
            "negative while two agents overlap)",
        ))
        facts.append(Fact("lidar_range", rng, "lidar range, world units; the value of a ray that sees nothing"))
    fields += [
        (
            f"density_{name}",
            1,
            f"density still available at agent position + ({delta}) (one grid cell away), "
            "normalised so the arena maximum is 1; 0 if that cell was already visited or lies "
            "outside the arena",
        )
        for name, delta in neighbours
    ]
    xdim, n_cells = num(s("xdim")), num(s("n_x_cells"))
    return _vmas(
        spec,
        summary=(
            f"{n} agents (spheres of radius {num(f['agent_radius'])}) move in the arena "
            f"[-{xdim}, {xdim}] x [-{xdim}, {xdim}] (walls), divided into a {n_cells} x {n_cells} "
            f"grid of {g} cells. An unknown density, a sum of {num(s('n_gaussians'))} Gaussians "
            f"(covariance {num(s('cov'))} * I) at random centres, is normalised so its arena "
            "maximum is 1. Every step each agent harvests the density at its position if its "
            "cell has not been visited before; the cell then counts as visited and is worth 0 "
            "(two agents in one new cell: the lower-index agent gets it). The agents must spread "
            "out and harvest as much density as possible; there is no early termination: "
            + _episode_end(f) + "."
        ),
        reward=(
            ("Shared: every agent gets the sum of the values harvested by all agents this step."
             if shared else
             "Individual: each agent gets the value it harvested this step (0 on a visited cell).")
        ),
        team_reward=mean_team_reward(
            n, "Here r_team = (total density harvested by the team this step) / n"
            if not shared else "Here every agent gets the same reward, so r_team equals it."),
        facts=facts,
        actions=vmas_discrete_actions(f["action_u"]),
        layout=build_layout(fields),
        notes=(
            "The density itself and the set of visited cells are not observed beyond the 8 "
            "neighbouring cells."
        ),
    )


# transport --------------------------------------------------------------------------------------
def transport(spec: EnvSpec) -> TaskDescription:
    f = _facts(spec)
    s = lambda k: f[f"scenario.{k}"]  # noqa: E731
    n = spec.n_agents
    n_packages = s("n_packages")
    fields = [_POS, _VEL]
    for i in range(n_packages):
        tag = f"_{i}" if n_packages > 1 else ""
        fields += [
            (f"package{tag}_minus_goal", 2, f"package{tag} position - goal position (x, y); 0 at the goal"),
            (f"package{tag}_minus_agent", 2, f"package{tag} position - agent position (x, y)"),
            (f"package{tag}_vel", 2, f"package{tag} velocity (vx, vy)"),
            (f"package{tag}_on_goal", 1, f"1.0 if package{tag} overlaps the goal, else 0.0"),
        ]
    semidim = num(s("world_semidim"))
    return _vmas(
        spec,
        summary=(
            f"{n} small agents (spheres of radius {num(f['agent_radius'])}, mass "
            f"{num(f['agent_mass'])}) must push {n_packages} heavy package(s) (boxes "
            f"{num(f['package_length'])} x {num(f['package_width'])}, mass "
            f"{num(f['package_mass'])}) onto one goal (a circle of radius "
            f"{num(f['goal_radius'])}). Agents, package(s) and goal start at random in "
            f"[-{semidim}, {semidim}] x [-{semidim}, {semidim}]; walls keep everything within "
            f"|x|, |y| <= {num(f['x_semidim'])}. A single agent is too weak to move a package "
            "quickly: several must push it together from the side opposite the goal. The "
            "episode ends (terminated) when every package overlaps the goal; "
            + _episode_end(f) + "."
        ),
        reward=(
            f"Identical for every agent: for every package not yet on the goal, "
            f"{num(s('shaping_factor'))} * (previous package-goal distance - current "
            "package-goal distance)."
        ),
        team_reward=mean_team_reward(n, SAME_REWARD),
        facts=_physics_facts(f) + [
            Fact("package_mass", f["package_mass"], "package mass"),
            Fact("goal_radius", f["goal_radius"], "goal radius, world units"),
            Fact("shaping_factor", s("shaping_factor"), "reward per world unit a package moves towards the goal"),
        ],
        actions=vmas_discrete_actions(f["action_u"]),
        layout=build_layout(fields),
    )


# wheel ------------------------------------------------------------------------------------------
def wheel(spec: EnvSpec) -> TaskDescription:
    f = _facts(spec)
    s = lambda k: f[f"scenario.{k}"]  # noqa: E731
    n = spec.n_agents
    length = f["line_length"]
    desired = s("desired_velocity")
    layout = build_layout([
        _POS,
        _VEL,
        ("line_centre_minus_agent", 2, "line centre position - agent position (x, y); the centre is the pivot at the origin"),
        ("line_end1_minus_agent", 2, f"position of line end 1, (L/2)(cos rot, sin rot) with L = {num(length)}, - agent position"),
        ("line_end2_minus_agent", 2, "position of line end 2 (opposite end) - agent position"),
        ("line_rot", 1, "line rotation angle mod pi, rad in [0, pi)"),
        ("line_abs_ang_vel", 1, "|line angular velocity|, rad/s"),
        ("ang_vel_error", 1, f"| |line angular velocity| - {num(desired)} |, rad/s (the negated reward)"),
    ])
    return _vmas(
        spec,
        summary=(
            f"A line (length {num(length)}, mass {num(f['line_mass'])}) is pinned at its "
            "centre at the origin and can only rotate. "
            f"{n} agents (spheres of radius {num(f['agent_radius'])}, starting at random in "
            "[-1, 1] x [-1, 1]) push it so that its angular speed stays at the desired value "
            f"{num(desired)} rad/s, in either direction. There is no early termination: "
            + _episode_end(f) + "."
        ),
        reward=(
            f"Identical for every agent: -| |line angular velocity| - {num(desired)} | every "
            "step (0 is the best possible)."
        ),
        team_reward=mean_team_reward(n, SAME_REWARD),
        facts=_physics_facts(f) + [
            Fact("line_length", length, "line length, world units"),
            Fact("desired_velocity", desired, "target |angular velocity| of the line, rad/s"),
        ],
        actions=vmas_discrete_actions(f["action_u"]),
        layout=layout,
        notes="Pushing further from the pivot gives more torque.",
    )


# give_way ---------------------------------------------------------------------------------------
def give_way(spec: EnvSpec) -> TaskDescription:
    f = _facts(spec)
    s = lambda k: f[f"scenario.{k}"]  # noqa: E731
    observe_rel = s("observe_rel_pos")
    mirror = s("mirror_passage")
    fields = [_POS, _VEL]
    if observe_rel:
        fields.append(("agent_minus_other", 2, "agent position - other agent position (x, y)"))
    half = num(f["corridor_half_width"])
    ax, ay = num(f["alcove_half_width"]), num(f["alcove_depth_to"])
    alcove = (
        f"Above and below the middle of the corridor (x in [-{ax}, {ax}]) are small alcoves "
        f"reaching to y = +{ay} and y = -{ay}"
        if mirror
        else f"Above the middle of the corridor (x in [-{ax}, {ax}]) is a small alcove reaching "
        f"up to y = {ay}"
    )
    final = s("final_reward")
    goal_x, start_x = num(f["goal_x"]), num(f["start_x"])
    length = num(s("scenario_length") / 2)
    penalties = [s("agent_collision_penalty"), s("passage_collision_penalty"),
                 s("obstacle_collision_penalty"), s("energy_reward_coeff")]
    return _vmas(
        spec,
        summary=(
            f"2 agents (spheres of radius {num(f['agent_radius'])}) face each other in a "
            f"corridor from x = -{length} to {length}, {num(2 * f['corridor_half_width'])} wide "
            f"(y in [-{half}, {half}]), too narrow for them to pass each other. Agent 0 starts "
            f"near (-{start_x}, 0) and must reach its goal at ({goal_x}, 0); agent 1 starts near "
            f"({start_x}, 0) and must reach its goal at (-{goal_x}, 0). {alcove}: one agent must "
            "step into it and let the other pass. Goal positions are fixed and not observed. "
            + ("The episode ends when both agents are on their goals, or "
               if s("done_on_completion") else "There is no early termination: ")
            + _episode_end(f) + "."
        ),
        reward=(
            f"Identical for both agents: {num(s('pos_shaping_factor'))} * (decrease of agent "
            f"0's distance to its goal + decrease of agent 1's distance to its goal) since the "
            f"previous step, plus {num(final)} on a step where both agents are on their goals "
            f"(centre within {num(f['goal_radius'])} of the goal)."
            + (" Collision and energy penalties are 0 in this configuration."
               if not any(penalties) else "")
        ),
        team_reward=mean_team_reward(
            2, "Here both agents get the same reward, so r_team equals it."),
        facts=[
            Fact("max_steps", f["max_steps"], "episode limit, steps"),
            Fact("dt", f["dt"], f"seconds of simulated time per step ({num(f['substeps'])} physics substeps)"),
            Fact("action_u", f["action_u"], "speed command per axis of a move action, world units/s"),
            Fact("diagonal_u", f["diagonal_u"], "per-axis speed command of a diagonal action (norm clamped to action_u)"),
            Fact("agent_radius", f["agent_radius"], "agent radius, world units"),
            Fact("goal_radius", f["goal_radius"], "distance to the goal below which an agent is on it"),
            Fact("goal_x", f["goal_x"], "|x| of the goals, world units"),
            Fact("corridor_half_width", f["corridor_half_width"], "the corridor is |y| <= this, world units"),
            Fact("alcove_depth_to", f["alcove_depth_to"], "the alcove spans |y| from corridor_half_width to this"),
            Fact("final_reward", final, "reward on a step where both agents are on their goals"),
        ],
        actions=vmas_discrete_actions(f["action_u"], what="velocity command",
                                      diagonal_u=f["diagonal_u"]),
        layout=build_layout(fields),
        notes=(
            "Actions are velocity targets tracked by a PID controller (not forces); commands "
            f"are clamped to norm {num(f['action_u'])}. Agent i's row is always the same agent: "
            "row 0 goes right, row 1 goes left."
        ),
    )


# rollout behaviours and regimes -------------------------------------------------------------------
def _obs(td) -> torch.Tensor:
    return td.get(("agents", "observation"))


def toward(vec: torch.Tensor, deadzone: float = 0.02) -> torch.Tensor:
    """The VMAS action (``3 * ix + iy``) moving along ``vec`` ``[..., 2]`` (per-axis sign)."""
    comp = torch.where(vec > deadzone, 2, torch.where(vec < -deadzone, 1, 0))
    return comp[..., 0] * 3 + comp[..., 1]


def _slice(description: TaskDescription, name: str) -> slice:
    f = description.layout_field(name)
    return slice(f.start, f.stop)


def _centroid_of_others(pos: torch.Tensor) -> torch.Tensor:
    n = pos.shape[-2]
    return (pos.sum(-2, keepdim=True) - pos) / max(n - 1, 1)


def _policies(builder: Callable[[EnvSpec], TaskDescription], make: Callable) -> Callable:
    """A rollout policy from ``make(obs, description) -> actions``."""

    def policy(td, spec: EnvSpec, generator: torch.Generator):
        return make(_obs(td), builder(spec))

    return policy


def _seek_own_goal(obs, d):
    return toward(-obs[..., _slice(d, "agent_minus_goal")])


def _seek_teammate(obs, d):
    pos = obs[..., _slice(d, "agent_pos")]
    return toward(_centroid_of_others(pos) - pos)


def _carry_to_goal(obs, d):
    lift = torch.tensor([0.0, 0.3])
    return toward(-obs[..., _slice(d, "package_minus_goal")] + lift)


def _get_under_package(obs, d):
    return toward(-obs[..., _slice(d, "agent_minus_package")] - torch.tensor([0.0, 0.05]))


def _push_package(obs, d):
    to_package = obs[..., _slice(d, "package_minus_agent")]
    to_goal = -obs[..., _slice(d, "package_minus_goal")]
    unit = to_goal / (to_goal.norm(dim=-1, keepdim=True) + 1e-6)
    behind = to_package - 0.15 * unit
    close = behind.norm(dim=-1, keepdim=True) < 0.05
    return toward(torch.where(close, unit, behind))


def _seek_line_end(obs, d):
    end1 = obs[..., _slice(d, "line_end1_minus_agent")]
    end2 = obs[..., _slice(d, "line_end2_minus_agent")]
    index = torch.arange(obs.shape[-2]).reshape(*([1] * (obs.ndim - 2)), -1, 1)
    return toward(torch.where(index % 2 == 0, end1, end2))


def _head_for_goals(obs, d):
    pos = obs[..., _slice(d, "agent_pos")]
    goal = d.fact("goal_x")
    target = torch.tensor([[goal, 0.0], [-goal, 0.0]])
    return toward(target - pos)


def _seek_density(obs, d):
    names = [f.name for f in d.layout if f.name.startswith("density_")]
    values = torch.cat([obs[..., _slice(d, name)] for name in names], -1)
    steps = {"px": (1, 0), "mx": (-1, 0), "py": (0, 1), "my": (0, -1), "mx_my": (-1, -1),
             "px_my": (1, -1), "mx_py": (-1, 1), "px_py": (1, 1)}
    dirs = torch.tensor([steps[name[len("density_"):]] for name in names], dtype=obs.dtype)
    best = values.argmax(-1)
    return toward(dirs[best])


VMAS_POLICIES = {
    "vmas/navigation": {"seek_goal": _seek_own_goal, "seek_teammate": _seek_teammate},
    "vmas/balance": {"carry_to_goal": _carry_to_goal, "get_under_package": _get_under_package},
    "vmas/transport": {"push_package": _push_package},
    "vmas/wheel": {"seek_line_end": _seek_line_end},
    "vmas/give_way": {"head_for_goals": _head_for_goals},
    "vmas/sampling": {"seek_density": _seek_density, "seek_teammate": _seek_teammate},
}


def _navigation_regimes(d: TaskDescription, x: torch.Tensor) -> Dict[str, torch.Tensor]:
    radius = d.fact("agent_radius")
    dist = x[..., _slice(d, "agent_minus_goal")].norm(dim=-1) if any(
        f.name == "agent_minus_goal" for f in d.layout) else None
    out = {}
    if dist is not None:
        out["agent within 2 radii of its goal"] = dist < 2 * radius
        out["agent far from its goal (> 1)"] = dist > 1.0
    if any(f.name == "lidar" for f in d.layout):
        lidar = x[..., _slice(d, "lidar")]
        out["teammate in lidar range"] = lidar.amax(-1) > 0
        out["touching a teammate"] = lidar.amax(-1) >= d.fact("lidar_touching") - 0.01
    return out


def _balance_regimes(d, x):
    package_goal = x[:, 0, _slice(d, "package_minus_goal")].norm(dim=-1)
    rot = x[:, 0, _slice(d, "line_rot")].squeeze(-1)
    tilt = torch.minimum(rot, math.pi - rot)
    return {
        "package within 0.3 of the goal": package_goal < 0.3,
        "line tilted more than 0.3 rad": tilt > 0.3,
        "agent under the package (|dx| < 0.1)": x[..., _slice(d, "agent_minus_package")][..., 0].abs() < 0.1,
    }


def _transport_regimes(d, x):
    tag = "" if any(f.name == "package_minus_goal" for f in d.layout) else "_0"
    to_package = x[..., _slice(d, f"package{tag}_minus_agent")].norm(dim=-1)
    package_goal = x[:, 0, _slice(d, f"package{tag}_minus_goal")].norm(dim=-1)
    return {
        "agent touching the package (< 0.12)": to_package < 0.12,
        "package within 0.3 of the goal": package_goal < 0.3,
        "package on the goal": x[:, 0, _slice(d, f"package{tag}_on_goal")].squeeze(-1) > 0.5,
    }


def _wheel_regimes(d, x):
    err = x[:, 0, _slice(d, "ang_vel_error")].squeeze(-1)
    ends = torch.minimum(x[..., _slice(d, "line_end1_minus_agent")].norm(dim=-1),
                         x[..., _slice(d, "line_end2_minus_agent")].norm(dim=-1))
    return {
        "angular speed within 0.02 of the target": err < 0.02,
        "agent within 0.15 of a line end": ends < 0.15,
        "agent within 0.15 of the pivot": x[..., _slice(d, "line_centre_minus_agent")].norm(dim=-1) < 0.15,
    }


def _give_way_regimes(d, x):
    pos = x[..., _slice(d, "agent_pos")]
    gap = (pos[:, 0] - pos[:, 1]).norm(dim=-1)
    goal = d.fact("goal_x")
    target = torch.tensor([[goal, 0.0], [-goal, 0.0]])
    return {
        "agents within 0.5 of each other": gap < 0.5,
        "agent in the alcove (|y| > corridor half width)": pos[..., 1].abs() > d.fact("corridor_half_width"),
        "agent within 0.5 of its goal": (pos - target).norm(dim=-1) < 0.5,
    }


def _sampling_regimes(d, x):
    names = [f.name for f in d.layout if f.name.startswith("density_")]
    values = torch.cat([x[..., _slice(d, name)] for name in names], -1)
    out = {"unvisited density > 0.1 next to the agent": values.amax(-1) > 0.1}
    if any(f.name == "lidar" for f in d.layout):
        out["teammate in lidar range"] = x[..., _slice(d, "lidar")].amin(-1) < d.fact("lidar_range") - 1e-6
    return out


VMAS_REGIMES = {
    "vmas/navigation": _navigation_regimes,
    "vmas/balance": _balance_regimes,
    "vmas/transport": _transport_regimes,
    "vmas/wheel": _wheel_regimes,
    "vmas/give_way": _give_way_regimes,
    "vmas/sampling": _sampling_regimes,
}


VMAS_BUILDERS = {
    "vmas/balance": balance,
    "vmas/navigation": navigation,
    "vmas/sampling": sampling,
    "vmas/transport": transport,
    "vmas/wheel": wheel,
    "vmas/give_way": give_way,
}


def _fact_reader(scenario_name: str):
    def read(env, task_class=None) -> Dict[str, Any]:
        return vmas_facts(env, task_class, scenario_name)

    return read


def _classifier(builder, regimes):
    def classify(states: torch.Tensor, spec: EnvSpec) -> Dict[str, torch.Tensor]:
        return regimes(builder(spec), states)

    return classify


def automatic_vmas_actions(env, spec: EnvSpec) -> Optional[List[str]]:
    """Action names for automatic descriptions of VMAS tasks: the 9 flattened directions of
    a holonomic agent (``None`` for other dynamics, action counts or per-axis force ranges)."""
    agents = env._env.world.agents
    agent = next((a for a in agents if a.name.startswith(spec.group)), agents[0]) if spec.group else agents[0]
    if spec.n_actions != 9 or type(getattr(agent, "dynamics", None)).__name__ != "Holonomic":
        return None
    if not all(isinstance(v, (int, float)) for v in (agent.u_range, agent.u_multiplier)):
        return None  # e.g. football: one range per action dimension (force x, y, kick ...)
    return vmas_discrete_actions(float(agent.u_range) * float(agent.u_multiplier))


def register_descriptions() -> None:
    """Register the description, live-fact reader, rollout behaviours and regime classifier
    of every VMAS task above (idempotent: overwrites), and the action names of automatic
    descriptions of the other VMAS tasks."""
    register_action_namer("vmas", automatic_vmas_actions)
    for task, builder in VMAS_BUILDERS.items():
        register_fact_reader(task, _fact_reader(task.split("/", 1)[1]))
        register_description(task, builder, overwrite=True)
        register_rollout_policies(task, {name: _policies(builder, make)
                                         for name, make in VMAS_POLICIES.get(task, {}).items()})
        register_regime_classifier(task, _classifier(builder, VMAS_REGIMES[task]))
