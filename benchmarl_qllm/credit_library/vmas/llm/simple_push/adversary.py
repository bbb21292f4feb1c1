"""Training-free credit assignment function for vmas/simple_push/adversary.

task: vmas/simple_push/adversary
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/vmas_simple_push_adversary/answers)
prompt-sha256: dd025698aa28a786047cf3199c09f378b32561720b5eb2703cb35fad0a28745c
igm: enforce
input: observation [B, n_agents, 8]

Chosen candidate r1c2 (round 1 of 3, stopped after round 1: the evaluator accepted it); validated on 256 sampled states; gamma 0.99.

Influence-on-this-step's-reward credit for vmas/simple_push, group `adversary`.

Adversary observation (8): vel 0:2, landmark0 rel 2:4, landmark1 rel 4:6,
good-agent rel 6:8. Reward = |agent - goal| - |adversary - goal| (goal unknown to
the adversary: one of the two landmarks, uniform prior).

Which reward terms can the adversary's action move in the next few steps?
  1. Its own term |adversary - goal|: it moves at a bounded speed, so over a few
     steps it can change this term by at most min(d_goal, REACH). Far from the
     landmarks this is full influence; sitting on a landmark leaves little to gain.
     Expected over the two candidate goals.
  2. The good agent's term |agent - goal|: only through collisions (pushing /
     blocking). This is possible only when the adversary is within reach of the
     good agent, and matters most when the good agent is close to a landmark
     (about to score) -- blocking there changes the reward the most.
Weight = floor + own influence + push influence, bounded, mean around 1.

Bias: bounded value estimate from the expected per-step reward.
"""

import torch
import torch.nn.functional as F

EPS = 1e-6
FLOOR = 0.3
REACH = 0.3          # distance the adversary can cover in a few steps
CONTACT = 0.1        # sum of the two agents' radii (0.05 + 0.05)
PUSH_SCALE = 0.3
BIAS_SCALE = 4.0
R_CLAMP = 2.5


def norm(x):
    return torch.sqrt((x * x).sum(dim=-1) + EPS)


def weights(td):
    obs = td["observation"]
    vel = obs[..., 0:2]
    l0 = obs[..., 2:4]
    l1 = obs[..., 4:6]
    other = obs[..., 6:8]

    # 1) own-distance influence, averaged over the two possible goals
    dv0 = norm(l0)
    dv1 = norm(l1)
    own0 = torch.clamp(dv0 / REACH, 0.0, 1.0)
    own1 = torch.clamp(dv1 / REACH, 0.0, 1.0)
    own = 0.5 * (own0 + own1)                                   # [B, n] in [0, 1]

    # 2) push / block influence on the good agent's distance to its goal
    d_ag = norm(other)
    gap = (d_ag - CONTACT).clamp_min(0.0)
    # closing speed toward the good agent helps reaching contact sooner
    closing = (vel * other).sum(dim=-1) / (d_ag + 1e-3)
    reach = REACH + 0.5 * closing.clamp(0.0, 1.0)
    contact = torch.exp(-(gap / (reach.clamp_min(0.05))).clamp_max(30.0))  # [0, 1]

    da0 = norm(other - l0)
    da1 = norm(other - l1)
    agent_near_goal = torch.exp(-(torch.minimum(da0, da1) / 0.5).clamp_max(30.0))
    push = contact * (0.5 + 0.5 * agent_near_goal)              # [0, 1]

    w = FLOOR + 0.7 * own + 1.0 * push
    w = torch.nan_to_num(w, nan=1.0, posinf=1.0, neginf=1.0)
    return torch.clamp(w, FLOOR, 3.0)


def bias(td):
    obs = td["observation"]
    l0 = obs[..., 2:4]
    l1 = obs[..., 4:6]
    other = obs[..., 6:8]
    r_hat = 0.5 * ((norm(other - l0) - norm(l0)) + (norm(other - l1) - norm(l1)))
    r_hat = r_hat.mean(dim=-1, keepdim=True)                    # [B, 1]
    r_hat = torch.nan_to_num(r_hat, nan=0.0, posinf=0.0, neginf=0.0)
    return BIAS_SCALE * torch.clamp(r_hat, -R_CLAMP, R_CLAMP)
