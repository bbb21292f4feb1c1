"""Training-free credit assignment function for pettingzoo/simple_reference.

task: pettingzoo/simple_reference
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/pettingzoo_simple_reference/answers)
prompt-sha256: 45f1b05d2c0233c949934a6bb0b4f250526872ec836201e3879380c896663bd9
igm: enforce
input: state [B, 42]

Chosen candidate r2c3 (round 2 of 3, stopped after round 2: the evaluator accepted it); validated on 256 sampled states; gamma 0.99.

Near-uniform credit plus a value bias for pettingzoo/simple_reference.

State layout: two 21-dim agent observations concatenated, agent i at [21*i : 21*(i+1)]:
  [0:2]  own velocity
  [2:8]  landmark positions relative to the agent (3 x 2), landmark - agent
  [8:11] colour of the landmark the *other* agent must reach
  [11:21] message received from the other agent (zero before the first message)

Agent i's own target landmark is named by the colour in its partner's block. The team reward
per step is -(d_0 + d_1) / 2, d_i = distance of agent i to its target.

Weights: VDN-like, w_i = 1 +/- at most 0.15, slightly more for the agent with more distance
still to cover (more of the return is at stake in its movement and in the message it needs).
With two agents the adjustments cancel, so the mean weight stays exactly 1.

Bias: a model of the discounted team return from this state under a competent policy.
An agent moves at most ~0.2 per step (velocity gain 0.5/step, damping 0.25 -> top speed 2.0,
dt 0.1). Covering distance d at 0.2 per step costs sum_t (d - 0.2 t) ~ 2.5 d^2; starting slow
(or moving away) adds a lag of ~0.3 * (2 - approach_speed) distance held for d / 0.2 steps,
i.e. ~1.5 (2 - approach) d; an agent that has not received any message yet loses ~2 more
steps. After arrival agents hover with a small residual distance (~0.05 per step, ~5 over the
discounted horizon of 100 steps). Each agent's distance enters the team reward with factor
1/2. The result is bounded to [-65, 0].
"""

import torch
import torch.nn.functional as F

OBS_DIM = 21
VEL = slice(0, 2)
LM = slice(2, 8)
COLOR = slice(8, 11)
COMM = slice(11, 21)
N_LANDMARKS = 3

W_ADJ = 0.15          # max deviation of a weight from 1
ADJ_SCALE = 0.5       # distance difference giving most of the adjustment

STEP_DIST = 0.2       # distance per step at top speed
TOP_SPEED = 2.0
LAG_COEF = 1.5        # extra cost per unit distance per unit of missing approach speed
SILENT_STEPS = 2.0    # steps lost before the first message is heard
RESIDUAL = 5.0        # discounted hover cost per agent (0.05 per step * 100)
DISC = 0.95           # average discount over the approach phase
MAX_AGENT_COST = 60.0
B_MIN = -65.0


def agent_terms(td):
    state = td["state"]
    n = td["n_agents"]
    dists, aligns, heard = [], [], []
    for i in range(n):
        partner = (i + 1) % n
        blk = state[:, i * OBS_DIM:(i + 1) * OBS_DIM]
        pblk = state[:, partner * OBS_DIM:(partner + 1) * OBS_DIM]
        rel = blk[:, LM].reshape(-1, N_LANDMARKS, 2)
        idx = pblk[:, COLOR].argmax(dim=-1)
        onehot = F.one_hot(idx, N_LANDMARKS).to(state.dtype)
        target_rel = (rel * onehot.unsqueeze(-1)).sum(dim=1)
        d = torch.linalg.vector_norm(target_rel, dim=-1, keepdim=True)
        vel = blk[:, VEL]
        approach = (vel * target_rel).sum(dim=-1, keepdim=True) / (d + 1e-6)
        got = torch.clamp(torch.abs(blk[:, COMM]).sum(dim=-1, keepdim=True), 0.0, 1.0)
        dists.append(d)
        aligns.append(approach)
        heard.append(got)
    d_all = torch.clamp(torch.nan_to_num(torch.cat(dists, dim=1), nan=2.0, posinf=4.0, neginf=0.0), 0.0, 4.0)
    a_all = torch.clamp(torch.nan_to_num(torch.cat(aligns, dim=1), nan=0.0, posinf=0.0, neginf=0.0),
                        -TOP_SPEED, TOP_SPEED)
    h_all = torch.nan_to_num(torch.cat(heard, dim=1), nan=1.0, posinf=1.0, neginf=0.0)
    return d_all, a_all, h_all


def weights(td):
    terms = agent_terms(td)
    d = terms[0]
    rel_d = d - d.mean(dim=1, keepdim=True)
    w = 1.0 + W_ADJ * torch.tanh(rel_d / ADJ_SCALE)
    w = torch.clamp(w, 1.0 - W_ADJ, 1.0 + W_ADJ)
    return torch.nan_to_num(w, nan=1.0, posinf=1.0 + W_ADJ, neginf=1.0 - W_ADJ)


def bias(td):
    terms = agent_terms(td)
    d = terms[0]
    a = terms[1]
    h = terms[2]
    travel = d.pow(2) / (2.0 * STEP_DIST)                    # ~2.5 d^2
    lag = LAG_COEF * (TOP_SPEED - a) * d                      # slow start / wrong direction
    silent = SILENT_STEPS * (1.0 - h) * d                     # waiting for the first message
    agent_cost = DISC * (travel + lag + silent) + RESIDUAL
    agent_cost = torch.clamp(agent_cost, 0.0, MAX_AGENT_COST)
    b = -0.5 * agent_cost.sum(dim=1, keepdim=True)
    b = torch.clamp(b, B_MIN, 0.0)
    return torch.nan_to_num(b, nan=0.0, posinf=0.0, neginf=B_MIN)
