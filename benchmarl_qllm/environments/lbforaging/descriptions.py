"""Task descriptions (for LLM prompts) of the ``lbforaging`` tasks.

Written from lbforaging 2.0's ``foraging/environment.py`` and this package's wrapper
(:mod:`.env`); the sizes come from the live env.
"""

from __future__ import annotations

from benchmarl_qllm.credit.function import STATE_KEY
from benchmarl_qllm.environments.description import (
    layout_from_table,
    register_description,
    TaskDescription,
)
from benchmarl_qllm.environments.lbforaging.layout import ACTION_NAMES, lbf_state_layout
from benchmarl_qllm.environments.lbforaging.task import LBForagingTask
from benchmarl_qllm.environments.sampling import EnvSpec

LBF_ACTIONS = [
    "NONE: stay in place (always valid)",
    "NORTH: move one cell up (row - 1); invalid at row 0 or into food",
    "SOUTH: move one cell down (row + 1); invalid at the last row or into food",
    "WEST: move one cell left (col - 1); invalid at col 0 or into food",
    "EAST: move one cell right (col + 1); invalid at the last col or into food",
    "LOAD: try to collect a food item on one of the 4 adjacent cells; valid only next to food",
]
assert len(LBF_ACTIONS) == len(ACTION_NAMES)


def lbforaging_description(spec: EnvSpec) -> TaskDescription:
    """Description builder for every ``lbforaging/*`` task (layout from :func:`lbf_state_layout`)."""
    c = spec.config
    n, size, foods = spec.n_agents, c["size"], c["max_num_food"]
    sight = c.get("sight")
    coop = c.get("coop", False)
    lo, hi = c.get("min_player_level", 1), c.get("max_player_level", 2)
    layout = layout_from_table(lbf_state_layout(n, foods))
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


def register_descriptions() -> None:
    """Register the description of every ``lbforaging`` task (idempotent: overwrites)."""
    for task in LBForagingTask:
        register_description(
            f"lbforaging/{task.name.lower()}", lbforaging_description, overwrite=True
        )
