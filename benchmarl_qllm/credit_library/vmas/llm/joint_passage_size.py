"""Training-free credit assignment function for vmas/joint_passage_size.

task: vmas/joint_passage_size
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/vmas_joint_passage_size/answers)
prompt-sha256: fc0b3881358b71aade468a2cc95f4c5a6d1538f0525d8c3d67cd3e8126382389
igm: enforce
input: observation [B, n_agents, 12]

Chosen candidate r3c1 (round 3 of 3); validated on 256 sampled states; gamma 0.99.

Bottleneck-influence credit with a value bias for vmas/joint_passage_size.

Observation per agent: pos(0:2), vel(2:4), pos-goal(4:6), pos-big_passage(6:8),
pos-small_passage(8:10), goal rot vector(10:12).

Weights (unchanged from the incumbent): the team reward is shaping on the rigid joint (midpoint
of the two agents): distance to the passage centre before the joint crosses y = 0, distance to
the goal after, the joint angle, and collision penalties with the wall. Both agents push the
same joint, so they share an equal base influence; the difference is at the wall bottleneck:
  * each agent has to go through ITS OWN opening (one the big, the other the small one); the
    pairing is picked per state (softly) as the one with the lower summed x-offset;
  * an agent near the wall line and off its own opening decides whether the joint collides or
    goes through (more so when moving toward the wall);
  * when the joint is near the wall and its axis (pos_1 - pos_0) does not point the way the
    paired openings do (open_1 - open_0), the agent further off its opening must correct most.
After crossing, credit returns to VDN-like equal weights. Mean 1, floor 0.3, cap 3.

Bias: the reward is a potential difference, so the return still to collect is roughly the
remaining joint path (through the passage centre to the goal before crossing, straight to the
goal after) plus the remaining rotation. b(s) = 0.6 * (path + 0.3 * rotation), in [0, 4].
"""

import torch
import math
import torch.nn.functional as F

POS = slice(0, 2)
VEL = slice(2, 4)
TO_GOAL = slice(4, 6)
TO_BIG = slice(6, 8)
TO_SMALL = slice(8, 10)

WALL_SCALE = 0.2       # agent distance to the wall line counted as "at the bottleneck"
JOINT_WALL_SCALE = 0.3 # joint distance to the wall line where orientation matters
ALIGN_SCALE = 0.08     # x-offset scale relative to an agent's own opening
PAIR_TEMP = 0.05       # softness of the pairing choice
BOTTLENECK_GAIN = 2.0
ROT_GAIN = 1.5
APPROACH_GAIN = 0.5
FLOOR = 0.3
W_MAX = 3.0

VALUE_SCALE = 0.6
ROT_COEF = 0.3
BIAS_MAX = 4.0
EPS = 1e-6


def clean(td):
    obs = torch.nan_to_num(td["observation"].float(), nan=0.0, posinf=10.0, neginf=-10.0)
    return torch.clamp(obs, -50.0, 50.0)


def norm2(x):
    return torch.sqrt((x * x).sum(dim=-1) + EPS)


def weights(td):
    obs = clean(td)
    n = td["n_agents"]

    pos = obs[..., POS]            # [B, n, 2]
    vel = obs[..., VEL]
    to_big = obs[..., TO_BIG]      # pos - big passage
    to_small = obs[..., TO_SMALL]  # pos - small passage

    y = pos[..., 1]                                            # [B, n]
    joint_y = y.mean(dim=1, keepdim=True)                      # [B, 1]
    pre = torch.sigmoid(-(joint_y - 0.05) / 0.05)              # [B, 1], ~1 before crossing

    # --- Pairing of agents with openings (agent0->big/agent1->small vs. the swap) ---
    dxb = torch.abs(to_big[..., 0])                            # [B, n]
    dxs = torch.abs(to_small[..., 0])
    cost_a = dxb[:, 0:1] + dxs[:, 1:2]
    cost_b = dxs[:, 0:1] + dxb[:, 1:2]
    p_a = torch.sigmoid((cost_b - cost_a) / PAIR_TEMP)         # [B, 1]

    off0 = p_a * dxb[:, 0:1] + (1.0 - p_a) * dxs[:, 0:1]
    off1 = p_a * dxs[:, 1:2] + (1.0 - p_a) * dxb[:, 1:2]
    off = torch.cat([off0, off1], dim=1)                       # [B, 2]
    if n > 2:
        off = torch.cat([off, torch.minimum(dxb, dxs)[:, 2:]], dim=1)
    miss = torch.tanh(off / ALIGN_SCALE)                       # [B, n] in [0, 1)

    # --- Joint orientation vs. the orientation the paired openings require ---
    axis = pos[:, 1, :] - pos[:, 0, :]                         # [B, 2]
    target_a = to_big[:, 0, :] - to_small[:, 0, :]             # small - big (pairing a)
    cos_a = (axis * target_a).sum(dim=-1, keepdim=True) / (
        torch.sqrt((axis * axis).sum(dim=-1, keepdim=True) + EPS)
        * torch.sqrt((target_a * target_a).sum(dim=-1, keepdim=True) + EPS)
    )
    cos_a = torch.clamp(cos_a, -1.0, 1.0)
    rot_mis = p_a * (1.0 - cos_a) * 0.5 + (1.0 - p_a) * (1.0 + cos_a) * 0.5   # [B, 1]
    near_joint = torch.exp(-torch.abs(joint_y).clamp(max=20.0) / JOINT_WALL_SCALE)
    rot_need = near_joint * rot_mis                            # [B, 1]

    # --- Per-agent bottleneck terms ---
    near_wall = torch.exp(-torch.abs(y).clamp(max=20.0) / WALL_SCALE)   # [B, n]
    toward = torch.sigmoid(4.0 * torch.clamp(vel[..., 1], -5.0, 5.0)) * (y < 0.0).to(obs.dtype)

    steer = near_wall * (0.4 + miss) * (1.0 + APPROACH_GAIN * toward)
    rotate = rot_need * (0.3 + miss)

    raw = 1.0 + pre * (BOTTLENECK_GAIN * steer + ROT_GAIN * rotate)     # >= 1

    share = raw / (raw.sum(dim=1, keepdim=True) + EPS) * n      # mean 1
    w = FLOOR + (1.0 - FLOOR) * share
    w = torch.clamp(w, FLOOR, W_MAX)
    return torch.nan_to_num(w, nan=1.0, posinf=W_MAX, neginf=FLOOR)


def bias(td):
    obs = clean(td)
    pos = obs[..., POS]                                       # [B, n, 2]
    to_goal = obs[..., TO_GOAL]
    to_big = obs[..., TO_BIG]
    to_small = obs[..., TO_SMALL]

    joint = pos.mean(dim=1)                                   # [B, 2]
    goal = (pos - to_goal).mean(dim=1)                        # [B, 2]
    big = (pos - to_big).mean(dim=1)
    small = (pos - to_small).mean(dim=1)
    centre = 0.5 * (big + small)

    joint_y = pos[..., 1].mean(dim=1, keepdim=True)
    pre = torch.sigmoid(-joint_y / 0.03)                      # [B, 1]

    d_jc = norm2(joint - centre).unsqueeze(-1)                # [B, 1]
    d_cg = norm2(centre - goal).unsqueeze(-1)
    d_jg = norm2(joint - goal).unsqueeze(-1)
    path = pre * (d_jc + d_cg) + (1.0 - pre) * d_jg

    # Remaining rotation: line-angle distance between the joint axis and the openings' line
    axis = pos[:, 1, :] - pos[:, 0, :]
    line = big - small
    cross = axis[:, 0:1] * line[:, 1:2] - axis[:, 1:2] * line[:, 0:1]
    s = torch.abs(cross) / (norm2(axis).unsqueeze(-1) * norm2(line).unsqueeze(-1) + EPS)
    s = torch.clamp(s, 0.0, 1.0)
    rot = s + (0.5 * math.pi - 1.0) * s.pow(3)                # ~asin(s), in [0, pi/2]

    b = VALUE_SCALE * (path + ROT_COEF * rot)
    b = torch.clamp(b, 0.0, BIAS_MAX)
    return torch.nan_to_num(b, nan=0.0, posinf=BIAS_MAX, neginf=0.0)
