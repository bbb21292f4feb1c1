"""Level-Based Foraging: the TorchRL wrapper, the BenchMARL task family, its TFCAFs and runs."""

import pickle
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import benchmarl_qllm  # noqa: F401 - registers qllm and the task families
from benchmarl.algorithms import QmixConfig
from benchmarl.environments import _task_class_registry, task_config_registry
from hydra.core.config_store import ConfigStore
from torchrl.envs import SerialEnv
from torchrl.envs.utils import check_env_specs

from benchmarl_qllm import QllmConfig
from benchmarl_qllm.credit.function import CreditFunction, make_credit_input
from benchmarl_qllm.credit.library import library_path
from benchmarl_qllm.environments import (
    LBForagingClass,
    LBForagingConfig,
    LBForagingTask,
    register_tasks,
)
from benchmarl_qllm.environments.lbforaging import lbf_state_dim

sys.path.insert(0, str(Path(__file__).resolve().parent))
from env_helpers import results_json, run_experiment, run_python  # noqa: E402

LBF_TASKS = list(LBForagingTask)
NONE, NORTH, SOUTH, WEST, EAST, LOAD = range(6)


def needs_lbforaging():
    pytest.importorskip("lbforaging", reason="lbforaging is not installed")


def make_env(task=LBForagingTask.FORAGING_8X8_2P_2F_COOP, seed=0, **overrides):
    needs_lbforaging()
    config = dict(task.get_from_yaml().config, **overrides)
    from benchmarl_qllm.environments import LBForagingEnv

    return LBForagingEnv(seed=seed, **config)


def act(env, td, actions):
    td = td.clone()
    td.set(("agents", "action"), torch.tensor(actions))
    return env.step(td)


def set_scene(env, food, players):
    """Put the LBF env in a hand-made position: food {(r, c): level}, players [(r, c, level)]."""
    raw = env.lbf_env
    raw.field[:] = 0
    for (r, c), level in food.items():
        raw.field[r, c] = level
    raw._food_spawned = float(raw.field.sum())
    for player, (r, c, level) in zip(raw.players, players):
        player.position, player.level = (r, c), level
    raw.current_step = 0
    raw.test_gen_valid_moves()
    env.assign_food_slots()
    return env.observe()


# registration ---------------------------------------------------------------------------------
def test_tasks_registered_with_benchmarl_and_hydra():
    store = ConfigStore.instance().repo["task"]
    for task in LBF_TASKS:
        name = task.name.lower()
        assert task_config_registry[f"lbforaging/{name}"] is task
        assert _task_class_registry[f"lbforaging_{name}"] is LBForagingConfig
        assert f"lbforaging_{name}_config.yaml" in store
    register_tasks()  # idempotent
    benchmarl_qllm.register()
    assert task_config_registry["lbforaging/foraging_10x10_3p_3f"] is LBForagingTask.FORAGING_10X10_3P_3F


def test_get_from_yaml_reads_packaged_config_and_type_checks(tmp_path):
    task = LBForagingTask.FORAGING_8X8_2P_2F_COOP.get_from_yaml()
    assert isinstance(task, LBForagingClass)
    assert task.config["size"] == 8 and task.config["players"] == 2
    assert task.config["coop"] is True and task.config["sight"] == 2
    assert LBForagingTask.FORAGING_15X15_4P_3F.get_from_yaml().config["players"] == 4
    assert pickle.loads(pickle.dumps(task)) == task
    bad = tmp_path / "bad.yaml"
    bad.write_text("size: 8\nplayers: 2\nmax_num_food: 2\ncoop: true\nsight: 2\n"
                   "max_episode_steps: 50\nno_such_option: 1\n")
    with pytest.raises(TypeError, match="no_such_option"):
        LBForagingTask.FORAGING_8X8_2P_2F_COOP.get_from_yaml(str(bad))


def test_package_works_without_lbforaging(tmp_path):
    code = (
        "import sys; sys.modules['lbforaging'] = None\n"
        "import benchmarl_qllm\n"
        "from benchmarl.environments import task_config_registry\n"
        "task = task_config_registry['lbforaging/foraging_8x8_2p_2f_coop'].get_from_yaml()\n"
        "fun = task.get_env_fun(1, False, 0, 'cpu')\n"
        "try:\n"
        "    fun()\n"
        "except ImportError as exc:\n"
        "    print('IMPORT ERROR:', exc)\n"
    )
    out = run_python(["-c", code], cwd=tmp_path).stdout
    assert "IMPORT ERROR:" in out and "pip install" in out and "lbforaging" in out


# the environment ------------------------------------------------------------------------------
@pytest.mark.parametrize("task", LBF_TASKS, ids=lambda t: t.name.lower())
def test_check_env_specs_and_shapes(task):
    env = make_env(task)
    check_env_specs(env)
    cfg = task.get_from_yaml().config
    n, F = cfg["players"], cfg["max_num_food"]
    td = env.rollout(5, break_when_any_done=False)
    assert td["agents", "observation"].shape == (5, n, 3 * F + 3 * n)
    assert td["agents", "action_mask"].shape == (5, n, 6)
    assert td["next", "agents", "reward"].shape == (5, n, 1)
    assert td["state"].shape == (5, lbf_state_dim(n, F))
    assert td["next", "done"].shape == (5, 1)


def test_state_layout_follows_lbf():
    env = make_env()
    td = env.reset()
    raw = env.lbf_env
    state = td["state"]
    food = [(r, c, raw.field[r, c]) for r, c in zip(*raw.field.nonzero())]
    assert state[:6].view(2, 3).tolist() == [list(map(float, f)) for f in food]
    for i, player in enumerate(raw.players):
        assert state[6 + 3 * i: 9 + 3 * i].tolist() == [*player.position, player.level]
    assert state[-1] == 0.0
    torch.testing.assert_close(
        td["agents", "observation"], torch.from_numpy(np.stack(raw.test_make_gym_obs()))
    )


def test_action_mask_matches_lbf_valid_actions():
    env = make_env(LBForagingTask.FORAGING_10X10_3P_3F)
    td = env.reset()
    generator = torch.Generator().manual_seed(0)
    for _ in range(60):
        mask = td["agents", "action_mask"]
        for i, valid in enumerate(env.valid_actions()):
            assert mask[i].nonzero().flatten().tolist() == valid
        assert mask[:, NONE].all()
        choice = torch.multinomial(mask.float(), 1, generator=generator).flatten()
        td = env.step_and_maybe_reset(td.set(("agents", "action"), choice))[1]


def test_load_rewards_per_agent_and_termination_when_all_food_collected():
    env = make_env(LBForagingTask.FORAGING_8X8_2P_2F_COOP)
    env.reset()
    # One level-2 food between two level-1 agents: both must load (coop).
    set_scene(env, food={(3, 3): 2}, players=[(3, 2, 1), (3, 4, 1)])
    td = env.observe()
    assert td["agents", "action_mask"][:, LOAD].all()
    assert td["state"][:6].tolist() == [3, 3, 2, -1, -1, 0]

    out = act(env, td, [LOAD, NONE])["next"]  # one agent alone is too weak
    assert out["agents", "reward"].flatten().tolist() == [0.0, 0.0]
    assert not out["done"].item()

    out = act(env, out, [LOAD, LOAD])["next"]
    # reward_i = level_i * food_level / (sum of loading levels * total food spawned)
    assert out["agents", "reward"].flatten().tolist() == [0.5, 0.5]
    assert out["terminated"].item() and out["done"].item() and not out["truncated"].item()
    assert out["state"][:3].tolist() == [-1, -1, 0]


def test_different_levels_get_different_rewards():
    env = make_env(LBForagingTask.FORAGING_10X10_3P_3F)
    env.reset()
    set_scene(env, food={(4, 4): 3, (7, 7): 1}, players=[(4, 3, 1), (4, 5, 2), (0, 0, 1)])
    td = env.observe()
    out = act(env, td, [LOAD, LOAD, NONE])["next"]
    torch.testing.assert_close(
        out["agents", "reward"].flatten(), torch.tensor([1 * 3 / (3 * 4), 2 * 3 / (3 * 4), 0.0])
    )
    assert not out["done"].item()  # one food left
    assert out["state"][:6].tolist() == [-1, -1, 0, 7, 7, 1]


def test_time_limit_is_truncation_not_termination():
    env = make_env(max_episode_steps=5)
    td = env.reset()
    for step in range(1, 6):
        td = act(env, td, [NONE, NONE])["next"]
        assert td["done"].item() == (step == 5)
    assert td["truncated"].item() and not td["terminated"].item()
    assert td["state"][-1].item() == 1.0
    # LBF itself reports the time limit as done=True, truncated=False: the wrapper splits it.
    raw = env.lbf_env
    raw.reset(seed=0)
    for _ in range(5):
        _, _, done, truncated, _ = raw.step([NONE, NONE])
    assert done and not truncated


# seeding --------------------------------------------------------------------------------------
def initial_states(env, n_resets=3):
    return torch.stack([env.reset()["state"] for _ in range(n_resets)])


def test_env_copies_get_distinct_seeds_and_seeds_reproduce():
    needs_lbforaging()
    task = LBForagingTask.FORAGING_8X8_2P_2F_COOP.get_from_yaml()
    fun = task.get_env_fun(num_envs=3, continuous_actions=False, seed=0, device="cpu")
    first, second = fun(), fun()
    assert first.initial_seed != second.initial_seed
    assert not torch.equal(initial_states(first), initial_states(second))

    again = task.get_env_fun(num_envs=3, continuous_actions=False, seed=0, device="cpu")()
    assert again.initial_seed == first.initial_seed
    first.set_seed(first.initial_seed)
    torch.testing.assert_close(initial_states(first), initial_states(again))

    other_seed = task.get_env_fun(3, False, 1, "cpu")
    assert {other_seed().initial_seed for _ in range(3)}.isdisjoint(
        {first.initial_seed, second.initial_seed}
    )
    assert task.get_env_fun(3, False, None, "cpu")().initial_seed is None

    # BenchMARL wraps a non-vectorized env as SerialEnv(n, env_fun): its copies must differ.
    serial = SerialEnv(3, task.get_env_fun(3, False, 0, "cpu"))
    states = serial.reset()["state"]
    assert len({tuple(s.tolist()) for s in states}) == 3
    serial.close()


# credit functions -----------------------------------------------------------------------------
@pytest.mark.parametrize("task", LBF_TASKS, ids=lambda t: t.name.lower())
def test_packaged_tfcaf_on_real_states(task):
    env = make_env(task)
    states = env.rollout(150, break_when_any_done=False)["state"]
    name = f"lbforaging/{task.name.lower()}"
    function = CreditFunction.from_file(library_path(name))
    header = function.header
    assert header["task"] == name and header["igm"] == "enforce"
    assert header["produced-by"].startswith("hand-written") and header["model"] == "none"
    assert header["input"] == f"state [B, {states.shape[-1]}]"
    n = env.n_agents
    weights = function.weights(make_credit_input("state", states, n))
    assert weights.shape == (150, n)
    assert torch.isfinite(weights).all() and (weights >= 0).all()
    torch.testing.assert_close(weights.mean(-1), torch.ones(150))
    assert weights.std(0).max() > 0  # depends on the state


def test_lbf_tfcaf_credits_the_agent_next_to_food():
    function = CreditFunction.from_file(library_path("lbforaging/foraging_10x10_3p_3f"))
    # food (4,4) level 2 | agent 0 adjacent level 2, agent 1 far level 1, agent 2 mid level 1
    state = torch.tensor([[4, 4, 2, -1, -1, 0, -1, -1, 0,
                           4, 3, 2, 9, 9, 1, 6, 6, 1, 0.2]])
    w = function.weights(make_credit_input("state", state, 3))[0]
    assert w[0] > w[2] > w[1] > 0
    eaten = state.clone()
    eaten[0, 0:3] = torch.tensor([-1.0, -1.0, 0.0])
    torch.testing.assert_close(
        function.weights(make_credit_input("state", eaten, 3)), torch.ones(1, 3)
    )


# BenchMARL runs -------------------------------------------------------------------------------
@pytest.mark.parametrize("algorithm", ["qllm", "qmix"])
def test_python_api_run_writes_results(tmp_path, algorithm):
    needs_lbforaging()
    config = (QllmConfig if algorithm == "qllm" else QmixConfig).get_from_yaml()
    experiment = run_experiment(
        LBForagingTask.FORAGING_8X8_2P_2F_COOP.get_from_yaml(), config, tmp_path
    )
    steps = results_json(experiment)["lbforaging"]["foraging_8x8_2p_2f_coop"][algorithm]["seed_0"]
    evaluated = [k for k in steps if k.startswith("step_")]
    assert evaluated and all(len(steps[k]["return"]) == 2 for k in evaluated)
    if algorithm == "qllm":
        from benchmarl.experiment import Experiment

        (checkpoint,) = Path(experiment.folder_name).glob("checkpoints/*.pt")
        reloaded = Experiment.reload_from_file(str(checkpoint))
        assert reloaded.task == experiment.task and reloaded.total_frames == 600


def test_hydra_run_py(tmp_path):
    needs_lbforaging()
    proc = run_python(
        [
            "-m", "benchmarl.run",
            "algorithm=qllm",
            "task=lbforaging/foraging_8x8_2p_2f_coop",
            "experiment=ci_smoke",
            "task.max_episode_steps=30",
            "hydra.run.dir=out",
        ],
        cwd=tmp_path,
    )
    assert "TaskConfig python dataclass not found" not in proc.stderr
    (result,) = [p for p in (tmp_path / "out").glob("*/*.json") if not p.name.startswith("credit_")]
    import json

    results = json.loads(result.read_text())
    assert "seed_0" in results["lbforaging"]["foraging_8x8_2p_2f_coop"]["qllm"]
    assert "max_episode_steps: 30" in (tmp_path / "out" / ".hydra" / "config.yaml").read_text()


def test_env_throughput_script():
    needs_lbforaging()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from env_throughput import main

    results = main(["lbforaging/foraging_8x8_2p_2f_coop", "matrix/climbing", "--steps", "30",
                    "--num-envs", "2"])
    lbf = results["lbforaging/foraging_8x8_2p_2f_coop"]
    assert lbf["env_class"] == "SerialEnv" and lbf["wrapper_steps_per_s"] > 0
    assert lbf["raw_lbf_steps_per_s"] > 0
    assert results["matrix/climbing"]["env_class"] == "MatrixGameEnv"
