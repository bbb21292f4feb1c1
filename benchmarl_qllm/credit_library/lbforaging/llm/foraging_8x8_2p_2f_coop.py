"""Training-free credit assignment function for lbforaging/foraging_8x8_2p_2f_coop.

task: lbforaging/foraging_8x8_2p_2f_coop
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/lbforaging_foraging_8x8_2p_2f_coop/answers)
prompt-sha256: 883b7b4fe0f3d42c393830e397f679d41376214aeb8249c770504411e3fb7be4
igm: enforce
input: state [B, 13]

Chosen candidate r3c1 (round 3 of 3); validated on 256 sampled states; gamma 0.99.

Bottleneck + joint-load credit with a shaping value bias, cooperative LBF (8x8, 2p, 2f).

Credit idea
-----------
Every food needs the whole team (food level = sum of both agents' levels), so the team
works on one *target* food at a time: the uneaten food with the smallest team arrival time
T_k = max_j d_jk + 1 (d_jk = moves to a loading cell of food k).

Weights stay on the VDN scale with two bounded, state-dependent adjustments:
  * bottleneck: on the target food, the agent that lags behind its teammate is the one
    whose moves shorten T_k, so it gets more credit:
        w_i = 1 + 0.3 * tanh((d_i,target - mean_j d_j,target) / 2)      (in [0.7, 1.3])
  * joint load: when every agent is within one move of a loading cell of the same food,
    the next steps decide whether the synchronised LOAD happens, so both agents get x1.2.
All weights are 1 once no food is left.  (Using the team's target food instead of each
agent's own nearest food avoids comparing distances to different foods.)

The bias b(s) estimates the discounted team return still available (sum_t 0.99^t r_team):
each food is worth r_team = 0.25; a food is collected after T_k steps; with both foods left
both visiting orders are evaluated (first food, then loading cell -> loading cell hop and
LOAD) and the better kept.  Steps are inflated for an imperfect policy (1.2 * T + 1) and
the result is clamped to [0, 0.5].  Because b enters both Q_tot(s) and the TD target, it
acts as a potential-based shaping signal rising as the team converges on a food.
"""

import math
import torch
import torch.nn.functional as F

N_FOOD = 2
FOOD_START = 0
AGENT_START = 6
FIELD = 3
GAMMA = 0.99
FOOD_VALUE = 0.25      # r_team for one collected food
FAR = 20.0
ADJ_GAIN = 0.3         # size of the bottleneck adjustment
ADJ_SCALE = 2.0
SYNC_BOOST = 0.2       # x1.2 when a joint load is imminent
SYNC_DIST = 1.5        # every agent within one move of a loading cell
STEP_INFLATE = 1.2     # policy inefficiency
STEP_EXTRA = 1.0


def clean(state):
    return torch.nan_to_num(state, nan=0.0, posinf=0.0, neginf=0.0)


def food_agent_dist(state, n_agents):
    """Moves to a loading cell: dist [B, n_agents, N_FOOD], alive mask [B, N_FOOD]."""
    alive_list = []
    dist_cols = []
    for k in range(N_FOOD):
        base = FOOD_START + FIELD * k
        fr = state[:, base:base + 1]
        fc = state[:, base + 1:base + 2]
        fl = state[:, base + 2:base + 3]
        alive = fl > 0.5
        alive_list.append(alive)
        per_agent = []
        for i in range(n_agents):
            a = AGENT_START + FIELD * i
            d = (torch.abs(state[:, a:a + 1] - fr)
                 + torch.abs(state[:, a + 1:a + 2] - fc) - 1.0).clamp(0.0, FAR)
            d = torch.where(alive, d, torch.full_like(d, FAR))
            per_agent.append(d)
        dist_cols.append(torch.cat(per_agent, dim=1))     # [B, n]
    dist = torch.stack(dist_cols, dim=2)                   # [B, n, K]
    alive = torch.cat(alive_list, dim=1)                   # [B, K]
    return dist, alive


def weights(td):
    state = clean(td["state"])
    n_agents = td["n_agents"]
    dist, alive = food_agent_dist(state, n_agents)
    alive_f = alive.to(state.dtype)                        # [B, K]

    # team target food: smallest arrival time of the slowest agent
    d_team = dist.amax(dim=1)                              # [B, K], FAR for eaten food
    target = torch.argmax(-d_team, dim=1)                  # [B]
    onehot = F.one_hot(target, N_FOOD).to(state.dtype)     # [B, K]
    d_t = (dist * onehot.unsqueeze(1)).sum(dim=2)          # [B, n]

    diff = d_t - d_t.mean(dim=1, keepdim=True)
    w = 1.0 + ADJ_GAIN * torch.tanh(diff / ADJ_SCALE)

    # joint load imminent: all agents within one move of the same food's loading cells
    sync = ((d_team < SYNC_DIST).to(state.dtype) * alive_f).amax(dim=1, keepdim=True)
    w = w * (1.0 + SYNC_BOOST * sync)

    any_alive = alive_f.sum(dim=1, keepdim=True) > 0.5
    w = torch.where(any_alive, w, torch.ones_like(w))
    w = torch.nan_to_num(w, nan=1.0, posinf=1.0, neginf=1.0)
    return w.clamp(0.3, 2.0)


def discount(steps):
    eff = (STEP_INFLATE * steps + STEP_EXTRA).clamp(0.0, 300.0)
    return torch.exp(eff * math.log(GAMMA))


def bias(td):
    state = clean(td["state"])
    n_agents = td["n_agents"]
    dist, alive = food_agent_dist(state, n_agents)
    alive_f = alive.to(state.dtype)                        # [B, K]

    steps = dist.amax(dim=1) + 1.0                         # [B, K]: reach + LOAD
    steps = torch.where(alive, steps, torch.full_like(steps, FAR + 1.0)).clamp(0.0, 200.0)

    # one (or zero) food left
    v_one = FOOD_VALUE * (alive_f * discount(steps)).sum(dim=1, keepdim=True)

    # both foods left: try both orders
    between = (torch.abs(state[:, 0:1] - state[:, 3:4])
               + torch.abs(state[:, 1:2] - state[:, 4:5])).clamp(0.0, 20.0)
    hop = (between - 2.0).clamp_min(0.0) + 1.0             # loading cell -> loading cell, + LOAD
    t0 = steps[:, 0:1]
    t1 = steps[:, 1:2]
    order_a = discount(t0) + discount(t0 + hop)
    order_b = discount(t1) + discount(t1 + hop)
    v_both = FOOD_VALUE * torch.maximum(order_a, order_b)
    both = alive_f.sum(dim=1, keepdim=True) > 1.5

    v = torch.where(both, v_both, v_one)
    v = torch.nan_to_num(v, nan=0.0, posinf=0.0, neginf=0.0)
    return v.clamp(0.0, 0.5)
