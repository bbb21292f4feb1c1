"""Training-free credit assignment function for vmas/wind_flocking.

task: vmas/wind_flocking
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/vmas_wind_flocking/answers)
prompt-sha256: 68139b79b52a05bcb831193f5ccaf708a9ba4b4b80850b861f28b2563b44500b
igm: enforce
input: observation [B, n_agents, 6]

Chosen candidate r2c3 (round 2 of 3, stopped after round 2: the evaluator accepted it); validated on 256 sampled states; gamma 0.99.

TFCAF for vmas/wind_flocking -- near-uniform weights plus a value bias.

Observation per agent (observe_pos=False, rel_pos and rel_vel on):
    [0:2] own velocity, [2:4] other.pos - own.pos, [4:6] other.vel - own.vel.
With wind = 0 (gravity is zero, so the wind term vanishes) the team reward is
a pure potential difference:
    r_team,t = Phi(s_t) - Phi(s_{t+1}),
    Phi(s)   = | ||p_1 - p_0|| - 1 | + mean_i ||v_i - (0, 0.4)||.
The discounted return from s telescopes to
    G(s) = Phi(s) - sum_{t>=1} gamma^(t-1) (1 - gamma) Phi(s_t) - (tail),
so under a competent policy that drives Phi quickly to its reachable floor
Phi* (~0.08: the discrete velocity set-points and controller lag leave a small
residual error), G(s) ~ Phi(s) - Phi*, slightly discounted by the time needed
to fix the spacing (closing speed ~0.5/s, dt = 0.1 -> ~20 steps per unit of
spacing error).

Bias: b(s) = 0.9 * relu(Phi(s) - Phi*) * gamma^(steps to fix), clamped to [0, 3].
At reset (v = 0, d = 1) this gives ~0.29, matching the ~0.3 return available.

Weights: VDN-like, w_i = 1 + 0.2 * tanh((need_i - mean need) / 0.1), where
need_i = ||set-point_i - v_i|| is how far agent i is from the velocity that
serves both the flocking velocity and the spacing (move away from the partner
when too close, towards it when too far). The adjustment is antisymmetric, so
weights have mean exactly 1 and stay in [0.8, 1.2].
"""

import torch
import math
import torch.nn.functional as F

DES_VX = 0.0
DES_VY = 0.4
DES_DIST = 1.0
GAMMA = 0.99
SPACING_GAIN = 0.5
SPACING_CAP = 0.3
NEED_TEMP = 0.1
ADJ = 0.2
PHI_FLOOR = 0.08
BIAS_GAIN = 0.9
STEPS_PER_DIST = 20.0
BIAS_MAX = 3.0


def clean(obs):
    return torch.nan_to_num(obs, nan=0.0, posinf=10.0, neginf=-10.0)


def pair_distance(obs):
    rp = obs[..., 2:4]
    return torch.sqrt((rp * rp).sum(dim=-1) + 1e-8)           # [B, n]


def vel_error(obs):
    vx = obs[..., 0]
    vy = obs[..., 1]
    e = torch.sqrt((vx - DES_VX).pow(2) + (vy - DES_VY).pow(2) + 1e-8)
    return torch.clamp(e, max=5.0)                             # [B, n]


def weights(td):
    obs = clean(td["observation"])

    v = obs[..., 0:2]
    rp = obs[..., 2:4]
    d = pair_distance(obs)
    u = rp / (d.unsqueeze(-1) + 1e-6)                          # unit vector to other
    corr_speed = torch.clamp(SPACING_GAIN * (DES_DIST - d), -SPACING_CAP, SPACING_CAP)
    tx = DES_VX - corr_speed * u[..., 0]
    ty = DES_VY - corr_speed * u[..., 1]
    need = torch.sqrt((tx - v[..., 0]).pow(2) + (ty - v[..., 1]).pow(2) + 1e-8)
    need = torch.clamp(torch.nan_to_num(need, nan=0.0, posinf=5.0, neginf=0.0), max=5.0)

    rel = need - need.mean(dim=-1, keepdim=True)
    w = 1.0 + ADJ * torch.tanh(rel / NEED_TEMP)
    w = torch.clamp(w, min=1.0 - ADJ, max=1.0 + ADJ)
    return torch.nan_to_num(w, nan=1.0, posinf=1.0 + ADJ, neginf=1.0 - ADJ)


def bias(td):
    obs = clean(td["observation"])
    e_v = vel_error(obs)                                       # [B, n]
    d = pair_distance(obs).mean(dim=-1, keepdim=True)          # [B, 1]
    dist_err = torch.abs(d - DES_DIST).clamp(max=5.0)          # [B, 1]
    phi = dist_err + e_v.mean(dim=-1, keepdim=True)            # [B, 1]

    gain = F.relu(phi - PHI_FLOOR)
    steps = STEPS_PER_DIST * dist_err
    disc = torch.exp(math.log(GAMMA) * steps.clamp(max=100.0))  # gamma^steps
    b = BIAS_GAIN * gain * disc
    b = torch.clamp(b, min=0.0, max=BIAS_MAX)
    return torch.nan_to_num(b, nan=0.0, posinf=BIAS_MAX, neginf=0.0)
