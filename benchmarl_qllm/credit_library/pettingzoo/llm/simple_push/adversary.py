"""Training-free credit assignment function for pettingzoo/simple_push/adversary.

task: pettingzoo/simple_push/adversary
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/pettingzoo_simple_push_adversary/answers)
prompt-sha256: c3347060969edb32c18ce95e11a54e653050ef8e7b48c62590cbf77461a7f574
igm: enforce
input: state [B, 27]

Chosen candidate r1c2 (round 1 of 3, stopped after round 1: the evaluator accepted it); validated on 256 sampled states; gamma 0.99.

Influence-on-reward credit for simple_push, group `adversary` (1 agent).

State layout (adversary obs, then agent obs, as SimpleEnv.state concatenates them):
  0:2 adversary velocity | 2:4, 4:6 landmarks - adversary | 6:8 agent - adversary
  8:10 agent velocity | 10:12 goal - agent | 12:15 agent colour | 15:19 landmarks - agent
  19:25 landmark colours | 25:27 adversary - agent

Reward r = d(agent, goal) - d(adversary, goal). The adversary's action changes r in the
next few steps through two terms:
  * its own distance to the goal: a move changes d_adv at full rate while it is away from
    the goal, and barely (non-smooth, already at the minimum) when it sits on the goal;
  * the agent's distance to the goal, which it can change only by colliding with / pushing
    the agent (contact at distance ~0.3, both bodies have size 0.15). That lever is worth
    more when the agent is close to the goal, and when the two bodies are closing in.
The weight is a floor plus these two influence terms (bounded, mean ~1). The bias carries
the current reward margin, scaled toward the discounted return and bounded.
"""

import torch
import math
import torch.nn.functional as F

EPS = 1e-6
FLOOR = 0.5
OWN_GAIN = 0.5
OWN_SCALE = 0.3
PUSH_GAIN = 0.9
CONTACT_DIST = 0.3
CONTACT_SCALE = 0.25
AGENT_GOAL_SCALE = 1.0
CLOSING_GAIN = 0.3
W_MIN = 0.1
W_MAX = 3.0
BIAS_SCALE = 10.0
MARGIN_CLIP = 3.0


def _norm(v):
    return torch.sqrt((v * v).sum(dim=-1, keepdim=True) + EPS)


def _clean_state(td):
    return torch.nan_to_num(td["state"].float(), nan=0.0, posinf=0.0, neginf=0.0)


def _geometry(s):
    adv_vel = s[:, 0:2]
    agent_minus_adv = s[:, 6:8]
    agent_vel = s[:, 8:10]
    goal_minus_agent = s[:, 10:12]
    goal_minus_adv = goal_minus_agent + agent_minus_adv
    d_ag = _norm(goal_minus_agent)
    d_adv = _norm(goal_minus_adv)
    d_pair = _norm(agent_minus_adv)
    # closing speed of adversary towards agent (positive = approaching)
    rel_vel = adv_vel - agent_vel
    closing = (rel_vel * agent_minus_adv).sum(dim=-1, keepdim=True) / d_pair
    return d_ag, d_adv, d_pair, closing


def weights(td):
    n = td["n_agents"]
    s = _clean_state(td)
    d_ag, d_adv, d_pair, closing = _geometry(s)

    # own term: how much a move can still change d(adversary, goal)
    own = torch.tanh(d_adv / OWN_SCALE)

    # push term: ability to move the agent (contact), more valuable when agent near goal
    gap = F.relu(d_pair - CONTACT_DIST)
    contact = torch.exp(-(gap / CONTACT_SCALE).clamp(max=30.0))
    agent_near_goal = torch.exp(-(d_ag / AGENT_GOAL_SCALE).clamp(max=30.0))
    approaching = torch.tanh(F.relu(closing))
    push = contact * (0.4 + 0.6 * agent_near_goal) * (1.0 + CLOSING_GAIN * approaching)

    w = FLOOR + OWN_GAIN * own + PUSH_GAIN * push
    w = torch.nan_to_num(w, nan=1.0, posinf=W_MAX, neginf=W_MIN)
    w = w.clamp(min=W_MIN, max=W_MAX)
    return w.expand(w.shape[0], n) * 1.0


def bias(td):
    s = _clean_state(td)
    d_ag, d_adv, _, _ = _geometry(s)
    margin = (d_ag - d_adv).clamp(min=-MARGIN_CLIP, max=MARGIN_CLIP)
    b = BIAS_SCALE * margin
    return torch.nan_to_num(b, nan=0.0, posinf=0.0, neginf=0.0)
