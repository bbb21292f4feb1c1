"""Training-free credit assignment function for pettingzoo/simple_world_comm/agent.

task: pettingzoo/simple_world_comm/agent
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/pettingzoo_simple_world_comm_agent/answers)
prompt-sha256: c49073e33b3f25ef419b7e811370e617f2aefa28fd2cb7ae5fdaee0891fdff87
igm: enforce
input: state [B, 192]

Chosen candidate r2c1 (round 2 of 3, stopped after round 2: the evaluator accepted it); validated on 256 sampled states; gamma 0.99.

TFCAF for pettingzoo/simple_world_comm, group `agent` (r2c1: refined influence on the step reward).

Credit idea
-----------
A good agent's reward has four terms:
  +2      per food it touches (distance < 0.075),
  -0.05 * distance to the nearest food,
  -5      per adversary touching it (distance < 0.12),
  -2 * bound(|x|) per axis, a boundary penalty (0 below 0.9, then steep, capped at 10 per axis).
In 2-3 steps an agent can move about REACH = 0.3. For each term we estimate how much of it the
agent's next few moves can still change:
  * food:   2 * exp(-gap / REACH), where gap is the distance to the contact disc of the nearest
            food, using the smaller of the current distance and a velocity look-ahead;
  * escape: 5 * exp(-gap_adv / REACH), summed over the adversaries (halved);
  * boundary: 2 * max(bound(|x|+R) - bound(|x|-R), bound(|x|)) per axis. The second argument
            keeps credit high for an agent that is far outside, where the capped penalty is flat
            but coming back still removes it;
  * shaping: a small constant.
The relative score is FLOOR + log1p(raw), divided by its mean over the agents. The result is
then multiplied by an overall stake factor, 0.8 + 0.4 * tanh(mean raw / 4), so high-stakes states
(danger, food contact, boundary) give a somewhat stronger gradient than idle ones. Weights stay
in about [0.05, 2.4]: non-negative, so IGM holds.

Bias: a smooth estimate of the immediate team reward (contacts use sigmoids instead of hard
steps), squashed softly with a tanh into [-10, 10]. It stays informative without being pinned at
a clamp for the many states outside the boundary.
"""

import torch
import math
import torch.nn.functional as F

GOOD_OFFSET = 136
GOOD_OBS = 28
ADV_POS_IDX = (2, 36, 70, 104)   # absolute positions of leader and the 3 adversaries

FOOD_RADIUS = 0.075              # agent size 0.045 + food size 0.03
CATCH_RADIUS = 0.12              # agent size 0.045 + adversary size 0.075
CONTACT_SOFT = 0.015             # sigmoid softness for contact indicators
REACH = 0.3                      # distance an agent can cover in ~2-3 steps
LOOKAHEAD = 0.2                  # seconds of velocity extrapolation

FLOOR = 0.3
STAKE_BASE = 0.8
STAKE_GAIN = 0.4
STAKE_SCALE = 4.0
W_MIN = 0.05
W_MAX = 10.0

BIAS_RANGE = 10.0
BIAS_SCALE = 2.0


def agent_slices(s, i):
    o = GOOD_OFFSET + GOOD_OBS * i
    vel = s[:, o:o + 2]
    pos = s[:, o + 2:o + 4]
    foods = torch.stack([s[:, o + 6:o + 8], s[:, o + 8:o + 10]], dim=1)  # [B, 2, 2] relative
    return vel, pos, foods


def adversary_positions(s):
    return torch.stack([s[:, k:k + 2] for k in ADV_POS_IDX], dim=1)  # [B, 4, 2]


def bound_fn(x):
    # x >= 0 elementwise; the environment's per-axis boundary penalty
    lin = (x - 0.9) * 10.0
    ex = torch.clamp(torch.exp(torch.clamp(2.0 * x - 2.0, max=5.0)), max=10.0)
    return torch.where(x < 0.9, torch.zeros_like(x), torch.where(x < 1.0, lin, ex))


def influence(s, i, advs):
    vel, pos, foods = agent_slices(s, i)

    # food contact term
    d = torch.linalg.vector_norm(foods, dim=-1)                          # [B, 2]
    dp = torch.linalg.vector_norm(foods - vel.unsqueeze(1) * LOOKAHEAD, dim=-1)
    dfood = torch.minimum(d, dp).amin(dim=1)                             # [B]
    gap_food = torch.clamp_min(dfood - FOOD_RADIUS, 0.0)
    infl_food = 2.0 * torch.exp(-gap_food / REACH)

    # adversary contact term
    dadv = torch.linalg.vector_norm(advs - pos.unsqueeze(1), dim=-1)      # [B, 4]
    gap_adv = torch.clamp_min(dadv - CATCH_RADIUS, 0.0)
    infl_adv = 5.0 * torch.exp(-gap_adv / REACH).sum(dim=1) / 2.0

    # boundary term (never zero for an agent far outside)
    x = torch.abs(pos)
    hi = bound_fn(x + REACH)
    lo = bound_fn(torch.clamp_min(x - REACH, 0.0))
    cur = bound_fn(x)
    infl_bound = 2.0 * torch.maximum(torch.clamp_min(hi - lo, 0.0), cur).sum(dim=1)

    infl_shape = 0.05 * REACH

    raw = infl_food + infl_adv + infl_bound + infl_shape
    return torch.clamp_min(raw, 0.0)


def weights(td):
    s = td["state"]
    n = td["n_agents"]
    s = torch.nan_to_num(s, nan=0.0, posinf=0.0, neginf=0.0)
    advs = adversary_positions(s)

    raws = []
    for i in range(n):
        raws.append(influence(s, i, advs))
    raw = torch.stack(raws, dim=1)                                       # [B, n]

    sc = FLOOR + torch.log1p(raw)
    rel = sc / (sc.mean(dim=1, keepdim=True) + 1e-6)                     # mean 1 over agents
    stake = STAKE_BASE + STAKE_GAIN * torch.tanh(raw.mean(dim=1, keepdim=True) / STAKE_SCALE)
    w = rel * stake
    w = torch.clamp(w, min=W_MIN, max=W_MAX)
    w = torch.nan_to_num(w, nan=1.0, posinf=W_MAX, neginf=W_MIN)
    return w


def bias(td):
    s = td["state"]
    n = td["n_agents"]
    s = torch.nan_to_num(s, nan=0.0, posinf=0.0, neginf=0.0)
    advs = adversary_positions(s)

    rews = []
    for i in range(n):
        vel, pos, foods = agent_slices(s, i)
        d = torch.linalg.vector_norm(foods, dim=-1)                      # [B, 2]
        food_rew = 2.0 * torch.sigmoid((FOOD_RADIUS - d) / CONTACT_SOFT).sum(dim=1)
        shaping = -0.05 * d.amin(dim=1)
        dadv = torch.linalg.vector_norm(advs - pos.unsqueeze(1), dim=-1)  # [B, 4]
        caught = -5.0 * torch.sigmoid((CATCH_RADIUS - dadv) / CONTACT_SOFT).sum(dim=1)
        bound = -2.0 * bound_fn(torch.abs(pos)).sum(dim=1)
        rews.append(food_rew + shaping + caught + bound)

    r_team = torch.stack(rews, dim=1).mean(dim=1, keepdim=True)          # [B, 1]
    b = BIAS_RANGE * torch.tanh(BIAS_SCALE * r_team / BIAS_RANGE)
    b = torch.nan_to_num(b, nan=0.0, posinf=BIAS_RANGE, neginf=-BIAS_RANGE)
    return b
