"""Training-free credit assignment function for gfootball/academy_counterattack_easy.

task: gfootball/academy_counterattack_easy
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/gfootball_academy_counterattack_easy/answers)
prompt-sha256: 7c519b3c70fbd6d21be9631ab919e8945fe7b92620804de512d9fe11fa16f730
igm: enforce
input: state [B, 148]

Chosen candidate r2c1 (round 2 of 3, stopped after round 2: the evaluator accepted it); validated on 256 sampled states; gamma 0.99.

Immediate-reward influence credit for academy_counterattack_easy (refined r1c2).

The team reward in the next few steps can only move through two terms:
  * scoring (+1): only the ball carrier can shoot; its chance grows fast near the goal;
  * checkpoints (0.1 per zone, per agent, only when the agent's OWN player holds the ball
    within 0.99 .. 0.19 of the goal): the carrier collects zones by dribbling forward, and a
    teammate collects its own (still uncollected) zones the moment it receives a pass, so a
    receiver close to the ball and deep in the zone area can unlock many zones at once.
Weights go to: the (soft) carrier when we own the ball, scaled by its shooting and
zone-gaining potential; nearby forward receivers, scaled by the zones / shot their position
would unlock; the agents closest to a loose ball or a pass in flight (they decide who wins
it). Everyone keeps a floor of 0.25 (off-ball runners keep learning); weights are normalised
per state to mean 1 and clamped to [0.1, 4] (all >= 0, IGM holds).
Bias: a small bounded value of the attacking position, 0.3 * our possession (or loose ball,
half) * closeness of the ball to the goal, well inside the ~0..2 discounted team return.
"""

import torch
import math
import torch.nn.functional as F

LEFT_POS = slice(0, 22)
BALL_POS = slice(88, 91)
BALL_OWNER = slice(94, 97)
AGENT_BASE = 104
N_PLAYERS = 11
GOAL_X = 1.0
ZONE_OUTER = 0.99
ZONE_STEP = 0.8 / 9.0
N_ZONES = 10.0
FLOOR = 0.25
W_MIN = 0.1
W_MAX = 4.0
BIAS_SCALE = 0.3


def clean_state(td):
    return torch.nan_to_num(td["state"], nan=0.0, posinf=1.0, neginf=-1.0)


def agent_positions(state, n_agents):
    b = state.shape[0]
    left = state[:, LEFT_POS].reshape(b, N_PLAYERS, 2)
    pos = []
    for i in range(n_agents):
        start = AGENT_BASE + N_PLAYERS * i
        onehot = state[:, start:start + N_PLAYERS]
        pos.append(torch.einsum("bk,bkd->bd", onehot, left))
    return torch.stack(pos, dim=1)  # [B, n, 2]


def goal_distance(xy):
    dx = xy[..., 0] - GOAL_X
    dy = xy[..., 1]
    return torch.sqrt(dx * dx + dy * dy + 1e-8)


def zone_potential(d_goal):
    # fraction of the 10 checkpoint zones a holder at this distance would have reached
    zones = (ZONE_OUTER - d_goal) / ZONE_STEP + 1.0
    return zones.clamp(min=0.0, max=N_ZONES) / N_ZONES


def weights(td):
    state = clean_state(td)
    n_agents = td["n_agents"]
    pos = agent_positions(state, n_agents)                      # [B, n, 2]
    ball_xy = state[:, BALL_POS][:, 0:2]                         # [B, 2]
    owner = state[:, BALL_OWNER]
    loose = owner[:, 0:1]                                       # [B, 1]
    ours = owner[:, 1:2]

    diff = pos - ball_xy.unsqueeze(1)
    d_ball = torch.sqrt((diff * diff).sum(dim=-1) + 1e-8)       # [B, n]
    d_goal = goal_distance(pos)                                 # [B, n]
    ball_goal = goal_distance(ball_xy).unsqueeze(-1)            # [B, 1]

    # soft identification of the carrier (closest agent, and actually at the ball)
    closest = torch.softmax(-(d_ball / 0.03).clamp(max=60.0), dim=1)
    at_ball = torch.exp(-(d_ball / 0.06).clamp(max=30.0))
    carrier = closest * (0.5 + 0.5 * at_ball)                    # [B, n], <= 1

    # carrier: shooting chance + dribbling into the next checkpoint zone
    shot_chance = torch.exp(-(ball_goal / 0.35).clamp(max=30.0))  # [B, 1]
    in_zone_range = torch.sigmoid((1.10 - d_goal) / 0.05)
    carrier_infl = ours * carrier * (0.8 + 2.0 * shot_chance + 0.6 * in_zone_range)

    # receivers: reachable by a pass and standing where receiving unlocks zones (or a shot)
    reach = torch.exp(-(d_ball / 0.35).clamp(max=30.0))
    ahead = torch.sigmoid((pos[..., 0] - ball_xy[:, 0:1]) / 0.05)
    recv_value = zone_potential(d_goal) + 0.8 * torch.exp(-(d_goal / 0.3).clamp(max=30.0))
    receiver_infl = ours * (1.0 - carrier) * reach * (0.3 + 0.7 * ahead) * recv_value

    # loose ball / pass in flight: whoever is closest decides whether the attack goes on;
    # reaching it deep in the zone area is worth more (the receiver collects its zones)
    loose_reach = 0.8 * closest + 0.6 * torch.exp(-(d_ball / 0.1).clamp(max=30.0))
    loose_infl = loose * loose_reach * (1.0 + 0.5 * zone_potential(d_goal))

    raw = FLOOR + carrier_infl + 1.2 * receiver_infl + loose_infl
    raw = torch.nan_to_num(raw, nan=1.0, posinf=W_MAX, neginf=FLOOR).clamp_min(1e-3)
    w = raw / (raw.mean(dim=1, keepdim=True) + 1e-6)
    return w.clamp(min=W_MIN, max=W_MAX)


def bias(td):
    state = clean_state(td)
    ball_xy = state[:, BALL_POS][:, 0:2]
    owner = state[:, BALL_OWNER]
    control = owner[:, 1:2] + 0.5 * owner[:, 0:1]               # ours, or loose (half)
    ball_goal = goal_distance(ball_xy).unsqueeze(-1)            # [B, 1], ~0..2.1
    closeness = (1.0 - ball_goal / 1.5).clamp(min=0.0, max=1.0)
    b = BIAS_SCALE * control * closeness
    b = torch.nan_to_num(b, nan=0.0, posinf=BIAS_SCALE, neginf=0.0)
    return b.clamp(min=0.0, max=BIAS_SCALE)
