"""Training-free credit assignment function for vmas/multi_give_way.

task: vmas/multi_give_way
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/vmas_multi_give_way/answers)
prompt-sha256: 5d0bf3becb22e0525d3d6652c5459ecba850f897125a8a4e5251cb598beddd07
igm: enforce
input: observation [B, n_agents, 7]

Chosen candidate r3c1 (round 3 of 3); validated on 256 sampled states; gamma 0.99.

TFCAF for vmas/multi_give_way -- candidate r3c1: blocking-based coordination
(arms + central crossing).

Observation per agent: [pos(2), vel(2), pos - goal(2), |pos - goal|(1)].
The map is a cross of four dead-end, single-lane arms (width 0.4, agent
diameter 0.32: agents cannot pass each other inside an arm) joined by a
one-slot central crossing. Each agent's goal lies deep in the arm where another
agent starts, so the agents form a cycle of dependencies.

Credit idea: weight agents by how strongly they are entangled with others.
  * Arm blocking: agent i blocks agent j when i sits in the arm that holds j's
    goal (goal direction and arm membership read from pos and pos - goal) and
    j is not on its goal yet.
  * Crossing blocking (new): an agent occupying the central crossing
    (|pos| < ~0.35) blocks every other agent that still has to cross the
    centre (pos . goal_dir < 0.25), more strongly the closer that agent is
    queued to the centre.
  * The blocker's actions (vacate / park / pass through) matter most; the
    waiter's (hold back, give way) matter too.
  * Contact risk: bodies that are close and closing in on each other.
Load = blocker + 0.5 * waiter + contact risk (bounded); raw weight =
1 + gain * load, so agents with no interaction get uniform VDN credit.
Weights are renormalised to mean 1 per state and clamped to [0.1, 10].

Bias: shaping telescopes, so the discounted return is roughly the total
remaining distance to the goals: b(s) = 0.7 * sum_i d_i, bounded.
"""

import torch
import math
import torch.nn.functional as F

POS = slice(0, 2)
VEL = slice(2, 4)
REL = slice(4, 6)

AGENT_RADIUS = 0.16
GOAL_RADIUS = 0.08

ARM_START = 0.25        # along-arm coordinate where an arm begins (past centre)
ARM_SOFT = 0.05
ARM_HALF_WIDTH = 0.15   # lateral offset still counted as inside the arm
NEED_SOFT = 0.03

CROSS_MARGIN = 0.25     # along-goal-arm coordinate beyond which crossing is done
CROSS_SOFT = 0.08
CENTER_RADIUS = 0.35    # |pos| below which an agent occupies the crossing
CENTER_SOFT = 0.05
QUEUE_SCALE = 1.0       # how far up an arm a waiting agent still "queues"
CENTER_BLOCK_GAIN = 1.0

GAP_SCALE = 0.3
CLOSING_SHARP = 5.0

BLOCKER_GAIN = 1.0
WAITER_GAIN = 0.5
CONTACT_GAIN = 1.0
LOAD_MAX = 2.0
COORD_GAIN = 1.5

W_MIN = 0.1
W_MAX = 10.0

BIAS_COEF = 0.7
BIAS_MAX = 20.0
EPS = 1e-6


def clean_obs(td):
    obs = td["observation"]
    obs = torch.nan_to_num(obs, nan=0.0, posinf=10.0, neginf=-10.0)
    return torch.clamp(obs, -50.0, 50.0)


def off_diag(n_agents, ref):
    idx = torch.arange(n_agents, dtype=ref.dtype, device=ref.device)
    eye = (idx.unsqueeze(0) == idx.unsqueeze(1)).to(ref.dtype)
    return (1.0 - eye).unsqueeze(0)                       # [1, n, n]


def weights(td):
    obs = clean_obs(td)                                   # [B, n, 7]
    n_agents = td["n_agents"]

    pos = obs[..., POS]
    vel = obs[..., VEL]
    rel = obs[..., REL]
    mask = off_diag(n_agents, pos)
    d = torch.linalg.vector_norm(rel, dim=-1)             # [B, n]

    goal = pos - rel                                      # [B, n, 2]
    goal_dir = goal / (torch.linalg.vector_norm(goal, dim=-1, keepdim=True) + EPS)
    need = torch.sigmoid((d - 1.5 * GOAL_RADIUS) / NEED_SOFT)       # not done

    # --- arm blocking: agent i inside the arm that holds agent j's goal -----
    # along[b, i, j] = pos_i . dir_j
    along = torch.einsum("bik,bjk->bij", pos, goal_dir)
    lateral_vec = pos.unsqueeze(2) - along.unsqueeze(-1) * goal_dir.unsqueeze(1)
    lateral = torch.linalg.vector_norm(lateral_vec, dim=-1)          # [B, n, n]
    in_arm = torch.sigmoid((along - ARM_START) / ARM_SOFT) * torch.sigmoid(
        (ARM_HALF_WIDTH - lateral) / ARM_SOFT
    )
    arm_block = in_arm * need.unsqueeze(1)                           # [B, i, j]

    # --- crossing blocking: occupant i blocks j that still has to cross -----
    own_along = (pos * goal_dir).sum(dim=-1)                         # [B, n]
    must_cross = torch.sigmoid((CROSS_MARGIN - own_along) / CROSS_SOFT)
    r_center = torch.linalg.vector_norm(pos, dim=-1)                 # [B, n]
    occupy = torch.sigmoid((CENTER_RADIUS - r_center) / CENTER_SOFT)
    queued = must_cross * torch.exp(-(r_center / QUEUE_SCALE).clamp(max=30.0))
    center_block = occupy.unsqueeze(2) * queued.unsqueeze(1)         # [B, i, j]

    block = (arm_block + CENTER_BLOCK_GAIN * center_block) * mask
    blocker_load = block.sum(dim=-1)                      # i blocks others
    waiter_load = block.sum(dim=-2)                       # j is blocked

    # --- contact risk: close bodies closing in on each other ----------------
    diff = pos.unsqueeze(2) - pos.unsqueeze(1)            # p_i - p_j
    dist = torch.linalg.vector_norm(diff, dim=-1)
    gap = (dist - 2.0 * AGENT_RADIUS).clamp_min(0.0)
    prox = torch.exp(-(gap / GAP_SCALE).clamp(max=30.0))
    dvel = vel.unsqueeze(2) - vel.unsqueeze(1)
    closing = -(diff * dvel).sum(dim=-1) / (dist + 1e-3)
    closing_f = 0.5 + torch.sigmoid(CLOSING_SHARP * closing.clamp(-5.0, 5.0))
    contact_load = (prox * closing_f * mask).sum(dim=-1)  # [B, n]

    load = (
        BLOCKER_GAIN * blocker_load
        + WAITER_GAIN * waiter_load
        + CONTACT_GAIN * contact_load
    ).clamp(min=0.0, max=LOAD_MAX)

    raw = 1.0 + COORD_GAIN * load                         # in [1, 4]
    w = raw * float(n_agents) / (raw.sum(dim=-1, keepdim=True) + EPS)
    w = torch.clamp(w, W_MIN, W_MAX)
    return torch.nan_to_num(w, nan=1.0, posinf=W_MAX, neginf=W_MIN)


def bias(td):
    obs = clean_obs(td)
    d = torch.linalg.vector_norm(obs[..., REL], dim=-1).clamp(max=6.0)
    remaining = d.sum(dim=-1, keepdim=True)               # [B, 1]
    b = torch.clamp(BIAS_COEF * remaining, 0.0, BIAS_MAX)
    return torch.nan_to_num(b, nan=0.0, posinf=BIAS_MAX, neginf=0.0)
