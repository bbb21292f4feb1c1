"""Training-free credit assignment function for vmas/simple_world_comm/agent.

task: vmas/simple_world_comm/agent
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/vmas_simple_world_comm_agent/answers)
prompt-sha256: 0d5ab0f8b1c7a9d4a34a2d2bcf6895d508ead8f0ac6271cc8a50da1701e155ec
igm: enforce
input: observation [B, n_agents, 56]

Chosen candidate r2c1 (round 2 of 3, stopped after round 2: the evaluator accepted it); validated on 256 sampled states; gamma 0.99.

Refined reward-influence credit, vmas/simple_world_comm group `agent`.

Good-agent observation (56 features):
  0:2 own vel, 2:4 own pos, 4:6 landmark rel pos, 6:8 food0 rel pos,
  8:10 food1 rel pos, 10:12 / 12:14 forest rel pos,
  14:34 other agents' rel pos (others in order lead_adversary_0, adversary_1..3,
        the other good agent; 2 forest slots each; zero unless both share a forest),
  34:54 other agents' vel, 54:56 in_forest flags.

Agent reward = +2 while touching a food (dist < 0.075), -5 while touching an
adversary (dist < 0.12), -0.05 * distance to nearest food.  Each agent's weight
is a floor plus the reward swing its action controls:
  * +2 food term when a food is within short reach (or it is on one and must stay),
  * a smooth longer-range food-proximity term so credit ramps up during the
    approach, not only inside the reach radius,
  * -5 collision term when a visible adversary is within striking range (dodge).
Weights are renormalised to mean 1 over the agents (VDN scale), all > 0 (IGM).
The bias approximates the discounted team return: sitting on food pays +2 per
step for many steps, being caught costs -5 per step, distance costs little.
"""

import math
import torch
import torch.nn.functional as F

VEL = slice(0, 2)
FOOD_A = slice(6, 8)
FOOD_B = slice(8, 10)
OTHER_POS_START = 14
N_ADV_SLOTS = 8          # 4 adversaries x 2 forest slots, first in other_pos

FOOD_RADIUS = 0.075      # 0.045 + 0.03
ADV_RADIUS = 0.12        # 0.045 + 0.075
REACH = 0.2              # ~2 steps at max speed 1.3, dt 0.1
SOFT = 0.04
LOOKAHEAD = 0.2          # velocity extrapolation (s) for the effective distance
FOOD_REWARD = 2.0
ADV_PENALTY = 5.0
APPROACH_GAIN = 0.6
APPROACH_SCALE = 0.4
SHAPING = 0.05 * 0.13 * 4.0
FLOOR = 0.3
W_MIN = 0.05
W_MAX = 10.0
EPS = 1e-6


def safe_norm(x):
    return torch.sqrt((x * x).sum(dim=-1) + EPS)


def soft_within(d, radius):
    return torch.sigmoid(((radius - d) / SOFT).clamp(-30.0, 30.0))


def features(obs):
    obs = torch.nan_to_num(obs, nan=0.0, posinf=10.0, neginf=-10.0)
    vel = obs[..., VEL]
    food = torch.stack([obs[..., FOOD_A], obs[..., FOOD_B]], dim=-2)     # [B, n, 2, 2]
    d_food = safe_norm(food)                                             # [B, n, 2]
    d_food_next = safe_norm(food - vel.unsqueeze(-2) * LOOKAHEAD)
    d_food_eff = torch.minimum(d_food, d_food_next).amin(dim=-1)         # [B, n]
    d_food_min = d_food.amin(dim=-1)                                     # [B, n]

    adv = []
    for k in range(N_ADV_SLOTS):
        s = OTHER_POS_START + 2 * k
        adv.append(obs[..., s:s + 2])
    adv = torch.stack(adv, dim=-2)                                       # [B, n, 8, 2]
    raw_sq = (adv * adv).sum(dim=-1)
    visible = raw_sq > 1e-8                                              # [B, n, 8]
    d_adv = torch.sqrt(raw_sq + EPS)
    d_adv = torch.where(visible, d_adv, torch.full_like(d_adv, 10.0))
    d_adv_min = d_adv.amin(dim=-1)                                       # [B, n]
    return d_food_min, d_food_eff, d_adv_min


def weights(td):
    obs = td["observation"]
    n_agents = td["n_agents"]
    d_food_min, d_food_eff, d_adv_min = features(obs)

    food_swing = FOOD_REWARD * soft_within(d_food_eff, FOOD_RADIUS + REACH)
    approach = APPROACH_GAIN * torch.exp(-(d_food_eff / APPROACH_SCALE).clamp(max=30.0))
    adv_swing = ADV_PENALTY * soft_within(d_adv_min, ADV_RADIUS + REACH)

    raw = FLOOR + SHAPING + approach + food_swing + adv_swing             # [B, n] > 0
    w = float(n_agents) * raw / (raw.sum(dim=-1, keepdim=True) + EPS)
    w = torch.nan_to_num(w, nan=1.0, posinf=W_MAX, neginf=W_MIN)
    return torch.clamp(w, min=W_MIN, max=W_MAX)


def bias(td):
    obs = td["observation"]
    d_food_min, d_food_eff, d_adv_min = features(obs)
    on_food = soft_within(d_food_min, FOOD_RADIUS).mean(dim=-1, keepdim=True)
    near = torch.exp(-(d_food_eff / APPROACH_SCALE).clamp(max=30.0)).mean(dim=-1, keepdim=True)
    caught = soft_within(d_adv_min, ADV_RADIUS + 0.05).mean(dim=-1, keepdim=True)
    dist = d_food_min.clamp(max=3.0).mean(dim=-1, keepdim=True)
    # Discounted-return flavoured value: on food ~ several steps of +2 each,
    # near food soon will be, threatened agents risk repeated -5, distance ~ -0.05/step.
    value = 12.0 * on_food + 4.0 * near - 8.0 * caught - 1.0 * dist
    value = torch.nan_to_num(value, nan=0.0, posinf=15.0, neginf=-15.0)
    return torch.clamp(value, min=-15.0, max=15.0)
