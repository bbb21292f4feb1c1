"""Task description (for LLM prompts) of the ``matrix`` tasks (the climbing game)."""

from __future__ import annotations

from benchmarl_qllm.credit.function import STATE_KEY
from benchmarl_qllm.environments.description import (
    build_layout,
    register_description,
    TaskDescription,
)
from benchmarl_qllm.environments.matrix.env import CLIMBING_PAYOFF
from benchmarl_qllm.environments.matrix.task import MatrixGameTask
from benchmarl_qllm.environments.sampling import EnvSpec


def matrix_description(spec: EnvSpec) -> TaskDescription:
    """Description builder for every ``matrix/*`` task (the climbing game)."""
    n = spec.n_agents
    rows = "; ".join(
        f"a0={i}: " + ", ".join(f"a1={j} -> {v:g}" for j, v in enumerate(row))
        for i, row in enumerate(CLIMBING_PAYOFF)
    )
    fields = []
    for i in range(n):
        fields.append((f"agent_{i}_id", n, f"one-hot id of agent {i} (constant)"))
        fields.append((f"agent_{i}_one", 1, "constant 1"))
    team = (
        f"payoff(a0, a1) with {rows}" if n == 2 else
        "the mean over the three agent pairs (i, j) of the 2-agent payoff(a_i, a_j), where "
        f"{rows}"
    )
    return TaskDescription(
        task=spec.task,
        summary=(
            f"The one-step cooperative climbing matrix game: {n} agents each choose one of 3 "
            "actions simultaneously, receive the team payoff and the episode ends. The optimum "
            "(all agents choose 0, payoff 11) is surrounded by heavy penalties (-30), so agents "
            "that learn from averages over their partners' exploration settle on the safe "
            "action 2 (payoff 5)."
        ),
        reward=f"Every agent receives the team payoff: {team}.",
        actions=["action 0", "action 1", "action 2"],
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
        register_description(f"matrix/{task.name.lower()}", matrix_description, overwrite=True)
