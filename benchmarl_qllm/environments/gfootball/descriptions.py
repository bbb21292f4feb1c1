"""Task descriptions (for LLM prompts) of the ``gfootball`` academy tasks.

Written from gfootball 2.10's scenarios and this package's wrapper (:mod:`.env`); the sizes
come from :mod:`.states` (the live env, or the config formula without gfootball).
"""

from __future__ import annotations

from benchmarl_qllm.credit.function import STATE_KEY
from benchmarl_qllm.environments.description import (
    Fact,
    layout_from_table,
    num,
    register_description,
    TaskDescription,
)
from benchmarl_qllm.environments.gfootball.env import gfootball_available
from benchmarl_qllm.environments.gfootball.layout import ACTION_NAMES, gfootball_state_layout
from benchmarl_qllm.environments.gfootball.states import (
    gfootball_env_spec,
    gfootball_sample_states,
)
from benchmarl_qllm.environments.gfootball.task import GFootballTask
from benchmarl_qllm.environments.sampling import EnvSpec, register_state_sampler

# gfootball 2.10 ``wrappers.CheckpointRewardWrapper``: per controlled player (reward index),
# 10 checkpoint zones worth 0.1 each, collected while that player itself owns the ball, at
# ball distances to (1, 0) <= 0.99 - 0.8 / 9 * k; all uncollected ones paid when we score.
CHECKPOINTS = 10
CHECKPOINT_REWARD = 0.1

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
    limit = c.get("max_episode_steps", 150)
    return TaskDescription(
        task=spec.task,
        summary=(
            f"Google Research Football academy scenario `{scenario}`: "
            f"{GRF_SCENARIOS.get(scenario, 'an academy scenario')}. We attack the goal at x = +1. "
            f"{n} agents each control one of our (left-team) players; every other player is "
            "moved by the game's AI. The episode ends (terminated) when we score, when the ball "
            "goes out of play or the opponents win it; after "
            f"{limit} steps it is cut off (truncated: the training target still bootstraps)."
        ),
        reward=(
            "Per agent. Scoring (the same for every agent): +1 on the step we score, -1 if the "
            "opponents score"
            + (f". Checkpoints (each agent separately): {num(CHECKPOINT_REWARD)} the first time "
               f"in the episode that the agent's OWN player holds the ball within each of "
               f"{CHECKPOINTS} distances of the opponent goal centre (ball distance to (1, 0) "
               f"<= 0.99, then 0.8 / {CHECKPOINTS - 1} less per zone, down to 0.19); on the step "
               "we score, every agent also gets its not yet collected checkpoints at once, so "
               f"each agent's checkpoints add up to at most {num(CHECKPOINTS * CHECKPOINT_REWARD)} "
               "per episode" if checkpoints else "")
            + "."
        ),
        team_reward=(
            f"QMIX, VDN and QLLM in BenchMARL train on the mean over the {n} agents of their "
            "rewards (`process_batch`: reward.mean over the agent dimension): r_team = the "
            "scoring reward"
            + (f" + {num(CHECKPOINT_REWARD)} * (checkpoints collected this step, summed over "
               f"agents) / {n}. Carrying the ball forward with one player earns r_team "
               f"{num(CHECKPOINT_REWARD)} / {n} per zone; a goal is worth up to "
               f"1 + {num(CHECKPOINTS * CHECKPOINT_REWARD)} in total"
               if checkpoints else "")
            + "."
        ),
        facts=[
            Fact("max_episode_steps", limit, "episode limit, steps (time limit = truncation)"),
            Fact("n_agents", n, "controlled left-team players"),
        ] + ([
            Fact("checkpoint_reward", CHECKPOINT_REWARD, "reward per checkpoint zone"),
            Fact("checkpoints", CHECKPOINTS, "checkpoint zones"),
        ] if checkpoints else []),
        facts_source=("read from the live environment" if gfootball_available() else
                      "from the task config and gfootball 2.10's source; gfootball is not "
                      "installed here"),
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
