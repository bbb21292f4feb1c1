"""SMACv2 (StarCraft II) tasks: state layouts, the live/formula spec reader, synthetic states and
the packaged TFCAFs.

StarCraft II cannot be installed on the test machines, so the layouts are checked against
smacv2's formulas recomputed here from BenchMARL's yaml configs (and against numbers published
in torchrl's SMACv2 docs), the live route is exercised with a stand-in env exposing the specs
torchrl's ``SMACv2Env`` has, and the credit functions run on synthetic states of the exact
layout. Where smacv2 + StarCraft II are installed, the registered reader and sampler use the
real game instead (and the tests that assume its absence are skipped).
"""

import importlib.util
import logging
import os
import subprocess
import sys

import pytest
import torch
from benchmarl.environments import task_config_registry
from torchrl.data import Bounded, Categorical, Composite, Unbounded

from benchmarl_qllm.credit import CreditFunction, CreditFunctionError, library_path, static_check
from benchmarl_qllm.models import LLMCreditMixer
from benchmarl_qllm.environments import (
    LayoutMismatchError,
    check_against_env,
    get_description,
    known_tasks,
    sample_states,
)
from benchmarl_qllm.environments.sampling import benchmarl_task_class
from benchmarl_qllm.environments.smacv2 import live as smacv2_module
from benchmarl_qllm.environments.smacv2 import (
    SPEC_SOURCE_KEY,
    check_feature_names,
    is_launch_failure,
    smacv2_description,
    smacv2_env_spec,
    smacv2_layout,
    smacv2_sample_states,
    synthetic_smacv2_states,
)

HAS_SMACV2 = importlib.util.find_spec("smacv2") is not None
LIBRARY_TASKS = [
    f"smacv2/{race}_{size}"
    for race in ("protoss", "terran", "zerg")
    for size in ("5_vs_5", "10_vs_10")
]
ALL_TASKS = [k for k in task_config_registry if k.startswith("smacv2/")]
# (n_agents, state_dim, n_actions), worked out by hand from smacv2's get_state_size():
# protoss 5v5: 5 * (4 + 1 shield + 3 types) + 5 * (3 + 1 + 3) + 5 * (6 + 5) = 40 + 35 + 55.
HAND_COMPUTED = {
    "smacv2/protoss_5_vs_5": (5, 130, 11),
    "smacv2/protoss_10_vs_10": (10, 310, 16),
    "smacv2/terran_5_vs_5": (5, 120, 11),
    "smacv2/terran_10_vs_10": (10, 290, 16),
    "smacv2/zerg_5_vs_5": (5, 120, 11),
    "smacv2/zerg_10_vs_10": (10, 290, 16),
}
N_STATES = 128


def expected_sizes(task, **overrides):
    """smacv2's sizes recomputed from the BenchMARL yaml (independently of the package code)."""
    cfg = dict(task_config_registry[task].get_from_yaml().config)
    cfg.update(overrides)
    caps = cfg["capability_config"]
    n, m = caps["n_units"], caps["n_enemies"]
    shield = 1 if cfg["map_name"] == "10gen_protoss" else 0  # only Protoss have shields
    type_bits = 3  # unit_type_bits of the 10gen_* maps (smac_maps.py)
    assert not cfg["conic_fov"] and "attack" not in caps and "health" not in caps
    n_actions = 6 + m  # no-op, stop, 4 moves, one per enemy target
    state = n * (4 + shield + type_bits) + m * (3 + shield + type_bits)
    state += n * n_actions if cfg["state_last_action"] else 0
    state += 1 if cfg["state_timestep_number"] else 0
    return n, state, n_actions


@pytest.fixture(scope="module")
def states():
    cache = {}

    def get(task):
        if task not in cache:
            cache[task] = sample_states(task, n=N_STATES, seed=0)
        return cache[task].clone()

    return get


def fields_of(description):
    return {f.name: f for f in description.layout}


# Layouts -----------------------------------------------------------------------------------------
def test_every_benchmarl_smacv2_task_is_described():
    assert len(ALL_TASKS) == 15
    assert set(ALL_TASKS) <= set(known_tasks())


@pytest.mark.parametrize("task", ALL_TASKS)
def test_description_sizes_follow_smacv2_formulas(task):
    d = get_description(task)
    n, state_dim, n_actions = expected_sizes(task)
    assert (d.n_agents, d.input_dim, len(d.actions)) == (n, state_dim, n_actions)
    assert d.input_kind == "state" and d.igm == "enforce"
    if task in HAND_COMPUTED:
        assert HAND_COMPUTED[task] == (n, state_dim, n_actions)
    position = 0
    for f in d.layout:
        assert f.start == position and f.stop > f.start, f
        position = f.stop
    assert position == state_dim


def test_torchrl_documented_sizes():
    """torchrl's SMACv2 docstring shows a real 10gen_terran 5-vs-6 env: state 131, 12 actions."""
    config = dict(task_config_registry["smacv2/terran_5_vs_5"].get_from_yaml().config)
    config["capability_config"] = dict(config["capability_config"], n_units=5, n_enemies=6)
    layout = smacv2_layout(config)
    sizes = (layout.n_agents, layout.n_enemies, layout.state_dim, layout.n_actions)
    assert sizes == (5, 6, 131, 12)


@pytest.mark.parametrize("task", LIBRARY_TASKS)
def test_layout_blocks_and_field_positions(task):
    d = get_description(task)
    fields = fields_of(d)
    protoss = "protoss" in task
    n, _, n_actions = expected_sizes(task)
    nf_al, nf_en = 7 + protoss, 6 + protoss
    for i in range(n):
        base = i * nf_al
        assert fields[f"ally{i}_health"].start == base
        assert fields[f"ally{i}_cooldown"].start == base + 1
        assert fields[f"ally{i}_relative_x"].start == base + 2
        assert fields[f"ally{i}_relative_y"].start == base + 3
        assert (f"ally{i}_shield" in fields) == protoss
        assert fields[f"ally{i}_unit_type"].width == 3
        assert fields[f"ally{i}_unit_type"].stop == base + nf_al
        e_base = n * nf_al + i * nf_en
        assert fields[f"enemy{i}_health"].start == e_base
        assert fields[f"enemy{i}_relative_x"].start == e_base + 1
        assert fields[f"enemy{i}_unit_type"].stop == e_base + nf_en
        assert fields[f"ally{i}_last_action"].width == n_actions
    assert fields["ally0_last_action"].start == n * (nf_al + nf_en)
    prompt = d.to_prompt()
    assert "| `0:1` | `ally0_health` |" in prompt
    assert f"{n_actions} discrete actions" in prompt
    race_types = {"protoss": "0 = stalker, 1 = zealot, 2 = colossus",
                  "terran": "0 = marine, 1 = marauder, 2 = medivac",
                  "zerg": "0 = zergling, 1 = hydralisk, 2 = baneling"}
    assert race_types[task.split("/")[1].split("_")[0]] in prompt


@pytest.mark.parametrize(
    "overrides", [{"state_timestep_number": True}, {"state_last_action": False}]
)
def test_config_overrides_change_the_layout(overrides):
    task = "smacv2/protoss_5_vs_5"
    d = get_description(task, **overrides)
    _, state_dim, _ = expected_sizes(task, **overrides)
    assert d.input_dim == state_dim == sum(f.width for f in d.layout)
    names = set(fields_of(d))
    assert ("timestep" in names) == overrides.get("state_timestep_number", False)
    assert ("ally0_last_action" in names) == overrides.get("state_last_action", True)
    assert sample_states(task, n=8, seed=1, **overrides).shape == (8, state_dim)


def test_feature_names_follow_smacv2_naming():
    layout = smacv2_layout(task_config_registry["smacv2/protoss_5_vs_5"].get_from_yaml().config)
    names = layout.feature_names()
    assert len(names) == layout.state_dim == 130
    assert names[:8] == ["ally_health_0", "ally_cooldown_0", "ally_relative_x_0",
                         "ally_relative_y_0", "ally_shield_0", "ally_unit_type_0_bit_0",
                         "ally_unit_type_0_bit_1", "ally_unit_type_0_bit_2"]
    assert names[40:44] == ["enemy_health_0", "enemy_relative_x_0", "enemy_relative_y_0",
                            "enemy_shield_0"]
    assert names[75] == "ally_last_action_0_action_0"
    assert names[-1] == "ally_last_action_4_action_10"
    check_feature_names("t", layout, names)
    swapped = names[:]
    swapped[2], swapped[3] = swapped[3], swapped[2]
    with pytest.raises(LayoutMismatchError, match="feature 2"):
        check_feature_names("t", layout, swapped)
    with pytest.raises(LayoutMismatchError, match="131 features"):
        check_feature_names("t", layout, names + ["timestep"])


def test_unsupported_configs_fail_clearly():
    config = dict(task_config_registry["smacv2/zerg_5_vs_5"].get_from_yaml().config)
    with pytest.raises(ValueError, match="obs_instead_of_state"):
        smacv2_layout(dict(config, obs_instead_of_state=True))
    with pytest.raises(ValueError, match="not described"):
        smacv2_layout(dict(config, map_name="3s5z"))


# Spec reader: live env first, formulas as the fallback -------------------------------------------
def test_launch_failure_classification():
    class SC2LaunchError(Exception):
        pass

    SC2LaunchError.__module__ = "pysc2.lib.sc_process"
    assert is_launch_failure(ImportError("no smacv2"))
    assert is_launch_failure(FileNotFoundError("no binary"))
    assert is_launch_failure(SC2LaunchError("Expected to find StarCraft II installed"))
    chained = RuntimeError("wrapped")
    chained.__cause__ = SC2LaunchError("x")
    assert is_launch_failure(chained)
    assert not is_launch_failure(ValueError("bad config"))
    assert not is_launch_failure(KeyError("map_name"))


@pytest.mark.skipif(HAS_SMACV2, reason="smacv2 is installed: the live env is used")
def test_without_smacv2_the_formula_spec_is_used_and_logged(caplog):
    with caplog.at_level(logging.WARNING, logger="benchmarl_qllm.environments.smacv2.live"):
        spec = smacv2_env_spec("smacv2/terran_10_vs_10", {})
    assert spec.config[SPEC_SOURCE_KEY].startswith("formula (the smacv2 package is not installed")
    assert (spec.n_agents, spec.input_dim, spec.n_actions) == (10, 290, 16)
    assert spec.input_key == ("state",)
    assert "computed from smacv2's formulas" in caplog.text


class FakeSmacv2Env:
    """Stands in for torchrl's SMACv2Env: the same specs, group map and smacv2 feature names."""

    def __init__(self, n_agents, state_dim, n_actions, feature_names):
        self.group_map = {"agents": [str(i) for i in range(n_agents)]}
        self.observation_spec = Composite(
            {
                "agents": Composite(
                    {
                        "observation": Bounded(-1.0, 1.0, shape=(n_agents, 92)),
                        "action_mask": Categorical(
                            2, shape=(n_agents, n_actions), dtype=torch.bool
                        ),
                    },
                    shape=(n_agents,),
                ),
                "state": Bounded(-1.0, 1.0, shape=(state_dim,)),
                "info": Composite({"battle_won": Categorical(2, dtype=torch.bool)}),
            }
        )
        self.full_action_spec = Composite(
            {"agents": Composite({"action": Categorical(n_actions, shape=(n_agents,))},
                                 shape=(n_agents,))}
        )
        self.reward_spec = Unbounded(shape=(1,))
        self._names = feature_names
        self.closed = False

    def get_state_feature_names(self):
        return list(self._names)

    def close(self):
        self.closed = True


def _patch_live(monkeypatch, make_env):
    monkeypatch.setattr(smacv2_module, "smacv2_unavailable_reason", lambda: None)
    monkeypatch.setattr(smacv2_module, "make_benchmarl_env", make_env)


def test_live_env_is_read_and_checked_against_the_layout(monkeypatch):
    task = "smacv2/protoss_5_vs_5"
    layout = smacv2_layout(benchmarl_task_class(task).config)
    envs = []

    def make_env(task_name, overrides, num_envs=1, seed=0):
        envs.append(FakeSmacv2Env(5, 130, 11, layout.feature_names()))
        return benchmarl_task_class(task_name, overrides), envs[-1]

    _patch_live(monkeypatch, make_env)
    spec = smacv2_env_spec(task, {})
    sizes = (spec.n_agents, spec.input_dim, spec.n_actions, spec.input_key)
    assert sizes == (5, 130, 11, ("state",))
    assert spec.config[SPEC_SOURCE_KEY] == "live"
    assert envs[0].closed
    # The description built from the formulas agrees with the live spec.
    check_against_env(smacv2_description(spec), spec)


def test_live_env_with_another_layout_is_reported(monkeypatch):
    task = "smacv2/protoss_5_vs_5"
    layout = smacv2_layout(benchmarl_task_class(task).config)
    names = layout.feature_names()

    def make_env(task_name, overrides, num_envs=1, seed=0):
        # e.g. a smacv2 version without shields in the state: 120 features, other names
        kept = [x for x in names if "shield" not in x]
        return benchmarl_task_class(task_name, overrides), FakeSmacv2Env(5, len(kept), 11, kept)

    _patch_live(monkeypatch, make_env)
    with pytest.raises(LayoutMismatchError, match="layout says 'ally_shield_0'"):
        smacv2_env_spec(task, {})

    def make_env_no_names(task_name, overrides, num_envs=1, seed=0):
        return benchmarl_task_class(task_name, overrides), FakeSmacv2Env(5, 120, 11, None)

    monkeypatch.setattr(FakeSmacv2Env, "get_state_feature_names", None)
    _patch_live(monkeypatch, make_env_no_names)
    live = smacv2_env_spec(task, {})  # no feature names: sizes are still compared
    with pytest.raises(LayoutMismatchError, match="130 wide|covers"):
        check_against_env(smacv2_description(live), live)


def test_launch_failures_fall_back_other_errors_propagate(monkeypatch):
    class SC2LaunchError(Exception):
        pass

    SC2LaunchError.__module__ = "pysc2.lib.sc_process"

    def no_game(*args, **kwargs):
        raise SC2LaunchError("Expected to find StarCraft II installed at '~/StarCraftII'")

    _patch_live(monkeypatch, no_game)
    spec = smacv2_env_spec("smacv2/zerg_5_vs_5", {})
    assert spec.config[SPEC_SOURCE_KEY].startswith("formula (StarCraft II did not start")
    assert (spec.n_agents, spec.input_dim) == (5, 120)

    def broken(*args, **kwargs):
        raise ValueError("unexpected keyword argument 'foo'")

    _patch_live(monkeypatch, broken)
    with pytest.raises(ValueError, match="foo"):
        smacv2_env_spec("smacv2/zerg_5_vs_5", {})


def test_sampler_uses_the_live_env_when_it_runs(monkeypatch):
    task = "smacv2/zerg_5_vs_5"
    monkeypatch.setattr(smacv2_module, "smacv2_unavailable_reason", lambda: None)
    real = torch.full((4, 120), 0.5)
    monkeypatch.setattr(smacv2_module, "benchmarl_sample_states", lambda *a: real)
    assert smacv2_sample_states(task, 4, 0, {}) is real

    def no_game(*args):
        raise ConnectionRefusedError("SC2 websocket")

    monkeypatch.setattr(smacv2_module, "benchmarl_sample_states", no_game)
    torch.testing.assert_close(
        smacv2_sample_states(task, 4, 0, {}), synthetic_smacv2_states(task, 4, 0, {})
    )

    def bug(*args):
        raise IndexError("bug in a rollout")

    monkeypatch.setattr(smacv2_module, "benchmarl_sample_states", bug)
    with pytest.raises(IndexError):
        smacv2_sample_states(task, 4, 0, {})


# Synthetic states --------------------------------------------------------------------------------
def unit_blocks(task, s):
    layout = smacv2_layout(benchmarl_task_class(task).config)
    a0, a1 = layout.ally_block
    e0, e1 = layout.enemy_block
    allies = s[:, a0:a1].reshape(len(s), layout.n_agents, layout.nf_al)
    enemies = s[:, e0:e1].reshape(len(s), layout.n_enemies, layout.nf_en)
    l0, l1 = layout.last_action_block
    last = s[:, l0:l1].reshape(len(s), layout.n_agents, layout.n_actions)
    return layout, allies, enemies, last


@pytest.mark.parametrize("task", LIBRARY_TASKS)
def test_synthetic_states_respect_the_layout(task, states):
    s = states(task)
    layout, allies, enemies, last = unit_blocks(task, s)
    assert s.shape == (N_STATES, layout.state_dim) and s.dtype == torch.float32
    assert torch.isfinite(s).all()
    for block, pos in ((allies, slice(2, 4)), (enemies, slice(1, 3))):
        alive = block[..., 0] > 0
        assert (block[..., 0] >= 0).all() and (block[..., 0] <= 1).all()
        assert (block[..., pos].abs() <= 1).all()
        assert (block[~alive] == 0).all(), "dead units must be all-zero rows"
        types = block[..., -3:]
        assert ((types == 0) | (types == 1)).all()
        assert (types.sum(-1)[alive] == 1).all()
        assert 0 < alive.float().mean() < 1, "need both living and dead units"
    if "protoss" in task:
        assert ((allies[..., 4] >= 0) & (allies[..., 4] <= 1)).all()
    # Last actions: one-hot rows (or all zero right after the reset); dead agents did a no-op.
    row_sums = last.sum(-1)
    assert ((row_sums == 0) | (row_sums == 1)).all() and ((last == 0) | (last == 1)).all()
    played = row_sums == 1
    dead = allies[..., 0] == 0
    assert (last[dead & played][:, 0] == 1).all()
    assert (last[~dead & played][:, 0] == 0).all()
    assert played.any() and (~played).any()
    # Deterministic per seed.
    again = sample_states(task, n=N_STATES, seed=0)
    assert torch.equal(again, s)
    assert not torch.equal(sample_states(task, n=N_STATES, seed=1), s)


def test_synthetic_states_team_rules():
    task = "smacv2/terran_10_vs_10"
    s = synthetic_smacv2_states(task, 512, 3)
    layout, allies, enemies, _ = unit_blocks(task, s)
    fresh = (allies[..., 0] > 0).all(-1) & (enemies[..., 0] > 0).all(-1)
    ally_types = allies[fresh][..., -3:].argmax(-1)
    enemy_types = enemies[fresh][..., -3:].argmax(-1)
    # Mirror match: the same multiset of types on both sides (when everybody is alive).
    assert torch.equal(ally_types.sort(-1).values, enemy_types.sort(-1).values)
    # Never a team of only medivacs (exception_unit_types), agents sorted by type
    # (marauder < marine < medivac, i.e. one-hot index 1 < 0 < 2).
    assert not (ally_types == 2).all(-1).any()
    rank = torch.tensor([1, 0, 2])[ally_types]
    assert (rank[:, 1:] >= rank[:, :-1]).all()


# Packaged TFCAFs ---------------------------------------------------------------------------------
def mixer_for(task, igm="relax"):
    d = get_description(task)
    return LLMCreditMixer(
        CreditFunction.from_file(library_path(task)),
        n_agents=d.n_agents,
        input_kind="state",
        igm=igm,
    )


@pytest.mark.parametrize("task", LIBRARY_TASKS)
def test_library_file_is_clean_and_declares_its_layout(task):
    source = library_path(task).read_text()
    report = static_check(source)
    assert report.ok, report.errors
    header = CreditFunction.from_source(source).header
    d = get_description(task)
    assert header["task"] == task
    assert header["igm"] == "enforce"
    assert header["produced-by"].startswith("hand-written")
    assert header["model"] == "none" and header["prompt-sha256"] == "none"
    assert header["input"] == f"state [B, {d.input_dim}]"


@pytest.mark.parametrize("task", LIBRARY_TASKS)
def test_tfcaf_weights_on_synthetic_states(task, states):
    s = states(task)
    n = get_description(task).n_agents
    w, b = mixer_for(task).credit(s)  # relax: a negative weight would not be clamped away
    assert w.shape == (N_STATES, n) and b.shape == (N_STATES, 1)
    assert torch.isfinite(w).all() and torch.isfinite(b).all()
    assert (w > 0).all()
    torch.testing.assert_close(w.mean(-1), torch.ones(N_STATES), atol=1e-5, rtol=0)
    assert (w.amax(0) - w.amin(0)).min() > 0.1, "weights must depend on the state"
    # Dead allies get less credit than every living ally of the same state.
    _, allies, _, _ = unit_blocks(task, s)
    alive = allies[..., 0] > 0
    mixed = alive.any(-1) & (~alive).any(-1)
    assert mixed.sum() > 10
    best_dead = torch.where(~alive, w, torch.zeros_like(w)).amax(-1)
    worst_alive = torch.where(alive, w, torch.full_like(w, float("inf"))).amin(-1)
    assert (best_dead[mixed] < worst_alive[mixed]).all()
    # Row by row: a row's weights do not depend on the rest of the batch.
    torch.testing.assert_close(mixer_for(task).credit(s[:7])[0], w[:7])
    torch.testing.assert_close(mixer_for(task).credit(s.flip(0))[0].flip(0), w)
    # Q_tot = sum_i w_i Q_i, gradients reach every agent.
    q = torch.randn(N_STATES, n, 1, requires_grad=True)
    q_tot = mixer_for(task, igm="enforce")(q, s)
    torch.testing.assert_close(q_tot, (w.unsqueeze(-1) * q).sum(-2), atol=1e-5, rtol=1e-5)
    q_tot.sum().backward()
    assert (q.grad > 0).all()


@pytest.mark.parametrize("task", LIBRARY_TASKS)
def test_tfcaf_credit_follows_the_fight(task):
    """Hand-built state: agent 0 stands next to a wounded enemy, agent 1 far away, agent 2 dead."""
    layout = smacv2_layout(benchmarl_task_class(task).config)
    s = torch.zeros(1, layout.state_dim)
    marine_like = 0  # one-hot index 0: stalker / marine / zergling

    def put(unit, i, health, x, y):
        s[0, layout.feature_index(unit, i, "health")] = health
        s[0, layout.feature_index(unit, i, "relative_x")] = x
        s[0, layout.feature_index(unit, i, "relative_y")] = y
        if layout.map.shield_bits:
            s[0, layout.feature_index(unit, i, "shield")] = health
        s[0, layout.feature_index(unit, i, "unit_type") + marine_like] = 1.0

    for i in range(layout.n_agents):
        if i != 2:
            put("ally", i, 0.8, 0.4, 0.4)          # everybody else far from the fight
    put("ally", 0, 0.8, -0.1, 0.0)
    put("ally", 1, 0.8, 0.45, -0.45)
    for j in range(layout.n_enemies):
        put("enemy", j, 1.0, -0.45, 0.45)
    put("enemy", 0, 0.2, -0.05, 0.0)               # wounded enemy right next to agent 0
    w, _ = mixer_for(task).credit(s)
    assert w[0, 0] > w[0, 1] > w[0, 2]
    assert w[0, 2] == pytest.approx(0.1)
    # Once every enemy is dead, living allies share the credit equally.
    for j in range(layout.n_enemies):
        s[0, layout.feature_index("enemy", j, "health")] = 0.0
    w, _ = mixer_for(task).credit(s)
    assert torch.allclose(w[0, [0, 1, 3]], w[0, 0].expand(3)) and w[0, 2] < w[0, 0]


@pytest.mark.parametrize("task", LIBRARY_TASKS)
@pytest.mark.parametrize("fill", [0.0, 1e6, -1e6, float("nan")])
def test_tfcaf_finite_on_extreme_inputs(task, fill, states):
    s = states(task)[:4]
    extreme = torch.full_like(s, fill)
    extreme[1] = s[1] * 1e4
    w, b = mixer_for(task).credit(extreme)
    assert torch.isfinite(w).all() and (w > 0).all()


@pytest.mark.parametrize("task", LIBRARY_TASKS)
def test_tfcaf_rejects_another_layout(task):
    d = get_description(task)
    with pytest.raises(CreditFunctionError, match="state of width"):
        mixer_for(task).credit(torch.zeros(2, d.input_dim + 3))


def test_tfcaf_passes_the_validator():
    from benchmarl_qllm.environments.validation import validate_for_task

    task = "smacv2/terran_5_vs_5"
    report = validate_for_task(library_path(task).read_text(), task, n_states=64)
    assert report.ok, report.format()


# BenchMARL entry points --------------------------------------------------------------------------
def _run_benchmarl(tmp_path, *args, timeout=180):
    env = dict(os.environ, WANDB_MODE="offline", HYDRA_FULL_ERROR="0")
    return subprocess.run(
        [sys.executable, "-m", "benchmarl.run", "algorithm=qllm", "task=smacv2/protoss_5_vs_5",
         *args],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=timeout,
    )


def test_hydra_composes_qllm_on_smacv2(tmp_path):
    result = _run_benchmarl(tmp_path, "--cfg", "job")
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert "map_name: 10gen_protoss" in out and "n_units: 5" in out
    assert "credit: library" in out and "igm: enforce" in out


@pytest.mark.skipif(HAS_SMACV2, reason="smacv2 is installed")
def test_run_without_smacv2_fails_clearly(tmp_path):
    result = _run_benchmarl(
        tmp_path, "experiment.loggers=[csv]", "experiment.render=false",
        f"experiment.save_folder={tmp_path}",
    )
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "smacv2 python package was not found" in output
    assert "https://github.com/oxwhirl/smacv2" in output
