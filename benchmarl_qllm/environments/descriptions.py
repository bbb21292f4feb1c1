"""Task descriptions (for LLM prompts) of the ``lbforaging``, ``matrix`` and ``gfootball`` families.

Registered with :func:`benchmarl_qllm.tasks.register_description` by :func:`register_descriptions`
(called from :func:`benchmarl_qllm.register`). Written from lbforaging 2.0's
``foraging/environment.py`` and this package's wrappers; the sizes come from the live env.
"""

from __future__ import annotations

from benchmarl_qllm.environments.gfootball import (
    ACTION_NAMES as GRF_ACTION_NAMES,
    gfootball_state_layout,
    GFootballTask,
)
from benchmarl_qllm.environments.lbforaging import ACTION_NAMES, lbf_state_layout, LBForagingTask
from benchmarl_qllm.environments.matrix import CLIMBING_PAYOFF, MatrixGameTask

LBF_ACTIONS = [
    "NONE: stay in place (always valid)",
    "NORTH: move one cell up (row - 1); invalid at row 0 or into food",
    "SOUTH: move one cell down (row + 1); invalid at the last row or into food",
    "WEST: move one cell left (col - 1); invalid at col 0 or into food",
    "EAST: move one cell right (col + 1); invalid at the last col or into food",
    "LOAD: try to collect a food item on one of the 4 adjacent cells; valid only next to food",
]
assert len(LBF_ACTIONS) == len(ACTION_NAMES)


def lbforaging_description(spec):
    from benchmarl_qllm.credit.function import STATE_KEY
    from benchmarl_qllm.tasks.descriptions import build_layout, TaskDescription

    c = spec.config
    n, size, foods = spec.n_agents, c["size"], c["max_num_food"]
    sight = c.get("sight")
    coop = c.get("coop", False)
    lo, hi = c.get("min_player_level", 1), c.get("max_player_level", 2)
    layout = build_layout([(name, stop - start, text)
                           for name, start, stop, text in lbf_state_layout(n, foods)])
    food_levels = (
        "every food's level is the sum of all agents' levels (cooperative: each item needs the "
        "whole team)" if coop else
        f"food levels are drawn from {c.get('min_food_level', 1)} to "
        + (f"{c['max_food_level']}" if c.get("max_food_level") is not None
           else "the sum of the three lowest agent levels")
        + ", so some items need several agents"
    )
    return TaskDescription(
        task=spec.task,
        summary=(
            f"Level-Based Foraging on a {size}x{size} grid (row 0 at the top). {n} agents with "
            f"levels {lo}-{hi} and {foods} food items with levels are placed at random at reset "
            f"(food never on the border, never next to other food); {food_levels}. Agents move "
            "one cell per step (two agents moving into the same cell both stay put; agents "
            "cannot enter food cells). A food item is collected when the agents on its 4 "
            "adjacent cells (not diagonal) that choose LOAD in the same step have a summed level "
            ">= the food's level; it then disappears. The episode ends when all food is "
            f"collected (terminated) or after {c.get('max_episode_steps', 50)} steps (truncated). "
            + (f"Each agent only observes cells within distance {sight} of itself; "
               if sight is not None and sight < size else "Agents observe the whole grid; ")
            + "the credit function sees the global state below."
        ),
        reward=(
            "Per agent. When food of level L is collected by loading agents with levels l_k, each "
            "of them gets l_k * L / (sum_k l_k * total food level spawned this episode); "
            "everyone else gets 0"
            + (f", and agents whose LOAD fails get -{c['penalty']}" if c.get("penalty") else "")
            + ". The team's return over an episode is therefore at most 1. QMIX-style training "
            "uses the mean of the agents' rewards as the team reward."
        ),
        actions=list(LBF_ACTIONS),
        n_agents=n,
        input_kind=STATE_KEY,
        input_dim=spec.input_dim,
        layout=layout,
        igm="enforce",
        notes=(
            "Coordinates are integers in absolute grid cells; a food slot keeps its index for the "
            "whole episode and becomes (-1, -1, 0) once eaten. Distance to a food in moves to a "
            "loading cell is |row_i - row_f| + |col_i - col_f| - 1 (0 = adjacent). Invalid "
            "actions are masked out for the agents."
        ),
    )


def matrix_description(spec):
    from benchmarl_qllm.credit.function import STATE_KEY
    from benchmarl_qllm.tasks.descriptions import build_layout, TaskDescription

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


GRF_SCENARIOS = {
    "academy_3_vs_1_with_keeper": (
        "three of our attackers start near the opponent's penalty area facing one defender "
        "and the goalkeeper"),
    "academy_counterattack_easy": (
        "a 4-vs-1 counterattack: our attackers start around the halfway line with the ball, "
        "one defender and the goalkeeper to beat"),
    "academy_pass_and_shoot_with_keeper": (
        "two attackers against one defender and the goalkeeper: one attacker is marked, the "
        "other must receive a pass and shoot"),
}


def gfootball_description(spec):
    from benchmarl_qllm.credit.function import STATE_KEY
    from benchmarl_qllm.tasks.descriptions import build_layout, TaskDescription

    c = spec.config
    n = spec.n_agents
    scenario = c.get("env_name", spec.task.split("/")[-1])
    layout = build_layout([(name, stop - start, text)
                           for name, start, stop, text in gfootball_state_layout(n)])
    checkpoints = "checkpoints" in str(c.get("rewards", ""))
    return TaskDescription(
        task=spec.task,
        summary=(
            f"Google Research Football academy scenario `{scenario}`: "
            f"{GRF_SCENARIOS.get(scenario, 'an academy scenario')}. We attack the goal at x = +1. "
            f"{n} agents each control one of our (left-team) players; every other player is "
            "moved by the game's AI. The episode ends when we score, when the ball goes out of "
            "play or the opponents win it (terminated), or after "
            f"{c.get('max_episode_steps', 150)} steps (truncated)."
        ),
        reward=(
            "Team reward, identical for every agent: +1 when we score"
            + (", plus +0.1 the first time the ball, owned by our team, enters each of 10 zones "
               "of decreasing distance to the opponent goal (at most +1 from checkpoints per "
               "episode)" if checkpoints else "")
            + "."
        ),
        actions=list(GRF_ACTION_NAMES),
        n_agents=n,
        input_kind=STATE_KEY,
        input_dim=spec.input_dim,
        layout=layout,
        igm="enforce",
        notes=(
            "To get agent i's player position: p_i = onehot_i @ left_team_positions.view(B, 11, 2), "
            "with onehot_i = state[:, agent_i_player slice]. The ball carrier is usually the "
            "player closest to the ball when ball_owner says our team has it. Distances are in "
            "pitch units (the pitch is 2 long and 0.84 wide)."
        ),
    )


def register_descriptions() -> None:
    """Register the descriptions of every packaged task (idempotent: overwrites)."""
    from benchmarl_qllm.tasks.descriptions import register_description

    for task in LBForagingTask:
        register_description(
            f"lbforaging/{task.name.lower()}", lbforaging_description, overwrite=True
        )
    for task in MatrixGameTask:
        register_description(f"matrix/{task.name.lower()}", matrix_description, overwrite=True)
    from benchmarl_qllm.environments.gfootball_states import gfootball_env_spec, gfootball_sample_states
    from benchmarl_qllm.tasks.sampling import register_state_sampler

    for task in GFootballTask:
        name = f"gfootball/{task.name.lower()}"
        register_description(name, gfootball_description, env_spec=gfootball_env_spec,
                             overwrite=True)
        register_state_sampler(name, gfootball_sample_states)
