"""Training-free credit assignment function for lbforaging/foraging_15x15_4p_3f.

task: lbforaging/foraging_15x15_4p_3f
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/lbforaging_foraging_15x15_4p_3f/answers)
prompt-sha256: c1860c59d0780e545a4c017f1e36432607d67775219ca2f2d4ac31ec2e81a4a5
igm: enforce
input: state [B, 22]

Chosen candidate r1c2 (round 1 of 3, stopped after round 1: the evaluator accepted it); validated on 256 sampled states; gamma 0.99.

Influence-on-this-step's-reward credit for Level-Based Foraging (15x15, 4p, 3 food).

Credit idea: a step pays r_team = L / (4 * F_total) only when the agents standing on the
loading cells of a food item LOAD together with summed level >= L. So an agent's action
changes the near-term team reward only in a few situations, which we score per (agent, food):
  * pivotal   - adjacent, the adjacent coalition can collect now, and without this agent it
                could not: its LOAD decides the reward this very step (strongest).
  * loader    - adjacent and the adjacent coalition can collect now (it must LOAD too).
  * completer - one move away and its arrival would lift the adjacent coalition to >= L:
                its move decides whether the food can be collected next step.
  * waiter    - adjacent but the coalition is still too weak: staying put keeps the
                option open (moderate).
  * near      - one move away otherwise; plus a small smooth term exp(-d/4) for agents
                further out so gradients never vanish.
Each food's terms are scaled by its share of the live food level (its reward size). Scores
get a floor, are renormalised to mean 1 over agents (VDN scale), and clamped to [0.05, 10].
No bias.
"""

import torch
import torch.nn.functional as F

N_FOOD = 3
AGENT_START = 9
FLOOR = 0.3
EPS = 1e-6

W_PIVOTAL = 2.0
W_LOADER = 1.2
W_COMPLETER = 1.0
W_WAITER = 0.5
W_NEAR = 0.3
W_FAR = 0.25
FAR_SCALE = 4.0


def weights(td):
    state = torch.nan_to_num(td["state"].float(), nan=0.0, posinf=0.0, neginf=0.0)
    n_agents = td["n_agents"]

    food = state[:, 0:3 * N_FOOD].reshape(-1, N_FOOD, 3)
    fpos = food[..., 0:2]                                    # [B,F,2]
    flvl = food[..., 2]                                      # [B,F]
    alive = (flvl > 0.5).to(state.dtype)                     # [B,F]

    agents = state[:, AGENT_START:AGENT_START + 3 * n_agents].reshape(-1, n_agents, 3)
    apos = agents[..., 0:2]                                  # [B,N,2]
    alvl = agents[..., 2]                                    # [B,N]

    # moves to a loading cell: [B,N,F]
    dist = (torch.abs(apos.unsqueeze(2) - fpos.unsqueeze(1)).sum(dim=-1) - 1.0).clamp_min(0.0)
    alive_b = alive.unsqueeze(1)                             # [B,1,F]
    lvl_i = alvl.unsqueeze(2)                                # [B,N,1]
    lvl_f = flvl.unsqueeze(1)                                # [B,1,F]

    adj = (dist < 0.5).to(state.dtype) * alive_b             # [B,N,F]
    one_away = torch.logical_and(dist > 0.5, dist < 1.5).to(state.dtype) * alive_b

    # summed level of agents already on loading cells of each food: [B,1,F]
    s_adj = (adj * lvl_i).sum(dim=1, keepdim=True)
    can_now = (s_adj >= lvl_f - 0.5).to(state.dtype) * alive_b
    without_me_short = (s_adj - lvl_i < lvl_f - 0.5).to(state.dtype)

    pivotal = adj * can_now * without_me_short
    loader = adj * can_now
    waiter = adj * (1.0 - can_now)
    completer = one_away * (1.0 - can_now) * (s_adj + lvl_i >= lvl_f - 0.5).to(state.dtype)
    near = one_away * (1.0 - completer)
    far = torch.exp(-dist / FAR_SCALE) * alive_b

    # reward size of each food relative to what is left (its share of live level)
    total_live = (flvl * alive).sum(dim=-1, keepdim=True)   # [B,1]
    size = (flvl * alive) / (total_live + EPS)               # [B,F]
    size = (size * N_FOOD).clamp(0.0, 3.0).unsqueeze(1)      # mean ~1 per live food, [B,1,F]

    per_food = (W_PIVOTAL * pivotal + W_LOADER * loader + W_COMPLETER * completer
                + W_WAITER * waiter + W_NEAR * near) * size
    influence = per_food.sum(dim=-1).clamp_max(6.0) + W_FAR * (far * size).amax(dim=-1)

    score = FLOOR + influence
    w = score * n_agents / (score.sum(dim=-1, keepdim=True) + EPS)

    any_alive = alive.sum(dim=-1, keepdim=True) > 0.5
    w = torch.where(any_alive, w, torch.ones_like(w))
    w = torch.nan_to_num(w, nan=1.0, posinf=1.0, neginf=1.0)
    return w.clamp(0.05, 10.0)
