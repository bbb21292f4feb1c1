"""Task descriptions (for LLM prompts) of the ``gfootball`` academy tasks.

Written from gfootball 2.10's scenarios and this package's wrapper (:mod:`.env`); the sizes
come from :mod:`.states` (the live env, or the config formula without gfootball).
"""

from __future__ import annotations

from benchmarl_qllm.credit.function import STATE_KEY
from benchmarl_qllm.environments.description import (
    layout_from_table,
    register_description,
    TaskDescription,
)
from benchmarl_qllm.environments.gfootball.layout import ACTION_NAMES, gfootball_state_layout
from benchmarl_qllm.environments.gfootball.states import (
    gfootball_env_spec,
    gfootball_sample_states,
)
from benchmarl_qllm.environments.gfootball.task import GFootballTask
from benchmarl_qllm.environments.sampling import EnvSpec, register_state_sampler

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


def gfootball_description(spec: EnvSpec) -> TaskDescription:
    """Description builder for every ``gfootball/*`` academy task."""
    c = spec.config
    n = spec.n_agents
    scenario = c.get("env_name", spec.task.split("/")[-1])
    layout = layout_from_table(gfootball_state_layout(n))
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
        actions=list(ACTION_NAMES),
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
    """Register the description, spec reader and state sampler of every ``gfootball`` task."""
    for task in GFootballTask:
        name = f"gfootball/{task.name.lower()}"
        register_description(name, gfootball_description, env_spec=gfootball_env_spec,
                             overwrite=True)
        register_state_sampler(name, gfootball_sample_states)
