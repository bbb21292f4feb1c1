"""Task description (for LLM prompts) of the ``matrix`` tasks (the climbing game).

The payoff numbers come from the live environment's payoff tensor (:func:`matrix_facts`).
"""

from __future__ import annotations

from typing import Any, Dict

from benchmarl_qllm.credit.function import STATE_KEY
from benchmarl_qllm.environments.description import (
    build_layout,
    Fact,
    num,
    register_description,
    TaskDescription,
)
from benchmarl_qllm.environments.matrix.env import CLIMBING_PAYOFF
from benchmarl_qllm.environments.matrix.task import MatrixGameTask
from benchmarl_qllm.environments.sampling import EnvSpec, register_fact_reader


def matrix_facts(env, task_class=None) -> Dict[str, Any]:
    """The live payoff tensor (as nested lists) and the 2-agent table it is built from."""
    payoff = env.payoff.detach().cpu()
    flat = payoff.reshape(-1)
    return {
        "payoff": payoff.tolist(),
        "pair_payoff": [list(row) for row in CLIMBING_PAYOFF],
        "best": float(flat.max()),
        "best_action": int(flat.argmax()),
        "worst": float(flat.min()),
        "n_actions": int(payoff.shape[0]),
    }


def matrix_description(spec: EnvSpec) -> TaskDescription:
    """Description builder for every ``matrix/*`` task (the climbing game)."""
    n = spec.n_agents
    f = spec.facts or {"pair_payoff": [list(r) for r in CLIMBING_PAYOFF], "best": 11.0,
                       "worst": -30.0, "n_actions": 3}
    pair = f["pair_payoff"]
    rows = "; ".join(
        f"a0={i}: " + ", ".join(f"a1={j} -> {num(v)}" for j, v in enumerate(row))
        for i, row in enumerate(pair)
    )
    safe = pair[-1][-1]
    fields = []
    for i in range(n):
        fields.append((f"agent_{i}_id", n, f"one-hot id of agent {i} (constant)"))
        fields.append((f"agent_{i}_one", 1, "constant 1"))
    team = (
        f"payoff(a0, a1) with {rows}" if n == 2 else
        f"the mean over the {n * (n - 1) // 2} agent pairs (i, j) of the 2-agent payoff(a_i, "
        f"a_j), where {rows}"
    )
    return TaskDescription(
        task=spec.task,
        summary=(
            f"The one-step cooperative climbing matrix game: {n} agents each choose one of "
            f"{f['n_actions']} actions simultaneously, receive the team payoff and the episode "
            f"ends (terminated after 1 step, so the training target is the payoff itself and "
            f"the discount plays no role). The optimum (all agents choose 0, payoff "
            f"{num(f['best'])}) is surrounded by heavy penalties ({num(f['worst'])}), so agents "
            f"that learn from averages over their partners' exploration settle on the safe "
            f"action {len(pair) - 1} (payoff {num(safe)})."
        ),
        reward=f"Every agent receives the team payoff: {team}.",
        team_reward=(
            f"Every agent's reward is the team payoff, so the mean over the {n} agents that "
            "QMIX, VDN and QLLM in BenchMARL train on (`process_batch`) is the payoff itself."
        ),
        facts=[
            Fact("episode_steps", 1, "steps per episode (then terminated)"),
            Fact("best_payoff", f["best"], "payoff of the optimal joint action (all choose 0)"),
            Fact("worst_payoff", f["worst"], "lowest payoff"),
            Fact("safe_payoff", safe, f"payoff when all choose action {len(pair) - 1}"),
        ],
        actions=[f"action {k}" for k in range(f["n_actions"])],
        n_agents=n,
        input_kind=STATE_KEY,
        input_dim=spec.input_dim,
        layout=build_layout(fields),
        igm="relax",
        notes=(
            "The state is identical in every episode (it carries no information), so weights "
            "and bias computed from it are constants: Q_tot = sum_i w_i Q_i(a_i) + b is additive "
            "in the joint action whatever the signs of w_i are."
        ),
    )


def register_descriptions() -> None:
    """Register the description of every ``matrix`` task (idempotent: overwrites)."""
    for task in MatrixGameTask:
        name = f"matrix/{task.name.lower()}"
        register_fact_reader(name, matrix_facts)
        register_description(name, matrix_description, overwrite=True)
