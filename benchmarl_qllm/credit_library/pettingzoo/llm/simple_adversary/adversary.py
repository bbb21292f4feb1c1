"""Training-free credit assignment function for pettingzoo/simple_adversary/adversary.

task: pettingzoo/simple_adversary/adversary
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/pettingzoo_simple_adversary_adversary/answers)
prompt-sha256: a3e69790d630a2a5fb06e85054cbad08589a1b4b34509c658eee5b7479cccbe2
igm: enforce
input: state [B, 28]

Chosen candidate r1c2 (round 1 of 3, stopped after round 1: the evaluator accepted it); validated on 256 sampled states; gamma 0.99.

Reward-influence credit for pettingzoo/simple_adversary, group `adversary` (1 agent).

The adversary's reward is -||p_adv - p_goal||, and only the adversary's own movement changes
it (the good agents do not enter this term). How much one action can change the reward over
the next few steps is bounded by the distance it can still close: far from the goal every
step towards it gains the full step length (large influence, and the choice of direction is
decisive), while on top of the goal there is almost nothing left to gain (moves can only
jitter around the minimum). So the weight grows with the reachable improvement
min(d, reach) over a short horizon, smoothly via tanh, on a floor:
    w = 0.4 + 1.0 * tanh(d / REACH)      in [0.4, 1.4], mean about 1.

Goal position: the state concatenates the observations of [adversary_0 (8), agent_0 (10),
agent_1 (10)]; agent_0's observation begins with (goal - p_agent0) and ends with
(p_adv - p_agent0), (p_agent1 - p_agent0), so goal - p_adv = state[8:10] - state[14:16].

Bias: a bounded estimate of the discounted return from the current goal distance
(the distance keeps costing for several steps before the adversary closes it).
"""

import torch
import math
import torch.nn.functional as F

GOAL_REL_A0 = slice(8, 10)     # goal - p_agent0
ADV_REL_A0 = slice(14, 16)     # p_adv - p_agent0
FLOOR = 0.4
GAIN = 1.0
REACH = 0.35                   # distance the adversary can close in a few steps
BIAS_STEPS = 8.0
MAX_DIST = 4.0


def goal_distance(state):
    rel = state[:, GOAL_REL_A0] - state[:, ADV_REL_A0]   # goal - p_adv
    rel = torch.nan_to_num(rel, nan=0.0, posinf=0.0, neginf=0.0)
    d = torch.sqrt((rel * rel).sum(dim=-1, keepdim=True) + 1e-8)  # [B, 1]
    return torch.clamp(d, 0.0, MAX_DIST)


def weights(td):
    state = td["state"]
    n_agents = td["n_agents"]
    d = goal_distance(state)                                 # [B, 1]
    influence = torch.tanh(d / REACH)                        # [0, 1)
    w = FLOOR + GAIN * influence                             # [0.4, 1.4]
    w = w.expand(state.shape[0], n_agents)
    return torch.clamp(torch.nan_to_num(w, nan=1.0), 0.1, 10.0)


def bias(td):
    state = td["state"]
    d = goal_distance(state)
    b = -BIAS_STEPS * d
    return torch.clamp(torch.nan_to_num(b, nan=0.0), -40.0, 0.0)
