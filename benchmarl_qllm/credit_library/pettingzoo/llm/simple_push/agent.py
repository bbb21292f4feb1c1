"""Training-free credit assignment function for pettingzoo/simple_push/agent.

task: pettingzoo/simple_push/agent
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/pettingzoo_simple_push_agent/answers)
prompt-sha256: 2413d30e1861a5ea0b1b956f365c974bb471206bf2a72e6a1f9a9bf1b8ccc3cf
igm: enforce
input: state [B, 27]

Chosen candidate r1c2 (round 1 of 3, stopped after round 1: the evaluator accepted it); validated on 256 sampled states; gamma 0.99.

TFCAF for pettingzoo/simple_push, group `agent` (1 agent) -- influence on the
reward of the next few steps.

State layout (possible_agents order: adversary_0 then agent_0):
  adversary obs  [0:8]  : vel(2), landmark rel pos (4), agent rel pos (2)
  agent obs      [8:27] : vel [8:10], goal - self [10:12], own color [12:15],
                          landmark rel pos [15:19], landmark colors [19:25],
                          adversary - self [25:27]

The agent's reward is -||p_agent - p_goal||.  Using the MPE point-mass dynamics
(force 5, mass 1, damping 0.25, dt 0.1) we roll each of the 5 discrete actions
forward for 3 steps from the current position and velocity and compute the
mean reward over that short horizon.  The spread (best minus worst action) is
exactly how much this agent's action can change the team reward from this
state: large when far from the goal with a clear direction, small when it sits
on the goal or when its momentum dominates.  A nearby adversary (collisions can
shove the agent off its goal) adds weight, since resisting it is up to the
agent's action.  Weights are >= 0.3 and bounded (~[0.3, 1.7]), mean near 1.
The bias is a bounded, distance-based value of the state (reward = -distance).
"""

import torch
import math
import torch.nn.functional as F

VEL = slice(8, 10)
GOAL_REL = slice(10, 12)
ADV_REL = slice(25, 27)
EPS = 1e-6

# displacement coefficients after t = 1, 2, 3 steps (constant action):
#   displacement_t = CV[t] * v0 + CA[t] * unit_action_direction
CV = (0.075, 0.13125, 0.1734375)
CA = (0.05, 0.1375, 0.253125)
# max possible spread of the mean horizon distance ~ 2 * mean(CA)
MAX_SPREAD = 0.294

# the 5 discrete actions: no-op, left, right, down, up
ACT_X = (0.0, -1.0, 1.0, 0.0, 0.0)
ACT_Y = (0.0, 0.0, 0.0, -1.0, 1.0)

FLOOR = 0.3
INFL_GAIN = 1.0
CONTEST_GAIN = 0.4
CONTEST_SCALE = 0.4
W_MAX = 10.0

BIAS_SCALE = 5.0
BIAS_MAX_DIST = 3.0


def clean_state(td):
    return torch.nan_to_num(td["state"], nan=0.0, posinf=0.0, neginf=0.0)


def horizon_rewards(state):
    """Mean predicted reward over the next 3 steps for each action: [B, 5]."""
    rel = state[:, GOAL_REL]
    vel = state[:, VEL]
    rx = rel[:, 0:1]
    ry = rel[:, 1:2]
    vx = vel[:, 0:1]
    vy = vel[:, 1:2]
    per_action = []
    for a in range(5):
        total = torch.zeros_like(rx)
        for t in range(3):
            dx = rx - CV[t] * vx - CA[t] * ACT_X[a]
            dy = ry - CV[t] * vy - CA[t] * ACT_Y[a]
            total = total + torch.sqrt(dx * dx + dy * dy + EPS)
        per_action.append(-total / 3.0)
    return torch.cat(per_action, dim=-1)


def weights(td):
    state = clean_state(td)
    n_agents = td["n_agents"]

    r = horizon_rewards(state)                                   # [B, 5]
    spread = r.amax(dim=-1, keepdim=True) - r.amin(dim=-1, keepdim=True)
    infl = torch.clamp(spread / MAX_SPREAD, min=0.0, max=1.5)    # [B, 1]

    adv = state[:, ADV_REL]
    d_adv = torch.sqrt((adv * adv).sum(dim=-1, keepdim=True) + EPS)
    contest = torch.exp(-((d_adv / CONTEST_SCALE).pow(2)).clamp(max=30.0))

    w = FLOOR + INFL_GAIN * infl + CONTEST_GAIN * contest
    w = torch.clamp(w, min=FLOOR, max=W_MAX)
    w = torch.nan_to_num(w, nan=1.0, posinf=W_MAX, neginf=FLOOR)

    if n_agents != 1:
        w = w.expand(-1, n_agents)
    return w


def bias(td):
    state = clean_state(td)
    rel = state[:, GOAL_REL]
    d = torch.sqrt((rel * rel).sum(dim=-1, keepdim=True) + EPS)
    d = d.clamp(max=BIAS_MAX_DIST)
    b = -BIAS_SCALE * d
    return torch.nan_to_num(b, nan=0.0, posinf=0.0, neginf=-BIAS_SCALE * BIAS_MAX_DIST)
