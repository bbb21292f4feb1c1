"""Training-free credit assignment function for pettingzoo/simple_world_comm/leadadversary.

task: pettingzoo/simple_world_comm/leadadversary
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/pettingzoo_simple_world_comm_leadadversary/answers)
prompt-sha256: 299997f6c001d543815b4527c909d863bf06864048a7d4b992e6c962c034d80d
igm: enforce
input: state [B, 192]

Chosen candidate r1c2 (round 1 of 3, stopped after round 1: the evaluator accepted it); validated on 256 sampled states; gamma 0.99.

Influence-on-this-step's-reward credit for the lead adversary (simple_world_comm).

State layout (concatenated observations, leader first; its 34-d block sees all):
  0:2 leader vel, 2:4 leader pos, 4:14 landmarks/food/forests (rel),
  14:20 adversary_0..2 positions (rel to leader), 20:24 prey positions (rel),
  24:28 prey velocities, 28:30 leader in-forest, 30:34 comm.
Prey in-forest flags: state[:, 160:162] (agent_0), state[:, 188:190] (agent_1).

Leader reward per step: -0.1 * min_prey_distance + 5 per (prey, adversary) collision
(collision when distance < 0.12).  What the leader's action (move x comm, 20 actions)
can change in the next few steps:
  * the shaping term (always, small)          -> floor
  * its own collision with a prey: only if the prey is within a few steps of
    reach (max speed 1.0, dt 0.1 -> ~0.1 per step), accounting for the current
    relative velocity                           -> main term
  * followers' collisions, through its broadcast and by body-pushing the prey:
    only when some follower is near a prey    -> secondary term
  * when prey hide in forests, followers are blind; the leader's message is
    what lets them strike                      -> small boost when followers are close
Weight = floor + these reach-gated terms, bounded in [0.1, 3].
The bias is a bounded estimate of the near-term reward level of the state.
"""

import torch
import torch.nn.functional as F

FLOOR = 0.6
CATCH_DIST = 0.12      # 0.075 (adversary) + 0.045 (prey)
STEP_REACH = 0.1       # leader's max displacement per step
HORIZON = 3.0          # steps the action can still matter within
SELF_GAIN = 2.0
FOLLOW_GAIN = 0.6
HIDE_GAIN = 0.4
W_MAX = 3.0


def norm2(x):
    return torch.sqrt(x.pow(2).sum(dim=-1) + 1e-8)


def parse(state):
    B = state.shape[0]
    v_lead = state[:, 0:2]
    adv_rel = state[:, 14:20].reshape(B, 3, 2)
    good_rel = state[:, 20:24].reshape(B, 2, 2)
    good_vel = state[:, 24:28].reshape(B, 2, 2)
    return v_lead, adv_rel, good_rel, good_vel


def weights(td):
    state = td["state"]
    n = td["n_agents"]
    B = state.shape[0]
    v_lead, adv_rel, good_rel, good_vel = parse(state)

    # own capture reachability: gap to collision, corrected by closing speed
    d_lead = norm2(good_rel)                                       # [B,2]
    v_rel = v_lead.unsqueeze(1) - good_vel                         # [B,2,2]
    closing = (v_rel * good_rel).sum(dim=-1) / (d_lead + 1e-6)     # [B,2] (>0 approaching)
    gap = torch.clamp_min(d_lead - CATCH_DIST, 0.0)
    gap_eff = torch.clamp_min(gap - 0.1 * HORIZON * closing, 0.0)
    reach = STEP_REACH * HORIZON
    self_inf = torch.exp(-gap_eff / reach).amax(dim=1, keepdim=True)   # [B,1] in (0,1]
    self_term = SELF_GAIN * self_inf

    # followers' captures the leader can steer (comm) or assist (pushing prey)
    diff = good_rel.unsqueeze(1) - adv_rel.unsqueeze(2)            # [B,3,2,2]
    d_fp = norm2(diff)                                             # [B,3,2]
    gap_f = torch.clamp_min(d_fp - CATCH_DIST, 0.0).reshape(B, 6)
    follow_inf = torch.exp(-gap_f / (2.0 * reach)).amax(dim=1, keepdim=True)
    follow_term = FOLLOW_GAIN * follow_inf

    # hidden prey: followers can't see them, so the leader's message decides
    h0 = ((state[:, 160:162] + 1.0) * 0.5).clamp(0.0, 1.0).amax(dim=1, keepdim=True)
    h1 = ((state[:, 188:190] + 1.0) * 0.5).clamp(0.0, 1.0).amax(dim=1, keepdim=True)
    hide_term = HIDE_GAIN * torch.clamp(h0 + h1, 0.0, 1.0) * follow_inf

    w = FLOOR + self_term + follow_term + hide_term
    w = torch.nan_to_num(w, nan=1.0, posinf=W_MAX, neginf=FLOOR)
    w = torch.clamp(w, min=0.1, max=W_MAX)
    return w.expand(B, n)


def bias(td):
    state = td["state"]
    B = state.shape[0]
    v_lead, adv_rel, good_rel, good_vel = parse(state)
    d_lead_min = norm2(good_rel).amin(dim=1, keepdim=True)
    lead_zero = state.new_zeros((B, 1, 2))
    all_adv = torch.cat([lead_zero, adv_rel], dim=1)               # [B,4,2]
    d_pairs = norm2(good_rel.unsqueeze(1) - all_adv.unsqueeze(2)).reshape(B, 8)
    soft_catch = torch.sigmoid((CATCH_DIST + 0.05 - d_pairs) / 0.03).sum(dim=1, keepdim=True)
    b = -1.0 * d_lead_min + 2.0 * soft_catch
    b = torch.nan_to_num(b, nan=0.0, posinf=10.0, neginf=-5.0)
    return torch.clamp(b, min=-5.0, max=10.0)
