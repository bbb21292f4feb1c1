"""Training-free credit assignment function for vmas/transport.

task: vmas/transport
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/vmas_transport/answers)
prompt-sha256: eeb091a9779ce77b9b26f5ebd6638d518ae77bce787d5683afe7240e473fb509
igm: enforce
input: observation [B, n_agents, 11]

Chosen candidate r3c1 (round 3 of 3); validated on 256 sampled states; gamma 0.99.

TFCAF for vmas/transport -- influence-based weights (incumbent r2c1) plus a
bounded value bias.

Weights: the team reward is 100 x (package displacement towards the goal)
per step. An agent's action changes that reward only through contact forces
on the package, so its credit depends on:
  (a) how close it is to the package surface (in contact now, or reachable
      within ~3 steps at its current velocity; agents move ~0.024 units/step),
  (b) where it touches: from the side opposite the goal its push adds reward
      directly; from the goal side it can block or push back (smaller
      influence); from the flank the push is mostly sideways.
A slow second kernel gives agents that are approaching some credit. Scores
are normalised to mean 1 (VDN scale) and mixed with a uniform floor, so every
agent keeps some gradient. When nobody is near the package the weights are
close to uniform; once the package is on the goal they are exactly uniform.

Bias b(s): a rough estimate of the discounted team return,
sum_t 0.99^t * 100 * (package progress towards the goal per step).
  * momentum: under drag 0.25 a package moving at speed v still drifts about
    v*dt*(1-drag)/drag = 0.3*v units, which is worth about 30*v_toward.
  * pushing potential: each pusher that is well placed (in contact behind the
    package) or on its way there is worth about 3 units of discounted return.
  * both terms are capped by what is left to earn, 100 * (distance left before
    the package overlaps the goal). b is clamped to [-5, 25] and set to 0 once
    the package is on the goal (terminal state).
"""

import math
import torch
import torch.nn.functional as F

EPS = 1e-6
BOX_HALF = 0.075          # package half side
AGENT_R = 0.03
LOOKAHEAD_S = 0.3         # 3 steps of dt = 0.1
NEAR_SCALE = 0.06         # contact reachable within a few steps
FAR_SCALE = 0.35          # slow approach credit
FAR_GAIN = 0.2
RAW_FLOOR = 0.1
MIX_FLOOR = 0.2
W_MAX = 10.0

GOAL_REACH = 0.2          # package-goal distance at which they overlap (approx.)
SHAPING = 100.0
DRIFT_FACTOR = 0.3        # dt * (1 - drag) / drag
PER_AGENT_VALUE = 3.0     # discounted return per well-placed pusher
BIAS_NEAR_SCALE = 0.1
APPROACH_SCALE = 0.6
B_MIN = -5.0
B_MAX = 25.0


def clean(obs):
    return torch.nan_to_num(obs, nan=0.0, posinf=10.0, neginf=-10.0)


def surface_gap(rel):
    # rel = package - agent, [B, n, 2]; gap between agent sphere and box surface
    excess = F.relu(torch.abs(rel) - BOX_HALF)
    return (torch.linalg.vector_norm(excess, dim=-1) - AGENT_R).clamp_min(0.0)


def push_cos(obs):
    # cosine between push direction (agent -> package) and package -> goal
    pkg_minus_agent = obs[..., 6:8]
    to_goal = -obs[..., 4:6]
    cos = (pkg_minus_agent * to_goal).sum(dim=-1) / (
        torch.linalg.vector_norm(pkg_minus_agent, dim=-1)
        * torch.linalg.vector_norm(to_goal, dim=-1) + EPS
    )
    return torch.clamp(cos, -1.0, 1.0)


def influence(obs):
    agent_vel = obs[..., 2:4]
    pkg_minus_agent = obs[..., 6:8]

    gap_now = surface_gap(pkg_minus_agent)
    gap_next = surface_gap(pkg_minus_agent - agent_vel * LOOKAHEAD_S)
    gap = torch.minimum(gap_now, gap_next)

    near = torch.exp(-gap / NEAR_SCALE)                        # ~1 in contact
    far = torch.exp(-gap / FAR_SCALE)

    cos = push_cos(obs)
    # behind: full push credit; goal side: blocking influence; flank: some
    side = 0.35 + F.relu(cos) + 0.3 * F.relu(-cos)             # in [0.35, 1.35]

    return near * side + FAR_GAIN * far * (0.5 + 0.5 * F.relu(cos))


def package_on_goal(obs):
    return obs[..., 10:11].amax(dim=1) > 0.5                   # [B, 1]


def weights(td):
    obs = clean(td["observation"])
    n_agents = td["n_agents"]

    raw = RAW_FLOOR + influence(obs)                           # [B, n], > 0
    norm = raw * n_agents / (raw.sum(dim=-1, keepdim=True) + EPS)
    w = MIX_FLOOR + (1.0 - MIX_FLOOR) * norm                   # mean ~1

    w = torch.where(package_on_goal(obs), torch.ones_like(w), w)

    w = torch.nan_to_num(w, nan=1.0, posinf=W_MAX, neginf=MIX_FLOOR)
    return torch.clamp(w, 0.5 * MIX_FLOOR, W_MAX)


def bias(td):
    obs = clean(td["observation"])

    pkg_minus_goal = obs[..., 4:6].mean(dim=1)                 # [B, 2]
    pkg_vel = obs[..., 8:10].mean(dim=1)                       # [B, 2]
    dist = torch.linalg.vector_norm(pkg_minus_goal, dim=-1, keepdim=True)  # [B, 1]
    remaining = SHAPING * F.relu(dist - GOAL_REACH)            # max return left

    # package speed towards the goal (units/s) -> drift value
    v_toward = -(pkg_vel * pkg_minus_goal).sum(dim=-1, keepdim=True) / (dist + EPS)
    momentum = torch.clamp(SHAPING * DRIFT_FACTOR * v_toward, B_MIN, B_MAX)
    momentum = torch.minimum(momentum, remaining)

    # pushers in place (or approaching) on the side opposite the goal
    gap = surface_gap(obs[..., 6:8])                           # [B, n]
    behind = F.relu(push_cos(obs))
    placed = torch.exp(-gap / BIAS_NEAR_SCALE) * (0.3 + 0.7 * behind)
    coming = torch.exp(-gap / APPROACH_SCALE) * (0.2 + 0.3 * behind)
    readiness = (0.7 * placed + 0.3 * coming).sum(dim=-1, keepdim=True)   # [B, 1]
    push_value = torch.minimum(PER_AGENT_VALUE * readiness, remaining)

    b = momentum + push_value
    b = torch.where(package_on_goal(obs), torch.zeros_like(b), b)
    b = torch.nan_to_num(b, nan=0.0, posinf=B_MAX, neginf=B_MIN)
    return torch.clamp(b, B_MIN, B_MAX)
