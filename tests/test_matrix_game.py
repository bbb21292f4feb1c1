"""The climbing matrix game: env, task family, its TFCAF and what a state-only TFCAF can do there."""

import itertools
import sys
from pathlib import Path

import pytest
import torch

import benchmarl_qllm  # noqa: F401 - registers qllm and the task families
from benchmarl.algorithms import QmixConfig
from benchmarl.environments import task_config_registry
from torchrl.envs.utils import check_env_specs

from benchmarl_qllm import QllmConfig
from benchmarl_qllm.credit.function import CreditFunction, make_credit_input
from benchmarl_qllm.credit.library import library_path
from benchmarl_qllm.environments import climbing_payoff, MatrixGameEnv, MatrixGameTask
from benchmarl_qllm.models.llm_credit import LLMCreditMixer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from env_helpers import results_json, run_experiment  # noqa: E402

CLIMBING = [[11.0, -30.0, 0.0], [-30.0, 7.0, 0.0], [0.0, 6.0, 5.0]]

SIGNED_TFCAF = '''"""Constant signed weights (+1, -1): a test function."""
import torch


def weights(td):
    one = torch.ones_like(td["state"][:, 0:1])
    return torch.cat([one, -one], dim=-1)
'''


def all_joint_actions(n_agents):
    return torch.tensor(list(itertools.product(range(3), repeat=n_agents)))


def packaged_tfcaf():
    return CreditFunction.from_file(library_path("matrix/climbing"))


# env -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("n_agents", [2, 3])
@pytest.mark.parametrize("num_envs", [None, 4])
def test_check_env_specs(n_agents, num_envs):
    env = MatrixGameEnv(n_agents=n_agents, num_envs=num_envs)
    check_env_specs(env)
    batch = () if num_envs is None else (num_envs,)
    td = env.reset()
    assert td["agents", "observation"].shape == (*batch, n_agents, n_agents + 1)
    assert td["state"].shape == (*batch, n_agents * (n_agents + 1))


@pytest.mark.parametrize("n_agents", [2, 3])
def test_every_joint_action_pays_the_team_payoff_and_ends_the_episode(n_agents):
    joint = all_joint_actions(n_agents)
    env = MatrixGameEnv(n_agents=n_agents, num_envs=len(joint))
    td = env.reset()
    state = td["state"].clone()
    out = env.step(td.set(("agents", "action"), joint))["next"]
    payoff = climbing_payoff(n_agents)
    expected = payoff[tuple(joint.T)]
    reward = out["agents", "reward"].squeeze(-1)
    torch.testing.assert_close(reward, expected[:, None].expand(-1, n_agents))
    assert out["done"].all() and out["terminated"].all() and not out["truncated"].any()
    torch.testing.assert_close(out["state"], state)  # constant
    assert (state == state[0]).all()


def test_payoff_tensors():
    assert climbing_payoff(2).tolist() == CLIMBING
    p3 = climbing_payoff(3)
    assert p3[0, 0, 0] == 11 and p3[1, 1, 1] == 7 and p3[2, 2, 2] == 5
    assert p3.argmax() == 0 and (p3 < 11).sum() == 26  # unique optimum
    torch.testing.assert_close(p3[0, 0, 1], torch.tensor((11 - 30 - 30) / 3))
    torch.testing.assert_close(p3.mean(), climbing_payoff(2).mean())
    with pytest.raises(ValueError):
        climbing_payoff(4)


def test_task_family_registered_and_configurable():
    assert task_config_registry["matrix/climbing"] is MatrixGameTask.CLIMBING
    task = MatrixGameTask.CLIMBING.get_from_yaml()
    assert task.config == {"n_agents": 2, "game": "climbing"}
    env = task.get_env_fun(num_envs=5, continuous_actions=False, seed=0, device="cpu")()
    assert env.batch_size == (5,)  # vectorized: BenchMARL uses it without SerialEnv
    assert task.max_steps(env) == 1 and task.action_mask_spec(env) is None
    assert task.state_spec(env)["state"].shape == (6,)
    assert task.observation_spec(env)["agents", "observation"].shape == (2, 3)
    three = MatrixGameTask.CLIMBING.get_task({"n_agents": 3, "game": "climbing"})
    assert len(three.group_map(three.get_env_fun(2, False, 0, "cpu")())["agents"]) == 3


# the TFCAF -----------------------------------------------------------------------------------
@pytest.mark.parametrize("n_agents", [2, 3])
def test_packaged_tfcaf_on_real_states(n_agents):
    function = packaged_tfcaf()
    header = function.header
    assert header["task"] == "matrix/climbing" and header["igm"] == "relax"
    assert header["produced-by"].startswith("hand-written") and header["prompt-sha256"] == "none"
    states = MatrixGameEnv(n_agents=n_agents, num_envs=8).reset()["state"]
    td = make_credit_input("state", states, n_agents)
    weights, bias = function.weights(td), function.bias(td)
    assert weights.shape == (8, n_agents) and bias.shape == (8, 1)
    assert torch.isfinite(weights).all() and torch.isfinite(bias).all()
    torch.testing.assert_close(bias, torch.full((8, 1), climbing_payoff(n_agents).mean().item()))
    assert (weights > 0).all()  # see the header: a negative weight buys nothing here


@pytest.mark.parametrize(
    "function,igm",
    [(packaged_tfcaf(), "enforce"), (packaged_tfcaf(), "relax"),
     (CreditFunction.from_source(SIGNED_TFCAF, "signed"), "relax")],
    ids=["packaged-enforce", "packaged-relax", "signed-relax"],
)
def test_constant_state_mixing_is_additive_so_the_payoff_order_is_unrepresentable(function, igm):
    """With a constant state, Q_tot(a) = sum_i w_i Q_i(a_i) + b for any weights: the
    difference between two rows of Q_tot is the same in every column, while the payoff's is
    not (11 > -30 in column 0, -30 < 7 in column 1). So neither enforce nor relax can order the
    joint actions like the payoff does."""
    joint = all_joint_actions(2)
    mixer = LLMCreditMixer(function, 2, "state", igm=igm)
    state = MatrixGameEnv(num_envs=len(joint)).reset()["state"]
    generator = torch.Generator().manual_seed(0)
    for _ in range(20):
        q = torch.randn(2, 3, generator=generator) * 10
        chosen = q[torch.arange(2), joint].unsqueeze(-1)  # [9, 2, 1]
        q_tot = mixer(chosen, state).view(3, 3)
        row_gap = q_tot[0] - q_tot[1]
        torch.testing.assert_close(row_gap, row_gap[0].expand(3))
    payoff_gap = torch.tensor(CLIMBING[0]) - torch.tensor(CLIMBING[1])
    assert payoff_gap[0] > 0 > payoff_gap[1]


def fit_q_tables(function, igm, steps=800):
    """Least-squares fit of per-agent Q tables to the payoff through the TFCAF mixer, every
    joint action equally weighted (uniform exploration)."""
    joint = all_joint_actions(2)
    target = climbing_payoff(2)[tuple(joint.T)].unsqueeze(-1)
    mixer = LLMCreditMixer(function, 2, "state", igm=igm)
    state = MatrixGameEnv(num_envs=len(joint)).reset()["state"]
    q = torch.zeros(2, 3, requires_grad=True)
    optimizer = torch.optim.Adam([q], lr=0.2)
    for _ in range(steps):
        optimizer.zero_grad()
        q_tot = mixer(q[torch.arange(2), joint].unsqueeze(-1), state)
        loss = (q_tot - target).pow(2).mean()
        loss.backward()
        optimizer.step()
    q_tot = mixer(q[torch.arange(2), joint].unsqueeze(-1), state).detach().view(3, 3)
    return q.detach(), q_tot, loss.item()


def additive_least_squares_mse():
    p = climbing_payoff(2)
    fit = p.mean(1, keepdim=True) + p.mean(0, keepdim=True) - p.mean()
    return (p - fit).pow(2).mean().item()


def test_relax_fits_no_better_than_enforce_and_both_pick_the_safe_action():
    best = additive_least_squares_mse()
    assert best > 50  # far from representable
    results = {igm: fit_q_tables(packaged_tfcaf(), igm) for igm in ("enforce", "relax")}
    for q, q_tot, mse in results.values():
        assert mse == pytest.approx(best, rel=1e-3)
        # decentralised greedy actions (argmax of each Q_i) = argmax of Q_tot = (2, 2): payoff 5
        assert q.argmax(-1).tolist() == [2, 2]
        assert divmod(int(q_tot.argmax()), 3) == (2, 2)
    torch.testing.assert_close(results["enforce"][1], results["relax"][1], atol=1e-2, rtol=0)


def test_signed_weights_fit_equally_but_break_greedy_consistency():
    signed = CreditFunction.from_source(SIGNED_TFCAF, "signed")
    q, q_tot, mse = fit_q_tables(signed, "relax")
    assert mse == pytest.approx(additive_least_squares_mse(), rel=1e-3)  # same class
    assert divmod(int(q_tot.argmax()), 3) == (2, 2)
    # agent 1's weight is negative, so its own argmax is the argmin of its contribution
    greedy = q.argmax(-1).tolist()
    assert greedy == [2, 0] and CLIMBING[2][0] < CLIMBING[2][2]


# BenchMARL runs -------------------------------------------------------------------------------
@pytest.mark.parametrize("algorithm", ["qllm", "qmix"])
def test_python_api_run_writes_results(tmp_path, algorithm):
    if algorithm == "qllm":
        config = QllmConfig.get_from_yaml()
        config.igm = "relax"
    else:
        config = QmixConfig.get_from_yaml()
    experiment = run_experiment(
        MatrixGameTask.CLIMBING.get_from_yaml(), config, tmp_path, evaluation_episodes=4
    )
    steps = results_json(experiment)["matrix"]["climbing"][algorithm]["seed_0"]
    evaluated = [k for k in steps if k.startswith("step_")]
    assert evaluated
    payoffs = {v for row in CLIMBING for v in row}
    for key in evaluated:
        assert len(steps[key]["return"]) == 4
        assert set(steps[key]["return"]) <= payoffs  # one-step episodes: return = payoff
