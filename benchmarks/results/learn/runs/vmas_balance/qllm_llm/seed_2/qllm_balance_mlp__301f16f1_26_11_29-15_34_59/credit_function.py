"""Training-free credit assignment function for vmas/balance.

task: vmas/balance
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/vmas_balance/answers)
prompt-sha256: 9ae1d82e2bea6134420c577c730eb0dc20ba2f1169e36325e1469db6f4a2d041
igm: enforce
input: observation [B, n_agents, 16]

Chosen candidate r2c1 (round 2 of 3, stopped after round 2: the evaluator accepted it); validated on 256 sampled states; gamma 0.99.

Reward-influence credit for vmas/balance (refined, tilt-aware).

The team reward has two terms: 100 * (decrease of package-goal distance) and
-10 when the line or package touches the floor. An agent can only move either
term in the next few steps if it is (or is about to be) in contact with the
line: the line carries the package, and a free-floating agent changes nothing.

Per agent:
  * contact   - soft indicator that the agent is within a few steps of touching
                the line (perpendicular distance to the rotated segment, and
                lying within its length);
  * load      - closeness along the line to the package's position on it: the
                agent under the package moves it most directly;
  * low end   - when the line is tilted or spinning, the supporting agent on the
                low / falling end decides where the package rolls and whether
                the line hits the floor; boosted with the predicted tilt
                (signed tilt + short-horizon spin) times its lever arm;
  * danger    - how close the agent (its support point) is to the floor;
  * lift need - common bonus for supporters when the goal is above the package.
raw_i = FLOOR + contact_i * (BASE + load + low_end + danger + lift), normalised
to mean 1 over agents and clamped to [W_MIN, W_MAX] (non-negative, IGM holds).

Bias: the shaping reward is potential-based with potential 100 * distance, so
Q_tot is roughly 100 * remaining distance; b(s) carries a bounded fraction of
that, minus a small penalty when the line or package is close to the floor.
"""

import math
import torch
import torch.nn.functional as F

AGENT_POS = slice(0, 2)
AGENT_MINUS_PACKAGE = slice(4, 6)
AGENT_MINUS_LINE = slice(6, 8)
PACKAGE_MINUS_GOAL = slice(8, 10)
LINE_ANG_VEL = slice(14, 15)
LINE_ROT = slice(15, 16)

HALF_LINE = 0.4
AGENT_SPEED_STEP = 0.028
CONTACT_RANGE = 0.03 + 3.0 * AGENT_SPEED_STEP   # reachable within ~3 steps
CONTACT_SOFT = 0.02
FLOOR_Y = -1.0
DANGER_SCALE = 0.15

FLOOR = 0.35
BASE = 0.4
LOAD_GAIN = 1.0
LOAD_SIGMA = 0.2
DANGER_GAIN = 0.8
LOW_GAIN = 1.2
LOW_SCALE = 0.06          # height drop (world units) of a support point that counts as "low"
SPIN_HORIZON = 0.5        # seconds of angular velocity added to the tilt
MAX_PRED_TILT = 1.2       # rad, keep the predicted tilt in a sane range
LIFT_GAIN = 0.3
W_MIN = 0.2
W_MAX = 4.0

SHAPING = 100.0
BIAS_FRACTION = 0.8
BIAS_MAX = 250.0
FALL_BIAS = 10.0


def signed_tilt(rot):
    # line angle mod pi in [0, pi) -> signed tilt in (-pi/2, pi/2]
    return torch.where(rot > 0.5 * math.pi, rot - math.pi, rot)


def influence_raw(obs):
    rot = obs[..., LINE_ROT]                          # [B, n, 1]
    tilt = signed_tilt(rot)
    c = torch.cos(tilt)                               # > 0: direction points +x
    s = torch.sin(tilt)
    rel = obs[..., AGENT_MINUS_LINE]                  # agent - line centre
    rx = rel[..., 0:1]
    ry = rel[..., 1:2]
    along = c * rx + s * ry                           # signed coordinate along line
    perp = -s * rx + c * ry                           # signed distance from line

    # soft contact: close to the line and within its extent
    near_perp = torch.sigmoid((CONTACT_RANGE - torch.abs(perp)) / CONTACT_SOFT)
    within = torch.sigmoid((HALF_LINE + 0.03 - torch.abs(along)) / CONTACT_SOFT)
    contact = near_perp * within                      # [B, n, 1]

    # package position along the line (package - line = (a - l) - (a - p))
    pkg_rel = obs[..., AGENT_MINUS_LINE] - obs[..., AGENT_MINUS_PACKAGE]
    pkg_along = c * pkg_rel[..., 0:1] + s * pkg_rel[..., 1:2]
    d_load = (along - pkg_along) / LOAD_SIGMA
    load = torch.exp(-0.5 * d_load.pow(2).clamp(max=50.0))

    # low / falling end: height of the agent's support point relative to the
    # centre under the predicted tilt; negative = below the centre
    spin = obs[..., LINE_ANG_VEL]
    pred = torch.clamp(tilt + SPIN_HORIZON * spin, min=-MAX_PRED_TILT, max=MAX_PRED_TILT)
    drop = F.relu(-along.clamp(min=-HALF_LINE, max=HALF_LINE) * torch.sin(pred))
    low_end = torch.tanh(drop / LOW_SCALE)

    # closeness of the agent (support point) to the floor
    y = obs[..., 1:2]
    height = (y - FLOOR_Y).clamp(min=0.0)
    danger = torch.exp(-(height / DANGER_SCALE).clamp(max=30.0))

    # lifting matters more when the goal is above the package
    pg = obs[..., PACKAGE_MINUS_GOAL]
    goal_above = torch.sigmoid(-pg[..., 1:2] / 0.1)

    raw = FLOOR + contact * (
        BASE
        + LOAD_GAIN * load
        + LOW_GAIN * low_end
        + DANGER_GAIN * danger
        + LIFT_GAIN * goal_above
    )
    return raw.squeeze(-1)                             # [B, n]


def weights(td):
    obs = td["observation"]
    n_agents = td["n_agents"]
    obs = torch.nan_to_num(obs, nan=0.0, posinf=0.0, neginf=0.0)
    raw = influence_raw(obs)
    total = raw.sum(dim=1, keepdim=True)
    w = raw * (float(n_agents) / (total + 1e-6))
    w = torch.clamp(w, min=W_MIN, max=W_MAX)
    return torch.nan_to_num(w, nan=1.0, posinf=W_MAX, neginf=W_MIN)


def bias(td):
    obs = torch.nan_to_num(td["observation"], nan=0.0, posinf=0.0, neginf=0.0)
    pg = obs[:, 0, PACKAGE_MINUS_GOAL]                             # [B, 2]
    dist = torch.sqrt(pg.pow(2).sum(dim=-1, keepdim=True) + 1e-8)   # [B, 1]
    value = BIAS_FRACTION * SHAPING * dist

    # heights of line centre and package, from agent 0's observation
    a_y = obs[:, 0, 1:2]
    line_y = a_y - obs[:, 0, 7:8]
    pkg_y = a_y - obs[:, 0, 5:6]
    low = torch.minimum(line_y, pkg_y) - FLOOR_Y
    fall_risk = torch.exp(-(low.clamp(min=0.0) / 0.1).clamp(max=30.0))
    b = value - FALL_BIAS * fall_risk
    b = torch.clamp(b, min=-FALL_BIAS, max=BIAS_MAX)
    return torch.nan_to_num(b, nan=0.0, posinf=BIAS_MAX, neginf=-FALL_BIAS)
