"""Training-free credit assignment function for pettingzoo/simple_adversary/agent.

task: pettingzoo/simple_adversary/agent
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/pettingzoo_simple_adversary_agent/answers)
prompt-sha256: 479861b2d522397cd5437fce6484c9c299933c0b280ba47677dacdedfdd1db8f
igm: enforce
input: state [B, 28]

Chosen candidate r2c1 (round 2 of 3, stopped after round 2: the evaluator accepted it); validated on 256 sampled states; gamma 0.99.

TFCAF for pettingzoo/simple_adversary, group `agent` (2 good agents): objective proximity,
refined with decoy credit.

State layout (28 = adversary obs 8 + agent_0 obs 10 + agent_1 obs 10, in possible_agents order):
  adversary_0 [0:8]  : lm0 - adv (0:2), lm1 - adv (2:4), agent_0 - adv (4:6), agent_1 - adv (6:8)
  agent_0     [8:18] : goal - a0 (8:10), lm0 - a0 (10:12), lm1 - a0 (12:14), adv - a0, a1 - a0
  agent_1     [18:28]: goal - a1 (18:20), lm0 - a1 (20:22), lm1 - a1 (22:24), adv - a1, a0 - a1

Team reward = -min_i d(agent_i, goal) + d(adversary, goal).
- Goal role: the agent nearest the goal drives the -min term; it gets a soft (softmax over
  negative goal distances) share of the credit.
- Decoy role: the goal is one of the two landmarks, so the decoy landmark relative to agent i
  is exactly (lm0 - a) + (lm1 - a) - (goal - a). The non-nearest agent earns credit that rises
  as it gets close to the decoy landmark (it is what keeps the goal-blind adversary away from
  the goal, i.e. the +d(adv, goal) term), so it no longer sits at the floor.
Raw scores = floor + goal share + decoy share, normalized to mean 1 (sum = 2); weights stay in
about [0.33, 1.67], always > 0 (IGM).

Bias: current team reward times a modest persistence horizon (5 steps), clipped to +-30 so it
does not saturate on typical states (|r| <= ~2.8 -> |b| <= ~14).
"""

import torch
import math
import torch.nn.functional as F

N_AGENTS = 2
AGENT_OFFSETS = (8, 18)       # start of each good agent's obs: goal(0:2), lm0(2:4), lm1(4:6)
ADV_TO_AGENT0 = slice(4, 6)   # agent_0 - adversary
FLOOR = 0.3
GOAL_GAIN = 1.2
DECOY_GAIN = 0.8
TEMP = 0.25                   # softmax temperature over goal distances
DECOY_SCALE = 0.6             # distance scale for decoy closeness
BIAS_SCALE = 5.0
BIAS_CLIP = 30.0
EPS = 1e-6


def norm2(x):
    return torch.sqrt((x * x).sum(dim=-1) + EPS)


def goal_distances(state):
    ds = []
    for i in range(N_AGENTS):
        off = AGENT_OFFSETS[i]
        ds.append(norm2(state[:, off:off + 2]))
    return torch.stack(ds, dim=-1)  # [B, 2]


def decoy_distances(state):
    ds = []
    for i in range(N_AGENTS):
        off = AGENT_OFFSETS[i]
        decoy_rel = state[:, off + 2:off + 4] + state[:, off + 4:off + 6] - state[:, off:off + 2]
        ds.append(norm2(decoy_rel))
    return torch.stack(ds, dim=-1)  # [B, 2]


def weights(td):
    state = torch.nan_to_num(td["state"], nan=0.0, posinf=10.0, neginf=-10.0)
    n = td["n_agents"]
    d_goal = goal_distances(state)                              # [B, 2]
    d_decoy = decoy_distances(state)                            # [B, 2]
    p_goal = torch.softmax((-d_goal / TEMP).clamp(-50.0, 50.0), dim=-1)
    decoy_close = torch.exp(-(d_decoy / DECOY_SCALE).clamp(0.0, 50.0))
    raw = FLOOR + GOAL_GAIN * p_goal + DECOY_GAIN * (1.0 - p_goal) * decoy_close
    w = n * raw / (raw.sum(dim=-1, keepdim=True) + EPS)         # mean 1
    w = torch.clamp(w, min=0.1, max=10.0)
    return torch.nan_to_num(w, nan=1.0, posinf=1.0, neginf=1.0)


def bias(td):
    state = torch.nan_to_num(td["state"], nan=0.0, posinf=10.0, neginf=-10.0)
    d_min = goal_distances(state).min(dim=-1, keepdim=True).values   # [B, 1]
    g_adv = state[:, 8:10] + state[:, ADV_TO_AGENT0]                 # goal - adversary
    d_adv = torch.sqrt((g_adv * g_adv).sum(dim=-1, keepdim=True) + EPS)
    r_now = d_adv - d_min
    b = torch.clamp(BIAS_SCALE * r_now, -BIAS_CLIP, BIAS_CLIP)
    return torch.nan_to_num(b, nan=0.0, posinf=0.0, neginf=0.0)
