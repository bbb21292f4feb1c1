"""Google Research Football: the task family, its descriptions and TFCAFs (always), and the
TorchRL wrapper and short training runs (only where gfootball is installed).

gfootball builds a C++ engine from source (~16 min on 2 cores), more than the CI budget allows,
so CI runs the first part and `scripts/test_gfootball.sh` runs this whole file in an
environment prepared by `scripts/install_gfootball.sh` (it sets QLLM_REQUIRE_GFOOTBALL=1, which
turns the skips into failures).
"""

from __future__ import annotations

import os

import pytest
import torch

import benchmarl_qllm  # noqa: F401 - registers qllm and the task families
from benchmarl.algorithms import QmixConfig
from benchmarl.environments import task_config_registry

from benchmarl_qllm import QllmConfig
from benchmarl_qllm.credit.function import CreditFunction, make_credit_input
from benchmarl_qllm.credit.library import library_path
from benchmarl_qllm.environments import GFootballTask, get_description
from benchmarl_qllm.environments.gfootball import (
    gfootball_available,
    gfootball_state_dim,
    N_ACTIONS,
    OBS_DIM,
    synthetic_gfootball_states,
)
from benchmarl_qllm.environments.validation import validate_for_task
from env_helpers import results_json, run_experiment, run_python

GRF_TASKS = [f"gfootball/{t.name.lower()}" for t in GFootballTask]
AGENTS = {"gfootball/academy_3_vs_1_with_keeper": 3, "gfootball/academy_counterattack_easy": 4,
          "gfootball/academy_pass_and_shoot_with_keeper": 2}


def needs_gfootball():
    if gfootball_available():
        return
    if os.environ.get("QLLM_REQUIRE_GFOOTBALL") == "1":
        pytest.fail("QLLM_REQUIRE_GFOOTBALL=1 but gfootball does not import")
    pytest.skip("gfootball is not installed (scripts/install_gfootball.sh)")


# Without gfootball ---------------------------------------------------------------------------------
def test_tasks_registered_with_their_configs():
    assert set(GRF_TASKS) == set(AGENTS)
    for task in GRF_TASKS:
        config = task_config_registry[task].get_from_yaml().config
        assert config["n_agents"] == AGENTS[task]
        assert config["env_name"] == task.split("/")[1]
        assert config["rewards"] == "scoring,checkpoints"


@pytest.mark.parametrize("task", GRF_TASKS)
def test_description_layout_and_prompt(task):
    description = get_description(task)
    n = AGENTS[task]
    assert description.n_agents == n and description.input_kind == "state"
    assert description.input_dim == gfootball_state_dim(n) == 104 + 11 * n
    assert len(description.actions) == N_ACTIONS == 19
    names = [f.name for f in description.layout]
    assert names[:8] == ["left_team_positions", "left_team_directions", "right_team_positions",
                         "right_team_directions", "ball_position", "ball_direction", "ball_owner",
                         "game_mode"]
    assert names[8:] == [f"agent_{i}_player" for i in range(n)]
    prompt = description.to_prompt()
    assert f"[B, {104 + 11 * n}]" in prompt and "`88:91` | `ball_position`" in prompt


@pytest.mark.parametrize("task", GRF_TASKS)
def test_packaged_tfcaf_passes_the_validator(task):
    header = CreditFunction.from_file(library_path(task)).header
    assert header["task"] == task and header["produced-by"].startswith("hand-written")
    report = validate_for_task(library_path(task).read_text(encoding="utf-8"), task, n_states=128)
    assert report.ok, report


def _state_with(n_agents, players, player_xy, ball_xy):
    state = synthetic_gfootball_states(n_agents, 1, seed=0)
    left = state[:, 0:22].reshape(1, 11, 2).clone()
    for player, xy in zip(players, player_xy):
        left[0, player] = torch.tensor(xy)
    state[:, 0:22] = left.reshape(1, 22)
    state[:, 88:90] = torch.tensor(ball_xy)
    controlled = torch.zeros(n_agents, 11)
    controlled[torch.arange(n_agents), torch.tensor(players)] = 1.0
    state[:, 104:] = controlled.reshape(1, -1)
    return state


def test_grf_tfcaf_credits_the_player_on_the_ball():
    task = "gfootball/academy_3_vs_1_with_keeper"
    function = CreditFunction.from_file(library_path(task))
    # Agent 1 controls player 3, which stands on the ball; the others are far from it.
    state = _state_with(3, [1, 3, 2], [(-0.5, 0.3), (0.6, 0.0), (-0.5, -0.3)], (0.6, 0.0))
    w = function.weights(make_credit_input("state", state, 3))
    assert w.shape == (1, 3) and (w >= 0.5).all()
    assert w[0].argmax() == 1 and w.mean() == pytest.approx(1.0)
    # Swapping which player agent 1 controls moves the credit with the player, not the index.
    swapped = _state_with(3, [3, 1, 2], [(0.6, 0.0), (-0.5, 0.3), (-0.5, -0.3)], (0.6, 0.0))
    assert function.weights(make_credit_input("state", swapped, 3))[0].argmax() == 0


def test_building_the_env_without_gfootball_fails_with_the_install_hint(tmp_path):
    if gfootball_available():
        pytest.skip("gfootball is installed here")
    code = (
        "import benchmarl_qllm\n"
        "from benchmarl.environments import task_config_registry\n"
        "task = task_config_registry['gfootball/academy_3_vs_1_with_keeper'].get_from_yaml()\n"
        "try:\n"
        "    task.get_env_fun(1, False, 0, 'cpu')()\n"
        "except ImportError as exc:\n"
        "    print('IMPORT ERROR:', exc)\n"
    )
    out = run_python(["-c", code], cwd=tmp_path).stdout
    assert "IMPORT ERROR:" in out and "scripts/install_gfootball.sh" in out


class _ScriptedFootball:
    """Stands in for gfootball's env: simple115v2-shaped observations, and the game itself
    ends the episode (``done``) only at step ``game_over_at`` (never when ``None``)."""

    def __init__(self, n_agents, game_over_at):
        self.n_agents, self.game_over_at, self.steps = n_agents, game_over_at, 0

    def _obs(self):
        import numpy as np

        obs = np.zeros((self.n_agents, OBS_DIM), dtype=np.float32)
        obs[np.arange(self.n_agents), 97 + np.arange(self.n_agents)] = 1.0  # controlled player
        return obs

    def reset(self):
        self.steps = 0
        return self._obs()

    def step(self, actions):
        assert len(actions) == self.n_agents
        self.steps += 1
        return self._obs(), [0.0] * self.n_agents, self.steps == self.game_over_at, {}

    def close(self):
        pass


@pytest.mark.parametrize("game_over_at, expected", [
    (None, [(False, False, False)] * 2 + [(True, False, True)]),  # the limit: truncated only
    (3, [(False, False, False)] * 2 + [(True, True, False)]),     # game over at the limit
    (2, [(False, False, False), (True, True, False)]),            # game over before it
])
def test_wrapper_reports_the_time_limit_as_truncation(monkeypatch, game_over_at, expected):
    """The wrapper's done/terminated/truncated split, without gfootball (a scripted game)."""
    import types

    from benchmarl_qllm.environments import GFootballEnv
    from benchmarl_qllm.environments.gfootball import env as env_module

    fake = types.SimpleNamespace(
        create_environment=lambda **kw: _ScriptedFootball(kw["number_of_left_players_agent_controls"],
                                                          game_over_at))
    monkeypatch.setattr(env_module, "_import_gfootball", lambda: fake)
    env = GFootballEnv(n_agents=3, max_episode_steps=3)
    try:
        td = env.reset()
        flags = []
        for _ in expected:
            td.set(("agents", "action"), torch.zeros(3, dtype=torch.int64))
            td = env.step(td)["next"]
            flags.append(tuple(td[k].item() for k in ("done", "terminated", "truncated")))
        assert flags == expected
    finally:
        env.close()


def test_hydra_composes_qllm_on_gfootball(tmp_path):
    proc = run_python(["-m", "benchmarl.run", "algorithm=qllm",
                       "task=gfootball/academy_counterattack_easy", "--cfg", "job"], cwd=tmp_path)
    assert "env_name: academy_counterattack_easy" in proc.stdout and "n_agents: 4" in proc.stdout


# With gfootball -----------------------------------------------------------------------------------
def make_env(task="gfootball/academy_3_vs_1_with_keeper", seed=0, **overrides):
    needs_gfootball()
    from benchmarl_qllm.environments import GFootballEnv

    config = dict(task_config_registry[task].get_from_yaml().config, **overrides)
    return GFootballEnv(seed=seed, **config)


@pytest.mark.parametrize("task", GRF_TASKS)
def test_check_env_specs_and_state_layout(task):
    from torchrl.envs.utils import check_env_specs

    env = make_env(task)
    try:
        check_env_specs(env)
        n = AGENTS[task]
        td = env.rollout(4, break_when_any_done=False)
        obs, state = td["agents", "observation"], td["state"]
        assert obs.shape == (4, n, OBS_DIM) and state.shape == (4, gfootball_state_dim(n))
        assert td["next", "agents", "reward"].shape == (4, n, 1)
        # The shared part is every agent's observation minus its controlled-player one-hot.
        for i in range(n):
            assert torch.equal(state[:, :97], obs[:, i, :97])
            assert torch.equal(state[:, 97:104], obs[:, i, 108:115])
            assert torch.equal(state[:, 104 + 11 * i:115 + 11 * i], obs[:, i, 97:108])
        one_hots = state[:, 104:].reshape(4, n, 11)
        assert torch.equal(one_hots.sum(-1), torch.ones(4, n))
    finally:
        env.close()


def test_time_limit_is_truncation_not_termination():
    # Three idle steps (0.3 s of game time) from the kick-off of academy_3_vs_1_with_keeper:
    # no goal, no ball out of play, no lost possession can end the episode before the limit,
    # so the episode must hit it, and every step's flags are asserted.
    env = make_env(max_episode_steps=3)
    try:
        td = env.reset()
        flags = []
        for step in range(3):
            td.set(("agents", "action"), torch.zeros(3, dtype=torch.int64))  # idle
            td = env.step(td)["next"]
            flags.append(tuple(td[k].item() for k in ("done", "terminated", "truncated")))
        assert flags == [(False, False, False), (False, False, False), (True, False, True)]
    finally:
        env.close()


def test_env_copies_get_distinct_seeds():
    needs_gfootball()
    task = task_config_registry["gfootball/academy_3_vs_1_with_keeper"].get_from_yaml()
    factory = task.get_env_fun(3, False, 7, "cpu")
    envs = [factory() for _ in range(3)]
    try:
        assert len({e.initial_seed for e in envs}) == 3
    finally:
        for e in envs:
            e.close()


@pytest.mark.parametrize("algorithm", ["qllm", "qmix"])
def test_short_training_run(tmp_path, algorithm):
    needs_gfootball()
    config = (QllmConfig if algorithm == "qllm" else QmixConfig).get_from_yaml()
    task = task_config_registry["gfootball/academy_3_vs_1_with_keeper"].get_from_yaml()
    task.config["max_episode_steps"] = 30
    experiment = run_experiment(task, config, tmp_path, max_n_frames=300,
                                off_policy_collected_frames_per_batch=150,
                                off_policy_n_envs_per_worker=2, evaluation_interval=150,
                                evaluation_episodes=1)
    results = results_json(experiment)
    assert "seed_0" in results["gfootball"]["academy_3_vs_1_with_keeper"][algorithm]
