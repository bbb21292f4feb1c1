"""Training-free credit assignment function for pettingzoo/simple_speaker_listener/listener.

task: pettingzoo/simple_speaker_listener/listener
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/pettingzoo_simple_speaker_listener_listener/answers)
prompt-sha256: 76f051b56825d3798af00ccc9f28c9608e035c2d76fad6a8cc0f16afbc8e2007
igm: enforce
input: state [B, 14]

Chosen candidate r1c2 (round 1 of 3, stopped after round 1: the evaluator accepted it); validated on 256 sampled states; gamma 0.99.

Reward-influence credit for the listener in simple_speaker_listener.

State layout (possible_agents order: speaker_0, listener_0):
  0:3   speaker obs  = goal landmark colour (identifies the target landmark)
  3:5   listener velocity
  5:11  landmark positions relative to the listener (3 landmarks x 2)
  11:14 speaker's communication vector

The reward is r = -d^2 with d the listener-goal distance. One action changes
the listener's position by a step delta, so the change it can cause in the
reward over the next few steps is about 2 * d * |delta| (+ |delta|^2): the
listener's influence grows with the distance it still has to cover, measured
at the position its current velocity will carry it to over the next steps
(momentum that overshoots or needs braking also makes the action matter).
The weight is a floor plus a bounded, saturating function of that influence.
The bias carries the state value (discounted remaining squared distance).
"""

import torch
import torch.nn.functional as F

GOAL_COLOR = slice(0, 3)
VEL = slice(3, 5)
LM_REL = slice(5, 11)
N_LANDMARKS = 3

DT = 0.1
LOOKAHEAD = 3.0       # steps of momentum considered
STEP = 0.05           # position change one action can cause in one step
FLOOR = 0.3
GAIN = 1.3
SCALE = 0.2           # influence scale (2 * d * STEP at d = 2 is 0.2)
BIAS_COEF = 2.5
BIAS_MAX = 20.0


def _goal_rel(state):
    color = state[:, GOAL_COLOR]
    sel = torch.softmax(color * 50.0, dim=-1)  # [B, 3], sharp goal selection
    rel = state[:, LM_REL].reshape(state.shape[0], N_LANDMARKS, 2)
    return (sel.unsqueeze(-1) * rel).sum(dim=1)  # [B, 2]


def weights(td):
    state = td["state"]
    n = td["n_agents"]
    rel = _goal_rel(state)
    vel = state[:, VEL]
    # where the goal will be relative to the listener after coasting a few steps
    rel_f = rel - vel * DT * LOOKAHEAD
    d_now = torch.sqrt((rel * rel).sum(dim=-1, keepdim=True) + 1e-8)
    d_fut = torch.sqrt((rel_f * rel_f).sum(dim=-1, keepdim=True) + 1e-8)
    d_eff = 0.5 * (d_now + d_fut)
    influence = 2.0 * d_eff * STEP + STEP * STEP
    w = FLOOR + GAIN * torch.tanh(influence / SCALE * 1.5)
    w = torch.nan_to_num(w, nan=1.0, posinf=3.0, neginf=FLOOR).clamp(0.1, 3.0)
    return w.expand(state.shape[0], n)


def bias(td):
    state = td["state"]
    rel = _goal_rel(state)
    d2 = (rel * rel).sum(dim=-1, keepdim=True).clamp(0.0, 8.0)
    b = -(BIAS_COEF * d2).clamp(max=BIAS_MAX)
    return torch.nan_to_num(b, nan=0.0, posinf=0.0, neginf=-BIAS_MAX)
