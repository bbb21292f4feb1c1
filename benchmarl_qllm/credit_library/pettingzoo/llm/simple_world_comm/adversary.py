"""Training-free credit assignment function for pettingzoo/simple_world_comm/adversary.

task: pettingzoo/simple_world_comm/adversary
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/pettingzoo_simple_world_comm_adversary/answers)
prompt-sha256: f14d479f01cc03699fb22cebd96a1d18be491c6bacd6c2287660881ce8eacb9d
igm: enforce
input: state [B, 192]

Chosen candidate r2c1 (round 2 of 3, stopped after round 2: the evaluator accepted it); validated on 256 sampled states; gamma 0.99.

TFCAF for pettingzoo/simple_world_comm, group `adversary`
(influence on this step's reward, refined: r2c1).

State layout (192 = 4 x 34 + 2 x 28): observations of leadadversary_0,
adversary_0..2, agent_0, agent_1 concatenated; each starts with
[p_vel (2), p_pos (2)], so absolute positions/velocities are read there.
Forest centres: leader block offset 10:12 / 12:14 are forest positions
relative to the leader (landmarks order: rock, food0, food1, forest0, forest1).

Team reward r_team = mean_i(-0.1 * min_g |p_i - p_g|) + 5 * (#adversary/prey
collision pairs, any adversary incl. the leader). What one adversary's action
can change in the next few steps, in reward units:
  * shaping term: ~0.1 * 0.1 / 3 per step, the same for everyone (floor);
  * catch term (+5 per pair): large when a prey is within 1-2 steps of
    contact (gap to the 0.12 collision radius, now or predicted from both
    velocities), or already touched (the action keeps the contact);
  * pursuit term (new): an adversary actively closing in on a prey from
    0.3-0.6 away (positive closing speed along the adversary->prey line)
    is setting up the next catch, so it gets a medium share of the catch
    value, decaying with distance;
  * visibility (new): a prey hidden in a forest the adversary is not in is
    invisible in its observation (other_pos zeroed), so that prey's catch and
    pursuit influence is halved for that adversary (leader comm keeps some).
Influence is compressed with log1p, normalised to mean 1 over the 3
adversaries and clamped to [0.1, 3]. Bias: bounded estimate of the present
reward level (shaping + soft contacts of all 4 adversaries).
"""

import torch
import math
import torch.nn.functional as F

LEAD_OFF = 0
ADV_OFF = (34, 68, 102)
GOOD_OFF = (136, 164)
FOREST_REL = (10, 12)       # forest rel. positions inside the leader block
COLL_DIST = 0.12            # adversary size 0.075 + prey size 0.045
ADV_FOREST_R = 0.375        # adversary 0.075 + forest 0.3
PREY_FOREST_R = 0.345       # prey 0.045 + forest 0.3
FOREST_SOFT = 0.02
DT = 0.1
STEP_REACH = 0.1            # max speed 1.0 * dt
REACH_SCALE = 0.15          # ~1.5 steps of reach for the catch kernel
PURSUIT_SCALE = 0.5         # distance decay of the pursuit term
PURSUIT_GAIN = 0.3          # share of the catch value for a closing pursuer
MAX_CLOSING = 2.3           # adversary 1.0 + prey 1.3
CATCH_REWARD = 5.0
SHAPE_INFL = 0.1 * STEP_REACH / 3.0
INFL_SCALE = 0.5
HIDDEN_FACTOR = 0.5
W_MIN = 0.1
W_MAX = 3.0


def pos_of(state, off):
    return state[:, off + 2:off + 4]


def vel_of(state, off):
    return state[:, off:off + 2]


def pair_dist(a, g):
    diff = a.unsqueeze(2) - g.unsqueeze(1)
    return torch.sqrt((diff * diff).sum(dim=-1) + 1e-12)


def clean_state(td):
    state = torch.nan_to_num(td["state"], nan=0.0, posinf=10.0, neginf=-10.0)
    return torch.clamp(state, -20.0, 20.0)


def catch_gap(adv_pos, adv_vel, good_pos, good_vel):
    d0 = pair_dist(adv_pos, good_pos)
    d1 = pair_dist(adv_pos + DT * adv_vel, good_pos + DT * good_vel)
    d2 = pair_dist(adv_pos + 2.0 * DT * adv_vel, good_pos + 2.0 * DT * good_vel)
    d_eff = torch.minimum(d0, torch.minimum(d1, d2))
    return d0, (d_eff - COLL_DIST).clamp_min(0.0)             # [B, Na, 2]


def visibility(state, adv_pos, good_pos):
    # soft "adversary i can see prey g" following the observation rule
    lead_pos = pos_of(state, LEAD_OFF)
    forests = torch.stack(
        [lead_pos + state[:, LEAD_OFF + o:LEAD_OFF + o + 2] for o in FOREST_REL],
        dim=1)                                                 # [B, 2, 2]
    in_a = torch.sigmoid((ADV_FOREST_R - pair_dist(adv_pos, forests)) / FOREST_SOFT)
    in_g = torch.sigmoid((PREY_FOREST_R - pair_dist(good_pos, forests)) / FOREST_SOFT)
    # in_a: [B, 3, F], in_g: [B, 2, F]
    both = in_a.unsqueeze(2) * in_g.unsqueeze(1)               # [B, 3, 2, F]
    share = 1.0 - torch.prod(1.0 - both, dim=-1)               # [B, 3, 2]
    any_a = 1.0 - torch.prod(1.0 - in_a, dim=-1)               # [B, 3]
    any_g = 1.0 - torch.prod(1.0 - in_g, dim=-1)               # [B, 2]
    neither = (1.0 - any_a).unsqueeze(2) * (1.0 - any_g).unsqueeze(1)
    return torch.clamp(share + neither, 0.0, 1.0)              # [B, 3, 2]


def weights(td):
    state = clean_state(td)
    n_agents = td["n_agents"]
    B = state.shape[0]
    if n_agents != 3:
        return state.new_ones((B, n_agents))

    adv_pos = torch.stack([pos_of(state, o) for o in ADV_OFF], dim=1)
    adv_vel = torch.stack([vel_of(state, o) for o in ADV_OFF], dim=1)
    good_pos = torch.stack([pos_of(state, o) for o in GOOD_OFF], dim=1)
    good_vel = torch.stack([vel_of(state, o) for o in GOOD_OFF], dim=1)

    d0, gap = catch_gap(adv_pos, adv_vel, good_pos, good_vel)  # [B, 3, 2]

    # immediate catch influence
    reach = torch.exp(-gap / REACH_SCALE)                      # (0, 1]

    # pursuit: closing speed along adversary -> prey direction
    rel = good_pos.unsqueeze(1) - adv_pos.unsqueeze(2)         # [B, 3, 2, 2]
    unit = rel / (d0.unsqueeze(-1) + 1e-6)
    rel_vel = adv_vel.unsqueeze(2) - good_vel.unsqueeze(1)     # [B, 3, 2, 2]
    closing = (rel_vel * unit).sum(dim=-1)                     # >0: approaching
    closing = torch.clamp(closing / MAX_CLOSING, 0.0, 1.0)
    gap_now = (d0 - COLL_DIST).clamp_min(0.0)
    pursuit = closing * torch.exp(-gap_now / PURSUIT_SCALE)    # [0, 1]

    vis = visibility(state, adv_pos, good_pos)                 # [B, 3, 2]
    vis_factor = HIDDEN_FACTOR + (1.0 - HIDDEN_FACTOR) * vis

    per_prey = torch.maximum(reach, PURSUIT_GAIN * pursuit + 0.5 * reach)
    catch_infl = CATCH_REWARD * (per_prey * vis_factor).sum(dim=-1)   # <= 10

    infl = SHAPE_INFL + catch_infl
    raw = 0.3 + torch.log1p(infl / INFL_SCALE)
    w = raw * n_agents / (raw.sum(dim=1, keepdim=True) + 1e-6)
    w = torch.clamp(w, W_MIN, W_MAX)
    w = torch.nan_to_num(w, nan=1.0, posinf=W_MAX, neginf=W_MIN)
    return w


def bias(td):
    state = clean_state(td)
    n_agents = td["n_agents"]
    B = state.shape[0]
    if n_agents != 3:
        return state.new_zeros((B, 1))

    adv_pos = torch.stack([pos_of(state, o) for o in ADV_OFF], dim=1)
    good_pos = torch.stack([pos_of(state, o) for o in GOOD_OFF], dim=1)
    lead_pos = pos_of(state, LEAD_OFF).unsqueeze(1)

    d_team = pair_dist(adv_pos, good_pos)
    shaping = -0.1 * d_team.amin(dim=-1).mean(dim=1, keepdim=True)   # [B, 1]

    all_adv = torch.cat([lead_pos, adv_pos], dim=1)                  # [B, 4, 2]
    d_all = pair_dist(all_adv, good_pos)                             # [B, 4, 2]
    soft_contact = torch.sigmoid((COLL_DIST - d_all) / 0.03)
    contacts = soft_contact.sum(dim=2).sum(dim=1, keepdim=True)      # [0, 8]

    b = 5.0 * shaping + 2.0 * contacts
    b = torch.clamp(b, -5.0, 20.0)
    b = torch.nan_to_num(b, nan=0.0, posinf=20.0, neginf=-5.0)
    return b
