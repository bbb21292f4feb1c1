"""The numbers every task prompt states are the live environment's (one test per family).

For each family: (1) every "Key numbers" fact equals the value read here, independently of the
family's fact reader, from the live environment object (or, for SMACv2/GRF, which do not run
here, from the task config and the documented constants); (2) the semantics behind the
thresholds are checked by driving the live environment where it runs (VMAS navigation's
episode end and final bonus, lidar values, collision penalty, terminal speeds, LBF's food
levels and reward, MPE's speed); (3) every number written anywhere in the prompt's prose is
one of the facts, a number derived from them, or a small structural integer, so a stale or
contradictory number fails here. The prompt also states how the team reward is formed and
the discount.
"""

from __future__ import annotations

import math
import re
from typing import Iterable, Set

import pytest
import torch

from benchmarl_qllm.environments import get_description, known_tasks
from benchmarl_qllm.environments.sampling import (
    live_env_spec,
    make_benchmarl_env,
    regime_coverage,
    rollout_policies,
    sample_states,
)
from benchmarl_qllm.generation import prompts

NUMBER = re.compile(r"(?<![\w.])[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?(?![\w])")


def numbers(text: str) -> Iterable[float]:
    for m in NUMBER.finditer(text):
        yield float(m.group(0))


def prose(d) -> str:
    """Every text of a description that the prompt shows, except slice columns."""
    parts = [d.summary, d.reward, d.team_reward, d.notes]
    parts += d.actions
    parts += [f.description for f in d.layout]
    parts += [f.meaning for f in d.facts]
    return "\n".join(parts)


def assert_numbers_are_facts(d, extra: Iterable[float] = (), small: int = 12) -> None:
    allowed: Set[float] = {float(i) for i in range(-1, small + 1)} | {float(x) for x in extra}
    for f in d.facts:
        if isinstance(f.value, (int, float)) and not isinstance(f.value, bool):
            allowed.add(float(f.value))
    # Signs are free: "-u" and "+u" state the same number.
    stray = sorted({x for x in numbers(prose(d))
                    if not any(math.isclose(abs(x), abs(a), rel_tol=2e-4, abs_tol=1e-9) for a in allowed)})
    assert not stray, f"{d.task}: numbers in the prompt that are no live fact: {stray}"


def facts(d) -> dict:
    return {f.name: f.value for f in d.facts}


def close(a, b) -> bool:
    return math.isclose(float(a), float(b), rel_tol=1e-6, abs_tol=1e-9)


@pytest.mark.parametrize("task", known_tasks())
def test_every_prompt_states_team_reward_discount_and_episode_end(task):
    d = get_description(task)
    text = prompts.task_prompt(d, gamma=0.97)
    assert "### Team reward used for training" in text
    assert "mean over the" in d.team_reward or "one team reward" in d.team_reward
    assert "gamma = 0.97" in text
    assert "### Key numbers" in text and d.facts
    assert re.search(r"terminated|truncat", d.summary), d.summary
    # The default discount is BenchMARL's default experiment's.
    from benchmarl.experiment import ExperimentConfig

    assert f"gamma = {ExperimentConfig.get_from_yaml().gamma:g}" in prompts.task_prompt(d)


# VMAS -------------------------------------------------------------------------------------------
VMAS_TASKS = [t for t in known_tasks() if t.startswith("vmas/")]


def _vmas(task):
    task_class, env = make_benchmarl_env(task)
    return task_class, env, env._env


def _terminal_speed(task: str, action: int = 6, steps: int = 80) -> float:
    """The x speed the first agent reaches after holding a move action (VMAS action 6 = +x)."""
    import vmas

    _, env, venv = _vmas(task)
    name = task.split("/")[1]
    config = dict(make_benchmarl_env(task)[0].config)
    config.pop("max_steps", None)
    sim = vmas.make_env(name, num_envs=1, continuous_actions=False, seed=0, **config)
    sim.reset()
    for agent in sim.agents:  # only the first agent moves, far from everything else
        agent.set_pos(torch.tensor([[10.0 * (sim.agents.index(agent) + 1), 0.0]]), batch_index=None)
    for _ in range(steps):
        sim.step([torch.tensor([[action if i == 0 else 0]]) for i in range(len(sim.agents))])
    return float(sim.agents[0].state.vel[0, 0])


@pytest.mark.parametrize("task", VMAS_TASKS)
def test_vmas_facts_are_the_live_values(task):
    d = get_description(task)
    f = facts(d)
    _, env, venv = _vmas(task)
    world, sc, agent = venv.world, venv.scenario, venv.world.agents[0]
    assert f["max_steps"] == venv.max_steps
    assert close(f["dt"], world.dt)
    assert close(f["action_u"], agent.u_range * agent.u_multiplier)
    assert close(f["agent_radius"], agent.shape.radius)
    if "agent_mass" in f:
        assert close(f["agent_mass"], agent.mass) and close(f["drag"], world._drag)
    if "terminal_speed" in f:
        assert close(f["terminal_speed"], f["action_u"] / agent.mass * world.dt / world._drag)
        assert abs(_terminal_speed(task) - f["terminal_speed"]) < 0.01 * f["terminal_speed"]
    live = {
        "shaping_factor": getattr(sc, "shaping_factor", None),
        "fall_reward": getattr(sc, "fall_reward", None),
        "final_reward": getattr(sc, "final_reward", None),
        "pos_shaping_factor": getattr(sc, "pos_shaping_factor", None),
        "desired_velocity": getattr(sc, "desired_velocity", None),
        "lidar_range": agent.sensors[0]._max_range if agent.sensors else None,
        "grid_spacing": getattr(sc, "grid_spacing", None),
        "collision_distance": 2 * agent.shape.radius if getattr(sc, "agent_collision_penalty", 0) else None,
        "collision_penalty": getattr(sc, "agent_collision_penalty", None),
    }
    for name, value in live.items():
        if name in f:
            assert value is not None and close(f[name], value), (name, f[name], value)
    assert_numbers_are_facts(d, extra=_vmas_derived(task, venv))
    # Team reward: BenchMARL averages VMAS's per-agent rewards.
    spec = live_env_spec(task)
    assert spec.reward_key == (spec.group, "reward") and "mean over the" in d.team_reward
    assert spec.time_limit == "terminated" and "terminated (not truncated)" in d.summary


def _vmas_derived(task, venv) -> Set[float]:
    """Numbers a VMAS prompt may state that are arithmetic on the facts or source constants."""
    sc, world = venv.scenario, venv.world
    out = {world._substeps}
    if task == "vmas/balance":
        out |= {sc.line_length, sc.package.shape.radius, sc.package.mass, sc.line.mass,
                world._y_semidim, world._gravity[1].item(), sc.package.shape.radius + sc.package.goal.shape.radius}
    if task == "vmas/navigation":
        out |= {sc.world_spawning_x}
    if task == "vmas/sampling":
        out |= {sc.n_x_cells, sc.xdim, sc.n_gaussians, sc.cov, sc.grid_spacing,
                world.agents[0].sensors[0]._angles[0, 0].item()}
    if task == "vmas/transport":
        p = sc.packages[0]
        out |= {p.shape.length, p.shape.width, p.mass, world.landmarks[0].shape.radius,
                sc.world_semidim, world._x_semidim, len(sc.packages)}
    if task == "vmas/wheel":
        out |= {sc.line_length, sc.line.mass, sc.desired_velocity}
    if task == "vmas/give_way":
        out |= {sc.scenario_length / 2, sc.corridor_width, sc.corridor_width / 2,
                sc.scenario_length / 2 - sc.agent_dist_from_wall,
                sc.scenario_length / 2 - sc.goal_dist_from_wall, sc.u_range / math.sqrt(2),
                sc.passage_length / 2, sc.passage_length / 2 + sc.passage_width}
    a = world.agents[0]
    speed = a.u_range * a.u_multiplier / a.mass * world.dt / world._drag if world._drag else 0
    out |= {speed * world.dt, speed * math.sqrt(2)}
    return {float(x) for x in out}


def test_vmas_navigation_thresholds_behave_as_stated():
    """Episode end at the agent radius, final bonus at the goal radius, lidar measured from the
    agent's centre to the other agent's surface, collision penalty when surfaces touch."""
    d = get_description("vmas/navigation")
    f = facts(d)
    _, env, venv = _vmas("vmas/navigation")
    sc, world = venv.scenario, venv.world
    a0, a1, a2 = world.agents

    def place(offsets):
        for agent, off in zip(world.agents, offsets):
            agent.set_pos(agent.goal.state.pos + torch.tensor([[off, 0.0]]), batch_index=None)

    # Separate the goals so agents on their goals do not touch.
    for i, agent in enumerate(world.agents):
        agent.goal.set_pos(torch.tensor([[3.0 * i, 0.0]]), batch_index=None)
    place([0.99 * f["done_distance"]] * 3)
    assert bool(sc.done().all())
    place([1.01 * f["done_distance"], 0.0, 0.0])
    assert not bool(sc.done().any())
    # Final bonus: paid only when every agent is within the goal radius.
    place([0.99 * f["goal_radius"]] * 3)
    [sc.reward(a) for a in world.agents]
    assert close(sc.final_rew.item(), f["final_reward"])
    place([1.01 * f["goal_radius"], 0.0, 0.0])
    [sc.reward(a) for a in world.agents]
    assert sc.final_rew.item() == 0.0 and bool(sc.done().all())  # done, yet no bonus
    # Lidar: agent 1 just outside touching distance on agent 0's +x side.
    a0.set_pos(torch.tensor([[0.0, 0.0]]), batch_index=None)
    a1.set_pos(torch.tensor([[f["collision_distance"] + 0.001, 0.0]]), batch_index=None)
    a2.set_pos(torch.tensor([[0.0, 5.0]]), batch_index=None)
    obs = venv.scenario.observation(a0)
    lidar = obs[0, d.layout_field("lidar").start:d.layout_field("lidar").stop]
    assert abs(lidar[0].item() - (f["lidar_range"] - f["agent_radius"] - 0.001)) < 1e-4  # ray 0 = +x
    assert abs(lidar.max().item() - f["lidar_touching"]) < 0.002
    assert lidar[6].item() == 0.0  # ray 6 points at -x: nothing there
    [sc.reward(a) for a in world.agents]
    assert a0.agent_collision_rew.item() == 0.0  # not touching: no penalty
    # Collision: centres at most collision_distance apart.
    a1.set_pos(torch.tensor([[f["collision_distance"] - 0.001, 0.0]]), batch_index=None)
    [sc.reward(a) for a in world.agents]
    assert a0.agent_collision_rew.item() == a1.agent_collision_rew.item() == f["collision_penalty"]
    # Agents never rotate (the lidar frame is the world frame).
    assert all(a.state.rot.abs().max().item() == 0.0 for a in world.agents)
    # The prompt states both thresholds and says which is which.
    text = d.to_prompt()
    assert f"within {f['done_distance']:g} (its radius) of its goal" in text
    assert f"within {f['goal_radius']:g} of its goal" in text
    assert "from this agent's centre to the first other agent's surface" in text


# LBF --------------------------------------------------------------------------------------------
LBF_TASKS = [t for t in known_tasks() if t.startswith("lbforaging/")]


@pytest.mark.parametrize("task", LBF_TASKS)
def test_lbforaging_facts_are_the_live_values(task):
    d = get_description(task)
    f = facts(d)
    _, env = make_benchmarl_env(task)
    lbf = env.lbf_env
    assert f["grid"] == lbf.field_size[0] == lbf.field_size[1]
    assert f["n_agents"] == len(lbf.players) == d.n_agents
    assert f["max_num_food"] == lbf.max_num_food
    assert f["sight"] == lbf.sight
    assert f["max_episode_steps"] == lbf._max_episode_steps
    assert f["agent_levels"] == f"{min(lbf.min_player_level)}..{max(lbf.max_player_level)}"
    assert close(f["penalty"], lbf.penalty)
    assert_numbers_are_facts(d, extra={min(lbf.min_food_level), 1 / d.n_agents, f["grid"] - 1})
    assert "garbled" not in d.summary and "with levels are placed" not in d.summary
    spec = live_env_spec(task)
    assert spec.time_limit == "truncated" and "(truncated" in d.summary
    assert spec.reward_key == (spec.group, "reward") and "mean over the" in d.team_reward


@pytest.mark.parametrize("task", LBF_TASKS)
def test_lbforaging_food_levels_and_rewards_behave_as_stated(task):
    d = get_description(task)
    _, env = make_benchmarl_env(task)
    lbf = env.lbf_env
    for seed in range(5):
        env.set_seed(seed)
        env.reset()
        levels = sorted(p.level for p in lbf.players)
        food = lbf.field[lbf.field > 0]
        top = sum(levels[:3])
        if lbf.force_coop:
            assert (food == top).all() and "equals the sum of" in d.summary
        else:
            assert (food >= 1).all() and (food <= top).all() and "drawn uniformly from 1" in d.summary
        rows, cols = (lbf.field > 0).nonzero()
        assert rows.min() >= 1 and rows.max() <= lbf.field_size[0] - 2
    assert f"at most 1 / {d.n_agents}" in d.team_reward


# PettingZoo MPE ---------------------------------------------------------------------------------
def test_mpe_facts_are_the_live_values():
    task = "pettingzoo/simple_spread"
    d = get_description(task)
    f = facts(d)
    _, env = make_benchmarl_env(task)
    raw = env._env.unwrapped
    agent = raw.world.agents[0]
    assert f["max_cycles"] == raw.max_cycles
    assert close(f["local_ratio"], raw.local_ratio)
    assert close(f["agent_size"], agent.size) and close(f["dt"], raw.world.dt)
    assert close(f["damping"], raw.world.damping)
    # The force of a move action, measured: the velocity change of one step from rest.
    raw.reset(seed=0)
    raw.world.agents[0].state.p_vel[:] = 0
    for a in raw.world.agents[1:]:
        a.state.p_pos[:] = [50.0 * (raw.world.agents.index(a) + 1), 0.0]
    speeds = []
    for _ in range(60):
        for name in raw.agents:
            raw.step(2 if name == raw.agents[0] else 0)  # agent 0: move right
        speeds.append(raw.world.agents[0].state.p_vel[0])
    assert close(speeds[0], f["action_force"] / agent.mass * raw.world.dt)
    assert abs(speeds[-1] - f["terminal_speed"]) < 0.01 * f["terminal_speed"]
    assert_numbers_are_facts(d, extra={1 - f["local_ratio"], 2 * f["agent_size"],
                                       f["terminal_speed"] * f["dt"], len(raw.world.landmarks)},
                             small=60)
    spec = live_env_spec(task)
    assert spec.time_limit == "truncated" and spec.reward_key == (spec.group, "reward")


# matrix -------------------------------------------------------------------------------------------
def test_matrix_facts_are_the_live_payoff():
    d = get_description("matrix/climbing")
    f = facts(d)
    _, env = make_benchmarl_env("matrix/climbing")
    payoff = env.payoff
    assert close(f["best_payoff"], payoff.max()) and close(f["worst_payoff"], payoff.min())
    assert close(f["safe_payoff"], payoff[2, 2])
    assert_numbers_are_facts(d, extra=set(payoff.reshape(-1).tolist()))


# SMACv2 and GRF: no game here; pinned to the task config and the documented constants ------------
@pytest.mark.parametrize("task", [t for t in known_tasks() if t.startswith("smacv2/")])
def test_smacv2_facts_follow_the_config(task):
    from benchmarl_qllm.environments.sampling import task_config
    from benchmarl_qllm.environments.smacv2.layout import smacv2_layout

    d = get_description(task)
    f = facts(d)
    config = task_config(task)
    layout = smacv2_layout(config)
    assert f["episode_limit"] == layout.map.limit
    assert f["n_agents"] == layout.n_agents and f["n_enemies"] == layout.n_enemies
    assert f["reward_death_value"] == config.get("reward_death_value", 10)
    assert f["reward_win"] == config.get("reward_win", 200)
    assert "root `reward` key" in d.team_reward  # torchrl's SMACv2Env: one team reward
    assert "terminated" in d.summary


@pytest.mark.parametrize("task", [t for t in known_tasks() if t.startswith("gfootball/")])
def test_gfootball_facts_follow_the_config_and_gfootball(task):
    from benchmarl_qllm.environments.gfootball.descriptions import CHECKPOINT_REWARD, CHECKPOINTS
    from benchmarl_qllm.environments.sampling import task_config

    d = get_description(task)
    f = facts(d)
    config = task_config(task)
    assert f["max_episode_steps"] == config["max_episode_steps"]
    assert f["n_agents"] == config["n_agents"] == d.n_agents
    # gfootball 2.10 wrappers.CheckpointRewardWrapper: 10 zones of 0.1, thresholds from 0.99
    # down by 0.8 / 9, per controlled player, paid only when that player owns the ball.
    assert (CHECKPOINTS, CHECKPOINT_REWARD) == (10, 0.1)
    assert f["checkpoints"] == CHECKPOINTS and close(f["checkpoint_reward"], CHECKPOINT_REWARD)
    assert "OWN player" in d.reward
    # Pitch: 2 long, 0.84 wide (y in [-0.42, 0.42]); simple115v2 sizes.
    assert_numbers_are_facts(d, extra={0.99, 0.8, 0.19, 2.0, 0.84, 0.42, 104, 115}, small=20)


# sampled states cover the regimes ----------------------------------------------------------------
@pytest.mark.parametrize("task, regime", [
    ("vmas/navigation", "teammate in lidar range"),
    ("vmas/navigation", "agent within 2 radii of its goal"),
    ("vmas/transport", "agent touching the package (< 0.12)"),
    ("lbforaging/foraging_15x15_4p_3f", "two or more agents next to the same food"),
    ("lbforaging/foraging_10x10_3p_3f", "at least one food already collected"),
    ("pettingzoo/simple_spread", "agent colliding with another"),
])
def test_sampled_states_cover_the_regimes(task, regime):
    assert {"random", "sticky"} <= set(rollout_policies(task)) and len(rollout_policies(task)) > 2
    states = sample_states(task, n=128, seed=0)
    assert regime_coverage(task, states)[regime] >= 0.05
