"""Task descriptions: the layouts are checked against the live VMAS environments."""

import dataclasses
import json
import math
import re

import pytest
import torch
import vmas

from benchmarl_qllm.environments import (
    EnvSpec,
    LayoutField,
    LayoutMismatchError,
    TaskDescription,
    build_layout,
    get_description,
    known_tasks,
    register_description,
    sample_states,
)
from benchmarl_qllm.environments import description as descriptions_module
from benchmarl_qllm.environments import sampling as sampling_module
from benchmarl_qllm.environments.vmas.descriptions import navigation as navigation_builder

# Sizes of BenchMARL's default VMAS configs (benchmarl/conf/task/vmas/*.yaml).
EXPECTED = {
    "vmas/balance": (4, 16),
    "vmas/navigation": (3, 18),
    "vmas/sampling": (3, 24),
    "vmas/transport": (4, 11),
    "vmas/wheel": (4, 13),
    "vmas/give_way": (2, 4),
}
VMAS_TASKS = list(EXPECTED)


def field_values(description, states, name):
    (f,) = [f for f in description.layout if f.name == name]
    return states[..., f.start:f.stop]


def test_known_tasks_cover_the_vmas_tasks():
    assert set(VMAS_TASKS) <= set(known_tasks())
    assert known_tasks() == sorted(known_tasks())


@pytest.mark.parametrize("task", VMAS_TASKS)
def test_layout_tiles_the_live_observation(task, real_states):
    states = real_states(task)
    d = get_description(task)
    assert (d.task, d.input_kind, d.igm) == (task, "observation", "enforce")
    assert (d.n_agents, d.input_dim) == EXPECTED[task]
    assert states.shape == (64, d.n_agents, d.input_dim)
    position = 0
    for f in d.layout:
        assert f.start == position and f.stop > f.start, f
        position = f.stop
    assert position == states.shape[-1]
    assert len({f.name for f in d.layout}) == len(d.layout)
    assert len(d.actions) == 9


def test_layout_semantics_on_real_states(real_states):
    """Spot checks that each named slice holds what its description says."""
    d, s = get_description("vmas/navigation"), real_states("vmas/navigation")
    lidar = field_values(d, s, "lidar")
    assert lidar.shape[-1] == 12 and (lidar >= 0).all() and (lidar <= 0.35 + 1e-5).all()

    d, s = get_description("vmas/sampling"), real_states("vmas/sampling")
    lidar = field_values(d, s, "lidar")
    # Distance to the other agent's surface: slightly negative while two agents overlap.
    assert (lidar <= 0.2 + 1e-5).all() and (lidar >= -d.fact("agent_radius")).all()
    density = torch.cat([field_values(d, s, f.name) for f in d.layout if f.name.startswith("density_")], -1)
    assert density.shape[-1] == 8 and (density >= 0).all() and (density > 0).any()

    d, s = get_description("vmas/transport"), real_states("vmas/transport")
    on_goal = field_values(d, s, "package_on_goal")
    assert ((on_goal == 0) | (on_goal == 1)).all()
    # Every agent sees the same package-goal vector.
    pg = field_values(d, s, "package_minus_goal")
    assert torch.allclose(pg, pg[:, :1].expand_as(pg))

    d, s = get_description("vmas/wheel"), real_states("vmas/wheel")
    half = field_values(d, s, "line_end1_minus_agent") - field_values(d, s, "line_centre_minus_agent")
    assert torch.allclose(half.norm(dim=-1), torch.full(half.shape[:-1], 0.5), atol=1e-4)
    rot = field_values(d, s, "line_rot")
    assert (rot >= 0).all() and (rot < math.pi).all()

    d, s = get_description("vmas/balance"), real_states("vmas/balance")
    rot = field_values(d, s, "line_rot")
    assert (rot >= 0).all() and (rot < math.pi).all()

    d, s = get_description("vmas/give_way"), real_states("vmas/give_way")
    x = field_values(d, s, "agent_pos")[..., 0]
    assert (x[:, 0] < 0).all() and (x[:, 1] > 0).all()  # agent 0 starts left, agent 1 right


def test_unknown_task_raises_with_the_known_tasks():
    with pytest.raises(ValueError, match="Known tasks") as info:
        get_description("vmas/not_a_task")
    assert "vmas/balance" in str(info.value)


@pytest.mark.parametrize("task", VMAS_TASKS)
def test_prompt_shows_every_field_with_its_slice(task):
    d = get_description(task)
    prompt = d.to_prompt()
    for f in d.layout:
        assert re.search(rf"`{f.start}:{f.stop}`.*`{re.escape(f.name)}`", prompt), f.name
    for i, meaning in enumerate(d.actions):
        assert f"- {i}: {meaning}" in prompt
    assert f"[B, {d.n_agents}, {d.input_dim}]" in prompt
    assert d.summary.strip()[:40] in prompt and d.reward.strip()[:40] in prompt


def test_to_dict_is_plain_data():
    d = get_description("vmas/balance")
    data = json.loads(json.dumps(d.to_dict()))
    assert data["task"] == "vmas/balance"
    assert data["layout"][0] == {"name": "agent_pos", "start": 0, "stop": 2,
                                 "description": d.layout[0].description}


@pytest.mark.parametrize("task, n_envs_u", [("vmas/navigation", 1.0), ("vmas/transport", 0.6)])
def test_described_actions_match_vmas(task, n_envs_u):
    """Action k of the description is the force VMAS really applies for k."""
    d = get_description(task)
    env = vmas.make_env(task.split("/")[1], num_envs=9, continuous_actions=False, seed=0)
    env.reset()
    env.step([torch.arange(9).unsqueeze(-1) for _ in env.agents])
    u = env.agents[0].action.u
    for k, meaning in enumerate(d.actions):
        fx, fy = re.search(r"\(([-+0-9.]+), ([-+0-9.]+)\)", meaning).groups()
        assert torch.allclose(u[k], torch.tensor([float(fx), float(fy)]), atol=1e-3), (k, meaning)


def test_layout_follows_the_task_config():
    d = get_description("vmas/navigation", n_lidar_rays=8)
    assert d.input_dim == 14
    assert [f.stop - f.start for f in d.layout if f.name == "lidar"] == [8]
    d = get_description("vmas/transport", n_packages=2)
    assert d.input_dim == 18 and "package_1_on_goal" in [f.name for f in d.layout]
    assert get_description("vmas/navigation").input_dim == 18  # overrides are not sticky


def test_stale_layout_fails_loudly(monkeypatch):
    """A layout that no longer matches the environment must not produce a prompt."""

    def stale(spec):  # written for 8 lidar rays, the env has 12
        return navigation_builder(dataclasses.replace(spec, facts={**spec.facts, "lidar_rays": 8}))

    monkeypatch.setitem(descriptions_module._BUILDERS, "vmas/navigation", stale)
    with pytest.raises(LayoutMismatchError, match="18"):
        get_description("vmas/navigation")


def test_description_rejects_gaps_and_overlaps():
    common = dict(task="x/y", summary="s", reward="r", actions=["a"], n_agents=2,
                  input_kind="state", input_dim=4)
    TaskDescription(layout=build_layout([("a", 2, ""), ("b", 2, "")]), **common)
    with pytest.raises(LayoutMismatchError, match="gap"):
        TaskDescription(layout=[LayoutField("a", 0, 2, ""), LayoutField("b", 3, 4, "")], **common)
    with pytest.raises(LayoutMismatchError, match="overlap"):
        TaskDescription(layout=[LayoutField("a", 0, 3, ""), LayoutField("b", 2, 4, "")], **common)
    with pytest.raises(LayoutMismatchError, match="covers"):
        TaskDescription(layout=build_layout([("a", 3, "")]), **common)
    with pytest.raises(ValueError):
        TaskDescription(layout=build_layout([("a", 4, "")]), **{**common, "igm": "maybe"})


def test_other_families_can_register(monkeypatch):
    monkeypatch.setattr(descriptions_module, "_BUILDERS", dict(descriptions_module._BUILDERS))
    monkeypatch.setattr(sampling_module, "_SPEC_READERS", dict(sampling_module._SPEC_READERS))

    def reader(task, overrides):
        return EnvSpec(task=task, n_agents=2, input_kind="state", input_dim=3, input_key=("state",),
                       n_actions=2, config=dict(overrides))

    def build(spec):
        return TaskDescription(
            task=spec.task, summary="A 2x2 matrix game.", reward="Payoff matrix.",
            actions=["A", "B"], n_agents=spec.n_agents, input_kind="state",
            input_dim=spec.input_dim, igm="relax",
            layout=build_layout([("step_one_hot", 2, "time step"), ("bias", 1, "constant 1")]),
        )

    register_description("toy/matrix_2x2", build, env_spec=reader)
    with pytest.raises(ValueError, match="already registered"):
        register_description("toy/matrix_2x2", build)
    assert "toy/matrix_2x2" in known_tasks()
    prompt = get_description("toy/matrix_2x2").to_prompt()
    assert "`state[:, start:stop]`" in prompt and "`2:3` | `bias`" in prompt
    assert "[B, 3]" in prompt and "igm = relax" in prompt


def test_sample_states_is_seeded_and_leaves_global_rng_alone():
    torch.manual_seed(123)
    before = torch.random.get_rng_state()
    a = sample_states("vmas/transport", n=16, seed=1)
    assert torch.equal(torch.random.get_rng_state(), before)
    b = sample_states("vmas/transport", n=16, seed=1)
    c = sample_states("vmas/transport", n=16, seed=2)
    assert a.shape == (16, 4, 11)
    assert torch.equal(a, b) and not torch.equal(a, c)
    with pytest.raises(ValueError):
        sample_states("vmas/transport", n=0)
