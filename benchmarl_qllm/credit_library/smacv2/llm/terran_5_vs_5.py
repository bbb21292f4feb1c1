"""Training-free credit assignment function for smacv2/terran_5_vs_5.

task: smacv2/terran_5_vs_5
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/smacv2_terran_5_vs_5/answers)
prompt-sha256: 16e6e706b3a079a4f096c343ba60051ad3a256de331b660da6d55eeff0e9e79f
igm: enforce
input: state [B, 120]

Chosen candidate r1c2 (round 1 of 3, stopped after round 1: the evaluator accepted it); validated on 256 sampled states; gamma 0.99.

Immediate-reward-influence credit for SMACv2 terran 5v5.

The team reward for a step is the damage dealt to enemies plus 10 per kill. An agent can move
that reward in the next few steps only by shooting, so its weight follows the reward it could
earn from its best target. That estimate combines:
  * the per-shot damage of its unit type against the target's type. A marine does 6
    (5 against armoured units). A marauder does 10 against light units and 19 against
    armoured ones, and it cannot hit the medivac, which flies;
  * the fire rate per environment step (8 game frames against a cooldown of 15 for a marine
    or 25 for a marauder), and whether the weapon is ready right now;
  * the kill bonus, which is likely when the target has less health left than one shot;
  * how many steps of movement (2 map units per step) it needs to bring the target into
    range, discounted over a horizon of a few steps.
A medivac adds to the reward only indirectly, by healing a wounded ally in range, so it gets
a smaller term. Each alive agent gets a floor plus its influence, normalised so that the mean
over alive agents is about 1. Dead agents get a small floor. Every weight stays in [0.1, 5].

The bias is a bounded estimate of the discounted return still available: the enemy health
and kill reward left, plus the win bonus, weighted by a rough win chance taken from the
ratio of remaining combat strength.
"""

import math
import torch
import torch.nn.functional as F

N_ENEMIES = 5
ALLY_F = 7
ENEMY_F = 6

MAP_UNITS = 32.0            # normalised distance -> map units (upper bound of the extent)
MOVE_PER_STEP = 2.0
REACH_STEPS = 2.0           # horizon (in steps) for "can shoot soon"
MARINE_RANGE = 5.0          # map units
MARAUDER_RANGE = 6.0
HEAL_RANGE = 4.0

RATE_MARINE = 8.0 / 15.0    # shots per env step
RATE_MARAUDER = 8.0 / 25.0
HEAL_PER_STEP = 4.5         # ~12.6 hp/s * 0.36 s
MEDIVAC_FACTOR = 0.4        # healing only indirectly changes reward

HP_MARINE = 45.0
HP_MARAUDER = 125.0
HP_MEDIVAC = 150.0
DEATH_VALUE = 10.0
WIN_VALUE = 200.0
REWARD_SCALE = 20.0
BIAS_DISCOUNT = 0.6

BASE_INFL = 1.0             # floor influence (movement, positioning) in damage units
FLOOR_DEAD = 0.1
W_MAX = 5.0


def split(td):
    state = td["state"]
    B = state.shape[0]
    n = td["n_agents"]
    allies = state[:, 0:n * ALLY_F].reshape(B, n, ALLY_F)
    enemies = state[:, n * ALLY_F:n * ALLY_F + N_ENEMIES * ENEMY_F].reshape(B, N_ENEMIES, ENEMY_F)
    return state, allies, enemies


def weights(td):
    state, allies, enemies = split(td)
    n = allies.shape[1]

    a_h = allies[..., 0]
    a_cd = allies[..., 1]
    a_pos = allies[..., 2:4]
    a_mar = allies[..., 4]
    a_mrd = allies[..., 5]
    a_med = allies[..., 6]
    a_alive = (a_h > 0).to(state.dtype)

    e_h = enemies[..., 0]
    e_pos = enemies[..., 1:3]
    e_mar = enemies[..., 3]
    e_mrd = enemies[..., 4]
    e_med = enemies[..., 5]
    e_alive = (e_h > 0).to(state.dtype)

    # ---- per-shot damage table [B, n, m]
    ai_mar = a_mar.unsqueeze(-1)
    ai_mrd = a_mrd.unsqueeze(-1)
    ej_mar = e_mar.unsqueeze(1)
    ej_mrd = e_mrd.unsqueeze(1)
    ej_med = e_med.unsqueeze(1)
    dmg = ai_mar * (6.0 * ej_mar + 5.0 * ej_mrd + 5.0 * ej_med) \
        + ai_mrd * (10.0 * ej_mar + 19.0 * ej_mrd + 0.0 * ej_med)
    can_hit = (dmg > 0).to(state.dtype)

    e_maxhp = HP_MARINE * e_mar + HP_MARAUDER * e_mrd + HP_MEDIVAC * e_med
    hp_left = (e_h * e_maxhp).unsqueeze(1)                                   # [B, 1, m]

    kill_p = torch.sigmoid(((dmg - hp_left) / 2.0).clamp(-30.0, 30.0)) * can_hit
    shot_reward = torch.minimum(dmg, hp_left) + DEATH_VALUE * kill_p         # [B, n, m]

    # ---- how soon the target is in range
    d = torch.cdist(a_pos, e_pos) * MAP_UNITS                                # map units
    rng = MARINE_RANGE * a_mar + MARAUDER_RANGE * a_mrd
    rng = torch.where(rng > 0, rng, torch.full_like(rng, MARINE_RANGE))
    steps_needed = F.relu(d - rng.unsqueeze(-1)) / MOVE_PER_STEP
    reach = torch.exp(-(steps_needed / REACH_STEPS).clamp(max=30.0)) * e_alive.unsqueeze(1)

    rate = RATE_MARINE * a_mar + RATE_MARAUDER * a_mrd
    ready = (1.0 - a_cd).clamp(0.0, 1.0)
    fire = rate * (0.5 + 0.5 * ready)                                        # [B, n]

    combat_infl = (reach * shot_reward).amax(dim=-1) * fire                  # [B, n]

    # ---- medivac: healing a wounded non-medivac ally in (or near) heal range
    a_maxhp = HP_MARINE * a_mar + HP_MARAUDER * a_mrd + HP_MEDIVAC * a_med
    missing = (1.0 - a_h).clamp(0.0, 1.0) * a_maxhp * a_alive * (1.0 - a_med)
    heal_amt = torch.clamp(missing, max=HEAL_PER_STEP)                       # [B, n]
    d_aa = torch.cdist(a_pos, a_pos) * MAP_UNITS
    idx = torch.arange(n, dtype=state.dtype, device=state.device)
    not_self = (idx.unsqueeze(0) != idx.unsqueeze(1)).to(state.dtype).unsqueeze(0)
    heal_steps = F.relu(d_aa - HEAL_RANGE) / MOVE_PER_STEP
    heal_reach = torch.exp(-(heal_steps / REACH_STEPS).clamp(max=30.0)) * not_self
    energy_ok = (a_cd * 10.0).clamp(0.0, 1.0)                                # energy / 200
    heal_infl = MEDIVAC_FACTOR * (heal_reach * heal_amt.unsqueeze(1)).amax(dim=-1) * energy_ok

    infl = torch.where(a_med > 0.5, heal_infl, combat_infl)
    raw = a_alive * (BASE_INFL + infl)

    n_alive = a_alive.sum(dim=-1, keepdim=True).clamp_min(1.0)
    mean_raw = raw.sum(dim=-1, keepdim=True) / n_alive
    w_rel = raw / (mean_raw + 1e-6)

    w = torch.where(a_alive > 0, 0.1 + 0.9 * w_rel, torch.full_like(w_rel, FLOOR_DEAD))
    w = torch.nan_to_num(w, nan=1.0, posinf=W_MAX, neginf=FLOOR_DEAD)
    return w.clamp(FLOOR_DEAD, W_MAX)


def bias(td):
    state, allies, enemies = split(td)

    a_h = allies[..., 0]
    a_type = allies[..., 4:7]
    e_h = enemies[..., 0]
    e_type = enemies[..., 3:6]
    e_alive = (e_h > 0).to(state.dtype)

    a_maxhp = HP_MARINE * a_type[..., 0] + HP_MARAUDER * a_type[..., 1] + HP_MEDIVAC * a_type[..., 2]
    e_maxhp = HP_MARINE * e_type[..., 0] + HP_MARAUDER * e_type[..., 1] + HP_MEDIVAC * e_type[..., 2]

    total_max = torch.maximum(e_maxhp.sum(dim=-1, keepdim=True), a_maxhp.sum(dim=-1, keepdim=True))
    max_reward = N_ENEMIES * DEATH_VALUE + WIN_VALUE + total_max
    scale = REWARD_SCALE / (max_reward + 1e-6)

    e_hp_left = (e_h * e_maxhp).sum(dim=-1, keepdim=True)
    e_kills_left = DEATH_VALUE * e_alive.sum(dim=-1, keepdim=True)
    dmg_left = scale * (e_hp_left + e_kills_left)

    a_str = (a_h * a_maxhp * (1.0 - a_type[..., 2])).sum(dim=-1, keepdim=True)
    e_str = (e_h * e_maxhp * (1.0 - e_type[..., 2])).sum(dim=-1, keepdim=True)
    p_win = torch.sigmoid(4.0 * (a_str - e_str) / (a_str + e_str + 1e-6))
    any_enemy = (e_str > 0).to(state.dtype)
    any_ally = (a_str > 0).to(state.dtype)

    win_left = scale * WIN_VALUE * p_win * any_enemy
    value = BIAS_DISCOUNT * (dmg_left * (0.4 + 0.6 * p_win) + win_left) * any_ally
    value = torch.nan_to_num(value, nan=0.0, posinf=0.0, neginf=0.0)
    return value.clamp(0.0, 20.0)
