"""Training-free credit assignment function for pettingzoo/simple_speaker_listener/speaker.

task: pettingzoo/simple_speaker_listener/speaker
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/pettingzoo_simple_speaker_listener_speaker/answers)
prompt-sha256: a49a210bd3e806ca7e302b006b55fa114795da4c7304b7104b26c52b9ca42d5d
igm: enforce
input: state [B, 14]

Chosen candidate r1c2 (round 1 of 3, stopped after round 1: the evaluator accepted it); validated on 256 sampled states; gamma 0.99.

Reward-influence credit for the speaker in simple_speaker_listener.

State layout (speaker obs then listener obs, 14 features):
  0:3   goal colour seen by the speaker (colour of the target landmark)
  3:5   listener velocity
  5:11  landmark positions relative to the listener (3 landmarks x 2)
  11:14 communication channel (the speaker's last message)

The team reward is -d^2 with d = listener-to-goal distance. The speaker acts only
through its message, which steers the listener over the next few steps. How much
that message can change the reward from this state grows with
  * the reward gradient 2d (a far listener has much reward to gain), and
  * the cost of a wrong message: the squared separation between the goal and the
    other landmarks (if a decoy lies far from the goal, guiding the listener to
    the right one matters a lot; if landmarks overlap, the message barely matters).
The weight is a floor plus a bounded, saturating function of these terms.
The bias carries the value of the state, -k*d^2 scaled towards the discounted return.
"""

import torch
import math
import torch.nn.functional as F

GOAL = slice(0, 3)
VEL = slice(3, 5)
LM = slice(5, 11)
FLOOR = 0.3
EPS = 1e-6


def geometry(state):
    goal_col = state[:, GOAL]                                    # [B, 3]
    sel = torch.softmax(goal_col * 20.0, dim=-1)                 # ~one-hot goal landmark
    lm = state[:, LM].reshape(state.shape[0], 3, 2)              # [B, 3, 2] landmark - listener
    rel = (sel.unsqueeze(-1) * lm).sum(dim=1)                    # [B, 2] goal - listener
    dist = torch.sqrt((rel * rel).sum(dim=-1, keepdim=True) + EPS)   # [B, 1]
    # squared distance from the goal to each landmark (0 for the goal itself)
    diff = lm - rel.unsqueeze(1)                                 # [B, 3, 2]
    sep2 = (diff * diff).sum(dim=-1)                             # [B, 3]
    # expected cost of a wrong landmark: mean over non-goal landmarks
    wrong_cost = ((1.0 - sel) * sep2).sum(dim=-1, keepdim=True) / ((1.0 - sel).sum(dim=-1, keepdim=True) + EPS)
    return dist, wrong_cost


def weights(td):
    state = torch.nan_to_num(td["state"], nan=0.0, posinf=0.0, neginf=0.0)
    n = td["n_agents"]
    dist, wrong_cost = geometry(state)
    dist = torch.clamp(dist, 0.0, 5.0)
    wrong_cost = torch.clamp(wrong_cost, 0.0, 10.0)
    # reward gradient magnitude 2d, saturating
    grad_term = torch.tanh(dist / 0.8)                           # 0 at goal, ~1 when far
    # stakes of misdirection (typical separation^2 ~ 1)
    stake_term = torch.tanh(wrong_cost / 1.0)
    w = FLOOR + 0.7 * grad_term + 0.6 * stake_term
    w = torch.clamp(w, 0.1, 3.0)
    return w.expand(state.shape[0], n)


def bias(td):
    state = torch.nan_to_num(td["state"], nan=0.0, posinf=0.0, neginf=0.0)
    dist, wrong_cost = geometry(state)
    dist2 = torch.clamp(dist * dist, 0.0, 8.0)
    b = -3.0 * dist2
    return torch.clamp(b, -30.0, 0.0)
