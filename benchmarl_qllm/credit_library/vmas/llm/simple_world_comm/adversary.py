"""Training-free credit assignment function for vmas/simple_world_comm/adversary.

task: vmas/simple_world_comm/adversary
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/vmas_simple_world_comm_adversary/answers)
prompt-sha256: 659f12bb8499a490145d437475a1f9fcbaafa0dbff416348a20bac65571014d0
igm: enforce
input: observation [B, n_agents, 60]

Chosen candidate r3c1 (round 3 of 3); validated on 256 sampled states; gamma 0.99.

TFCAF for vmas/simple_world_comm, group `adversary` -- coordination + reach (refined).

Reward: +5 for every (prey, adversary) collision (centres closer than 0.12); the
distance shaping in the source is identically zero.  Prey are rewarded for touching
food and shaped toward it, so they hover within ~0.075 of the two food items
(obs 6:8, 8:10 are the food positions relative to the agent).  Prey positions
(obs 26:34) are normally all zeros for non-leader adversaries; a slot counts as a
visible prey only when its raw squared norm is clearly non-zero (no epsilon bug).

Per agent (rows of the observation; own vel 0:2, own abs pos 2:4):
  * reach      : exp(-steps / horizon), steps = estimated steps (0.1 per step plus
                 momentum toward the target) to enter the capture zone around the
                 nearest food (radius 0.2) or a visible prey (radius 0.12) -- the
                 agent whose action can produce/lose a capture now gets more credit;
  * risk       : interference with teammates (contact at 0.15, higher when closing);
  * shared     : teammates converging on the same food (joint trapping of the prey).
raw_i = FLOOR + W_REACH*reach + W_RISK*risk + W_SHARED*shared, normalised to mean 1
per state (every agent keeps a positive floor; max weight <= 3).
Bias: small bounded coverage of the two food items by at least one adversary.
"""

import torch
import math
import torch.nn.functional as F

EPS = 1e-6
VEL = slice(0, 2)
POS = slice(2, 4)
FOOD0 = slice(6, 8)
FOOD1 = slice(8, 10)
PREY_SLOTS = slice(26, 34)
ZONE_R = 0.2            # capture 0.12 + prey offset from food ~0.075
PREY_R = 0.12
STEP_LEN = 0.1          # max speed 1.0 * dt 0.1
MOMENTUM_STEPS = 2.0
HORIZON = 5.0
CONTACT = 0.15          # adversary-adversary contact distance (2 * 0.075)
RISK_SCALE = 0.15
TARGET_SCALE = 0.4
COVER_SCALE = 0.25
FLOOR = 0.4
W_REACH = 1.5
W_RISK = 0.5
W_SHARED = 0.5
MAX_W = 10.0
BIAS_SCALE = 2.0


def vnorm(v):
    return torch.sqrt((v * v).sum(dim=-1) + 1e-8)


def food_dists(obs):
    d0 = vnorm(obs[..., FOOD0])
    d1 = vnorm(obs[..., FOOD1])
    return torch.stack([d0, d1], dim=-1)            # [B, n, 2]


def offdiag_mask(x, n):
    ar = torch.arange(n, dtype=x.dtype, device=x.device)
    same = ar.unsqueeze(0) == ar.unsqueeze(1)
    return torch.where(same, x.new_zeros((n, n)), x.new_ones((n, n))).unsqueeze(0)


def reach_score(obs):
    f0 = obs[..., FOOD0]
    f1 = obs[..., FOOD1]
    d0 = vnorm(f0)
    d1 = vnorm(f1)
    rel = torch.where((d0 <= d1).unsqueeze(-1), f0, f1)
    dist = torch.minimum(d0, d1)
    radius = torch.full_like(dist, ZONE_R)

    prey = obs[..., PREY_SLOTS]
    nb = prey.shape[0]
    na = prey.shape[1]
    prey = prey.reshape(nb, na, 4, 2)
    sq = (prey * prey).sum(dim=-1)                   # raw squared norm, 0 if unseen
    visible = sq > 1e-6
    pd = torch.sqrt(torch.clamp(sq, min=1e-12))
    pd = torch.where(visible, pd, torch.full_like(pd, 100.0))
    best_d = pd.min(dim=-1).values
    best_i = torch.argmax(-pd, dim=-1)
    idx = best_i.unsqueeze(-1).unsqueeze(-1).expand(nb, na, 1, 2)
    prey_rel = torch.gather(prey, 2, idx).squeeze(2)
    prey_better = (best_d - PREY_R) < (dist - ZONE_R)
    rel = torch.where(prey_better.unsqueeze(-1), prey_rel, rel)
    dist = torch.where(prey_better, best_d, dist)
    radius = torch.where(prey_better, torch.full_like(radius, PREY_R), radius)

    unit = rel / (dist.unsqueeze(-1) + EPS)
    closing = torch.clamp((obs[..., VEL] * unit).sum(dim=-1), min=-1.5, max=1.5)
    eff = dist - closing * STEP_LEN * MOMENTUM_STEPS
    steps = torch.clamp((eff - radius) / STEP_LEN, min=0.0, max=50.0)
    return torch.exp(-steps / HORIZON)              # (0, 1]


def weights(td):
    obs = torch.nan_to_num(td["observation"], nan=0.0, posinf=10.0, neginf=-10.0)
    n = td["n_agents"]
    pos = obs[..., POS]
    vel = obs[..., VEL]
    off = offdiag_mask(pos, n)

    reach = reach_score(obs)                        # [B, n]

    diff = pos.unsqueeze(2) - pos.unsqueeze(1)      # p_i - p_j
    dist = vnorm(diff)
    unit = diff / (dist.unsqueeze(-1) + EPS)
    rel_vel = vel.unsqueeze(2) - vel.unsqueeze(1)
    closing = torch.clamp(-(rel_vel * unit).sum(dim=-1), min=0.0, max=2.0)
    gap = torch.clamp(dist - CONTACT, min=0.0)
    risk = torch.exp(-gap / RISK_SCALE) * (1.0 + 0.5 * closing)
    risk = (risk * off).sum(dim=-1)                 # [B, n]

    prox = torch.exp(-food_dists(obs) / TARGET_SCALE)
    shared = torch.einsum("bik,bjk->bij", prox, prox)
    shared = (shared * off).sum(dim=-1)             # [B, n]

    raw = FLOOR + W_REACH * reach + W_RISK * risk + W_SHARED * shared
    w = raw * n / (raw.sum(dim=-1, keepdim=True) + EPS)
    w = torch.clamp(w, min=0.05, max=MAX_W)
    return torch.nan_to_num(w, nan=1.0, posinf=MAX_W, neginf=0.05)


def bias(td):
    obs = torch.nan_to_num(td["observation"], nan=0.0, posinf=10.0, neginf=-10.0)
    fd = food_dists(obs)
    near = torch.clamp(torch.exp(-fd / COVER_SCALE), min=0.0, max=1.0)
    coverage = 1.0 - torch.prod(1.0 - near, dim=1)  # [B, 2]
    b = BIAS_SCALE * coverage.mean(dim=-1, keepdim=True)
    return torch.nan_to_num(b, nan=0.0, posinf=BIAS_SCALE, neginf=0.0)
