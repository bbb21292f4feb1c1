"""Training-free credit assignment function for vmas/wheel.

task: vmas/wheel
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/vmas_wheel/answers)
prompt-sha256: b3bd098876f037e4b4c5d30fcc4f673117d5b78e87ee8293a66eca7407b2f39a
igm: enforce
input: observation [B, n_agents, 13]

Chosen candidate r2c1 (round 2 of 3, stopped after round 2: the evaluator accepted it); validated on 256 sampled states; gamma 0.99.

Influence-on-this-step's-reward credit for vmas/wheel (refined).

The reward is -| |omega| - 0.05 |, and an agent's action changes omega within the next
few steps only by pressing on the line; the torque it can apply is
  tau_i ~ F_perp * lever_i,
with lever_i the distance from the pivot of its contact point. Influence is therefore
  (soft "in contact within ~3 steps") x (lever arm)^1.5,
with NO lever floor, so an agent pressing at the pivot (no torque) counts for little
and one pressing near a tip counts most. The lever is taken at the same point
(now or 3-step velocity extrapolation) that gave the contact estimate. An agent
already moving into the line transmits force now and gets a small extra boost.
A global FLOOR keeps every agent learning. Weights are renormalised to mean 1 per
state, clamped to [0.05, 10] and always > 0 (monotonic mixing).

Bias: current |omega error| is the negated per-step reward; b = -H * error (bounded).
"""

import torch
import math
import torch.nn.functional as F

HALF_LEN = 0.5
AGENT_RADIUS = 0.03
STEP_REACH = 0.024          # world units an agent can travel per step at terminal speed
HORIZON_STEPS = 3.0
CONTACT_MARGIN = AGENT_RADIUS + HORIZON_STEPS * STEP_REACH   # ~0.10
CONTACT_SOFT = 0.03
LOOKAHEAD_S = 0.3           # 3 steps of dt = 0.1
LEVER_POW = 1.5
FLOOR = 0.2
GAIN = 3.0
PUSH_BONUS = 0.5
MIN_W = 0.05
MAX_W = 10.0
BIAS_HORIZON = 25.0
BIAS_ERR_CAP = 0.4


def closest_on_line(p, u):
    t = (p * u).sum(dim=-1, keepdim=True)
    t = torch.clamp(t, -HALF_LEN, HALF_LEN)
    c = t * u
    diff = p - c
    d = torch.linalg.vector_norm(diff, dim=-1)
    return d, torch.abs(t.squeeze(-1)), diff


def weights(td):
    obs = torch.nan_to_num(td["observation"], nan=0.0, posinf=0.0, neginf=0.0)
    n = td["n_agents"]

    pos = obs[..., 0:2]
    vel = obs[..., 2:4]
    end1 = obs[..., 6:8] + pos
    u = F.normalize(end1, dim=-1, eps=1e-6)

    d_now, lever_now, diff_now = closest_on_line(pos, u)
    d_pred, lever_pred, _ = closest_on_line(pos + vel * LOOKAHEAD_S, u)

    # use the (distance, lever) pair of whichever point is closer to the line
    use_pred = d_pred < d_now
    d_eff = torch.where(use_pred, d_pred, d_now)
    lever_abs = torch.where(use_pred, lever_pred, lever_now)

    # soft "in contact within the next few steps" indicator
    contact = torch.sigmoid((CONTACT_MARGIN - d_eff) / CONTACT_SOFT)

    # torque capacity: 0 at the pivot, 1 at the tips, no floor
    lever = torch.clamp(lever_abs / HALF_LEN, 0.0, 1.0).pow(LEVER_POW)

    # already pushing into the line: velocity component towards the line
    normal = F.normalize(diff_now, dim=-1, eps=1e-6)           # line -> agent
    v_in = F.relu(-(vel * normal).sum(dim=-1))                  # speed towards line
    pushing = torch.tanh(v_in / 0.24) * contact

    influence = contact * lever * (GAIN + PUSH_BONUS * pushing)
    raw = FLOOR + influence
    w = raw * n / (raw.sum(dim=-1, keepdim=True) + 1e-6)
    w = torch.clamp(w, MIN_W, MAX_W)
    return torch.nan_to_num(w, nan=1.0, posinf=MAX_W, neginf=MIN_W)


def bias(td):
    obs = td["observation"]
    err = torch.nan_to_num(obs[:, 0, 12:13], nan=0.0, posinf=BIAS_ERR_CAP, neginf=0.0)
    err = torch.clamp(torch.abs(err), 0.0, BIAS_ERR_CAP)
    return -BIAS_HORIZON * err
