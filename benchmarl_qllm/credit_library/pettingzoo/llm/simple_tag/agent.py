"""Training-free credit assignment function for pettingzoo/simple_tag/agent.

task: pettingzoo/simple_tag/agent
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/pettingzoo_simple_tag_agent/answers)
prompt-sha256: 9f098a450ac229c304d361f826775a3deb32c08b13e1af3e1e8975b74b143765
igm: enforce
input: state [B, 96]

Chosen candidate r2c1 (round 2 of 3, stopped after round 2: the evaluator accepted it); validated on 256 sampled states; gamma 0.99.

Influence-on-reward credit for pettingzoo/simple_tag, group `agent` (2 good agents), v2.

A good agent's own reward has two terms its actions can move in the next few steps:
  * adversary contact: -10 for every adversary within 0.125 (sum of radii).  Each
    adversary contributes a graded threat: its distance is shortened by how fast it is
    closing in (relative velocity projected on the line between them, over a short
    look-ahead), and the threat decays smoothly with the remaining gap.  A pursuer
    closing in counts more than one at the same distance moving away.
  * boundary penalty bound(|x|) + bound(|y|): zero below 0.9, linear 0.9..1, then
    exp(2x-2) capped at 10.  The influence is how much that penalty can change when the
    agent moves by its few-step reach (bound(|x|+reach) - bound(|x|-reach)).
Each agent's weight is its reward influence (floored, normalised to mean 1, >= 0 for
IGM).  The bias is a bounded estimate of the reward the team is taking in this state
(current contacts and edge penalties), as these tend to persist a few steps.

State layout (concatenated observations, adversary_0..2 (20 each) then agent_0, agent_1):
  adversary k obs at 20*k: [vel 2, pos 2, ...]
  agent j obs (18) at 60 + 18*j: [vel 2, pos 2, landmarks 4,
                                  rel pos adv0, adv1, adv2 (6), rel pos other agent 2,
                                  other agent vel 2]
"""

import torch
import math
import torch.nn.functional as F

N_ADV = 3
ADV_OBS = 20
AGENT_BASE = 60
AGENT_OBS = 18
CATCH_DIST = 0.125        # 0.075 + 0.05
LOOKAHEAD = 0.2           # seconds (2 env steps) of relative motion
CLOSE_MIN = -1.0          # clamp on closing speed (units/s)
CLOSE_MAX = 2.5
THREAT_SCALE = 0.15       # decay length of the threat beyond contact
REACH = 0.3               # distance an agent can move in a few steps (boundary term)
CATCH_PENALTY = 10.0
FLOOR = 0.2
INFL_SCALE = 5.0
W_MAX = 10.0
EPS = 1e-6


def vec_norm(v):
    return torch.sqrt((v * v).sum(dim=-1) + 1e-8)


def bound_pen(x):
    # x >= 0, elementwise version of the environment's bound()
    lin = (x - 0.9) * 10.0
    ex = torch.exp((2.0 * x - 2.0).clamp(max=5.0)).clamp(max=10.0)
    out = torch.where(x < 1.0, lin, ex)
    return torch.where(x < 0.9, torch.zeros_like(x), out)


def agent_terms(state, j):
    base = AGENT_BASE + AGENT_OBS * j
    vel = state[:, base:base + 2]                               # [B, 2]
    pos = state[:, base + 2:base + 4]                           # [B, 2]

    threats = []
    touches = []
    for k in range(N_ADV):
        rel = state[:, base + 8 + 2 * k:base + 10 + 2 * k]      # adv_k pos - agent pos
        adv_vel = state[:, ADV_OBS * k:ADV_OBS * k + 2]
        d = vec_norm(rel)
        rel_vel = adv_vel - vel                                  # d(rel)/dt
        closing = -(rel * rel_vel).sum(dim=-1) / (d + EPS)       # > 0 when approaching
        closing = closing.clamp(CLOSE_MIN, CLOSE_MAX)
        d_eff = d - LOOKAHEAD * closing
        gap = (d_eff - CATCH_DIST).clamp_min(0.0)
        threats.append(torch.exp(-(gap / THREAT_SCALE).clamp(max=30.0)))
        touches.append(torch.sigmoid(((CATCH_DIST - d) / 0.01).clamp(-30.0, 30.0)))
    threat = torch.stack(threats, dim=1)                        # [B, 3] in (0, 1]
    touching = torch.stack(touches, dim=1).sum(dim=1)           # [B]
    coll_infl = CATCH_PENALTY * threat.sum(dim=1)               # [B]

    # boundary: how much the penalty changes if the agent moves by REACH per axis
    a = torch.abs(pos)
    pen_now = bound_pen(a)
    pen_out = bound_pen(a + REACH)
    pen_in = bound_pen((a - REACH).clamp_min(0.0))
    bound_infl = (pen_out - pen_in).sum(dim=1)                  # [B], >= 0
    bound_now = pen_now.sum(dim=1)

    infl = coll_infl + bound_infl
    reward_now = -CATCH_PENALTY * touching - bound_now
    return infl, reward_now


def all_terms(td):
    state = td["state"]
    n = td["n_agents"]
    infl = []
    rew = []
    for j in range(n):
        ij, rj = agent_terms(state, j)
        infl.append(ij)
        rew.append(rj)
    return torch.stack(infl, dim=1), torch.stack(rew, dim=1)


def weights(td):
    n = td["n_agents"]
    infl, rew = all_terms(td)
    raw = 0.5 + (infl / INFL_SCALE).clamp(max=20.0)             # [B, n] > 0
    share = n * raw / (raw.sum(dim=1, keepdim=True) + EPS)      # mean 1
    w = FLOOR + (1.0 - FLOOR) * share                           # floor, mean 1
    w = torch.nan_to_num(w, nan=1.0, posinf=W_MAX, neginf=FLOOR)
    return w.clamp(FLOOR, W_MAX)


def bias(td):
    infl, rew = all_terms(td)
    # team reward is the mean over agents; penalties in this state tend to persist a few steps
    b = 2.0 * rew.mean(dim=1, keepdim=True)
    b = torch.nan_to_num(b, nan=0.0, posinf=0.0, neginf=-30.0)
    return b.clamp(-30.0, 0.0)
