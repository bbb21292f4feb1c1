"""Training-free credit assignment function for smacv2/zerg_5_vs_5.

task: smacv2/zerg_5_vs_5
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/smacv2_zerg_5_vs_5/answers)
prompt-sha256: d5c9e71e38f0685e24e221198951282228f1bbd1ccb1975492373ca3aabc04d6
igm: enforce
input: state [B, 120]

Chosen candidate r3c1 (round 3 of 3); validated on 256 sampled states; gamma 0.99.

Reward-influence credit + time-discounted Lanchester value bias (SMACv2 zerg 5v5).

Weights (kept from the incumbent): the step reward is damage dealt + 10 per kill (+200 when
the last enemy dies), so each alive agent is credited by the raw reward it could cause in
the next few steps:
  * zergling / hydralisk: reach(i, j) * (damage per step, capped by the target's remaining
    health, scaled by weapon readiness + bounty * chance to finish the target in ~2 steps),
    best over targets j; reach = exp(-gap / 3 map units), gap = distance outside the agent's
    shoot range;
  * baneling: reach(i, j) * capped splash value around j (35 vs zergling / hydralisk, 16 vs
    baneling, plus bounties for the enemies it would finish);
  * only a share of the +200 win bonus counts as one agent's influence;
  * influence is compressed with log1p(influence / one zergling hit) so hydralisks and
    banelings do not crowd out zerglings;
  * agents out of reach whose last move heads for the nearest enemy get an approach term.
Weights = floor + compressed influence + approach, renormalised to mean 1 over alive agents,
clamped to [0.15, 5]; uniform (VDN) when nobody can act on the reward; dead agents 0.05.

Bias (new): an explicit estimate of the discounted scaled team return.
  * What remains: enemies' remaining health + 10 per alive enemy (+200 for the win), scaled
    by 20 / max_reward (enemy max health from the type one-hots, ~59 per unknown dead one).
  * Who wins: Lanchester square law, p_win = sigmoid(2.5 * log(A / E)) with
    strength = total health x total damage per step.
  * When: steps to close the gap between army centroids + steps to burn the remaining
    enemy (win) or our own (loss) health, discounted by gamma = 0.99.
  * A lost fight still pays 1 - sqrt(1 - A/E) of the enemy force (square law).
  Scaled by 0.8, clamped to [0, 20], and 0 once either side is wiped out.
"""

import torch
import math
import torch.nn.functional as F

N_ENEMIES = 5
ALLY_F = 7
ENEMY_F = 6
N_ACT = 11

UNIT = 1.0 / 30.0  # one map unit in normalised coordinates (about)

# one-hot order: zergling, hydralisk, baneling
RANGE_ZERG = 2.0 * UNIT
RANGE_HYDRA = 5.0 * UNIT
RANGE_BANE = 2.0 * UNIT
HP_ZERG = 35.0
HP_HYDRA = 90.0
HP_BANE = 30.0
HP_UNKNOWN = 59.0
# damage per environment step (8 game loops) used for the per-agent influence
RATE_ZERG = 3.6
RATE_HYDRA = 7.3
RATE_BANE = 0.0
# baneling burst: 16 (+19 vs light: zerglings and hydralisks)
BANE_DMG_LIGHT = 35.0
BANE_DMG_OTHER = 16.0
SPLASH = 2.2 * UNIT
SPLASH_CAP = 80.0

REACH_SCALE = 3.0 * UNIT
APPROACH_SCALE = 8.0 * UNIT
SOFTMIN_TEMP = 1.5 * UNIT
KILL_BOUNTY = 10.0
WIN_BONUS = 200.0
WIN_SHARE = 0.2          # part of the win bonus counted as one agent's influence
INFL_UNIT = 4.0          # about one zergling hit per step
C_APPROACH = 0.5

FLOOR = 0.4
W_MIN = 0.15
W_MAX = 5.0
W_DEAD = 0.05

# value bias (army-level damage per step; baneling splash spread over the fight)
STEP_DMG_ZERG = 3.6
STEP_DMG_HYDRA = 9.0
STEP_DMG_BANE = 8.0
MOVE_PER_STEP = 1.5 * UNIT
ENGAGE_DIST = 4.0 * UNIT
FIGHT_EFFICIENCY = 0.6
GAMMA = 0.99
REWARD_SCALE = 20.0
BIAS_FRACTION = 0.8
BIAS_MAX = 20.0
LANCHESTER_K = 2.5


def split_state(td):
    s = td["state"]
    n = td["n_agents"]
    a_end = ALLY_F * n
    e_end = a_end + ENEMY_F * N_ENEMIES
    allies = s[:, 0:a_end].reshape(-1, n, ALLY_F)
    enemies = s[:, a_end:e_end].reshape(-1, N_ENEMIES, ENEMY_F)
    last = s[:, e_end:e_end + N_ACT * n].reshape(-1, n, N_ACT)
    return s, n, allies, enemies, last


def type_value(t, vz, vh, vb):
    return t[..., 0] * vz + t[..., 1] * vh + t[..., 2] * vb


def pair_diff(p, q):
    return q.unsqueeze(1) - p.unsqueeze(2)


def pair_dist(p, q):
    diff = pair_diff(p, q)
    return torch.sqrt((diff * diff).sum(dim=-1) + 1e-8)


def weights(td):
    s, n, allies, enemies, last = split_state(td)

    a_h = allies[..., 0]
    a_alive = (a_h > 0).to(s.dtype)                      # [B, n]
    a_cd = torch.clamp(allies[..., 1], 0.0, 1.0)
    a_pos = allies[..., 2:4]
    a_type = allies[..., 4:7]
    is_bane = a_type[..., 2]

    e_h = enemies[..., 0]
    e_alive = (e_h > 0).to(s.dtype)                      # [B, ne]
    e_pos = enemies[..., 1:3]
    e_type = enemies[..., 3:6]
    e_hp = e_h * type_value(e_type, HP_ZERG, HP_HYDRA, HP_BANE)  # absolute health, 0 if dead

    n_e_alive = e_alive.sum(dim=1, keepdim=True)
    any_enemy = (n_e_alive > 0).to(s.dtype)
    last_one = (n_e_alive == 1).to(s.dtype)
    bounty = KILL_BOUNTY + WIN_SHARE * WIN_BONUS * last_one          # [B, 1]

    # reach of each ally to each enemy within the next few steps
    diff = pair_diff(a_pos, e_pos)                       # [B, n, ne, 2] ally -> enemy
    dist = torch.sqrt((diff * diff).sum(dim=-1) + 1e-8)  # [B, n, ne]
    rng = type_value(a_type, RANGE_ZERG, RANGE_HYDRA, RANGE_BANE)
    gap = torch.clamp_min(dist - rng.unsqueeze(-1), 0.0)
    reach = torch.exp(-gap / REACH_SCALE) * e_alive.unsqueeze(1)

    # regular attackers: damage + chance to finish the target
    rate = type_value(a_type, RATE_ZERG, RATE_HYDRA, RATE_BANE)     # [B, n]
    ready = 0.5 + 0.5 * (1.0 - a_cd)
    dmg = torch.minimum((rate * ready).unsqueeze(-1), e_hp.unsqueeze(1))  # [B, n, ne]
    kill = torch.exp(-e_hp.unsqueeze(1) / (2.0 * rate.unsqueeze(-1) + 1e-3))
    kill = kill * e_alive.unsqueeze(1)
    att_val = reach * (dmg + bounty.unsqueeze(-1) * kill)
    att_infl = att_val.amax(dim=-1)                                 # [B, n]

    # banelings: splash value around each possible target (capped)
    e_light = e_type[..., 0] + e_type[..., 1]
    burst = BANE_DMG_OTHER + (BANE_DMG_LIGHT - BANE_DMG_OTHER) * e_light  # [B, ne]
    hit = torch.minimum(burst, e_hp)
    fin = torch.sigmoid((burst - e_hp) / 3.0) * e_alive
    per_enemy = (hit + KILL_BOUNTY * fin) * e_alive                 # [B, ne]
    dee = pair_dist(e_pos, e_pos)                                   # [B, ne, ne]
    splash_w = torch.exp(-(dee / SPLASH).pow(2)) * e_alive.unsqueeze(1)
    splash_val = (splash_w * per_enemy.unsqueeze(1)).sum(dim=-1)    # [B, ne]
    splash_val = splash_val + WIN_SHARE * WIN_BONUS * last_one * fin
    splash_val = torch.clamp(splash_val, 0.0, SPLASH_CAP)
    bane_infl = (reach * splash_val.unsqueeze(1)).amax(dim=-1)      # [B, n]

    infl = ((1.0 - is_bane) * att_infl + is_bane * bane_infl) * a_alive
    infl = torch.clamp(infl, 0.0, 1000.0)
    infl_c = torch.log1p(infl / INFL_UNIT)                          # compressed, >= 0

    # approach: last move points at the nearest alive enemy while still out of reach
    dead_pen = 10.0 * (1.0 - e_alive).unsqueeze(1)
    att = torch.softmax(-(gap + dead_pen) / SOFTMIN_TEMP, dim=-1)   # [B, n, ne]
    to_enemy = (att.unsqueeze(-1) * diff).sum(dim=2)                # [B, n, 2]
    to_enemy = to_enemy / (torch.linalg.vector_norm(to_enemy, dim=-1, keepdim=True) + 1e-6)
    move = torch.stack([last[..., 4] - last[..., 5], last[..., 2] - last[..., 3]], dim=-1)
    heading = F.relu((move * to_enemy).sum(dim=-1))                 # [B, n] in [0, 1]
    gmin = torch.clamp((gap + dead_pen).amin(dim=-1), 0.0, 10.0)
    out_of_reach = 1.0 - reach.amax(dim=-1)
    approach = heading * out_of_reach * torch.exp(-gmin / APPROACH_SCALE)
    approach = approach * any_enemy * a_alive

    raw = FLOOR + infl_c + C_APPROACH * approach                    # > 0

    n_alive = a_alive.sum(dim=1, keepdim=True)
    sum_raw = (raw * a_alive).sum(dim=1, keepdim=True)
    w_alive = raw * n_alive / (sum_raw + 1e-6)
    w_alive = torch.clamp(w_alive, W_MIN, W_MAX)
    w = torch.where(a_alive > 0, w_alive, torch.full_like(w_alive, W_DEAD))
    return torch.nan_to_num(w, nan=1.0, posinf=W_MAX, neginf=W_DEAD)


def bias(td):
    s, n, allies, enemies, last = split_state(td)

    a_h = allies[..., 0]
    a_alive = (a_h > 0).to(s.dtype)
    a_pos = allies[..., 2:4]
    a_type = allies[..., 4:7]
    e_h = enemies[..., 0]
    e_alive = (e_h > 0).to(s.dtype)
    e_pos = enemies[..., 1:3]
    e_type = enemies[..., 3:6]

    n_a = a_alive.sum(dim=1, keepdim=True)
    n_e = e_alive.sum(dim=1, keepdim=True)
    live = (n_a > 0).to(s.dtype) * (n_e > 0).to(s.dtype)            # [B, 1]

    # what remains to be earned (raw reward units)
    e_maxhp = type_value(e_type, HP_ZERG, HP_HYDRA, HP_BANE)
    e_maxhp_est = torch.where(e_alive > 0, e_maxhp, torch.full_like(e_maxhp, HP_UNKNOWN))
    max_reward = KILL_BOUNTY * N_ENEMIES + WIN_BONUS + e_maxhp_est.sum(dim=1, keepdim=True)
    e_hp = (e_h * e_maxhp).sum(dim=1, keepdim=True)
    rem_fight = e_hp + KILL_BOUNTY * n_e
    rem_all = rem_fight + WIN_BONUS

    # Lanchester square-law strengths
    a_hp = (a_h * type_value(a_type, HP_ZERG, HP_HYDRA, HP_BANE)).sum(dim=1, keepdim=True)
    a_dmg = (a_alive * type_value(a_type, STEP_DMG_ZERG, STEP_DMG_HYDRA, STEP_DMG_BANE)).sum(
        dim=1, keepdim=True)
    e_dmg = (e_alive * type_value(e_type, STEP_DMG_ZERG, STEP_DMG_HYDRA, STEP_DMG_BANE)).sum(
        dim=1, keepdim=True)
    strength_a = a_hp * a_dmg
    strength_e = e_hp * e_dmg
    ratio = (strength_a + 1.0) / (strength_e + 1.0)
    p_win = torch.sigmoid(LANCHESTER_K * torch.log(ratio))

    # time to contact: distance between army centroids minus engagement distance
    a_cent = (a_pos * a_alive.unsqueeze(-1)).sum(dim=1) / (n_a + 1e-6)   # [B, 2]
    e_cent = (e_pos * e_alive.unsqueeze(-1)).sum(dim=1) / (n_e + 1e-6)
    cdist = torch.linalg.vector_norm(a_cent - e_cent, dim=-1, keepdim=True)
    t_contact = torch.clamp(torch.clamp_min(cdist - ENGAGE_DIST, 0.0) / MOVE_PER_STEP, 0.0, 100.0)

    # fight duration: burn the remaining enemy health (win) or ours (loss)
    t_win = torch.clamp(t_contact + e_hp / (FIGHT_EFFICIENCY * a_dmg + 1e-3), 0.0, 200.0)
    t_lose = torch.clamp(t_contact + 0.5 * a_hp / (FIGHT_EFFICIENCY * e_dmg + 1e-3), 0.0, 200.0)

    log_g = math.log(GAMMA)
    disc_win = torch.exp(log_g * t_win)
    disc_lose = torch.exp(log_g * t_lose)

    lose_share = 1.0 - torch.sqrt(torch.clamp(1.0 - strength_a / (strength_e + 1e-6), 0.0, 1.0))

    value = p_win * disc_win * rem_all + (1.0 - p_win) * disc_lose * lose_share * rem_fight
    b = BIAS_FRACTION * REWARD_SCALE * value / (max_reward + 1e-6)
    b = torch.clamp(b * live, 0.0, BIAS_MAX)
    return torch.nan_to_num(b, nan=0.0, posinf=BIAS_MAX, neginf=0.0)
