"""Training-free credit assignment function for vmas/navigation.

task: vmas/navigation
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/vmas_navigation/answers)
prompt-sha256: 1759c2a0baea380c3d083fc612ecfef120b13edaabcce8a06b116f6bbb75c351
igm: enforce
input: observation [B, n_agents, 18]

Chosen candidate r2c1 (round 2 of 3, stopped after round 2: the evaluator accepted it); validated on 256 sampled states; gamma 0.99.

TFCAF for vmas/navigation -- influence on this step's reward (refined).

Credit idea: weight each agent by how much its action can move the team reward
r_team = mean(progress_i) + (collision penalties)/n over the next few steps.

* Progress term: an agent still away from its goal can gain/lose ~0.05 distance
  per step; once parked on its goal it can only lose a little by drifting, so
  its progress influence drops to a fraction (PARKED_FRAC).
* Collision term: -1 per contact per agent, much larger than progress. An agent
  that is touching another one, is close to one, or is closing in fast can
  avoid or cause that penalty right now. Two signals are combined:
    - position/velocity pair risk from all agents' exact positions and a short
      constant-velocity look-ahead,
    - a direct lidar contact signal from the agent's own lidar (obs[..., 6:18]),
      which fires whenever a teammate is touching / nearly touching.
  Their maximum drives the collision influence.

raw_i = progress_factor_i + COLL_GAIN * collision_i, so a free-travelling agent
has raw 1 and a touching agent ~2.5. Weights: w = FLOOR + (1 - FLOOR) *
raw / mean(raw) (mean 1 per state), clipped to [0.1, 10], all >= 0 (IGM).
Example: a touching pair plus one free agent -> w ~ (1.2, 1.2, 0.6).

Bias: bounded estimate of the discounted team return still available
(remaining distance to the goals, discounted by travel time) minus the expected
near-term collision penalties.
"""

import math
import torch
import torch.nn.functional as F

POS = slice(0, 2)
VEL = slice(2, 4)
AMG = slice(4, 6)
LIDAR = slice(6, 18)

GAMMA = 0.99
DONE_DIST = 0.1
STEP_PROGRESS = 0.05      # distance closeable per step at terminal speed
COLL_DIST = 0.2           # centre distance at which agents collide
SAFE_MARGIN = 0.12        # extra distance within which an action still matters
LOOKAHEAD_S = 0.3         # 3 steps of constant-velocity look-ahead
LIDAR_CONTACT = 0.2       # lidar value ~ centre distance 0.25 (near touching)
LIDAR_NEAR = 0.1          # lidar value ~ centre distance 0.35
PARKED_FRAC = 0.4         # progress influence of an agent parked on its goal
COLL_GAIN = 1.5           # extra raw credit of a touching / at-risk agent
FLOOR = 0.2


def safe_norm(x):
    return torch.sqrt((x * x).sum(dim=-1) + 1e-12)


def clean_obs(td):
    obs = td["observation"].float()
    return torch.nan_to_num(obs, nan=0.0, posinf=0.0, neginf=0.0)


def pair_risk(obs, n):
    """Per-agent summed risk [B, n] of a collision within the next few steps."""
    pos = obs[..., POS]                                   # [B, n, 2]
    vel = obs[..., VEL]                                   # [B, n, 2]
    rel_p = pos.unsqueeze(2) - pos.unsqueeze(1)           # [B, n, n, 2] p_i - p_j
    rel_v = vel.unsqueeze(2) - vel.unsqueeze(1)           # v_i - v_j
    dist = safe_norm(rel_p)                               # [B, n, n]
    closing = -(rel_p * rel_v).sum(dim=-1) / (dist + 1e-6)  # >0 when approaching
    d_pred = dist - F.relu(closing) * LOOKAHEAD_S
    d_min = torch.minimum(dist, d_pred)
    risk = torch.sigmoid((COLL_DIST + SAFE_MARGIN - d_min) / 0.03)  # [B, n, n]
    idx = torch.arange(n, dtype=obs.dtype, device=obs.device)
    eye = (idx.unsqueeze(0) == idx.unsqueeze(1))          # [n, n] bool
    risk = torch.where(eye, torch.zeros_like(risk), risk)
    return risk.sum(dim=2).clamp(max=2.0)                 # [B, n]


def lidar_contact(obs):
    """Per-agent contact signal [B, n] from the agent's own lidar."""
    lid = obs[..., LIDAR].clamp(0.0, 0.35).amax(dim=-1)   # [B, n]
    touch = torch.sigmoid((lid - LIDAR_CONTACT) / 0.02)
    near = torch.sigmoid((lid - LIDAR_NEAR) / 0.03)
    return torch.maximum(touch, 0.5 * near)


def collision_signal(obs, n):
    return torch.maximum(pair_risk(obs, n), lidar_contact(obs))   # [B, n] in [0, 2]


def weights(td):
    obs = clean_obs(td)
    n = td["n_agents"]
    d = safe_norm(obs[..., AMG]).clamp(max=5.0)           # [B, n]
    away = torch.sigmoid((d - DONE_DIST) / 0.04)
    prog = PARKED_FRAC + (1.0 - PARKED_FRAC) * away       # in [0.4, 1]
    coll = collision_signal(obs, n)
    raw = prog + COLL_GAIN * coll                         # in [0.4, 4]
    w = FLOOR + (1.0 - FLOOR) * raw / (raw.mean(dim=1, keepdim=True) + 1e-6)
    w = torch.clamp(w, 0.1, 10.0)
    return torch.nan_to_num(w, nan=1.0, posinf=10.0, neginf=0.1)


def bias(td):
    obs = clean_obs(td)
    n = td["n_agents"]
    d = safe_norm(obs[..., AMG]).clamp(max=4.0)
    remaining = F.relu(d - 0.5 * DONE_DIST)
    steps = remaining / STEP_PROGRESS
    disc = torch.exp(0.5 * steps * math.log(GAMMA))
    value = (remaining * disc).mean(dim=1, keepdim=True)  # [B, 1]
    # expected near-term collision cost: roughly one contact step per risky pair
    risk = collision_signal(obs, n)
    value = value - 0.5 * risk.mean(dim=1, keepdim=True)
    value = torch.clamp(value, -1.5, 3.0)
    return torch.nan_to_num(value, nan=0.0, posinf=3.0, neginf=-1.5)
