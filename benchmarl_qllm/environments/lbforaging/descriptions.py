"""Task descriptions (for LLM prompts) of the ``lbforaging`` tasks.

Written from lbforaging 2.0's ``foraging/environment.py`` and this package's wrapper
(:mod:`.env`). The sizes and every number the text states (grid, agents, foods, levels,
sight, episode limit, penalty) come from the live ``ForagingEnv`` (:func:`lbf_facts`);
``tests/test_prompt_facts.py`` compares them with the environment.

The family also registers scripted rollout behaviours (walk to the nearest food and load;
all agents to the same food) and a regime classifier (next to food, several agents at one
food, food already collected, late in the episode) for state sampling and validation.
"""

from __future__ import annotations

from typing import Any, Dict

import torch

from benchmarl_qllm.credit.function import STATE_KEY
from benchmarl_qllm.environments.description import (
    Fact,
    layout_from_table,
    num,
    register_description,
    TaskDescription,
)
from benchmarl_qllm.environments.lbforaging.layout import ACTION_NAMES, lbf_state_layout
from benchmarl_qllm.environments.lbforaging.task import LBForagingTask
from benchmarl_qllm.environments.sampling import (
    EnvSpec,
    register_fact_reader,
    register_regime_classifier,
    register_rollout_policies,
)

LBF_ACTIONS = [
    "NONE: stay in place (always valid)",
    "NORTH: move one cell up (row - 1); invalid at row 0 or into food",
    "SOUTH: move one cell down (row + 1); invalid at the last row or into food",
    "WEST: move one cell left (col - 1); invalid at col 0 or into food",
    "EAST: move one cell right (col + 1); invalid at the last col or into food",
    "LOAD: try to collect a food item on one of the 4 adjacent cells; valid only next to food",
]
assert len(LBF_ACTIONS) == len(ACTION_NAMES)
NONE, NORTH, SOUTH, WEST, EAST, LOAD = range(6)


def _int_or_list(values) -> Any:
    values = [int(v) for v in values]
    return values[0] if len(set(values)) == 1 else values


def lbf_facts(env, task_class=None) -> Dict[str, Any]:
    """Numbers of the live lbforaging ``ForagingEnv`` inside a :class:`LBForagingEnv`."""
    lbf = env.lbf_env
    rows, cols = lbf.field_size
    return {
        "rows": int(rows),
        "cols": int(cols),
        "players": len(lbf.players),
        "max_num_food": int(lbf.max_num_food),
        "sight": int(lbf.sight),
        "max_episode_steps": int(lbf._max_episode_steps),
        "min_player_level": _int_or_list(lbf.min_player_level),
        "max_player_level": _int_or_list(lbf.max_player_level),
        "min_food_level": _int_or_list(lbf.min_food_level),
        "max_food_level": (None if lbf.max_food_level is None
                           else _int_or_list(lbf.max_food_level)),
        "force_coop": bool(lbf.force_coop),
        "penalty": float(lbf.penalty),
        "normalize_reward": bool(lbf._normalize_reward),
    }


def lbforaging_description(spec: EnvSpec) -> TaskDescription:
    """Description builder for every ``lbforaging/*`` task (layout from :func:`lbf_state_layout`)."""
    f = spec.facts or _facts_from_config(spec)
    n, foods = spec.n_agents, f["max_num_food"]
    rows, cols = f["rows"], f["cols"]
    lo, hi = f["min_player_level"], f["max_player_level"]
    steps = f["max_episode_steps"]
    layout = layout_from_table(lbf_state_layout(n, foods))
    lowest = "the levels of the three lowest-level agents" if n > 3 else (
        "both agents' levels" if n == 2 else f"all {n} agents' levels")
    if f["force_coop"]:
        food_levels = (
            f"every food's level equals the sum of {lowest} (cooperative: "
            + ("every item needs the whole team" if n <= 3 else "every item needs at least three agents")
            + ")"
        )
    elif f["max_food_level"] is None:
        food_levels = (
            f"each food's level is drawn uniformly from {num(f['min_food_level'])} to the sum of "
            f"{lowest}, so some items need several agents"
        )
    else:
        food_levels = (
            f"each food's level is drawn uniformly from {num(f['min_food_level'])} to "
            f"{num(f['max_food_level'])}"
        )
    sight = f["sight"]
    partial = sight < max(rows, cols)
    normalized = f["normalize_reward"]
    share = "l_k * L / (sum of the loading agents' levels * F_total)" if normalized else "l_k * L"
    penalty = f["penalty"]
    reward = (
        f"Per agent. When a food of level L is collected by the loading agents with levels l_k, "
        f"each of them gets {share}"
        + (", where F_total is the summed level of all food spawned this episode" if normalized else "")
        + "; all other agents get 0 that step"
        + (f", and every agent in a failed LOAD (levels too low) gets -{num(penalty)}" if penalty else "")
        + "."
    )
    if normalized:
        reward += (
            " Summed over all agents and the whole episode these rewards add up to at most 1 "
            "(exactly 1 if every food is collected), and a food's reward is split between its "
            "loaders in proportion to their levels."
        )
    team_extra = (
        f" With normalized rewards the team reward of an episode therefore sums to at most "
        f"1 / {n} = {num(1 / n)} (when all food is collected), and a step that collects food "
        f"of level L gives r_team = L / ({n} * F_total)."
        if normalized and not penalty else ""
    )
    return TaskDescription(
        task=spec.task,
        summary=(
            f"Level-Based Foraging on a {rows}x{cols} grid (row 0 at the top). At reset, "
            f"{n} agents get levels drawn uniformly from {num(lo)} to {num(hi)} and random cells; "
            f"{foods} food items are placed at random, never on the border rows/columns and "
            f"never next to another food; {food_levels}. Each step every agent moves one cell "
            "or stays; a move fails if another agent moves into or stays on the same target "
            "cell, and agents cannot enter food cells. A food item is collected when the agents "
            "on its 4 adjacent cells (not diagonal) that choose LOAD in the same step have a "
            "summed level >= the food's level; it then disappears. The episode ends when all "
            f"food is collected (terminated) or after {steps} steps (truncated: the training "
            "target still bootstraps there). "
            + (f"Each agent only observes cells within {sight} cells of itself (in each "
               "direction); " if partial else "Agents observe the whole grid; ")
            + "the credit function sees the global state below."
        ),
        reward=reward,
        team_reward=(
            f"The environment gives each agent its own reward r_i. QMIX, VDN and QLLM in "
            f"BenchMARL train on one team reward, the mean over the {n} agents: "
            f"r_team = (r_0 + ... + r_{n - 1}) / {n} (BenchMARL's `process_batch`: "
            f"reward.mean over the agent dimension).{team_extra}"
        ),
        facts=[
            Fact("grid", rows, f"the grid is {rows} x {cols} cells; rows and cols are 0..{rows - 1}"),
            Fact("n_agents", n, "agents"),
            Fact("max_num_food", foods, "food items spawned at reset (state slots)"),
            Fact("agent_levels", f"{num(lo)}..{num(hi)}", "range of agent levels"),
            Fact("sight", sight, "observation radius of each agent, cells" + ("" if partial else " (the whole grid)")),
            Fact("max_episode_steps", steps, "episode limit, steps (time limit = truncation)"),
            Fact("penalty", penalty, "reward subtracted from each agent of a failed LOAD"),
        ],
        actions=list(LBF_ACTIONS),
        n_agents=n,
        input_kind=STATE_KEY,
        input_dim=spec.input_dim,
        layout=layout,
        igm="enforce",
        notes=(
            "Coordinates are integer grid cells stored as floats; a food slot keeps its index "
            "for the whole episode and becomes (-1, -1, 0) once eaten. Distance to a food in "
            "moves to a loading cell is |row_i - row_f| + |col_i - col_f| - 1 (0 = adjacent). "
            "Invalid actions are masked out for the agents (LBF would turn them into NONE)."
        ),
    )


def _facts_from_config(spec: EnvSpec) -> Dict[str, Any]:
    """The same numbers from the task config, where no live env was read (tests with a
    hand-made spec)."""
    c = spec.config
    size = int(c["size"])
    return {
        "rows": size, "cols": size, "players": spec.n_agents,
        "max_num_food": int(c["max_num_food"]),
        "sight": size if c.get("sight") is None else int(c["sight"]),
        "max_episode_steps": int(c.get("max_episode_steps", 50)),
        "min_player_level": c.get("min_player_level", 1),
        "max_player_level": c.get("max_player_level", 2),
        "min_food_level": c.get("min_food_level", 1),
        "max_food_level": c.get("max_food_level"),
        "force_coop": bool(c.get("coop", False)),
        "penalty": float(c.get("penalty", 0.0)),
        "normalize_reward": bool(c.get("normalize_reward", True)),
    }


# rollout behaviours and regimes -------------------------------------------------------------------
def _split(state: torch.Tensor, n: int, foods: int):
    food = state[..., : 3 * foods].reshape(*state.shape[:-1], foods, 3)
    agents = state[..., 3 * foods: 3 * foods + 3 * n].reshape(*state.shape[:-1], n, 3)
    return food, agents


def _walk_to(agents: torch.Tensor, target: torch.Tensor, has_target: torch.Tensor,
             mask: torch.Tensor) -> torch.Tensor:
    """Actions of agents ``[..., n, 3]`` towards food cells ``target [..., n, 2]``: LOAD when
    adjacent, else a valid step along the longer axis (then the other), else NONE."""
    d = target - agents[..., :2]
    dist = d.abs().sum(-1)
    vertical = torch.where(d[..., 0] < 0, NORTH, SOUTH)
    horizontal = torch.where(d[..., 1] < 0, WEST, EAST)
    prefer_rows = d[..., 0].abs() >= d[..., 1].abs()
    first = torch.where(prefer_rows, vertical, horizontal)
    second = torch.where(prefer_rows, horizontal, vertical)
    second_useful = torch.where(prefer_rows, d[..., 1] != 0, d[..., 0] != 0)

    def valid(action):
        return mask.gather(-1, action.unsqueeze(-1)).squeeze(-1)

    action = torch.where(valid(first), first, torch.where(second_useful & valid(second), second, NONE))
    action = torch.where(dist <= 1, LOAD, action)
    return torch.where(has_target, action, torch.full_like(action, NONE))


def _policy(together: bool):
    def policy(td, spec: EnvSpec, generator: torch.Generator):
        state = td.get("state")
        mask = td.get((spec.group, "action_mask"))
        foods = spec.facts.get("max_num_food") or int(spec.config["max_num_food"])
        food, agents = _split(state, spec.n_agents, foods)
        alive = food[..., 2] > 0
        if together:
            # Every agent heads for the first food still on the field (slot order).
            first = torch.argmax(alive.to(torch.int64), dim=-1)
            target = torch.gather(food[..., :2], -2, first[..., None, None].expand(*first.shape, 1, 2))
            target = target.expand(*agents.shape[:-1], 2)
            has = alive.any(-1, keepdim=True).expand(agents.shape[:-1])
        else:
            dist = (agents[..., None, :2] - food[..., None, :, :2]).abs().sum(-1)
            dist = torch.where(alive[..., None, :], dist, torch.full_like(dist, 1e6))
            nearest = dist.argmin(-1)
            target = torch.gather(food[..., :2], -2, nearest[..., None].expand(*nearest.shape, 2))
            has = alive.any(-1, keepdim=True).expand(agents.shape[:-1])
        action = _walk_to(agents, target, has, mask)
        if together:
            # Wait next to the food until a second agent arrives, then load together.
            adjacent = (target - agents[..., :2]).abs().sum(-1) <= 1
            company = adjacent.sum(-1, keepdim=True) >= min(2, spec.n_agents)
            action = torch.where(adjacent & ~company, torch.full_like(action, NONE), action)
        # Valid only: LOAD needs adjacent food, moves need a free cell.
        ok = mask.gather(-1, action.unsqueeze(-1)).squeeze(-1)
        return torch.where(ok, action, torch.full_like(action, NONE))

    return policy


def lbf_regimes(states: torch.Tensor, spec: EnvSpec) -> Dict[str, torch.Tensor]:
    """Named situations of LBF states: next to food, shared food, food eaten, late episode."""
    foods = spec.facts.get("max_num_food") or int(spec.config["max_num_food"])
    food, agents = _split(states, spec.n_agents, foods)
    alive = food[..., 2] > 0
    dist = (agents[..., :, None, :2] - food[..., None, :, :2]).abs().sum(-1)
    adjacent = (dist == 1) & alive[..., None, :]
    per_food = adjacent.sum(-2)
    return {
        "agent next to a food": adjacent.any(-1),
        "two or more agents next to the same food": (per_food >= 2).any(-1),
        "at least one food already collected": (~alive).any(-1),
        "last 20% of the episode": states[..., -1] > 0.8,
    }


def register_descriptions() -> None:
    """Register the description, facts, rollout behaviours and regimes of every ``lbforaging``
    task (idempotent: overwrites)."""
    for task in LBForagingTask:
        name = f"lbforaging/{task.name.lower()}"
        register_fact_reader(name, lbf_facts)
        register_description(name, lbforaging_description, overwrite=True)
        register_rollout_policies(name, {"seek_nearest_food": _policy(False),
                                         "seek_food_together": _policy(True)})
        register_regime_classifier(name, lbf_regimes)
