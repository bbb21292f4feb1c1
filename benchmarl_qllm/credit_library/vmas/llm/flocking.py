"""Training-free credit assignment function for vmas/flocking.

task: vmas/flocking
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/vmas_flocking/answers)
prompt-sha256: fc856c5246ba993af3aa2d2629b46058f61d3ed4d3a77182f96b9c3d6cb16454
igm: enforce
input: observation [B, n_agents, 18]

Chosen candidate r1c2 (round 1 of 3, stopped after round 1: the evaluator accepted it); validated on 256 sampled states; gamma 0.99.

Influence-on-this-step's-reward credit for vmas/flocking.

Reading the reward source: agent k is paid the decrease of its shaping
    Phi_k = mean over the OTHER members of world.agents of (|p_k - p_j| - 0.1)^2
(world.agents also holds the scripted target, so every agent's shaping covers
the 3 other policy agents plus the target), plus -0.1 per contact
(surface gap <= 0.005, i.e. centre distance ~<= 0.105 for radius-0.05 bodies)
with another agent or with the target. The team reward is the mean over agents.

How much agent i's action can move the team reward right now:
  * shaping: team Phi = (1/n) sum_k Phi_k; its gradient w.r.t. p_i counts each
    agent-agent pair twice (it sits in Phi_i and Phi_j) and the agent-target
    pair once. |grad_i| times the displacement a few steps of force can add
    (REACH) is the shaping change agent i can cause. Evaluated now and at a
    short velocity look-ahead, keeping the larger.
  * collisions: every near-contact pair the agent is part of is a penalty it
    can create or avoid by its move (0.05 team reward per agent pair, 0.025 per
    agent-target pair), scored with a smooth sigmoid on centre distance.
Scores are in team-reward units; they are split into weights with mean 1
(plus a small epsilon so a state where nobody matters stays near uniform),
on top of a positive floor, so weights are >= FLOOR (IGM) and bounded.

Bias: the shaping part of the return telescopes, so the discounted team return
is roughly Phi_team(s) - Phi_team(end); the bias is BIAS_COEF * Phi_team(s),
bounded to [0, BIAS_MAX].
"""

import torch
import math
import torch.nn.functional as F

DESIRED_DIST = 0.1
CONTACT_DIST = 0.12      # centre distance where contact risk is 1/2
CONTACT_WIDTH = 0.01
REACH = 0.05             # displacement an agent can add in a few steps
TAU = 0.5                # velocity look-ahead (s)
PAIR_COLL = 0.05         # team reward of one agent-agent contact (2 * 0.1 / 4)
TARGET_COLL = 0.025      # team reward of one agent-target contact (0.1 / 4)
SCORE_EPS = 0.005        # team-reward units
FLOOR = 0.2
W_MAX = 10.0
BIAS_COEF = 0.8
BIAS_MAX = 6.0
EPS = 1e-6


def clean_obs(td):
    obs = td["observation"]
    return torch.nan_to_num(obs, nan=0.0, posinf=10.0, neginf=-10.0)


def offdiag_mask(x, n):
    ar = torch.arange(n, dtype=x.dtype, device=x.device)
    return (ar.unsqueeze(0) - ar.unsqueeze(1)).abs().clamp_max(1.0).unsqueeze(0)  # [1,n,n]


def geometry(pos, tpos):
    diff = pos.unsqueeze(2) - pos.unsqueeze(1)                  # [B,n,n,2] p_i - p_j
    d = torch.sqrt((diff * diff).sum(dim=-1) + 1e-12)           # [B,n,n]
    dt_vec = pos - tpos                                         # [B,n,2]
    dt = torch.sqrt((dt_vec * dt_vec).sum(dim=-1) + 1e-12)      # [B,n]
    return diff, d, dt_vec, dt


def shaping_grad_norm(pos, tpos, off, n):
    diff, d, dt_vec, dt = geometry(pos, tpos)
    n_others = float(max(n, 1))             # (n - 1) agents + the target
    coef_a = 4.0 * (d - DESIRED_DIST) * off / (d + EPS)          # pair in Phi_i and Phi_j
    g_a = (coef_a.unsqueeze(-1) * diff).sum(dim=2)               # [B,n,2]
    coef_t = 2.0 * (dt - DESIRED_DIST) / (dt + EPS)
    g_t = coef_t.unsqueeze(-1) * dt_vec                          # [B,n,2]
    g = (g_a + g_t) / (float(max(n, 1)) * n_others)
    return torch.sqrt((g * g).sum(dim=-1) + 1e-12)               # [B,n]


def team_potential(pos, tpos, off, n):
    diff, d, dt_vec, dt = geometry(pos, tpos)
    n_others = float(max(n, 1))
    phi_k = (((d - DESIRED_DIST).pow(2) * off).sum(dim=-1)
             + (dt - DESIRED_DIST).pow(2)) / n_others            # [B,n]
    return phi_k.mean(dim=1, keepdim=True)                       # [B,1]


def split_obs(td):
    obs = clean_obs(td)
    pos = obs[..., 0:2]
    vel = obs[..., 2:4].clamp(-5.0, 5.0)
    rel_t = obs[..., 4:6]
    tpos = (pos - rel_t).mean(dim=1, keepdim=True)               # [B,1,2]
    return obs, pos, vel, tpos


def weights(td):
    n = td["n_agents"]
    obs, pos, vel, tpos = split_obs(td)
    off = offdiag_mask(obs, n)

    g_now = shaping_grad_norm(pos, tpos, off, n)
    g_next = shaping_grad_norm(pos + vel * TAU, tpos, off, n)
    shaping_score = REACH * torch.maximum(g_now, g_next)        # [B,n]

    diff, d, dt_vec, dt = geometry(pos, tpos)
    near_a = torch.sigmoid(((CONTACT_DIST - d) / CONTACT_WIDTH).clamp(-30.0, 30.0)) * off
    near_t = torch.sigmoid(((CONTACT_DIST - dt) / CONTACT_WIDTH).clamp(-30.0, 30.0))
    coll_score = PAIR_COLL * near_a.sum(dim=-1) + TARGET_COLL * near_t   # [B,n]

    score = shaping_score + coll_score + SCORE_EPS
    share = score * n / (score.sum(dim=1, keepdim=True) + EPS)  # mean 1 over agents
    w = FLOOR + (1.0 - FLOOR) * share
    w = torch.nan_to_num(w, nan=1.0, posinf=W_MAX, neginf=FLOOR)
    return w.clamp(FLOOR, W_MAX)


def bias(td):
    n = td["n_agents"]
    obs, pos, vel, tpos = split_obs(td)
    off = offdiag_mask(obs, n)
    b = BIAS_COEF * team_potential(pos, tpos, off, n)
    b = torch.nan_to_num(b, nan=0.0, posinf=BIAS_MAX, neginf=0.0)
    return b.clamp(0.0, BIAS_MAX)
