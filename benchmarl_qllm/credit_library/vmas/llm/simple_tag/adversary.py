"""Training-free credit assignment function for vmas/simple_tag/adversary.

task: vmas/simple_tag/adversary
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/vmas_simple_tag_adversary/answers)
prompt-sha256: bf8a9c7a253f0b5098ff96cfbbf22dda177a8d91dc69c6c55b04a71d5ef8e54d
igm: enforce
input: observation [B, n_agents, 16]

Chosen candidate r3c1 (round 3 of 3); validated on 256 sampled states; gamma 0.99.

Influence-on-reward credit with a value bias for vmas/simple_tag (adversary group).

Team reward: r_team = 10 * (number of adversaries touching the prey), contact
when the adversary-prey distance is below 0.075 + 0.05 = 0.125.

Weights (reach-based influence, as in the incumbent):
An adversary's action changes that reward within a few steps only if the prey
is inside its short-horizon reach (force 3, max speed 1, dt 0.1: about 0.25 of
extra displacement over H = 0.4 s).  We predict the relative prey position
after H from the relative velocity (prey vel obs[..., 14:16] minus own vel
obs[..., 0:2]):

    margin_i    = ||rel + (v_prey - v_i) * H|| - (0.125 + REACH)
    influence_i = sigmoid(-margin_i / 0.08)

raw_i = FLOOR + influence_i + 0.3 * contact_now_i + 0.3 * approach_i, where
approach_i = exp(-gap_i / 0.8) is a gentle distance term so that mid-range
chasers get a bit more credit than far ones.  The floor is raised to 0.4 so far
chasers keep enough gradient to learn to approach.  Weights are normalised to
mean 1 over agents (uniform when nobody can act on the reward).

Bias (bounded value estimate of the discounted team return):
  * immediate: 10 per adversary softly in contact now;
  * prospect: 6 per adversary close to the prey, scaled up when the adversaries
    surround the prey (directions to it spread out) and when the prey is pinned
    against the arena bound (|x| or |y| near 1).
Clamped to [0, 60].

Observation layout (16): vel 0:2, pos 2:4, landmark rel pos 4:8,
other adversaries rel pos 8:12, prey rel pos 12:14, prey vel 14:16.
"""

import torch
import math
import torch.nn.functional as F

CONTACT = 0.125
HORIZON = 0.4      # seconds (4 env steps)
REACH = 0.25       # extra displacement an adversary can add by acting
TEMP = 0.08
FLOOR = 0.4
APPROACH_LEN = 0.8
NEAR_LEN = 0.4
CONTACT_LEN = 0.1
EPS = 1e-6


def influence_terms(obs):
    own_vel = obs[..., 0:2]
    rel = obs[..., 12:14]
    prey_vel = obs[..., 14:16]
    rel_future = rel + HORIZON * (prey_vel - own_vel)
    d_future = torch.linalg.vector_norm(rel_future, dim=-1)
    d_now = torch.linalg.vector_norm(rel, dim=-1)
    margin = d_future - (CONTACT + REACH)
    margin = torch.nan_to_num(margin, nan=10.0, posinf=10.0, neginf=-10.0)
    infl = torch.sigmoid((-margin / TEMP).clamp(min=-30.0, max=30.0))
    gap_signed = torch.nan_to_num(d_now - CONTACT, nan=10.0, posinf=10.0, neginf=-1.0)
    contact_now = torch.sigmoid((-gap_signed / 0.03).clamp(min=-30.0, max=30.0))
    gap = gap_signed.clamp_min(0.0)
    return infl, contact_now, gap, d_now


def weights(td):
    obs = td["observation"]
    n = td["n_agents"]
    infl, contact_now, gap, _ = influence_terms(obs)
    approach = torch.exp(-(gap / APPROACH_LEN).clamp(max=30.0))
    raw = FLOOR + infl + 0.3 * contact_now + 0.3 * approach
    w = raw * n / (raw.sum(dim=1, keepdim=True) + EPS)
    w = torch.nan_to_num(w, nan=1.0, posinf=1.0, neginf=1.0)
    return w.clamp(min=0.05, max=10.0)


def bias(td):
    obs = td["observation"]
    infl, contact_now, gap, d_now = influence_terms(obs)
    contact = torch.exp(-(gap / CONTACT_LEN).clamp(max=30.0))       # [B, n]
    near = torch.exp(-(gap / NEAR_LEN).clamp(max=30.0))             # [B, n]

    # encirclement: 1 - length of the mean unit direction from adversaries to prey
    dirs = obs[..., 12:14] / (d_now.unsqueeze(-1) + EPS)            # [B, n, 2]
    resultant = torch.linalg.vector_norm(dirs.mean(dim=1), dim=-1)  # [B]
    encircle = (1.0 - resultant).clamp(0.0, 1.0).unsqueeze(-1)      # [B, 1]

    # prey pinned against the arena bound (bound = 1)
    prey_abs = obs[:, 0, 2:4] + obs[:, 0, 12:14]                    # [B, 2]
    edge = torch.abs(prey_abs).amax(dim=-1, keepdim=True)           # [B, 1]
    pin = ((edge - 0.7) / 0.3).clamp(0.0, 1.0)

    immediate = 10.0 * contact.sum(dim=1, keepdim=True)
    prospect = 6.0 * near.sum(dim=1, keepdim=True) * (0.6 + 0.4 * encircle + 0.4 * pin)
    b = immediate + prospect
    b = torch.nan_to_num(b, nan=0.0, posinf=0.0, neginf=0.0)
    return b.clamp(min=0.0, max=60.0)
