"""Google Research Football: observation sizes, actions and the global-state table.

See :mod:`.env` for what the observation (simple115v2) and the global state hold.
"""

from __future__ import annotations

from typing import List, Tuple

OBS_DIM = 115
MAX_PLAYERS = 11
SHARED_STATE_DIM = 104  # obs[0:97] + obs[108:115]
ACTION_NAMES = [
    "idle", "left", "top_left", "top", "top_right", "right", "bottom_right", "bottom",
    "bottom_left", "long_pass", "high_pass", "short_pass", "shot", "sprint", "release_direction",
    "release_sprint", "sliding", "dribble", "release_dribble",
]
N_ACTIONS = len(ACTION_NAMES)
GAME_MODES = ["normal", "kick_off", "goal_kick", "free_kick", "corner", "throw_in", "penalty"]


def gfootball_state_dim(n_agents: int) -> int:
    """Length of :class:`~benchmarl_qllm.environments.gfootball.GFootballEnv`'s global state."""
    return SHARED_STATE_DIM + MAX_PLAYERS * int(n_agents)


def gfootball_state_layout(n_agents: int) -> List[Tuple[str, int, int, str]]:
    """``(name, start, stop, meaning)`` of every field of the global state."""
    fields = [
        ("left_team_positions", 0, 22,
         "(x, y) of left-team (our) players 0..10 in player order, player 0 = goalkeeper; "
         "x in [-1, 1] from our goal to the opponent goal, y in [-0.42, 0.42]; -1 if absent"),
        ("left_team_directions", 22, 44, "(dx, dy) movement per step of our players 0..10"),
        ("right_team_positions", 44, 66, "(x, y) of opponent players 0..10 (0 = their goalkeeper)"),
        ("right_team_directions", 66, 88, "(dx, dy) movement per step of opponent players 0..10"),
        ("ball_position", 88, 91, "ball (x, y, z); z is the height"),
        ("ball_direction", 91, 94, "ball (dx, dy, dz) per step"),
        ("ball_owner", 94, 97, "one-hot: nobody, our team, the opponents"),
        ("game_mode", 97, 104, "one-hot: " + ", ".join(GAME_MODES)),
    ]
    for i in range(n_agents):
        start = SHARED_STATE_DIM + MAX_PLAYERS * i
        fields.append((f"agent_{i}_player", start, start + MAX_PLAYERS,
                       f"one-hot over our players 0..10: the player agent {i} controls"))
    return fields
