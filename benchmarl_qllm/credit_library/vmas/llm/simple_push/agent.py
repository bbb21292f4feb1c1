"""Training-free credit assignment function for vmas/simple_push/agent.

task: vmas/simple_push/agent
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/vmas_simple_push_agent/answers)
prompt-sha256: 2de2d08f1e7de4351395a2f5ed3315a2a2922fed60ff2fb5ba92a5a8ed3d0edb
igm: enforce
input: observation [B, n_agents, 19]

Chosen candidate r1c2 (round 1 of 3, stopped after round 1: the evaluator accepted it); validated on 256 sampled states; gamma 0.99.

TFCAF for vmas/simple_push, group `agent` (1 agent): influence on this step's reward.

Observation layout (19): vel (0:2), goal_pos - pos (2:4), own color (4:7),
landmark rel pos (7:11), landmark colors (11:17), adversary rel pos (17:19).

The only reward term is -||pos - goal||, and the agent's own force moves it.
How much the agent's action can change the reward over the next few steps is
estimated from:
  * gain:     how much distance it can still close within a short reach
              (min(d, REACH) / REACH): far agents can gain a full reach per few
              steps, agents on the goal can gain nothing by moving...
  * hold:     ...but on the goal a wrong action loses reward immediately, and the
              adversary tries to push it off, so holding also counts;
  * correct:  velocity pointing away from the goal must be corrected by the
              action now (momentum otherwise costs reward);
  * contest:  the adversary in contact range means the action decides who wins
              the push.
A floor of 0.4 keeps gradient flowing; weights stay in about [0.4, 2.2].
The bias carries the distance penalty expected over the next few steps.
"""

import torch
import math
import torch.nn.functional as F

VEL = slice(0, 2)
GOAL = slice(2, 4)
ADV = slice(17, 19)
REACH = 0.5
FLOOR = 0.4
GAIN_W = 0.8
HOLD_W = 0.4
HOLD_SCALE = 0.2
CORRECT_W = 0.3
CONTEST_W = 0.3
CONTEST_SCALE = 0.3
W_MAX = 3.0
BIAS_SCALE = 5.0
BIAS_MIN = -20.0


def _clean(x):
    return torch.nan_to_num(x, nan=0.0, posinf=0.0, neginf=0.0)


def _norm(x):
    return torch.sqrt((x * x).sum(dim=-1) + 1e-8)


def weights(td):
    obs = td["observation"]  # [B, n, 19]
    vel = _clean(obs[..., VEL])
    rel = _clean(obs[..., GOAL])
    adv = _clean(obs[..., ADV])

    d = _norm(rel)  # [B, n]
    speed = _norm(vel)
    adv_d = _norm(adv)

    gain = torch.clamp(d, max=REACH) / REACH
    hold = torch.exp(-(d / HOLD_SCALE).clamp(max=30.0))
    cos = (vel * rel).sum(dim=-1) / (speed * d + 1e-6)
    moving = torch.tanh(speed / 0.3)
    correct = 0.5 * (1.0 - torch.clamp(cos, -1.0, 1.0)) * moving
    contest = torch.exp(-(adv_d / CONTEST_SCALE).clamp(max=30.0))

    w = FLOOR + GAIN_W * gain + HOLD_W * hold + CORRECT_W * correct + CONTEST_W * contest
    w = torch.clamp(w, 0.1, W_MAX)
    return torch.nan_to_num(w, nan=1.0, posinf=W_MAX, neginf=0.1)


def bias(td):
    obs = td["observation"]
    d = _norm(_clean(obs[..., GOAL]))
    dm = d.mean(dim=-1, keepdim=True)  # [B, 1]
    b = torch.clamp(-BIAS_SCALE * dm, BIAS_MIN, 0.0)
    return torch.nan_to_num(b, nan=0.0, posinf=0.0, neginf=BIAS_MIN)
