"""Level-Based Foraging: the actions and the global-state table (see :mod:`.env` for the state)."""

from __future__ import annotations

from typing import List

N_ACTIONS = 6
ACTION_NAMES = ("NONE", "NORTH", "SOUTH", "WEST", "EAST", "LOAD")


def lbf_state_dim(players: int, max_num_food: int) -> int:
    """Length of :class:`LBForagingEnv`'s global state."""
    return 3 * max_num_food + 3 * players + 1


def lbf_state_layout(players: int, max_num_food: int) -> List[tuple]:
    """``(name, start, stop, meaning)`` for every field of the global state, in order."""
    fields = []
    for j in range(max_num_food):
        fields.append((f"food_{j}", 3 * j, 3 * j + 3,
                       f"food slot {j}: (row, col, level); (-1, -1, 0) when eaten or absent"))
    base = 3 * max_num_food
    for i in range(players):
        fields.append((f"agent_{i}", base + 3 * i, base + 3 * i + 3,
                       f"agent {i}: (row, col, level), absolute grid coordinates"))
    end = base + 3 * players
    fields.append(("time", end, end + 1, "fraction of the episode elapsed (step / max steps)"))
    return fields
