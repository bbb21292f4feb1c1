"""Training-free credit assignment function for vmas/joint_passage.

task: vmas/joint_passage
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/vmas_joint_passage/answers)
prompt-sha256: d2b67bfd0608eb6cf2c1ccf48fe56fd96278d877e00c6f9850803af09d07ec15
igm: enforce
input: observation [B, n_agents, 10]

Chosen candidate r3c1 (round 3 of 3); validated on 256 sampled states; gamma 0.99.

Per-agent coordination credit + discount-aware value bias for vmas/joint_passage
(refined incumbent r2c2).

Weights. Both agents hold one rigid package; credit rises for an agent in proportion to how
much it must act *in concert* with its teammate right now:
  * relative motion of the pair (|v_1 - v_0|): rotating the package or pulling against the
    joint, each agent's action only pays off if matched by the other;
  * rotation need (line vs vertical before the gap, vs the goal angle after it);
  * gap entry: before the joint crosses y = 0, the agent nearer the gap leads the package
    through it (larger share), the follower must track it;
  * goal docking: after crossing, fine joint placement near the goal (shared);
  * collision coupling: an agent near the passage wall row but laterally off the gap centre
    (scaled by the joint length) drags the whole package into the wall.
raw_i = floor + terms; w = 2*raw/(1.2 + mean raw): ~0.67 each for an uncoupled pair, up to
~1.4 for a tightly coupled one, bounded by [0.05, 3]; uniform when no term is active.

Bias. The reward is potential-based shaping (factor 1) of the joint position (distance to the
gap before crossing, to the goal after) and of the line angle (to vertical before, to the goal
angle after, radians), plus small collision penalties. Removing a remaining potential P at a
steady rate r per step yields the discounted return r/(1-gamma) * (1 - gamma^(P/r)): ~P for
short remaining paths, saturating for long ones. Translation and rotation parts are valued
separately, an expected wall-collision cost is subtracted, and the result is clamped to [-1, 6].
"""

import torch
import math
import torch.nn.functional as F

EPS = 1e-6
GAMMA = 0.99
JOINT_LENGTH = 0.5
PHASE_TEMP = 0.05
# weights
FLOOR = 0.6
REL_VEL_SCALE = 0.3
ENTRY_SCALE = JOINT_LENGTH
ENTRY_TEMP = 0.1
DOCK_SCALE = 0.6 * JOINT_LENGTH
ROW_SCALE = 0.25 * JOINT_LENGTH
OFF_SCALE = 0.25 * JOINT_LENGTH
W_REL = 0.4
W_ROT = 0.4
W_ENTRY = 0.5
W_DOCK = 0.3
W_RISK = 0.8
NORM_OFFSET = 1.2
W_MIN = 0.05
W_MAX = 3.0
# bias
POS_SHAPING = 1.0
ROT_SHAPING = 1.0
POS_RATE = 0.025          # joint distance covered per step by a competent policy
ROT_RATE = 0.05           # radians of line rotation per step
COLLISION_REWARD = -0.06
COLLISION_STEPS = 3.0
BIAS_LO = -1.0
BIAS_HI = 6.0


def parse(td):
    obs = torch.nan_to_num(td["observation"].float(), nan=0.0, posinf=0.0, neginf=0.0)
    pos = obs[..., 0:2]                                             # [B,n,2]
    vel = obs[..., 2:4]
    goal = (pos - obs[..., 4:6]).mean(dim=1, keepdim=True)          # [B,1,2]
    rel_pass = obs[..., 6:8]                                        # agent - passage
    passage = (pos - rel_pass).mean(dim=1, keepdim=True)            # [B,1,2]
    goal_rot = F.normalize(obs[..., 8:10].mean(dim=1), dim=-1, eps=EPS)  # [B,2]
    joint = pos.mean(dim=1, keepdim=True)                           # [B,1,2]
    passed = torch.sigmoid((joint[..., 1] / PHASE_TEMP).clamp(-50.0, 50.0))  # [B,1]
    return pos, vel, goal, rel_pass, passage, goal_rot, joint, passed


def line_dir(pos, n):
    if n >= 2:
        line = pos[:, 1, :] - pos[:, 0, :]
    else:
        line = torch.zeros_like(pos[:, 0, :])
    return F.normalize(line, dim=-1, eps=EPS)                       # [B,2]


def line_angle(c_abs, s_abs):
    # monotone approximation of the 0..pi/2 angle from |cos|, |sin| (exact at 0, pi/4, pi/2)
    c_abs = c_abs.clamp(0.0, 1.0)
    s_abs = s_abs.clamp(0.0, 1.0)
    ratio = (c_abs - s_abs) / (c_abs + s_abs + EPS)
    return (math.pi / 4.0) * (1.0 - ratio).clamp(0.0, 2.0)


def rotation_errors(u, goal_rot):
    a_mid = line_angle(torch.abs(u[:, 1:2]), torch.abs(u[:, 0:1]))
    c_goal = torch.abs((u * goal_rot).sum(dim=-1, keepdim=True))
    s_goal = torch.abs(u[:, 0:1] * goal_rot[:, 1:2] - u[:, 1:2] * goal_rot[:, 0:1])
    a_goal = line_angle(c_goal, s_goal)
    a_mid_goal = line_angle(torch.abs(goal_rot[:, 1:2]), torch.abs(goal_rot[:, 0:1]))
    return a_mid, a_goal, a_mid_goal                                # [B,1] radians


def wall_risk(rel_pass):
    ady = torch.abs(rel_pass[..., 1])
    adx = torch.abs(rel_pass[..., 0])
    return torch.exp(-(ady / ROW_SCALE).clamp(0.0, 30.0)) * torch.tanh(adx / OFF_SCALE)  # [B,n]


def discounted(potential, rate):
    # r/(1-g) * (1 - g^(P/r)), P >= 0
    p = potential.clamp_min(0.0)
    log_g = math.log(GAMMA)
    return (rate / (1.0 - GAMMA)) * (1.0 - torch.exp((p * (log_g / rate)).clamp(-50.0, 0.0)))


def weights(td):
    n = td["n_agents"]
    pos, vel, goal, rel_pass, passage, goal_rot, joint, passed = parse(td)

    # shared terms [B,1]
    if n >= 2:
        dv = vel[:, 1, :] - vel[:, 0, :]
    else:
        dv = torch.zeros_like(pos[:, 0, :])
    rel_motion = torch.tanh(torch.linalg.vector_norm(dv, dim=-1, keepdim=True) / REL_VEL_SCALE)

    u = line_dir(pos, n)
    a_mid, a_goal, a_mid_goal = rotation_errors(u, goal_rot)
    rot_err = (1.0 - passed) * a_mid + passed * a_goal
    rot_need = (rot_err / (math.pi / 2.0)).clamp(0.0, 1.0)

    d_jg = torch.linalg.vector_norm(joint[:, 0, :] - goal[:, 0, :], dim=-1, keepdim=True)
    dock = passed * torch.exp(-(d_jg / DOCK_SCALE).clamp(0.0, 30.0))

    # per-agent gap entry (before crossing): leader = agent nearer the gap centre
    d_gap = torch.linalg.vector_norm(rel_pass, dim=-1)              # [B,n]
    near_gap = torch.exp(-(d_gap / ENTRY_SCALE).clamp(0.0, 30.0))
    lead = torch.softmax((-d_gap / ENTRY_TEMP).clamp(-1e3, 1e3), dim=1) * n
    entry = (1.0 - passed) * near_gap * lead                        # [B,n]

    # per-agent collision coupling
    risk = wall_risk(rel_pass)                                      # [B,n]

    raw = FLOOR + W_REL * rel_motion + W_ROT * rot_need + W_DOCK * dock \
        + W_ENTRY * entry + W_RISK * risk
    w = 2.0 * raw / (NORM_OFFSET + raw.mean(dim=1, keepdim=True))
    w = torch.nan_to_num(w, nan=1.0, posinf=W_MAX, neginf=W_MIN)
    return w.clamp(W_MIN, W_MAX)


def bias(td):
    n = td["n_agents"]
    pos, vel, goal, rel_pass, passage, goal_rot, joint, passed = parse(td)
    j = joint[:, 0, :]
    g = goal[:, 0, :]
    p = passage[:, 0, :]

    d_jp = torch.linalg.vector_norm(j - p, dim=-1, keepdim=True)
    d_pg = torch.linalg.vector_norm(p - g, dim=-1, keepdim=True)
    d_jg = torch.linalg.vector_norm(j - g, dim=-1, keepdim=True)
    rem_pos = (1.0 - passed) * (d_jp + d_pg) + passed * d_jg

    u = line_dir(pos, n)
    a_mid, a_goal, a_mid_goal = rotation_errors(u, goal_rot)
    rem_rot = (1.0 - passed) * (a_mid + a_mid_goal) + passed * a_goal

    value = discounted(POS_SHAPING * rem_pos, POS_RATE * POS_SHAPING) \
        + discounted(ROT_SHAPING * rem_rot, ROT_RATE * ROT_SHAPING)

    risk = wall_risk(rel_pass).sum(dim=1, keepdim=True)
    value = value + COLLISION_REWARD * COLLISION_STEPS * risk

    value = torch.nan_to_num(value, nan=0.0, posinf=BIAS_HI, neginf=BIAS_LO)
    return value.clamp(BIAS_LO, BIAS_HI)
