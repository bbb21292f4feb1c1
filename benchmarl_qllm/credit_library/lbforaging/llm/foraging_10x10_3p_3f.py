"""Training-free credit assignment function for lbforaging/foraging_10x10_3p_3f.

task: lbforaging/foraging_10x10_3p_3f
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/lbforaging_foraging_10x10_3p_3f/answers)
prompt-sha256: dd4c3dc76f3bd6c923f9682d4975637b8b5c58a5a71cb897646f7e32962d5186
igm: enforce
input: state [B, 19]

Chosen candidate r2c1 (round 2 of 3, stopped after round 2: the evaluator accepted it); validated on 256 sampled states; gamma 0.99.

Objective-proximity credit with level-aware loading bonuses (LBF 10x10, 3 agents, 3 food).

Core (kept from the incumbent): an agent's actions matter most when it is close to a
remaining food it can meaningfully contribute to:
    d_if    = max(|dr| + |dc| - 1, 0)                       moves to a loading cell
    prox_if = exp(-d_if / DECAY) * (0.5 + 0.5 * min(1, l_i / L_f))

Level-aware adjacency bonus (new): for an agent adjacent to food f, with A_f the summed
level of all agents adjacent to f:
  * PIVOTAL   A_f >= L_f but A_f - l_i < L_f: its LOAD decides the reward now (largest);
  * REDUNDANT A_f - l_i >= L_f: collectable anyway, its LOAD only changes the split;
  * WAITING   A_f < L_f but teammates within 1-2 moves would complete the group:
              it must hold position and LOAD in sync (medium);
  * STUCK     A_f < L_f and no help nearby: little extra.
A non-adjacent agent 1-2 moves from f whose arrival would complete the group gets an
"enabler" bonus (it is about to make the food collectable).
Per agent: max over foods of (prox + bonus) + a little of the summed proximity.
w_i = n * (FLOOR + score_i) / sum_j (FLOOR + score_j): mean 1, floor > 0, bounded.

Bias: bounded estimate (<= 1/3) of the discounted team return still on the grid:
(1/3) * (remaining foods / 3) split over the remaining foods by level share L_f / sum L,
each discounted by the steps the closest agent needs (0 extra if collectable now,
extra steps if it needs cooperation).
"""

import math
import torch
import torch.nn.functional as F

N_FOOD = 3
FLOOR = 0.25
DECAY = 2.5
PIVOTAL_W = 1.5
REDUNDANT_W = 0.6
WAITING_W = 0.8
STUCK_W = 0.15
ENABLER_W = 0.5
MULTI_W = 0.15
W_MIN = 0.05
W_MAX = 10.0
GAMMA = 0.99
TEAM_RETURN_MAX = 1.0 / 3.0
EXTRA_STEPS = 3.0
COOP_STEPS = 4.0
EPS = 1e-3


def clean_state(td):
    state = td["state"].to(torch.float32)
    return torch.nan_to_num(state, nan=0.0, posinf=0.0, neginf=0.0)


def geometry(state, n_agents):
    food = state[:, 0:3 * N_FOOD].reshape(-1, N_FOOD, 3)
    agents = state[:, 3 * N_FOOD:3 * N_FOOD + 3 * n_agents].reshape(-1, n_agents, 3)
    f_row = food[:, :, 0].unsqueeze(1)          # [B, 1, F]
    f_col = food[:, :, 1].unsqueeze(1)
    f_lvl = food[:, :, 2].unsqueeze(1)
    a_row = agents[:, :, 0].unsqueeze(2)        # [B, n, 1]
    a_col = agents[:, :, 1].unsqueeze(2)
    a_lvl = agents[:, :, 2].unsqueeze(2)
    present = (f_lvl > 0.5).to(state.dtype)     # [B, 1, F]
    manhattan = torch.abs(a_row - f_row) + torch.abs(a_col - f_col)   # [B, n, F]
    dist = torch.clamp_min(manhattan - 1.0, 0.0)
    adjacent = (manhattan < 1.5).to(state.dtype) * present           # [B, n, F]
    return f_lvl, a_lvl, present, dist, adjacent


def weights(td):
    state = clean_state(td)
    n_agents = td["n_agents"]
    dtype = state.dtype
    f_lvl, a_lvl, present, dist, adjacent = geometry(state, n_agents)

    safe_L = torch.clamp_min(f_lvl, 1.0)                                # [B, 1, F]
    contrib = torch.clamp(a_lvl / safe_L, 0.0, 1.0)                    # [B, n, F]
    prox = torch.exp(-dist / DECAY) * present * (0.5 + 0.5 * contrib)  # [B, n, F]

    # Adjacent group level and nearby (1-2 moves, not yet adjacent) helper level per food.
    adj_level = (adjacent * a_lvl).sum(dim=1, keepdim=True)            # [B, 1, F]
    near = ((dist > 0.5) & (dist < 2.5)).to(dtype) * present           # [B, n, F]
    near_level = (near * a_lvl).sum(dim=1, keepdim=True)               # [B, 1, F]

    group_ok = (adj_level >= f_lvl - EPS).to(dtype)                    # [B, 1, F]
    without_me_ok = ((adj_level - adjacent * a_lvl) >= f_lvl - EPS).to(dtype)   # [B, n, F]
    help_soon = ((adj_level + near_level) >= f_lvl - EPS).to(dtype)    # [B, 1, F]

    pivotal = adjacent * group_ok * (1.0 - without_me_ok)
    redundant = adjacent * group_ok * without_me_ok
    waiting = adjacent * (1.0 - group_ok) * help_soon
    stuck = adjacent * (1.0 - group_ok) * (1.0 - help_soon)
    adj_bonus = (PIVOTAL_W * pivotal + REDUNDANT_W * redundant
                 + WAITING_W * waiting + STUCK_W * stuck)              # [B, n, F]

    # Non-adjacent agent 1-2 moves away whose arrival completes the adjacent group.
    completes = ((adj_level + a_lvl) >= f_lvl - EPS).to(dtype) * (1.0 - group_ok)
    enabler = ENABLER_W * near * completes * torch.exp(-(dist - 1.0) / DECAY)

    per_food = (prox + adj_bonus + enabler) * present                  # [B, n, F]
    score = per_food.amax(dim=2) + MULTI_W * prox.sum(dim=2)           # [B, n]

    raw = FLOOR + score
    w = float(n_agents) * raw / (raw.sum(dim=1, keepdim=True) + 1e-6)
    w = torch.clamp(w, W_MIN, W_MAX)
    return torch.nan_to_num(w, nan=1.0, posinf=W_MAX, neginf=W_MIN)


def bias(td):
    state = clean_state(td)
    n_agents = td["n_agents"]
    dtype = state.dtype
    f_lvl, a_lvl, present, dist, adjacent = geometry(state, n_agents)

    adj_level = (adjacent * a_lvl).sum(dim=1, keepdim=True)             # [B, 1, F]
    collectable_now = (adj_level >= f_lvl - EPS).to(dtype) * present
    d_min = dist.amin(dim=1, keepdim=True)                              # [B, 1, F]
    max_agent_lvl = a_lvl.amax(dim=1, keepdim=True)                     # [B, 1, 1]
    needs_coop = (f_lvl > max_agent_lvl + EPS).to(dtype)
    steps = d_min + EXTRA_STEPS + COOP_STEPS * needs_coop
    steps = torch.where(collectable_now > 0.5, torch.zeros_like(steps), steps)
    steps = torch.clamp(steps, 0.0, 100.0)
    discount = torch.exp(steps * math.log(GAMMA))                       # [B, 1, F]

    lvl_present = f_lvl * present
    share = lvl_present / (lvl_present.sum(dim=2, keepdim=True) + 1e-6)  # [B, 1, F]
    n_remaining = present.sum(dim=2)                                    # [B, 1]
    remaining_value = TEAM_RETURN_MAX * n_remaining / float(N_FOOD)     # [B, 1]
    b = remaining_value * (share * discount).sum(dim=2)                 # [B, 1]
    b = torch.clamp(b, 0.0, TEAM_RETURN_MAX)
    return torch.nan_to_num(b, nan=0.0, posinf=TEAM_RETURN_MAX, neginf=0.0)
