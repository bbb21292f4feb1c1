"""Training-free credit assignment function for vmas/passage.

task: vmas/passage
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/vmas_passage/answers)
prompt-sha256: d403f8720b238706812638e6495122456001584b5da4f7b9da099ed8faf6227e
igm: enforce
input: observation [B, n_agents, 8]

Chosen candidate r3c1 (round 3 of 3); validated on 256 sampled states; gamma 0.99.

Influence-on-reward credit with a route-aware value bias for vmas/passage.

Observation row i: [pos(2), vel(2), goal - pos(2), passage_gap - pos(2)].
Team reward (mean over agents of the shared reward) per step is
    100 * sum_i (d_i(t) - d_i(t+1))          (shaping, every agent's distance counts fully)
  - 4 per overlapping agent pair              (-10 to each of the two, averaged over 5)
  - 2 per agent overlapping the wall          (-10 to that agent, averaged over 5)

Weights (incumbent r2c1, kept): agent i is weighted by how much reward its own action can
move in the next few steps (reach ~ 3 steps at top speed ~0.021 per step):
  * shaping: at most 100 * min(d_i, REACH); an agent sitting on its goal moves little,
  * agent-agent collision risk (surface gap to each teammate on the reach scale),
  * wall collision risk (inside the wall band but off the gap opening).
Floor + non-negative pieces, normalised to mean 1 over agents, clamped to [0.05, 5] (IGM).

Bias (new): the shaping telescopes, so agent i still has 100 * d_i to collect, spread over the
time T_i its route takes; its discounted value is 100 * d_i * (1 - gamma^T_i)/((1 - gamma) T_i).
Agents still below the wall route through the gap (|gap - p| + |goal - gap|) and queue behind
agents closer to the gap. Current overlaps subtract a short-lived penalty.
b = sum_i V_i - penalty, clamped to [-100, 800].
"""

import torch
import torch.nn.functional as F

POS = slice(0, 2)
VEL = slice(2, 4)
GOAL_REL = slice(4, 6)
PASS_REL = slice(6, 8)

AGENT_R = 0.03333
WALL_HALF_Y = 0.1          # wall band is |y| <= passage_width / 2
GAP_HALF_X = 0.0515        # gap opening half-length (passage_length / 2)
STEP = 0.021               # max displacement per step (u=0.7, drag 0.25, dt 0.1)
REACH = 3.0 * STEP
SHAPING = 100.0
PAIR_PEN = 4.0
WALL_PEN = 2.0
FLOOR = 0.6
EPS = 1e-6

GAMMA = 0.99
LOG_GAMMA = -0.010050335853501506   # log(0.99)
V_EFF = 0.015              # effective travel per step of a learning policy
QUEUE_STEPS = 4.0          # extra steps per agent queued ahead at the gap
PEN_STEPS = 2.0            # expected duration of a current overlap
BIAS_MIN = -100.0
BIAS_MAX = 800.0


def clean_obs(td):
    return torch.nan_to_num(td["observation"], nan=0.0, posinf=0.0, neginf=0.0)


def pair_dist(pos):
    diff = pos.unsqueeze(2) - pos.unsqueeze(1)            # [B, n, n, 2]
    return torch.sqrt((diff * diff).sum(dim=-1) + EPS)    # [B, n, n]; self ~ 1e-3


def wall_risk(pos, pass_rel, y_scale, x_scale):
    y = pos[..., 1]
    dx_gap = torch.abs(pass_rel[..., 0])                  # |x - gap_x|
    y_gap = F.relu(torch.abs(y) - WALL_HALF_Y - AGENT_R)
    near_wall = torch.exp(-(y_gap / y_scale).clamp(max=30.0))
    off_gap = torch.sigmoid((dx_gap - (GAP_HALF_X - AGENT_R)) / x_scale)
    return near_wall * off_gap                            # [B, n]


def weights(td):
    obs = clean_obs(td)
    pos = obs[..., POS]
    goal_rel = obs[..., GOAL_REL]
    pass_rel = obs[..., PASS_REL]

    # shaping term this agent can still move in a few steps
    d_goal = torch.linalg.vector_norm(goal_rel, dim=-1)   # [B, n]
    shape_inf = SHAPING * torch.clamp(d_goal, max=REACH)  # in [0, ~6.3]

    # agent-agent collision risk (self pair has gap 0 -> prox 1 exactly; removed)
    gap = F.relu(pair_dist(pos) - 2.0 * AGENT_R)
    prox = torch.exp(-(gap / REACH).clamp(max=30.0))
    pair_inf = PAIR_PEN * (prox.sum(dim=-1) - 1.0).clamp_min(0.0)

    # wall collision risk
    wall_inf = WALL_PEN * wall_risk(pos, pass_rel, REACH, 0.01)

    raw = FLOOR + shape_inf + pair_inf + wall_inf
    w = raw / (raw.mean(dim=1, keepdim=True) + EPS)
    w = torch.clamp(w, 0.05, 5.0)
    return torch.nan_to_num(w, nan=1.0, posinf=5.0, neginf=0.05)


def bias(td):
    obs = clean_obs(td)
    pos = obs[..., POS]
    goal_rel = obs[..., GOAL_REL]
    pass_rel = obs[..., PASS_REL]

    d_goal = torch.linalg.vector_norm(goal_rel, dim=-1).clamp(max=3.0)   # [B, n]
    d_gap = torch.linalg.vector_norm(pass_rel, dim=-1)                   # agent -> gap
    gap_to_goal = torch.linalg.vector_norm(goal_rel - pass_rel, dim=-1)  # gap -> goal

    # still below the wall (all goals lie above it): smooth indicator
    y = pos[..., 1]
    below = torch.sigmoid(-(y + 0.02) / 0.03)
    route = (1.0 - below) * d_goal + below * (d_gap + gap_to_goal)
    route = torch.maximum(route, d_goal).clamp(max=6.0)

    # queue: below-wall agents closer to the gap than agent i ([B, i, j] = j ahead of i)
    ahead = torch.sigmoid((d_gap.unsqueeze(2) - d_gap.unsqueeze(1)) / 0.02)
    queue = (ahead * below.unsqueeze(1)).sum(dim=-1) - 0.5 * below       # self term is 0.5
    queue = queue.clamp_min(0.0) * below

    steps = (route / V_EFF + QUEUE_STEPS * queue).clamp(min=1.0, max=1000.0)
    disc = (1.0 - torch.exp(steps * LOG_GAMMA)) / ((1.0 - GAMMA) * steps)
    value = (SHAPING * d_goal * disc).sum(dim=1, keepdim=True)          # [B, 1]

    # short-lived penalties for overlaps that exist right now
    overlap = torch.sigmoid((2.0 * AGENT_R - pair_dist(pos)) / 0.005)
    n_pairs = (0.5 * (overlap.sum(dim=-1).sum(dim=-1) - td["n_agents"])).clamp_min(0.0)
    in_band = torch.sigmoid((WALL_HALF_Y + AGENT_R - torch.abs(y)) / 0.005)
    off_gap = torch.sigmoid((torch.abs(pass_rel[..., 0]) - (GAP_HALF_X - AGENT_R)) / 0.005)
    n_wall = (in_band * off_gap).sum(dim=1)
    penalty = PEN_STEPS * (PAIR_PEN * n_pairs + WALL_PEN * n_wall)        # [B]

    b = value - penalty.unsqueeze(1)
    b = torch.clamp(b, BIAS_MIN, BIAS_MAX)
    return torch.nan_to_num(b, nan=0.0, posinf=BIAS_MAX, neginf=BIAS_MIN)
