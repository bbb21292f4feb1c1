"""Training-free credit assignment function for vmas/sampling.

task: vmas/sampling
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/vmas_sampling/answers)
prompt-sha256: 89291ccea2dab54c6226fc088dc50763fa38c9506d36f079052cb6f120f2037a
igm: enforce
input: observation [B, n_agents, 24]

Chosen candidate r3c3 (round 3 of 3); validated on 256 sampled states; gamma 0.99.

Relative-share credit for VMAS sampling.

Each agent gets a score for how much its moves matter right now:
  * harvest: best unvisited density among its 8 neighbouring cells, plus the best-minus-
    worst spread (how much the choice of move swings its next harvest);
  * approach: density lying in the direction it is already moving (about to harvest);
  * interference: a teammate close by or closing in (they compete for the same cells; on a
    shared cell the lower-index agent takes it), weighted by the density at stake.
Scores become shares with a softmax over agents (temperature 0.5), mixed with a uniform
floor: w = n * (0.3 / n + 0.7 * softmax). Weights sum to n_agents (mean 1), every agent
keeps at least 0.3, and the agent(s) that matter most dominate (at most 0.3 + 0.7 * 3 = 2.4).
A bounded bias estimates the discounted team return from the density around the team
(about 12 steps of the team's local harvest rate) plus a small bonus for being spread out.
"""

import math
import torch
import torch.nn.functional as F

POS = slice(0, 2)
VEL = slice(2, 4)
DENS = slice(16, 24)
DIAG = 0.7071067811865476
TEMP = 0.5
UNIFORM = 0.3              # fraction of the total credit shared uniformly
W_DMAX = 1.0
W_SPREAD = 0.5
W_APPROACH = 0.5
W_COORD = 0.8
COUPLING_SCALE = 0.25
TERMINAL_SPEED = 0.4
H_LOCAL = 12.0
PRIOR_SPREAD = 2.0
BIAS_MAX = 15.0


def clean(x, fill):
    return torch.nan_to_num(x, nan=fill, posinf=fill, neginf=fill)


def pair_terms(obs, n):
    pos = clean(obs[..., POS], 0.0).clamp(-1.0, 1.0)
    vel = clean(obs[..., VEL], 0.0).clamp(-2.0, 2.0)
    diff = pos.unsqueeze(1) - pos.unsqueeze(2)                 # p_j - p_i, [B, n, n, 2]
    dist = torch.sqrt(diff.pow(2).sum(dim=-1) + 1e-8)          # [B, n, n]
    rel_v = vel.unsqueeze(1) - vel.unsqueeze(2)                # v_j - v_i
    closing = F.relu(-(rel_v * diff).sum(dim=-1) / (dist + 1e-3)) / TERMINAL_SPEED
    coupling = torch.exp(-dist / COUPLING_SCALE) * (1.0 + 0.5 * closing.clamp(0.0, 2.0))
    idx = torch.arange(n, dtype=obs.dtype, device=obs.device)
    eye = idx.unsqueeze(0) == idx.unsqueeze(1)
    coupling = torch.where(eye, torch.zeros_like(coupling), coupling)
    off_dist = torch.where(eye, torch.zeros_like(dist), dist)
    return coupling, off_dist


def scores(obs, n):
    dens = clean(obs[..., DENS], 0.0).clamp(0.0, 1.0)          # [B, n, 8]
    vel = clean(obs[..., VEL], 0.0).clamp(-2.0, 2.0)
    d_max = dens.amax(dim=-1)
    spread = d_max - dens.amin(dim=-1)
    # unit-ish heading; fades to 0 when the agent is still (terminal speed ~0.4-0.57)
    speed = torch.sqrt(vel.pow(2).sum(dim=-1, keepdim=True) + 1e-8)
    v_hat = vel / (speed + 0.1)
    vx = v_hat[..., 0:1]
    vy = v_hat[..., 1:2]
    # alignment with the 8 neighbour directions, in the layout order
    # px, mx, py, my, mx_my, px_my, mx_py, px_py
    align = torch.cat([vx, -vx, vy, -vy,
                       DIAG * (-vx - vy), DIAG * (vx - vy),
                       DIAG * (-vx + vy), DIAG * (vx + vy)], dim=-1)
    approach = (F.relu(align) * dens).amax(dim=-1)             # [B, n]
    coupling, off_dist = pair_terms(obs, n)
    coord = coupling.sum(dim=-1).clamp(0.0, 2.0)
    s = (W_DMAX * d_max + W_SPREAD * spread + W_APPROACH * approach
         + W_COORD * coord * (0.5 + d_max))
    return s, d_max, dens.mean(dim=-1), off_dist


def weights(td):
    obs = td["observation"]
    n = td["n_agents"]
    s, d_max, d_mean, off_dist = scores(obs, n)
    share = torch.softmax(clean(s, 0.0).clamp(0.0, 10.0) / TEMP, dim=-1)   # [B, n]
    w = n * (UNIFORM / n + (1.0 - UNIFORM) * share)
    return clean(w, 1.0).clamp(UNIFORM, float(n))


def bias(td):
    obs = td["observation"]
    n = td["n_agents"]
    s, d_max, d_mean, off_dist = scores(obs, n)
    team_rate = (0.5 * d_max + 0.5 * d_mean).mean(dim=-1, keepdim=True)   # [B, 1]
    n_pairs = float(n * (n - 1)) if n > 1 else 1.0
    spread = (off_dist.sum(dim=-1).sum(dim=-1, keepdim=True) / n_pairs).clamp(0.0, 1.0)
    b = H_LOCAL * team_rate + PRIOR_SPREAD * spread
    return clean(b, 0.0).clamp(0.0, BIAS_MAX)
