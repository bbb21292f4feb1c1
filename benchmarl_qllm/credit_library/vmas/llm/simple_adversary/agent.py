"""Training-free credit assignment function for vmas/simple_adversary/agent.

task: vmas/simple_adversary/agent
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/vmas_simple_adversary_agent/answers)
prompt-sha256: f6042d9a51f2b2e5c35e6ba33448c263d0298115761a55de1ebf53e6c7b4eccf
igm: enforce
input: observation [B, n_agents, 10]

Chosen candidate r2c1 (round 2 of 3, stopped after round 2: the evaluator accepted it); validated on 256 sampled states; gamma 0.99.

Refined influence credit for vmas/simple_adversary (group `agent`).

Observation of good agent i (10 features):
  0:2 goal - own pos, 2:4 landmark0 - own, 4:6 landmark1 - own,
  6:8 adversary - own, 8:10 other good agent - own.

Team reward (same for both good agents):
    r = -min_i ||goal - agent_i||  +  ||adversary - goal||

1. Goal influence: the agent closest to the goal moves the -min term one for
   one; the other only if it can overtake within a few steps:
       infl_i = exp(-(d_i - d_min) / REACH).
2. Decoy influence: the +||adversary - goal|| term is moved indirectly by the
   agent that sits on the OTHER (non-goal) landmark and can lure the adversary
   away; this matters most when the adversary is currently near the goal:
       decoy_i = exp(-||decoy_lm - agent_i|| / 0.3) * exp(-||adv - goal|| / 0.5)
   gated by (1 - infl_i) so it only lifts the non-closest agent.
The decoy landmark is whichever of landmark0/landmark1 is farther from the goal
vector (the goal is one of the two landmarks).
Weights = floor + infl + DECOY_GAIN * decoy, normalised to sum n_agents
(mean 1), positive and bounded.

Bias: current team reward from the observation times a fraction of the
discounted horizon, clipped.
"""

import torch
import torch.nn.functional as F

REACH = 0.3         # distance gap an agent can plausibly close in a few steps
FLOOR = 0.25        # relative floor added to every agent's score
DECOY_LEN = 0.3     # length scale: agent near decoy landmark
ADV_LEN = 0.5       # length scale: adversary near goal
DECOY_GAIN = 0.8
W_MIN = 0.1
W_MAX = 10.0
BIAS_SCALE = 10.0
BIAS_CLIP = 30.0
EPS = 1e-6


def clean(obs):
    return torch.nan_to_num(obs, nan=0.0, posinf=10.0, neginf=-10.0)


def norm2(x, keepdim=False):
    return torch.sqrt(x.pow(2).sum(dim=-1, keepdim=keepdim) + EPS)


def weights(td):
    obs = clean(td["observation"])
    n = td["n_agents"]
    goal = obs[..., 0:2]                              # [B, n, 2]
    lm0 = obs[..., 2:4]
    lm1 = obs[..., 4:6]
    adv = obs[..., 6:8]

    # 1. goal influence through the min term
    d = norm2(goal)                                   # [B, n]
    d_min = d.amin(dim=-1, keepdim=True)
    gap = (d - d_min).clamp_min(0.0)
    infl = torch.exp(-(gap / REACH).clamp_max(50.0))  # (0, 1]

    # 2. decoy influence: the non-goal landmark relative to each agent
    far0 = norm2(lm0 - goal, keepdim=True)            # [B, n, 1]
    far1 = norm2(lm1 - goal, keepdim=True)
    decoy_lm = torch.where(far0 > far1, lm0, lm1)     # [B, n, 2]
    d_decoy = norm2(decoy_lm)                         # [B, n]
    adv_goal = norm2(adv - goal)                      # [B, n] (same value per agent)
    decoy = torch.exp(-(d_decoy / DECOY_LEN).clamp_max(50.0)) * \
        torch.exp(-(adv_goal / ADV_LEN).clamp_max(50.0))
    decoy = decoy * (1.0 - infl)

    raw = FLOOR + infl + DECOY_GAIN * decoy
    w = float(n) * raw / (raw.sum(dim=-1, keepdim=True) + EPS)
    w = torch.clamp(w, W_MIN, W_MAX)
    return torch.nan_to_num(w, nan=1.0, posinf=W_MAX, neginf=W_MIN)


def bias(td):
    obs = clean(td["observation"])
    d = norm2(obs[..., 0:2])
    min_d = d.amin(dim=-1, keepdim=True)                     # [B, 1]
    adv_goal = obs[:, 0, 6:8] - obs[:, 0, 0:2]              # adversary - goal
    adv_d = norm2(adv_goal, keepdim=True)                    # [B, 1]
    r_now = torch.clamp(-min_d + adv_d, -4.0, 4.0)
    b = torch.clamp(BIAS_SCALE * r_now, -BIAS_CLIP, BIAS_CLIP)
    return torch.nan_to_num(b, nan=0.0, posinf=BIAS_CLIP, neginf=-BIAS_CLIP)
