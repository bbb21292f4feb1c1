"""Training-free credit assignment function for pettingzoo/simple_tag/adversary.

task: pettingzoo/simple_tag/adversary
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/pettingzoo_simple_tag_adversary/answers)
prompt-sha256: 2b7b4a8f834925fb6a9b89b8aa6145e39268d0b246da03017e2a1fb95b0d0aed
igm: enforce
input: state [B, 96]

Chosen candidate r3c1 (round 3 of 3); validated on 256 sampled states; gamma 0.99.

Influence-on-the-reward credit for simple_tag (adversary group), refined.

The only reward term the adversaries can move is the collision bonus: +10 (to every
adversary) for each adversary/good-agent pair closer than 0.125 (0.075 + 0.05).
An adversary's action changes its velocity by at most 0.3 per step (accel 3,
dt 0.1, max speed 1). Its action therefore decides a catch when its predicted
distance to a prey is near the collision boundary: inside it (holding or losing
the prey), or a few steps outside it (closing in).

Influence per adversary is the sum over the two prey of a bell around the
collision margin, plus a small constant:
  * approach side: a wide bell (REACH 0.45) with a gentler exponential tail, so
    that adversaries closing in from several steps away clearly beat the floor;
  * an approach bonus when the pair is actually closing (negative range rate);
  * inside contact: a narrower bell (still high, because staying on the prey is
    a decision too).
The constant keeps credit near uniform when nobody is engaged. Weights are a floor
plus a mean-preserving share of the influence, so the mean is exactly 1 and each
weight is in [0.2, 2.6].

The bias is the discounted value of continued contact. Each pair in (soft)
contact is worth about 10 x 4 discounted steps, and a pair that is about to touch
is worth part of that. The total is bounded at 120.

State layout: 3 adversary observations (20 each) then 2 good-agent observations
(18 each). In adversary block i: [0:2] own velocity, [2:4] own position,
[12:16] the two good agents' positions relative to it, [16:20] their velocities.
"""

import torch
import torch.nn.functional as F

ADV_OBS = 20
N_ADV = 3
N_GOOD = 2
OWN_VEL = slice(0, 2)
GOOD_REL = slice(12, 16)
GOOD_VEL = slice(16, 20)
COLLIDE_DIST = 0.125
DT = 0.1
REACH = 0.45             # approach range over which an adversary can shift a catch
TAIL = 0.3               # share of the gentler exponential tail
APPROACH_GAIN = 0.3      # extra influence when the pair is closing
BASE_INFL = 0.05         # keeps credit near uniform when nobody can affect the reward
FLOOR = 0.2
CATCH_REWARD = 10.0
CONTACT_STEPS = 4.0      # discounted steps a contact pair typically keeps scoring
B_MAX = 120.0
EPS = 1e-6


def pair_geometry(td):
    state = torch.nan_to_num(td["state"], nan=0.0, posinf=10.0, neginf=-10.0)
    adv = state[:, : N_ADV * ADV_OBS].reshape(-1, N_ADV, ADV_OBS)          # [B,3,20]
    rel = adv[:, :, GOOD_REL].reshape(-1, N_ADV, N_GOOD, 2)               # prey - adv
    vel_g = adv[:, :, GOOD_VEL].reshape(-1, N_ADV, N_GOOD, 2)
    vel_a = adv[:, :, OWN_VEL].unsqueeze(2)                                # [B,3,1,2]
    rel_vel = vel_g - vel_a                                                # [B,3,2,2]
    # relative position after one step of drift (damping 0.25 -> 0.75 of velocity kept)
    rel_next = rel + DT * 0.75 * rel_vel
    d_now = torch.sqrt((rel * rel).sum(dim=-1) + EPS)
    d_next = torch.sqrt((rel_next * rel_next).sum(dim=-1) + EPS)
    d = torch.minimum(d_now, d_next)
    margin = torch.clamp(d - COLLIDE_DIST, min=-1.0, max=20.0)           # [B,3,2]
    # range rate: negative when the adversary is closing on the prey
    range_rate = (rel * rel_vel).sum(dim=-1) / (d_now + EPS)               # [B,3,2]
    closing = torch.clamp(-range_rate, min=0.0, max=2.0)
    return margin, closing


def weights(td):
    n = td["n_agents"]
    margin, closing = pair_geometry(td)
    out = torch.clamp(margin, min=0.0, max=20.0) / REACH
    inside = torch.clamp(-margin, min=0.0) / COLLIDE_DIST
    approach = (1.0 - TAIL) * torch.exp(-(out * out)) + TAIL * torch.exp(-out)
    approach = approach * (1.0 + APPROACH_GAIN * torch.tanh(2.0 * closing))
    bell = approach * torch.exp(-0.5 * (inside * inside))                # [B,3,2]
    infl = bell.sum(dim=-1) + BASE_INFL                                    # [B,3]
    share = infl / (infl.sum(dim=-1, keepdim=True) + EPS)
    w = FLOOR + (1.0 - FLOOR) * n * share
    return torch.clamp(torch.nan_to_num(w, nan=1.0), min=FLOOR, max=10.0)


def bias(td):
    margin, closing = pair_geometry(td)
    # soft contact (now or next step) plus partial value for an imminent catch
    contact = torch.sigmoid(-margin / 0.03)                                # [B,3,2]
    near = torch.exp(-torch.clamp(margin, min=0.0, max=20.0) / 0.15)
    imminent = (1.0 - contact) * near * torch.tanh(2.0 * closing)
    pair_value = CATCH_REWARD * CONTACT_STEPS * (contact + 0.5 * imminent)
    b = pair_value.sum(dim=-1).sum(dim=-1, keepdim=True)                   # [B,1]
    return torch.clamp(torch.nan_to_num(b, nan=0.0), min=0.0, max=B_MAX)
