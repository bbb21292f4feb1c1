"""Training-free credit assignment function for vmas/simple_adversary/adversary.

task: vmas/simple_adversary/adversary
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/vmas_simple_adversary_adversary/answers)
prompt-sha256: ad81a4f3950d315ac62078ab0086c4f18c9788417109e24f633b229b1d6b6672
igm: enforce
input: observation [B, n_agents, 8]

Chosen candidate r1c3 (round 1 of 3, stopped after round 1: the evaluator accepted it); validated on 256 sampled states; gamma 0.99.

TFCAF for vmas/simple_adversary, group `adversary` (1 agent) -- coordination.

The group has a single agent, so there are no teammates to coordinate with; the
interaction that matters is with the other group.  The good agents sit on the
goal landmark (and may use a decoy to mislead the adversary), and the adversary
must read their positions to pick the right landmark.  States where the
adversary and good agents converge on the same landmark (a contested target),
or where a good agent is close to the adversary, are the ones where its moves
interact with theirs, so they get extra credit.  Otherwise ("acting alone") the
weight stays near a uniform, VDN-like 1.

    contest_j = exp(-d_adv_j / S) * exp(-min_k d(good_k, lm_j) / S)
    near      = exp(-min_k |good_k - adv| / S_NEAR)
    w = BASE + GAIN_C * max_j contest_j + GAIN_N * near      (always > 0, IGM)

Bias: bounded estimate of the discounted return from the expected goal distance
(goal belief from which landmark the good agents occupy).
"""

import torch
import math
import torch.nn.functional as F

N_LANDMARKS = 2
N_GOOD = 2
S_CONTEST = 0.5
S_NEAR = 0.4
BELIEF_TAU = 0.2
BASE = 0.8
GAIN_C = 0.7
GAIN_N = 0.3
W_MIN = 0.2
W_MAX = 3.0
BIAS_HORIZON = 6.0
BIAS_MIN = -30.0
EPS = 1e-6


def parse(td):
    obs = td["observation"]
    obs = torch.nan_to_num(obs, nan=0.0, posinf=0.0, neginf=0.0)
    ad = obs[:, 0, :]                                                     # [B, 8]
    lm = ad[:, 0:2 * N_LANDMARKS].reshape(-1, N_LANDMARKS, 2)             # [B, L, 2]
    good = ad[:, 2 * N_LANDMARKS:2 * N_LANDMARKS + 2 * N_GOOD].reshape(-1, N_GOOD, 2)  # [B, G, 2]
    return lm, good


def dists(lm, good):
    d_adv = torch.sqrt((lm * lm).sum(dim=-1) + EPS)                       # [B, L]
    diff = lm.unsqueeze(1) - good.unsqueeze(2)                            # [B, G, L, 2]
    d_good_lm = torch.sqrt((diff * diff).sum(dim=-1) + EPS)               # [B, G, L]
    d_good_min = d_good_lm.min(dim=1).values                              # [B, L]
    d_good_adv = torch.sqrt((good * good).sum(dim=-1) + EPS)              # [B, G]
    return d_adv, d_good_min, d_good_adv


def weights(td):
    lm, good = parse(td)
    d_adv, d_good_min, d_good_adv = dists(lm, good)
    contest = torch.exp(-(d_adv / S_CONTEST).clamp(max=30.0)) * \
        torch.exp(-(d_good_min / S_CONTEST).clamp(max=30.0))             # [B, L]
    contest_max = contest.amax(dim=-1, keepdim=True)                      # [B, 1]
    near = torch.exp(-(d_good_adv.amin(dim=-1, keepdim=True) / S_NEAR).clamp(max=30.0))  # [B, 1]
    w = BASE + GAIN_C * contest_max + GAIN_N * near
    w = torch.clamp(torch.nan_to_num(w, nan=1.0, posinf=W_MAX, neginf=W_MIN), W_MIN, W_MAX)
    return w                                                              # [B, 1]


def bias(td):
    lm, good = parse(td)
    d_adv, d_good_min, d_good_adv = dists(lm, good)
    p = torch.softmax(-d_good_min / BELIEF_TAU, dim=-1)                  # [B, L]
    d_goal = (p * d_adv).sum(dim=-1, keepdim=True)                        # [B, 1]
    b = -BIAS_HORIZON * d_goal
    b = torch.clamp(torch.nan_to_num(b, nan=0.0, posinf=0.0, neginf=BIAS_MIN), BIAS_MIN, 0.0)
    return b                                                              # [B, 1]
