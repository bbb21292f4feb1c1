"""Training-free credit assignment function for lbforaging/foraging_8x8_2p_2f_coop.

task: lbforaging/foraging_8x8_2p_2f_coop
produced-by: hand-written by a benchmarl-qllm developer (an AI coding assistant), not by the QLLM generation pipeline
model: none
prompt-sha256: none
igm: enforce
input: state [B, 13]

Task: Level-Based Foraging, 8x8 grid, 2 agents (levels 1-2), 2 food items, cooperative:
every food's level is the sum of both agents' levels, so each item needs the whole team.
An item is collected when the agents on the 4 cells next to it that choose LOAD in the same step
have a summed level >= the item's level; each of them is rewarded level_i * food_level
(normalised so that the team's return over an episode is at most 1). Agents see only the cells
within distance 2 (sight 2); this function reads the global state.

State layout (benchmarl_qllm.environments.lbforaging; F = 2 food slots, n = 2 agents):
  0:6      food slot j at [3j, 3j+3): (row, col, level); (-1, -1, 0) once eaten
  6:12     agent i at [6+3i, 6+3i+3): (row, col, level), absolute grid coordinates
  12:13     fraction of the episode elapsed
F is recomputed from the state width and td["n_agents"], so a changed task config still works.

Credit idea: an agent matters for the next reward when it stands next to (or close to) food
that its level can load, alone or with help. For every agent i and remaining food j:
  steps_ij = max(|row_i - row_j| + |col_i - col_j| - 1, 0)   (moves to a loading cell)
  share_ij = min(level_i / level_j, 1)                      (part of the food's level it covers)
  score_i  = sum_j exp(-steps_ij / REACH) * share_ij
Weights are 0.5 + 0.5 * n * score_i / sum_k score_k: always >= 0.5 (every agent keeps a base
credit, IGM holds), mean exactly 1 (the VDN scale), and 1 for everyone when no food is left.
No bias (Q_tot = sum_i w_i Q_i).
"""

import torch

REACH = 2.0  # distance scale in moves; about a quarter of the grid side


def weights(td):
    state = td["state"]                                          # [B, 13]
    n = td["n_agents"]
    n_food = (state.shape[1] - 1 - 3 * n) // 3
    foods = state[:, 0:3 * n_food].reshape(-1, n_food, 3)        # [B, F, 3]
    agents = state[:, 3 * n_food:3 * n_food + 3 * n].reshape(-1, n, 3)  # [B, n, 3]
    present = (foods[:, :, 2] > 0).to(state.dtype)               # [B, F]

    d_row = (agents[:, :, None, 0] - foods[:, None, :, 0]).abs()  # [B, n, F]
    d_col = (agents[:, :, None, 1] - foods[:, None, :, 1]).abs()
    steps = (d_row + d_col - 1.0).clamp_min(0.0)
    closeness = torch.exp(-steps / REACH)
    share = (agents[:, :, None, 2] / foods[:, None, :, 2].clamp_min(1.0)).clamp_max(1.0)

    score = (present[:, None, :] * closeness * share).sum(-1)     # [B, n]
    total = score.sum(-1, keepdim=True)
    relative = torch.where(
        total > 1e-6, score / total.clamp_min(1e-6), torch.full_like(score, 1.0 / n)
    )
    return 0.5 + 0.5 * n * relative
