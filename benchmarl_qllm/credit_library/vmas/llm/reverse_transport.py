"""Training-free credit assignment function for vmas/reverse_transport.

task: vmas/reverse_transport
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/vmas_reverse_transport/answers)
prompt-sha256: 5541d3f22741c5482ef6a4ba976808096bad918b90f3f1f74825bcc00d70e10c
igm: enforce
input: observation [B, n_agents, 10]

Chosen candidate r3c1 (round 3 of 3); validated on 256 sampled states; gamma 0.99.

Influence-on-reward credit with a time-limited progress bias (refined r2c1).

Team reward per step = 100 * (decrease of the package-goal distance). The package is a
heavy hollow box (mass 50) with the 4 agents inside; an agent changes this step's reward
only through the force it puts on the inner walls. Influence per agent:
  * wall contact: soft contact exp(-gap / GAP_SCALE) with each inner wall (gap = free
    space between the agent's surface and the wall). Goal-facing walls get full weight
    times the goal-direction component along that axis; walls facing away a small weight
    (BACK_WALL) so an agent pulling back still gets some gradient.
  * pushing now: front contact gated by the agent's velocity toward the goal.
  * joint motion: agent moving with the package while the package moves toward the goal.
Weights = floor + (1 - floor) * n * normalised influence: mean exactly 1, in [0.3, 3.1];
they fade to uniform when the package is (nearly) on the goal.

Bias (time-limited progress): even under a perfect joint push the heavy package moves
only about PKG_STEP ~ 0.0015 per step, so within the discounted horizon (~63 effective
steps) it can gain ~0.1 of distance, i.e. a return of at most ~9.5. So
    b = B_MAX * tanh(remaining / PROGRESS_SCALE) + clamp(MOMENTUM_GAIN * v_toward)
where v_toward is the package velocity toward the goal (progress already in motion).

Obs layout: pos 0:2, vel 2:4, pkg_vel 4:6, pkg_pos - agent_pos 6:8, pkg_pos - goal_pos 8:10.
"""

import math
import torch
import torch.nn.functional as F

HALF = (0.3, 0.3)       # half package length (x) / width (y)
AGENT_R = 0.03
GAP_SCALE = 0.04        # sharp contact: touching or one or two steps away
BACK_WALL = 0.1         # relative influence of walls facing away from the goal
BASE_INFL = 0.1         # every agent can at least bump into the others
VEL_SCALE = 0.1
FLOOR = 0.3
EPS = 1e-6

# time-limited progress bias
B_MAX = 9.5             # 100 * PKG_STEP (0.0015) * effective steps (~63.4)
PROGRESS_SCALE = 0.095  # PKG_STEP * effective steps: distance reachable in the horizon
DONE_DIST = 0.05        # package essentially on the goal
MOMENTUM_GAIN = 30.0    # 100 * dt (0.1) * sum of 0.75^k (~3): travel left in current velocity
MOMENTUM_MAX = 3.0
BIAS_MIN = -5.0
BIAS_MAX = 15.0


def goal_frame(obs):
    goal_dir = -obs[..., 8:10]                                       # goal - package
    dist = torch.linalg.vector_norm(goal_dir, dim=-1, keepdim=True)  # [B, n, 1]
    g_hat = goal_dir / (dist + EPS)
    return dist, g_hat


def weights(td):
    obs = torch.nan_to_num(td["observation"], nan=0.0, posinf=0.0, neginf=0.0)
    n = td["n_agents"]

    vel = obs[..., 2:4]                        # agent velocity, [B, n, 2]
    pkg_vel = obs[..., 4:6]                    # package velocity, [B, n, 2]
    rel = -obs[..., 6:8]                       # agent - package, [B, n, 2]
    dist, g_hat = goal_frame(obs)

    front = torch.zeros_like(rel[..., 0])      # contact with goal-facing walls, [B, n]
    back = torch.zeros_like(rel[..., 0])       # contact with walls facing away
    for ax in range(2):
        r = rel[..., ax]
        g = g_hat[..., ax]
        gap_pos = torch.clamp_min(HALF[ax] - AGENT_R - r, 0.0)   # gap to +wall
        gap_neg = torch.clamp_min(HALF[ax] - AGENT_R + r, 0.0)   # gap to -wall
        c_pos = torch.exp(-torch.clamp(gap_pos / GAP_SCALE, 0.0, 30.0))
        c_neg = torch.exp(-torch.clamp(gap_neg / GAP_SCALE, 0.0, 30.0))
        front = front + c_pos * F.relu(g) + c_neg * F.relu(-g)
        back = back + c_pos * F.relu(-g) + c_neg * F.relu(g)
    front = torch.clamp(front, 0.0, 1.5)
    back = torch.clamp(back, 0.0, 1.5)

    # pushing toward the goal right now
    v_goal = torch.tanh(F.relu((vel * g_hat).sum(dim=-1)) / VEL_SCALE)      # [B, n]
    pushing = front * v_goal

    # moving with the package while the package moves toward the goal
    pkg_speed = torch.linalg.vector_norm(pkg_vel, dim=-1)
    pkg_toward = torch.tanh(F.relu((pkg_vel * g_hat).sum(dim=-1)) / 0.05)
    align = (F.normalize(vel, dim=-1, eps=1e-6) * F.normalize(pkg_vel, dim=-1, eps=1e-6)).sum(dim=-1)
    agent_speed = torch.tanh(torch.linalg.vector_norm(vel, dim=-1) / VEL_SCALE)
    joint = F.relu(align) * pkg_toward * agent_speed * torch.tanh(pkg_speed / 0.02)

    infl = BASE_INFL + front + BACK_WALL * back + 0.5 * pushing + 0.3 * joint  # > 0

    share = infl / (infl.sum(dim=-1, keepdim=True) + EPS)
    focused = FLOOR + (1.0 - FLOOR) * n * share                                # mean 1

    conf = torch.tanh(dist.squeeze(-1).mean(dim=-1, keepdim=True) / 0.1)
    w = conf * focused + (1.0 - conf) * torch.ones_like(focused)
    w = torch.clamp(w, FLOOR, 10.0)
    return torch.nan_to_num(w, nan=1.0, posinf=1.0, neginf=1.0)


def bias(td):
    obs = torch.nan_to_num(td["observation"], nan=0.0, posinf=0.0, neginf=0.0)
    pkg_goal = obs[..., 8:10].mean(dim=1)                             # package - goal, [B, 2]
    pkg_vel = obs[..., 4:6].mean(dim=1)                               # [B, 2]
    dist = torch.linalg.vector_norm(pkg_goal, dim=-1, keepdim=True)   # [B, 1]
    g_hat = -pkg_goal / (dist + EPS)                                  # toward the goal

    remaining = torch.clamp_min(dist - DONE_DIST, 0.0)
    potential = B_MAX * torch.tanh(remaining / PROGRESS_SCALE)

    v_toward = (pkg_vel * g_hat).sum(dim=-1, keepdim=True)
    momentum = torch.clamp(MOMENTUM_GAIN * v_toward, -MOMENTUM_MAX, MOMENTUM_MAX)
    momentum = momentum * torch.tanh(remaining / 0.05)

    b = torch.clamp(potential + momentum, BIAS_MIN, BIAS_MAX)
    return torch.nan_to_num(b, nan=0.0, posinf=0.0, neginf=0.0)
