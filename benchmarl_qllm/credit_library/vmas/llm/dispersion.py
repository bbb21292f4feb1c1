"""Training-free credit assignment function for vmas/dispersion.

task: vmas/dispersion
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/vmas_dispersion/answers)
prompt-sha256: 61643ab5aa08bc9cd1945fc132adf55bde3f4a1c28f72a5b7ee7b51eb06d24e0
igm: enforce
input: observation [B, n_agents, 16]

Chosen candidate r2c1 (round 2 of 3, stopped after round 2: the evaluator accepted it); validated on 256 sampled states; gamma 0.99.

Objective-proximity credit with one-to-one food assignment for vmas/dispersion (r2c1).

Observation layout per agent (16 features):
    0:2 own position, 2:4 own velocity,
    food k (k = 0..3): 4+3k : 6+3k relative position (food - agent), 6+3k eaten flag (0/1).

Team reward = +1 when an uneaten food is reached for the first time (shared, once per food).
The agents that matter are the ones that will actually collect a remaining food.

  * d_ik: distance from agent i to food k minus the eating radius, shortened when i is already
    moving towards k ("about to reach").
  * P_ik: a soft one-to-one agent-food assignment from a few Sinkhorn steps on exp(-d/T) over
    the uneaten foods (each food ~1 agent in total, each agent at most ~1 food), so one agent can
    no longer be counted as the collector of several foods.
  * redundancy r_ik = min(1, (d_other_min_k + c) / (d_ik + c)): 1 when i is the nearest agent to
    food k, smaller when a teammate is clearly closer.
  * score_i = sum_k u_k P_ik exp(-d_ik/L) + 0.5 max_k u_k r_ik exp(-d_ik/L)
    w_i = (0.25 + score_i) normalised to mean 1 per state, clamped to [0.05, 10];
    uniform (VDN) once every food is eaten.

Bias: 0.8 * sum_k u_k * 0.99 ** (steps for the assigned agent to reach food k), where the assigned
distance is the P-weighted distance, plus, for foods left without a free agent, the extra
distance from the nearest agent; bounded in [0, 4].
"""

import math
import torch
import torch.nn.functional as F

N_FOOD = 4
FOOD_START = 4
FOOD_STRIDE = 3
VEL = slice(2, 4)

PROX_LEN = 0.4          # length scale of the proximity kernel
ASSIGN_TEMP = 0.2       # temperature of the soft assignment
SINKHORN_ITERS = 6
LOOKAHEAD_S = 0.5       # seconds of velocity look-ahead for "about to reach"
REDUND_C = 0.05
FLOOR = 0.25
W_MIN = 0.05
W_MAX = 10.0

STEP_DIST = 0.04        # approx distance travelled per step at terminal speed
GAMMA = 0.99
BIAS_SCALE = 0.8
EAT_DIST = 0.055        # agent radius + food radius
BIG = 100.0


def food_features(obs):
    """Effective distances [B, n, K] and uneaten mask [B, K]."""
    vel = obs[..., VEL]
    dists = []
    eaten = []
    for k in range(N_FOOD):
        s = FOOD_START + FOOD_STRIDE * k
        rel = obs[..., s:s + 2]
        d = torch.linalg.vector_norm(rel, dim=-1)
        unit = rel / (d.unsqueeze(-1) + 1e-6)
        approach = (vel * unit).sum(dim=-1)
        d_eff = torch.clamp_min(d - LOOKAHEAD_S * F.relu(approach) - EAT_DIST, 0.0)
        dists.append(d_eff)
        eaten.append(obs[..., s + 2].mean(dim=1))
    dist = torch.stack(dists, dim=-1)
    dist = torch.nan_to_num(dist, nan=3.0, posinf=3.0, neginf=0.0).clamp(0.0, 3.0)
    uneaten = 1.0 - torch.clamp(torch.stack(eaten, dim=-1), 0.0, 1.0)
    return dist, uneaten


def soft_assignment(dist, uneaten):
    """Sinkhorn-style soft one-to-one assignment P [B, n, K] over uneaten foods."""
    unea = uneaten.unsqueeze(1)
    p = (torch.exp(-dist / ASSIGN_TEMP) + 1e-8) * unea
    for it in range(SINKHORN_ITERS):
        p = p / (p.sum(dim=1, keepdim=True) + 1e-8) * unea              # each food -> 1 agent
        p = p / torch.clamp_min(p.sum(dim=2, keepdim=True), 1.0)        # each agent <= 1 food
    return p


def others_min(dist):
    """For each agent i and food k: min over j != i of dist[:, j, k]."""
    n = dist.shape[1]
    ar = torch.arange(n, dtype=dist.dtype, device=dist.device)
    self_mask = (ar.unsqueeze(0) == ar.unsqueeze(1)).to(dist.dtype)     # [n_i, n_j]
    dj = dist.unsqueeze(1) + BIG * self_mask.unsqueeze(0).unsqueeze(-1)  # [B, n_i, n_j, K]
    return dj.amin(dim=2)


def weights(td):
    obs = torch.nan_to_num(td["observation"], nan=0.0, posinf=0.0, neginf=0.0)
    dist, uneaten = food_features(obs)
    unea = uneaten.unsqueeze(1)

    prox = torch.exp(-dist / PROX_LEN)
    p = soft_assignment(dist, uneaten)
    assigned = (p * prox).sum(dim=-1)                                   # [B, n]

    d_other = torch.clamp(others_min(dist), 0.0, 3.0)
    redund = torch.clamp((d_other + REDUND_C) / (dist + REDUND_C), 0.0, 1.0)
    best = (unea * redund * prox).amax(dim=-1)                          # [B, n]

    raw = FLOOR + assigned + 0.5 * best
    w = raw / (raw.mean(dim=1, keepdim=True) + 1e-6)
    w = torch.clamp(w, W_MIN, W_MAX)
    return torch.nan_to_num(w, nan=1.0, posinf=W_MAX, neginf=W_MIN)


def bias(td):
    obs = torch.nan_to_num(td["observation"], nan=0.0, posinf=0.0, neginf=0.0)
    dist, uneaten = food_features(obs)
    p = soft_assignment(dist, uneaten)                                  # [B, n, K]
    cover = torch.clamp(p.sum(dim=1), 0.0, 1.0)                         # [B, K]
    d_assigned = (p * dist).sum(dim=1) / (p.sum(dim=1) + 1e-6)          # [B, K]
    d_near = dist.amin(dim=1)                                           # [B, K]
    # uncovered mass: a busy agent must first finish elsewhere, so add a detour
    d_food = cover * d_assigned + (1.0 - cover) * (d_near + 1.0)
    steps = torch.clamp(d_food / STEP_DIST, 0.0, 1000.0)
    disc = torch.exp(steps * math.log(GAMMA))
    b = BIAS_SCALE * (uneaten * disc).sum(dim=-1, keepdim=True)
    b = torch.nan_to_num(b, nan=0.0, posinf=0.0, neginf=0.0)
    return torch.clamp(b, 0.0, float(N_FOOD))
