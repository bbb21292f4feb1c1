"""Training-free credit assignment function for vmas/simple_world_comm/lead_adversary.

task: vmas/simple_world_comm/lead_adversary
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/vmas_simple_world_comm_lead_adversary/answers)
prompt-sha256: 47c62a581ddb1f8548ff83f100ce61cf949b08513a7a5bf67b6c0ae80b43a8e0
igm: enforce
input: observation [B, n_agents, 60]

Chosen candidate r1c1 (round 1 of 3, stopped after round 1: the evaluator accepted it); validated on 256 sampled states; gamma 0.99.

Objective-proximity credit for vmas/simple_world_comm, group `lead_adversary`.

The lead adversary's reward is +5 for every (prey, adversary) collision in the
world (the distance shaping term in the source is identically zero), so what the
reward is about is adversaries touching prey. The leader affects this directly
(its own movement) and indirectly (its 4-dim comm message steers the other
adversaries).

Observation layout for the leader (60 features):
  0:2 own vel, 2:4 own pos,
  4:14  rel. pos of landmark, food0, food1, forest0, forest1,
  14:34 other_pos: for each other agent (adv1, adv2, adv3, prey0, prey1) two
        forest slots of 2 features (the leader sees everything, both slots equal),
  34:54 other_vel: same layout (velocities only filled for prey),
  54:56 in_forest, 56:60 comm.

Weight = floor + bonus when the leader is close to a prey, + bonus when any
adversary (the team the leader coordinates) is close to a prey, + bonus when the
leader is closing in on its nearest prey. Weights stay in [0.5, 2.7], mean ~1.
Bias = bounded estimate of near-term capture reward from current (soft) contacts
and proximity, on the scale of the discounted return.
"""

import torch
import math
import torch.nn.functional as F

OTHER_POS_START = 14
OTHER_VEL_START = 34
N_FORESTS = 2
ADV_OTHERS = (0, 1, 2)      # indices of adversary_1..3 among "others"
PREY_OTHERS = (3, 4)        # indices of agent_0, agent_1 among "others"
CATCH_DIST = 0.12           # 0.075 (adversary radius) + 0.045 (prey radius)
NEAR_SCALE = 0.25
FLOOR = 0.5
W_LEAD = 1.2
W_TEAM = 0.6
W_APPROACH = 0.4
EPS = 1e-6


def _other_pos(obs, k):
    s = OTHER_POS_START + k * N_FORESTS * 2
    return obs[..., s:s + 2]


def _other_vel(obs, k):
    s = OTHER_VEL_START + k * N_FORESTS * 2
    return obs[..., s:s + 2]


def _geometry(obs):
    obs = torch.nan_to_num(obs, nan=0.0, posinf=10.0, neginf=-10.0).clamp(-10.0, 10.0)
    own = torch.zeros_like(obs[..., 0:2])
    advs = torch.stack([own] + [_other_pos(obs, k) for k in ADV_OTHERS], dim=-2)   # [B,n,4,2]
    prey = torch.stack([_other_pos(obs, k) for k in PREY_OTHERS], dim=-2)          # [B,n,2,2]
    prey_vel = torch.stack([_other_vel(obs, k) for k in PREY_OTHERS], dim=-2)      # [B,n,2,2]
    diff = advs.unsqueeze(-2) - prey.unsqueeze(-3)                                 # [B,n,4,2,2]
    dist = torch.sqrt((diff * diff).sum(dim=-1) + EPS)                             # [B,n,4,2]
    return obs, prey, prey_vel, dist


def weights(td):
    obs, prey, prey_vel, dist = _geometry(td["observation"])
    own_vel = obs[..., 0:2]

    # Leader's own distance to the nearest prey.
    d_lead_all = dist[..., 0, :]                                  # [B,n,2]
    d_lead = d_lead_all.min(dim=-1).values                        # [B,n]
    near_lead = torch.exp(-F.relu(d_lead - CATCH_DIST) / NEAR_SCALE)

    # Team: closest adversary-prey pair anywhere (leader's comm steers the others).
    d_team = dist.reshape(dist.shape[0], dist.shape[1], -1).min(dim=-1).values
    near_team = torch.exp(-F.relu(d_team - CATCH_DIST) / NEAR_SCALE)

    # Closing speed of the leader on its nearest prey.
    idx = d_lead_all.argmin(dim=-1, keepdim=True)                 # [B,n,1]
    gidx = idx.unsqueeze(-1).expand(-1, -1, 1, 2)                 # [B,n,1,2]
    rel = torch.gather(prey, 2, gidx).squeeze(2)                  # prey - leader
    rvel = torch.gather(prey_vel, 2, gidx).squeeze(2) - own_vel
    rnorm = torch.sqrt((rel * rel).sum(dim=-1) + EPS)
    closing = -(rel * rvel).sum(dim=-1) / (rnorm + EPS)           # >0: gap shrinking
    approach = torch.sigmoid(closing.clamp(-5.0, 5.0) / 0.3) * near_lead

    w = FLOOR + W_LEAD * near_lead + W_TEAM * near_team + W_APPROACH * approach
    w = torch.nan_to_num(w, nan=1.0, posinf=3.0, neginf=FLOOR)
    return w.clamp(FLOOR, 3.0)


def bias(td):
    obs, prey, prey_vel, dist = _geometry(td["observation"])
    # Soft count of current captures (each worth +5 per step) and near-captures.
    contact = torch.sigmoid((CATCH_DIST - dist) / 0.03)           # [B,n,4,2]
    near = torch.exp(-F.relu(dist - CATCH_DIST) / 0.2)            # [B,n,4,2]
    n_contact = contact.sum(dim=(-1, -2))                         # [B,n]
    n_near = near.sum(dim=(-1, -2))                               # [B,n]
    # Contacts tend to persist a few steps; proximity predicts future captures.
    value = 5.0 * 2.0 * n_contact + 1.5 * n_near
    value = value.mean(dim=-1, keepdim=True)                      # [B,1]
    value = torch.nan_to_num(value, nan=0.0, posinf=25.0, neginf=0.0)
    return value.clamp(0.0, 25.0)
