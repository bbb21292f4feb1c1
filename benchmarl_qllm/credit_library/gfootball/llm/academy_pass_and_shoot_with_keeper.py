"""Training-free credit assignment function for gfootball/academy_pass_and_shoot_with_keeper.

task: gfootball/academy_pass_and_shoot_with_keeper
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/gfootball_academy_pass_and_shoot_with_keeper/answers)
prompt-sha256: 326122f369b79da6c6b5f97e1423836229b6b78f98ac7285a8e40e5a53f4dc9d
igm: enforce
input: state [B, 126]

Chosen candidate r3c1 (round 3 of 3); validated on 256 sampled states; gamma 0.99.

TFCAF for gfootball/academy_pass_and_shoot_with_keeper -- influence on the
next few steps' reward (weights) + value potential (bias).

Weights (kept from the incumbent): which reward terms can each agent move now?
  * Scoring: only the ball carrier can shoot; large influence inside shooting
    range of (1, 0), and its pass / shot / dribble choice is decisive when a
    defender presses it.
  * Own checkpoints: the carrier collects the next zone by carrying the ball
    forward (smooth "zones still ahead" term).
  * A receiver collects all its own zones when it gets the ball and may then
    shoot: influence grows with how fast it can reach the ball (current or
    projected position), the zones it would unlock, and how open it is.
  The carrier is found geometrically (closest agent, low ball at its feet) and
  accepted when the owner flag says ours or nobody. Floor 0.3, rescaled to
  mean 1 over agents, clamped to [0.05, 10] (IGM holds).

Bias (new): a bounded estimate of the discounted team return V(s),
    V = VALUE_MAX * P(possession) * P(score | geometry) * gamma ** steps
  * possession: ours / carrier at feet, reduced by pressure on the carrier; a
    loose or passed ball counts partially (more if one of us is about to meet
    it); an opponent-owned ball gives 0.
  * geometry: the ball's distance to goal or, as a pass option, the best open
    teammate's distance.
  * steps: distance still to cover to shooting range at carrying speed.
  * a shot already travelling towards goal counts as a likely score.
A goal is worth 1 + remaining checkpoints (up to 2); V is capped at 1.3.
"""

import math
import torch
import torch.nn.functional as F

LEFT_POS = slice(0, 22)
RIGHT_POS = slice(44, 66)
BALL_XY = slice(88, 90)
BALL_Z = slice(90, 91)
BALL_DIR_XY = slice(91, 93)
OWNER = slice(94, 97)
AGENT_PLAYER_START = 104
N_PLAYERS = 11

FLOOR = 0.3
W_MIN = 0.05
W_MAX = 10.0
EPS = 1e-6

LOOKAHEAD = 6.0
MAX_AHEAD = 0.5
CARRY_DIST = 0.03
CARRY_SHARP = 0.008
LOW_Z = 0.1
LOW_SHARP = 0.03
SHOT_RANGE = 0.4
SHOT_SHARP = 0.05
REACH_SCALE = 0.15
PRESS_SCALE = 0.1
ZONE_OUTER = 0.99
ZONE_INNER = 0.19
ZONE_WIDTH = 0.8 / 9.0
N_ZONES = 10.0

GAMMA = 0.99
VALUE_MAX = 1.3
SHOOT_DIST = 0.25
GEO_SCALE = 0.4
RUN_SPEED = 0.015
SHOT_SPEED = 0.02
SHOT_FLIGHT_VALUE = 0.6


def dist(a, b):
    return torch.sqrt(((a - b) ** 2).sum(dim=-1) + 1e-12)


def agent_positions(state, n_agents):
    pos = state[:, LEFT_POS].reshape(-1, N_PLAYERS, 2)
    out = []
    for i in range(n_agents):
        start = AGENT_PLAYER_START + N_PLAYERS * i
        onehot = state[:, start:start + N_PLAYERS]
        out.append(torch.einsum("bk,bkd->bd", onehot, pos))
    return torch.stack(out, dim=1)  # [B, n, 2]


def goal_point(like):
    return torch.cat([torch.ones_like(like[..., 0:1]), torch.zeros_like(like[..., 1:2])], dim=-1)


def nearest_opponent_dist(state, p):
    opp = state[:, RIGHT_POS].reshape(-1, N_PLAYERS, 2)                       # [B, 11, 2]
    absent = torch.logical_and(opp[..., 0] <= -0.999, opp[..., 1] <= -0.999)  # [B, 11]
    d = torch.sqrt(((p.unsqueeze(2) - opp.unsqueeze(1)) ** 2).sum(dim=-1) + 1e-12)
    d = torch.where(absent.unsqueeze(1), torch.full_like(d, 5.0), d)
    return d.amin(dim=2)  # [B, n]


def features(td):
    state = torch.nan_to_num(td["state"].float(), nan=0.0, posinf=1.0, neginf=-1.0)
    n = td["n_agents"]

    p = agent_positions(state, n)                          # [B, n, 2]
    ball2 = state[:, BALL_XY]                              # [B, 2]
    ball = ball2.unsqueeze(1)                              # [B, 1, 2]
    ball_z = state[:, BALL_Z]                              # [B, 1]
    bdir = state[:, BALL_DIR_XY]                           # [B, 2]
    ahead = ball + torch.clamp(LOOKAHEAD * bdir.unsqueeze(1), min=-MAX_AHEAD, max=MAX_AHEAD)

    d_ball = dist(p, ball)                                 # [B, n]
    d_near = torch.minimum(d_ball, dist(p, ahead))
    d_goal = dist(p, goal_point(p))
    d_opp = nearest_opponent_dist(state, p)

    owner = state[:, OWNER]
    nobody = owner[:, 0:1]
    ours = owner[:, 1:2]
    theirs = owner[:, 2:3]
    not_theirs = torch.clamp(1.0 - theirs, min=0.0, max=1.0)

    low = torch.sigmoid((LOW_Z - ball_z) / LOW_SHARP)
    closest = torch.softmax(-d_ball / 0.02, dim=1)
    at_feet = torch.sigmoid((CARRY_DIST - d_ball) / CARRY_SHARP)
    poss_ok = torch.clamp(ours + nobody * low, min=0.0, max=1.0)
    carry = poss_ok * closest * at_feet                    # [B, n]
    carry_any = torch.clamp(carry.sum(dim=1, keepdim=True), min=0.0, max=1.0)
    team_has = torch.clamp(ours + carry_any, min=0.0, max=1.0) * not_theirs

    return {
        "n": n, "ball2": ball2, "bdir": bdir, "d_near": d_near, "d_goal": d_goal,
        "d_opp": d_opp, "nobody": nobody, "not_theirs": not_theirs, "carry": carry,
        "carry_any": carry_any, "team_has": team_has,
    }


def weights(td):
    f = features(td)
    n = f["n"]
    carry = f["carry"]
    d_goal = f["d_goal"]

    shot = torch.sigmoid((SHOT_RANGE - d_goal) / SHOT_SHARP)
    press = torch.exp(-f["d_opp"] / PRESS_SCALE)
    open_ = 1.0 - 0.7 * press
    zones = torch.clamp((ZONE_OUTER - d_goal) / ZONE_WIDTH + 1.0, min=0.0, max=N_ZONES) / N_ZONES
    zone_ahead = (torch.sigmoid((ZONE_OUTER + 0.1 - d_goal) / 0.05)
                  * torch.sigmoid((d_goal - (ZONE_INNER - 0.05)) / 0.03))

    carrier_inf = 1.5 * shot + 0.6 * press + 0.4 * zone_ahead

    reach = torch.exp(-f["d_near"] / REACH_SCALE)
    gain = 0.4 * zones + 0.8 * shot
    recv_now = reach * (0.5 + gain)
    recv_pos = 0.5 * open_ * gain
    other_inf = f["not_theirs"] * (recv_now + f["team_has"] * recv_pos)

    score = carry * carrier_inf + (1.0 - carry) * other_inf
    w = FLOOR + score
    w = w * float(n) / (w.sum(dim=1, keepdim=True) + EPS)
    w = torch.clamp(w, min=W_MIN, max=W_MAX)
    return torch.nan_to_num(w, nan=1.0, posinf=W_MAX, neginf=W_MIN)


def bias(td):
    f = features(td)
    ball2 = f["ball2"]
    bdir = f["bdir"]
    nobody = f["nobody"]
    carry = f["carry"]

    # possession probability
    press = torch.exp(-f["d_opp"] / PRESS_SCALE)                               # [B, n]
    carrier_press = (carry * press).sum(dim=1, keepdim=True) / (carry.sum(dim=1, keepdim=True) + EPS)
    meet = torch.exp(-f["d_near"] / 0.2).amax(dim=1, keepdim=True)
    loose = nobody * (1.0 - f["carry_any"])
    p_poss = f["team_has"] * (1.0 - 0.35 * carrier_press) + loose * (0.3 + 0.5 * meet)
    p_poss = torch.clamp(p_poss, min=0.0, max=1.0) * f["not_theirs"]

    # scoring geometry: the ball itself, or the best open teammate
    d_bg = dist(ball2, goal_point(ball2)).unsqueeze(1)                          # [B, 1]
    geo_ball = torch.exp(-torch.clamp(d_bg - SHOOT_DIST, min=0.0) / GEO_SCALE)
    geo_mate = (torch.exp(-torch.clamp(f["d_goal"] - SHOOT_DIST, min=0.0) / GEO_SCALE)
                * (1.0 - 0.6 * press)).amax(dim=1, keepdim=True)
    geo = torch.maximum(geo_ball, 0.8 * geo_mate)

    # discount for the steps still needed to reach shooting range
    steps = torch.clamp(d_bg - SHOOT_DIST, min=0.0, max=2.0) / RUN_SPEED
    disc = torch.exp(steps * math.log(GAMMA))

    value = VALUE_MAX * p_poss * geo * disc

    # a shot already on its way to goal
    to_goal = goal_point(ball2) - ball2
    speed = torch.sqrt((bdir ** 2).sum(dim=-1, keepdim=True) + 1e-12)
    cosang = (bdir * to_goal).sum(dim=-1, keepdim=True) / (speed * (d_bg + EPS) + EPS)
    shot_flight = (nobody * torch.sigmoid((speed - SHOT_SPEED) / 0.005)
                   * torch.sigmoid((cosang - 0.9) / 0.03)
                   * torch.sigmoid((0.6 - d_bg) / 0.05))
    value = torch.maximum(value, VALUE_MAX * SHOT_FLIGHT_VALUE * shot_flight)

    b = torch.clamp(value, min=0.0, max=VALUE_MAX)
    return torch.nan_to_num(b, nan=0.0, posinf=VALUE_MAX, neginf=0.0)
