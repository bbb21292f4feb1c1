"""Training-free credit assignment function for vmas/give_way.

task: vmas/give_way
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/vmas_give_way/answers)
prompt-sha256: b2371f752a78af93432b73a89acb2e4958b44dfee2ed51eb3029075f259d6a5b
igm: enforce
input: observation [B, n_agents, 4]

Chosen candidate r3c1 (round 3 of 3); validated on 256 sampled states; gamma 0.99.

Coordination credit with a symmetry-breaking give-way role and a value bias
(vmas/give_way, r3c1, refined from incumbent r2c2).

Weights (as r2c2): the pair's jam risk = max(time-to-contact risk, proximity risk),
only while the agents still face each other, stronger when they share the lane and
half strength when one is already up in the alcove (it must hold while the other
passes). Inside a risky encounter the give-way agent gets up to 2, the other keeps
>= 0.5; the team mean rises only mildly (1 + 0.25*risk); alone -> uniform 1.
New: the give-way score no longer ties at the symmetric start. It uses
  * time to reach the alcove (|x| - 0.2 over the speed toward the alcove, in steps),
  * current height above the corridor centre line and upward velocity vy,
so the agent that will get to the alcove first, or is already stepping up, is the
yielder.

Bias: discounted remaining team progress. The team reward is the summed decrease of
both goal distances, at most 0.025 per agent and step. Elapsed steps are at least the
larger x-progress from the starts (x = -2 / +2) over 0.025, so T_rem = 100 - that.
Agent i can progress for k_i = min(d_i / 0.025, T_rem) steps, worth
0.025 * (1 - 0.99^k_i) / 0.01. The sum is reduced by 15% while the pair still has to
get past each other, scaled by 0.8 and clamped to [0, 3.2].
"""

import math
import torch
import torch.nn.functional as F

GOAL_X = 2.29
START_X = 2.0
AGENT_RADIUS = 0.16
CONTACT = 2.0 * AGENT_RADIUS
ALCOVE_HALF_X = 0.2
CORRIDOR_HALF = 0.2
DT = 0.05
ACTION_U = 0.5
STEP_LEN = 0.025                 # ACTION_U * DT, world units per step at full speed
MAX_STEPS = 100.0
GAMMA = 0.99
LOG_GAMMA = -0.01005033585350145  # log(0.99)

TTC_STEPS = 25.0      # time-to-contact scale, steps
PROX_RANGE = 0.4      # proximity scale beyond contact, world units
MEAN_RAISE = 0.25     # team mean at full risk = 1 + MEAN_RAISE
ROLE_SPLIT = 0.75     # yielder +0.75*risk, other -0.75*risk around the raised mean
TTA_SCALE = 10.0      # steps; time-to-alcove difference that decides the role
HEIGHT_SCALE = 0.05   # world units above y = 0.1
VY_SCALE = 0.15       # world units / s of upward velocity

ENCOUNTER_DISCOUNT = 0.15
BIAS_SCALE = 0.8
BIAS_MAX = 3.2


def clean_obs(td):
    obs = td["observation"]
    obs = torch.nan_to_num(obs, nan=0.0, posinf=10.0, neginf=-10.0)
    return torch.clamp(obs, -10.0, 10.0)


def facing_score(x):
    # > 0.5 while agent 0 (going right) is still left of agent 1 (going left)
    gap = x[:, 1:2] - x[:, 0:1]
    return torch.sigmoid((gap + 0.05) / 0.08)


def weights(td):
    obs = clean_obs(td)
    n_agents = td["n_agents"]

    x = obs[..., 0]       # [B, n]
    y = obs[..., 1]
    vx = obs[..., 2]
    vy = obs[..., 3]

    if n_agents < 2:
        return torch.ones_like(x)

    x0 = x[:, 0:1]
    x1 = x[:, 1:2]
    y0 = y[:, 0:1]
    y1 = y[:, 1:2]

    gap = x1 - x0
    facing = facing_score(x)                                           # [B, 1]

    # (a) predicted time to contact along x, in steps
    free_gap = F.relu(gap - CONTACT)
    closing = F.relu(vx[:, 0:1] - vx[:, 1:2])
    ttc_steps = free_gap / ((closing + 0.05) * DT)
    ttc_risk = torch.exp(-torch.clamp(ttc_steps / TTC_STEPS, 0.0, 30.0))

    # (b) current proximity of the pair
    pair_dist = torch.sqrt((x1 - x0).pow(2) + (y1 - y0).pow(2) + 1e-8)
    prox_risk = torch.exp(-torch.clamp(F.relu(pair_dist - CONTACT) / PROX_RANGE, 0.0, 30.0))

    # lane overlap: same lane -> head-on jam; one up in the alcove -> still coupled
    dy = torch.abs(y1 - y0)
    same_lane = torch.sigmoid((CONTACT - dy) / 0.04)
    coupling = 0.5 + 0.5 * same_lane

    risk = torch.clamp(torch.maximum(ttc_risk, prox_risk) * facing * coupling, 0.0, 1.0)

    # give-way role: first to reach the alcove, or already stepping / standing up in it
    alcove_dx = F.relu(torch.abs(x) - ALCOVE_HALF_X)                  # [B, n]
    toward_alcove = F.relu(-torch.sign(x) * vx)                        # speed toward x = 0
    tta_steps = alcove_dx / ((toward_alcove + 0.05) * DT)
    tta_steps = torch.clamp(tta_steps, 0.0, 500.0)
    height = F.relu(y - 0.5 * CORRIDOR_HALF)
    rising = F.relu(vy)
    yield_score = -tta_steps / TTA_SCALE + height / HEIGHT_SCALE + rising / VY_SCALE
    yield_score = torch.clamp(yield_score, -30.0, 30.0)
    share = torch.softmax(yield_score, dim=1)                          # sums to 1
    role = share * float(n_agents) - 1.0                               # +1 yielder, -1 other

    w = 1.0 + risk * (MEAN_RAISE + ROLE_SPLIT * role)
    w = torch.clamp(w, min=0.5, max=2.0)
    return w


def bias(td):
    obs = clean_obs(td)
    n_agents = td["n_agents"]

    x = obs[..., 0]
    y = obs[..., 1]

    cols = []
    for i in range(n_agents):
        s = 1.0 if i % 2 == 0 else -1.0
        cols.append(torch.full_like(x[:, i], s))
    heading = torch.stack(cols, dim=1)                                 # +1 agent 0, -1 agent 1
    gx = heading * GOAL_X

    dist = torch.sqrt((gx - x).pow(2) + y.pow(2) + 1e-8)               # remaining distance
    moved = F.relu(heading * x + START_X)                              # x-progress since start
    elapsed = torch.clamp(moved.amax(dim=1, keepdim=True) / STEP_LEN, 0.0, MAX_STEPS)
    t_rem = MAX_STEPS - elapsed                                        # [B, 1]

    k = torch.minimum(dist / STEP_LEN, t_rem.expand_as(dist))
    k = torch.clamp(k, 0.0, MAX_STEPS)
    disc = STEP_LEN * (1.0 - torch.exp(LOG_GAMMA * k)) / (1.0 - GAMMA)
    value = disc.sum(dim=1, keepdim=True)                              # [B, 1]

    if n_agents >= 2:
        value = value * (1.0 - ENCOUNTER_DISCOUNT * facing_score(x))

    b = BIAS_SCALE * value
    b = torch.nan_to_num(b, nan=0.0, posinf=BIAS_MAX, neginf=0.0)
    return torch.clamp(b, 0.0, BIAS_MAX)
