"""Training-free credit assignment function for vmas/simple_tag/agent.

task: vmas/simple_tag/agent
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/vmas_simple_tag_agent/answers)
prompt-sha256: 4516524db32943b83062dd53265c216763a98bbdfa77505e83ecc53700e30c72
igm: enforce
input: observation [B, n_agents, 14]

Chosen candidate r1c3 (round 1 of 3, stopped after round 1: the evaluator accepted it); validated on 256 sampled states; gamma 0.99.

Coordination / interference credit for vmas/simple_tag, group `agent`.

The group has a single good agent, so there are no teammates to coordinate with; the
"interaction" that matters is interference with other bodies: the three adversaries
(contact at 0.125 costs -10 each), the two colliding landmarks (contact at 0.05 + 0.2)
and the arena walls (|pos| = bound = 1) that can block an escape route.  When the agent
acts alone in open space it gets near-uniform credit (~0.8).  The weight rises when it
is entangled with others: adversaries within a few steps (weighted most), several
adversaries converging from different sides (a pincer where the escape direction
must be chosen precisely), and obstacles or walls close by while a chaser is near
(the escape must be steered around them).  A small bounded bias reflects the penalty
expected from nearby chasers.

Observation layout (14): vel 0:2, pos 2:4, landmark rel pos 4:8 (2 x 2),
adversary rel pos 8:14 (3 x 2).
"""

import torch
import math
import torch.nn.functional as F

POS = slice(2, 4)
LMK = slice(4, 8)
ADV = slice(8, 14)
N_ADV = 3
N_LMK = 2
CATCH_DIST = 0.125
LMK_DIST = 0.25
BOUND = 1.0
EPS = 1e-6
W_BASE = 0.8
W_MAX = 2.5


def rel_and_dist(obs, sl, n):
    lead = obs.shape[:-1]
    rel = torch.nan_to_num(obs[..., sl], nan=0.0, posinf=10.0, neginf=-10.0)
    rel = rel.reshape(lead + (n, 2))
    dist = torch.sqrt((rel * rel).sum(dim=-1) + EPS)
    return rel, dist


def adversary_risk(obs):
    rel, dist = rel_and_dist(obs, ADV, N_ADV)
    gap = (dist - CATCH_DIST).clamp_min(0.0)
    risk = torch.exp(-(gap / 0.25).clamp(max=30.0))          # [B, n, 3] in (0,1]
    return rel, dist, risk


def pincer(rel, dist, risk):
    # how well the risky adversaries surround the agent: 1 - |risk-weighted mean dir|
    unit = rel / dist.unsqueeze(-1)
    wsum = risk.sum(dim=-1, keepdim=True) + EPS               # [B, n, 1]
    mean_dir = (unit * risk.unsqueeze(-1)).sum(dim=-2) / wsum  # [B, n, 2]
    spread = 1.0 - torch.sqrt((mean_dir * mean_dir).sum(dim=-1) + EPS)
    spread = spread.clamp(0.0, 1.0)
    # only counts when at least two chasers are close
    second = torch.topk(risk, 2, dim=-1).values[..., 1]
    return spread * second


def obstacle_pressure(obs):
    _, ldist = rel_and_dist(obs, LMK, N_LMK)
    lgap = (ldist - LMK_DIST).clamp_min(0.0)
    lmk = torch.exp(-(lgap / 0.1).clamp(max=30.0)).amax(dim=-1)   # [B, n]
    pos = torch.nan_to_num(obs[..., POS], nan=0.0, posinf=BOUND, neginf=-BOUND)
    wall_gap = (BOUND - pos.abs()).clamp_min(0.0).amin(dim=-1)    # [B, n]
    wall = torch.exp(-(wall_gap / 0.1).clamp(max=30.0))
    return torch.maximum(lmk, wall)


def weights(td):
    obs = td["observation"]
    rel, dist, risk = adversary_risk(obs)
    nearest = risk.amax(dim=-1)                               # [B, n]
    crowd = (risk.sum(dim=-1) / N_ADV).clamp(0.0, 1.0)
    pin = pincer(rel, dist, risk)
    obst = obstacle_pressure(obs) * nearest                   # matters only under threat
    w = W_BASE + 0.9 * nearest + 0.3 * crowd + 0.3 * pin + 0.2 * obst
    w = torch.nan_to_num(w, nan=1.0, posinf=W_MAX, neginf=W_BASE)
    return w.clamp(0.2, W_MAX)


def bias(td):
    obs = td["observation"]
    rel, dist, risk = adversary_risk(obs)
    contact = torch.sigmoid(((CATCH_DIST + 0.05 - dist) / 0.04).clamp(-30.0, 30.0))
    b = -(5.0 * contact + 3.0 * risk).sum(dim=-1)             # [B, n]
    b = b.mean(dim=-1, keepdim=True)
    b = torch.nan_to_num(b, nan=0.0, posinf=0.0, neginf=-24.0)
    return b.clamp(-24.0, 0.0)
