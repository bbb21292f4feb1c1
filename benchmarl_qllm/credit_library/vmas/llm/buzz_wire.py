"""Training-free credit assignment function for vmas/buzz_wire.

task: vmas/buzz_wire
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/vmas_buzz_wire/answers)
prompt-sha256: 61d06301b509d72abf41bacccff12bd0e4cd7a7ef6611e51c953ca6575e134cd
igm: enforce
input: observation [B, n_agents, 6]

Chosen candidate r3c1 (round 3 of 3); validated on 256 sampled states; gamma 0.99.

Influence-on-reward credit for vmas/buzz_wire (refined).

Observation per agent: [pos(2), vel(2), pos - goal_pos(2)].
The ball is pinned between the two agents by two free-rotating rods, so
ball ~= mean of agent positions, and agent i pushes/pulls the ball mainly
along its rod direction u_i = (ball - pos_i) / |ball - pos_i|.

Weights (unchanged idea): the team reward has two terms an agent can move
in the next steps:
  1. Position shaping (decrease of ball-goal distance): agent i moves it in
     proportion to |g . u_i| (g = unit ball->goal direction), plus a base
     amount because perpendicular forces still swing the rod within a few steps.
  2. Collision penalty (-10, terminal): walls are vertical lines at
     x = +-0.125 (y in [-1, 1]), floors are short horizontal lines at y = +-1.
     - agent i collides if |x_i| < 0.125 + 0.03: only agent i controls that,
     - the ball collides if |x_ball| > 0.125 - 0.03 (controlled along |u_i,x|)
       or |y_ball| > 1 - 0.03 (controlled along |u_i,y|).
     Risks use a short velocity look-ahead of the margins.
Influence scores become shares, mixed with a floor (mean 1), and scaled by a
bounded factor [0.8, 1.6] when collision stakes are high. Non-negative -> IGM.

Bias (refined): remaining discounted shaping return. If the ball advances
about S per step, reaching the goal from distance d takes N = d / S steps and
yields S * (1 - gamma^N) / (1 - gamma). A collision penalty is charged only
for genuinely imminent contact (tight margin scale 0.018), so ordinary states
keep a positive, progress-based value.
"""

import torch
import math
import torch.nn.functional as F

EPS = 1e-6
INV_ONE_MINUS_GAMMA = 100.0           # 1 / (1 - 0.99)
LOG_GAMMA = -0.010050335853501        # ln(0.99)
STEP_PROGRESS = 0.03                  # typical ball progress per step
WALL_X = 0.125
FLOOR_Y = 1.0
RADIUS = 0.03
LOOKAHEAD = 0.2                       # seconds (~2 steps at dt = 0.1)
RISK_SCALE = 0.03                     # margin scale for influence (anticipation)
BIAS_RISK_SCALE = 0.018               # tighter margin scale for the value penalty
BIAS_RISK_PENALTY = 3.0
SHAPE_BASE = 0.4
SHAPE_GAIN = 1.0
COL_GAIN = 3.0
FLOOR = 0.25
W_MAX = 10.0


def clean(x):
    return torch.nan_to_num(x, nan=0.0, posinf=0.0, neginf=0.0)


def risk_of(margin, scale):
    # margin > 0 is safe; risk = 1 at margin <= 0, decays with the margin
    return torch.exp(-torch.clamp(margin, min=0.0, max=10.0) / scale)


def features(td):
    obs = clean(td["observation"])
    pos = obs[..., 0:2]                                   # [B, n, 2]
    vel = torch.clamp(obs[..., 2:4], -5.0, 5.0)           # [B, n, 2]
    rel = obs[..., 4:6]                                   # pos - goal

    ball = pos.mean(dim=1, keepdim=True)                  # [B, 1, 2]
    ball_vel = vel.mean(dim=1, keepdim=True)              # [B, 1, 2]
    ball_rel = rel.mean(dim=1, keepdim=True)              # ball - goal

    link = ball - pos                                     # [B, n, 2]
    u = link / (torch.linalg.vector_norm(link, dim=-1, keepdim=True) + EPS)

    d_ball = torch.linalg.vector_norm(ball_rel, dim=-1)   # [B, 1]
    g = -ball_rel / (d_ball.unsqueeze(-1) + EPS)          # unit ball->goal, [B, 1, 2]

    # agent vs wall margin (agents live outside the corridor)
    ax = pos[..., 0]
    inward = -torch.sign(ax) * vel[..., 0]
    m_agent = torch.abs(ax) - (WALL_X + RADIUS) - LOOKAHEAD * F.relu(inward)   # [B, n]

    # ball vs walls (x) and floors (y)
    bx = ball[..., 0]
    by = ball[..., 1]
    bvx = ball_vel[..., 0]
    bvy = ball_vel[..., 1]
    m_bx = (WALL_X - RADIUS) - torch.abs(bx) - LOOKAHEAD * F.relu(torch.sign(bx) * bvx)  # [B, 1]
    m_by = (FLOOR_Y - RADIUS) - torch.abs(by) - LOOKAHEAD * F.relu(torch.sign(by) * bvy)  # [B, 1]
    return u, g, d_ball, m_agent, m_bx, m_by


def weights(td):
    n = td["n_agents"]
    u, g, d_ball, m_agent, m_bx, m_by = features(td)
    r_agent = risk_of(m_agent, RISK_SCALE)
    r_bx = risk_of(m_bx, RISK_SCALE)
    r_by = risk_of(m_by, RISK_SCALE)

    align = torch.abs((g * u).sum(dim=-1))                # [B, n]
    shape_inf = SHAPE_BASE + SHAPE_GAIN * align * torch.clamp(d_ball, 0.0, 1.0)

    col_inf = r_agent + r_bx * torch.abs(u[..., 0]) + r_by * torch.abs(u[..., 1])
    influence = shape_inf + COL_GAIN * col_inf            # [B, n], > 0

    share = influence / (influence.sum(dim=-1, keepdim=True) + EPS)
    base = FLOOR + (n - n * FLOOR) * share                # mean 1 over agents

    stakes = col_inf.sum(dim=-1, keepdim=True)            # [B, 1]
    factor = 0.8 + 0.8 * torch.tanh(stakes)               # [0.8, 1.6]

    w = base * factor
    return torch.clamp(clean(w), min=0.05, max=W_MAX)


def bias(td):
    u, g, d_ball, m_agent, m_bx, m_by = features(td)
    d = torch.clamp(d_ball, 0.0, 3.0)
    steps = d / STEP_PROGRESS
    progress = STEP_PROGRESS * INV_ONE_MINUS_GAMMA * (
        1.0 - torch.exp(torch.clamp(steps * LOG_GAMMA, -50.0, 0.0))
    )                                                     # [B, 1], in [0, ~1.8]
    m_min = torch.minimum(
        m_agent.amin(dim=-1, keepdim=True), torch.minimum(m_bx, m_by)
    )
    risk = risk_of(m_min, BIAS_RISK_SCALE)
    b = progress - BIAS_RISK_PENALTY * risk
    return torch.clamp(clean(b), -5.0, 2.0)
