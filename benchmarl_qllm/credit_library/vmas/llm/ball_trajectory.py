"""Training-free credit assignment function for vmas/ball_trajectory.

task: vmas/ball_trajectory
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/vmas_ball_trajectory/answers)
prompt-sha256: c186f1cee847140407c9636f8e53ec676ed6e61faa181af3bbd5a2794e339a56
igm: enforce
input: observation [B, n_agents, 8]

Chosen candidate r2c3 (round 2 of 3, stopped after round 2: the evaluator accepted it); validated on 256 sampled states; gamma 0.99.

Near-uniform credit with a value bias for vmas/ball_trajectory.

Reward: only the speed-shaping term is active (pos/dist shaping factors are 0 by default), so
    r_t = phi(s_t) - phi(s_{t+1}),   phi(s) = |1 - ||v_ball|| |.
Both agents get this same reward, so r_team = r_t. With gamma = 0.99 the discounted return
telescopes:
    V(s_t) = phi(s_t) - (1 - gamma) * sum_k gamma^(k-1) * phi(s_{t+k})   (plus the end term),
so V(s) is about phi(s) minus a small residual for the speed error a good policy keeps.
The bias is therefore b(s) = clamp(phi_hat(s) - RESIDUAL, bounds).

Ball velocity estimate: each agent sits at the end of a rigid rod of length 0.2 tied to the
ball, so the radial velocity components match: r_i . v_ball = r_i . v_i, with r_i the unit
vector from the ball to agent i. Two agents give two such equations. They are solved by
ridge-regularised least squares towards the mean agent velocity, which handles the straight
chain where the rods are parallel. The solve is a closed-form 2x2 inverse.

Weights: 1 + a small, bounded tilt (at most +-TILT) towards the agent whose rod lies along
the ball's velocity. Force along the rod is what changes the ball speed. The mean stays 1 and
every weight stays >= 1 - TILT > 0.

Observation layout per agent: [pos(2), vel(2), pos - ball_pos(2), pos(2)].
"""

import torch
import math
import torch.nn.functional as F

EPS = 1e-6
TILT = 0.2
RIDGE = 0.1
SPEED_CONF = 0.1
DESIRED_SPEED = 1.0
RESIDUAL = 0.1
GAP_MAX = 3.0
BIAS_MIN = -0.5
BIAS_MAX = 3.0


def clean_obs(td):
    obs = td["observation"]
    return torch.nan_to_num(obs, nan=0.0, posinf=10.0, neginf=-10.0).clamp(-50.0, 50.0)


def rod_dirs(obs):
    rel = obs[..., 4:6]  # agent - ball
    return rel / (torch.linalg.vector_norm(rel, dim=-1, keepdim=True) + EPS)  # [B, n, 2]


def ball_velocity(obs):
    vel = obs[..., 2:4]  # [B, n, 2]
    u = rod_dirs(obs)  # [B, n, 2]
    vmean = vel.mean(dim=1)  # [B, 2]
    radial = (u * vel).sum(dim=-1, keepdim=True)  # [B, n, 1]

    ux = u[..., 0]
    uy = u[..., 1]
    a = (ux * ux).sum(dim=1) + RIDGE  # [B]
    b = (ux * uy).sum(dim=1)
    c = (uy * uy).sum(dim=1) + RIDGE
    rhs = (u * radial).sum(dim=1) + RIDGE * vmean  # [B, 2]
    det = a * c - b * b  # >= RIDGE^2 > 0
    det = det.clamp_min(RIDGE * RIDGE * 0.5)
    vx = (c * rhs[:, 0] - b * rhs[:, 1]) / det
    vy = (a * rhs[:, 1] - b * rhs[:, 0]) / det
    v = torch.stack([vx, vy], dim=-1)
    v = torch.nan_to_num(v, nan=0.0, posinf=0.0, neginf=0.0).clamp(-20.0, 20.0)
    return v  # [B, 2]


def weights(td):
    obs = clean_obs(td)
    u = rod_dirs(obs)
    bvel = ball_velocity(obs)
    speed = torch.linalg.vector_norm(bvel, dim=-1, keepdim=True)  # [B, 1]
    vdir = bvel / (speed + EPS)

    align = torch.abs((u * vdir.unsqueeze(1)).sum(dim=-1))  # [B, n] in [0, 1]
    conf = speed / (speed + SPEED_CONF)  # tilt only once the ball is moving
    centered = align - align.mean(dim=1, keepdim=True)  # [B, n] in [-1, 1], mean 0
    w = 1.0 + TILT * conf * centered
    w = torch.nan_to_num(w, nan=1.0, posinf=1.0, neginf=1.0)
    return w.clamp(min=1.0 - TILT, max=1.0 + TILT)


def bias(td):
    obs = clean_obs(td)
    speed = torch.linalg.vector_norm(ball_velocity(obs), dim=-1, keepdim=True)  # [B, 1]
    gap = torch.abs(DESIRED_SPEED - speed).clamp(min=0.0, max=GAP_MAX)
    b = (gap - RESIDUAL).clamp(min=BIAS_MIN, max=BIAS_MAX)
    return torch.nan_to_num(b, nan=0.0, posinf=0.0, neginf=0.0)
