"""Training-free credit assignment function for vmas/discovery.

task: vmas/discovery
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/vmas_discovery/answers)
prompt-sha256: 55e04c64a19b1a1d4064947b728bc12392ff9dd02459b1f2f7f1be55ed53298b
igm: enforce
input: observation [B, n_agents, 19]

Chosen candidate r3c1 (round 3 of 3); validated on 256 sampled states; gamma 0.99.

Influence-on-the-next-rewards credit for vmas/discovery (refined incumbent r2c1).

Observation per agent: [pos(2), vel(2), target-lidar(15 rays over 2*pi, range 0.35)].
The lidar returns the distance to a target's SURFACE (radius 0.05), or 0.35 when nothing is
hit; covering uses the CENTRE distance < 0.25, so centre distance ~ lidar + 0.05.
With shared reward, the team earns per step sum over agents of (covered targets in that
agent's range) / 2, a target being covered when >= 2 agents are within 0.25 of it. The
marginal reward of agent i being in range of a target is therefore
    0   if no other agent is in range, 1 if exactly one is, 0.5 if two or more are.

For each agent that sees a target we rebuild the nearest target's centre (pos + (dmin + r) *
ray direction, soft-min over rays), count teammates in covering range of it (now) and within
a few steps of it (soon), and turn the counts into the marginal above. The marginal only
matters if the agent can change its own membership soon (in range or within reach, most of
all near the 0.25 boundary). Agents that see nothing get a floor; raw scores are normalised
to mean 1 per state (VDN when nobody can influence a cover).

Covered targets respawn before the next observation, so observed states rarely show a
completed cover. The bias estimates imminent covers instead: an agent in range of a target
whose closest teammate is in range (0.5 per covering agent, as in the reward) or just outside
it (about one reward, a step or two away). Bounded to [0, 3].
"""

import math
import torch
import torch.nn.functional as F

LIDAR_RANGE = 0.35
TARGET_RADIUS = 0.05
COVER_RANGE = 0.25
N_RAYS = 15
REACH = 0.1           # centre distance an agent can close in a few steps
SOON_GAMMA = 0.97     # ~ two or three steps of discount for an imminent cover
FLOOR = 0.3
W_INFL = 2.0
W_SOON = 0.6
W_SEEN = 0.4
W_MAX = 5.0
B_MAX = 3.0


def influence_features(td):
    obs = torch.nan_to_num(td["observation"], nan=0.0, posinf=0.0, neginf=0.0)
    n = td["n_agents"]
    pos = obs[..., 0:2]
    lidar = obs[..., 4:4 + N_RAYS].clamp(0.0, LIDAR_RANGE)

    dmin = lidar.amin(dim=-1)                                      # [B, n] surface distance
    seen = torch.sigmoid((LIDAR_RANGE - 0.005 - dmin) / 0.002)     # ~0 when nothing hit
    dc = dmin + TARGET_RADIUS                                      # centre distance
    near = torch.sigmoid((COVER_RANGE - dc) / 0.015) * seen        # in covering range
    reach = torch.sigmoid((COVER_RANGE + REACH - dc) / 0.02) * seen
    boundary = torch.exp(-((dc - COVER_RANGE) / 0.05).pow(2)) * seen

    # estimated centre of each agent's nearest target
    k = torch.arange(N_RAYS, dtype=obs.dtype, device=obs.device)
    ang = k * (2.0 * math.pi / N_RAYS)
    ray_dir = torch.stack([torch.cos(ang), torch.sin(ang)], dim=-1)    # [R, 2]
    att = torch.softmax(-lidar / 0.01, dim=-1)                         # [B, n, R]
    tdir = F.normalize(att @ ray_dir, dim=-1, eps=1e-6)                # [B, n, 2]
    tpos = pos + dc.unsqueeze(-1) * tdir                               # [B, n, 2]

    # teammates j relative to agent i's nearest target
    d = torch.cdist(tpos, pos)                                         # [B, i, j]
    idx = torch.arange(n, dtype=obs.dtype, device=obs.device)
    off = (idx.unsqueeze(0) - idx.unsqueeze(1)).abs().clamp(0.0, 1.0)  # 0 on diagonal
    in_rng = torch.sigmoid((COVER_RANGE - d) / 0.015) * off
    in_reach = torch.sigmoid((COVER_RANGE + REACH - d) / 0.02) * off
    others_now = in_rng.sum(dim=-1) * seen                             # [B, n]
    others_soon = in_reach.sum(dim=-1) * seen                          # includes "now"

    # closest teammate to my target (self excluded), for the bias
    d_other = (d + (1.0 - off) * 10.0).amin(dim=-1)                    # [B, n]

    return seen, near, reach, boundary, others_now, others_soon, d_other


def marginal_of(count):
    c1 = count.clamp(0.0, 1.0)
    c2 = (count - 1.0).clamp(0.0, 1.0)
    return c1 - 0.5 * c2                                               # 0, 1, 0.5


def weights(td):
    seen, near, reach, boundary, others_now, others_soon, d_other = influence_features(td)
    m_now = marginal_of(others_now)
    m_soon = marginal_of(others_soon)
    can_change = 0.5 * reach + 0.5 * boundary                          # [0, 1]
    infl = can_change * torch.maximum(m_now, W_SOON * m_soon)
    raw = FLOOR + W_INFL * infl + W_SEEN * seen * (0.5 + 0.5 * reach)
    w = raw / (raw.mean(dim=1, keepdim=True) + 1e-6)
    w = torch.clamp(w, 0.05, W_MAX)
    return torch.nan_to_num(w, nan=1.0, posinf=W_MAX, neginf=0.05)


def bias(td):
    seen, near, reach, boundary, others_now, others_soon, d_other = influence_features(td)
    partner_in = others_now.clamp(0.0, 1.0)
    # closest teammate just outside the covering range of my target
    partner_close = torch.sigmoid((COVER_RANGE + REACH - d_other) / 0.02) * seen
    # in range with a partner in range: 0.5 per covering agent (pairs count twice)
    now = 0.5 * near * partner_in
    # in range alone, partner about to arrive: about one reward a few steps away
    soon = SOON_GAMMA * near * (1.0 - partner_in) * partner_close
    b = (now + soon).sum(dim=1, keepdim=True)
    b = torch.clamp(b, 0.0, B_MAX)
    return torch.nan_to_num(b, nan=0.0, posinf=B_MAX, neginf=0.0)
