"""Training-free credit assignment function for smacv2/terran_10_vs_10.

task: smacv2/terran_10_vs_10
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/smacv2_terran_10_vs_10/answers)
prompt-sha256: 23090f19a485c934b4653abd9d103205ab4cfa19f028abef441a7d8a39d2a1dd
igm: enforce
input: state [B, 290]

Chosen candidate r3c1 (round 3 of 3); validated on 256 sampled states; gamma 0.99.

Immediate-reward influence credit + Lanchester value bias, SMACv2 10gen_terran (10 vs 10).

Weights (kept from the incumbent). The team reward is damage dealt + 10 per kill
(+200 for the last kill that wins); an agent moves those terms by shooting, so its
weight is the reward its action can unlock in the next few steps:
  S_ij = damage per shot of agent i on enemy j (bonus vs armoured, minus armour)
       + 10 * P(kill j)   (+200 more if j is the last enemy attacker)
P(kill j) is the larger of i's solo kill chance and a focus-fire chance from the
combined damage of all attackers in range of j. S_ij is weighted by reach (in range
now = 1, within ~2 moves = 0.5) and weapon readiness, compressed with log1p;
attackers further away get a graded approach term; medivacs get a small term for an
injured attacker in heal range. Floors 0.25 (alive) / 0.1 (dead); alive agents
average 1; clamped to [0.05, 6] (all >= 0, IGM holds).

Bias: discounted team return still to come, from a Lanchester square-law view:
  * strength of each side = effective health (attackers + a medivac healing bonus)
    x damage per step (per-shot damage, marauder bonus vs armoured, armour,
    cooldowns), each computed against the other side's unit mix;
  * q = S_ally / S_enemy gives a soft win probability and the share of enemy health
    collected when losing (1 - sqrt(1 - q));
  * reward on the table = enemy attackers' health + 10 per enemy attacker (enemy
    medivacs are mostly left alive when the last attacker dies), scaled by
    20 / max_reward with the enemy team estimated as the mirror of the type counts;
  * discounting over the approach time and the fight duration, the +200 win bonus at
    the end of the fight.
Scaled by 0.85, clamped to [0, 20], and 0 once either side has no attackers left.
"""

import math
import torch
import torch.nn.functional as F

N_ENEMIES = 10
ALLY_F = 7
ENEMY_F = 6

MAP_UNITS = 28.0
RANGE_MARINE = 5.0 / MAP_UNITS
RANGE_MARAUDER = 6.0 / MAP_UNITS
RANGE_HEAL = 4.0 / MAP_UNITS
MOVE_STEP = 2.0 / MAP_UNITS
SLACK = 0.02
TEMP = 0.025
FAR = 10.0

# Per-shot damage and armour (SC2 values).
DMG_MARINE = 6.0
DMG_MARAUDER = 10.0
DMG_MARAUDER_BONUS = 10.0
ARMOR_MARINE = 0.0
ARMOR_MARAUDER = 1.0
ARMOR_MEDIVAC = 1.0
HP_MARINE = 45.0
HP_MARAUDER = 125.0
HP_MEDIVAC = 150.0
HP_AVG = 0.45 * 45.0 + 0.45 * 125.0 + 0.1 * 150.0

REWARD_DEATH = 10.0
REWARD_WIN = 200.0
REWARD_SCALE = 20.0

S_SCALE = 8.0
FOCUS_KILL_FACTOR = 0.7
APPROACH_GAIN = 0.3
APPROACH_LEN = 0.1
FLOOR_ALIVE = 0.25
FLOOR_DEAD = 0.1
INFL_GAIN = 1.0
MEDIVAC_GAIN = 0.6
W_MIN = 0.05
W_MAX = 6.0

# --- Bias model constants -----------------------------------------------------
ARMOR_LIGHT = 0.0
ARMOR_ARMORED = 1.0
CD_MARINE = 15.0
CD_MARAUDER = 25.0
STEP_LOOPS = 8.0
FIRE_EFF = 0.6
MEDIVAC_HEAL_HP = 100.0
ENEMY_MEDIVAC_ENERGY = 0.75
GAMMA = 0.99
MEDIVAC_COLLECT = 0.3
CLOSING_SPEED = 3.0      # map units per step, both armies moving
ENGAGE_RANGE = 6.0       # map units
FIGHT_SLOW = 1.3
WIN_SHARP = 3.0
BIAS_SCALE = 0.85
BIAS_MAX = 20.0


def split(td):
    state = td["state"]
    n = td["n_agents"]
    allies = state[:, 0:ALLY_F * n].reshape(-1, n, ALLY_F)
    e0 = ALLY_F * n
    enemies = state[:, e0:e0 + ENEMY_F * N_ENEMIES].reshape(-1, N_ENEMIES, ENEMY_F)
    return state, n, allies, enemies


def soft_le(d, r):
    return torch.sigmoid(((r - d) / TEMP).clamp(-30.0, 30.0))


def weights(td):
    state, n, allies, enemies = split(td)
    dt = state.dtype

    ah = allies[..., 0].clamp(0.0, 1.0)
    acd = allies[..., 1].clamp(0.0, 1.0)
    apos = allies[..., 2:4]
    is_marine = allies[..., 4]
    is_marauder = allies[..., 5]
    is_medivac = allies[..., 6]
    alive_a = (ah > 0).to(dt)
    attacker = alive_a * (1.0 - is_medivac)

    eh = enemies[..., 0].clamp(0.0, 1.0)
    epos = enemies[..., 1:3]
    e_marine = enemies[..., 3]
    e_marauder = enemies[..., 4]
    e_medivac = enemies[..., 5]
    alive_e = (eh > 0).to(dt)

    # Enemy absolute health, armour, armoured flag.
    e_hp = eh * (e_marine * HP_MARINE + e_marauder * HP_MARAUDER + e_medivac * HP_MEDIVAC)
    e_armor = e_marine * ARMOR_MARINE + e_marauder * ARMOR_MARAUDER + e_medivac * ARMOR_MEDIVAC
    e_armored = e_marauder + e_medivac

    # Per-shot damage matrix [B, n, E].
    dmg = (
        is_marine.unsqueeze(2) * (DMG_MARINE - e_armor).unsqueeze(1)
        + is_marauder.unsqueeze(2)
        * (DMG_MARAUDER + DMG_MARAUDER_BONUS * e_armored - e_armor).unsqueeze(1)
    ).clamp_min(0.0)

    # Reach: in range now, or within ~2 moves.
    rng = is_marine * RANGE_MARINE + is_marauder * RANGE_MARAUDER
    d_ae = torch.cdist(apos, epos) + (1.0 - alive_e).unsqueeze(1) * FAR  # [B, n, E]
    r = rng.unsqueeze(2)
    reach_now = soft_le(d_ae, r + SLACK) * alive_e.unsqueeze(1) * attacker.unsqueeze(2)
    reach_soon = soft_le(d_ae, r + SLACK + 2.0 * MOVE_STEP) * alive_e.unsqueeze(1)
    reach = torch.maximum(reach_now, 0.5 * reach_soon) * attacker.unsqueeze(2)

    ready = 1.0 - acd  # [B, n]

    # Kill chance: solo, and focus fire from all attackers in range now.
    hp1 = e_hp.unsqueeze(1) + 1.0  # [B, 1, E]
    solo_kill = (dmg / hp1).clamp(0.0, 1.0).pow(2)
    team_dmg = (reach_now * dmg * (0.5 + 0.5 * ready).unsqueeze(2)).sum(dim=1, keepdim=True)
    team_kill = (team_dmg / hp1).clamp(0.0, 1.0).pow(2)
    kill = torch.maximum(solo_kill, FOCUS_KILL_FACTOR * team_kill * (dmg > 0).to(dt))

    # The battle is won when the last enemy attacker dies (medivacs do not count).
    e_att = alive_e * (1.0 - e_medivac)
    last = (e_att.sum(dim=1, keepdim=True) < 1.5).to(dt) * e_att  # [B, E]
    s = dmg + REWARD_DEATH * kill + REWARD_WIN * kill * last.unsqueeze(1)

    # Readiness matters for targets in range now; for targets still out of range the
    # cooldown will have run down by the time the agent arrives.
    ready_f = reach_now * (0.4 + 0.6 * ready).unsqueeze(2) + (1.0 - reach_now) * 0.7
    infl = (reach * s * ready_f).amax(dim=2)  # [B, n]
    infl = torch.log1p(infl.clamp_min(0.0) / S_SCALE) * (1.0 - is_medivac)

    # Graded approach term for attackers not yet in range.
    d_min = d_ae.amin(dim=2)
    gap = (d_min - rng).clamp(0.0, 5.0)
    approach = APPROACH_GAIN * torch.exp(-gap / APPROACH_LEN) * attacker
    approach = approach * (alive_e.sum(dim=1, keepdim=True) > 0).to(dt)

    # Medivac: injured alive attackers within (near) heal range, scaled by energy.
    d_aa = torch.cdist(apos, apos)
    injured = (1.0 - ah) * attacker
    heal = (soft_le(d_aa, RANGE_HEAL + SLACK + MOVE_STEP) * injured.unsqueeze(1)).amax(dim=2)
    energy_f = (acd * 4.0).clamp(0.0, 1.0)
    med = MEDIVAC_GAIN * (2.0 * heal).clamp(0.0, 1.0) * (0.4 + 0.6 * energy_f)
    med = med * is_medivac * alive_a

    raw_alive = FLOOR_ALIVE + INFL_GAIN * torch.maximum(infl, approach) + med
    raw = alive_a * raw_alive + (1.0 - alive_a) * FLOOR_DEAD

    n_alive = alive_a.sum(dim=1, keepdim=True)
    scale = (raw * alive_a).sum(dim=1, keepdim=True) / n_alive.clamp_min(1.0)
    scale = torch.where(n_alive > 0, scale, torch.ones_like(scale)).clamp_min(0.1)

    w = (raw / scale).clamp(W_MIN, W_MAX)
    w = torch.nan_to_num(w, nan=1.0, posinf=W_MAX, neginf=W_MIN).clamp(W_MIN, W_MAX)
    return w


def side_stats(h, onehot, other_armored_frac):
    """Effective health and damage per step of one side against the other's mix."""
    alive = (h > 0).to(h.dtype)
    mar = onehot[..., 0] * alive
    mrd = onehot[..., 1] * alive
    med = onehot[..., 2] * alive
    hp = h * (onehot[..., 0] * HP_MARINE + onehot[..., 1] * HP_MARAUDER)
    hp_att = hp.sum(dim=1, keepdim=True)
    n_med = med.sum(dim=1, keepdim=True)
    f = other_armored_frac
    marine_shot = DMG_MARINE - ARMOR_LIGHT * (1.0 - f) - ARMOR_ARMORED * f
    marauder_shot = (1.0 - f) * (DMG_MARAUDER - ARMOR_LIGHT) + f * (
        DMG_MARAUDER + DMG_MARAUDER_BONUS - ARMOR_ARMORED
    )
    dps = FIRE_EFF * (
        mar.sum(dim=1, keepdim=True) * marine_shot * STEP_LOOPS / CD_MARINE
        + mrd.sum(dim=1, keepdim=True) * marauder_shot * STEP_LOOPS / CD_MARAUDER
    )
    return hp_att, n_med, dps


def armored_frac(h, onehot):
    hp = h * (onehot[..., 0] * HP_MARINE + onehot[..., 1] * HP_MARAUDER + onehot[..., 2] * HP_MEDIVAC)
    arm = h * (onehot[..., 1] * HP_MARAUDER + onehot[..., 2] * HP_MEDIVAC)
    return arm.sum(dim=1, keepdim=True) / (hp.sum(dim=1, keepdim=True) + 1e-6)


def bias(td):
    state, n, allies, enemies = split(td)
    dt = state.dtype

    ah = allies[..., 0].clamp(0.0, 1.0)
    a_oh = allies[..., 4:7]
    alive_a = (ah > 0).to(dt)
    a_energy = allies[..., 1].clamp(0.0, 1.0)
    apos = allies[..., 2:4]

    eh = enemies[..., 0].clamp(0.0, 1.0)
    e_oh = enemies[..., 3:6]
    alive_e = (eh > 0).to(dt)
    epos = enemies[..., 1:3]

    f_arm_a = armored_frac(ah, a_oh)
    f_arm_e = armored_frac(eh, e_oh)

    hp_a, n_med_a, dps_a = side_stats(ah, a_oh, f_arm_e)
    hp_e, n_med_e, dps_e = side_stats(eh, e_oh, f_arm_a)

    med_energy_a = (a_oh[..., 2] * alive_a * (0.5 + 0.5 * (a_energy * 4.0).clamp(0.0, 1.0))).sum(
        dim=1, keepdim=True
    )
    att_a = (alive_a * (1.0 - a_oh[..., 2])).sum(dim=1, keepdim=True)
    att_e = (alive_e * (1.0 - e_oh[..., 2])).sum(dim=1, keepdim=True)
    hp_a_eff = hp_a + MEDIVAC_HEAL_HP * med_energy_a * (att_a > 0).to(dt)
    hp_e_eff = hp_e + MEDIVAC_HEAL_HP * ENEMY_MEDIVAC_ENERGY * n_med_e * (att_e > 0).to(dt)

    # Lanchester square law.
    s_a = hp_a_eff * dps_a
    s_e = hp_e_eff * dps_e
    log_q = (torch.log(s_a + 1e-3) - torch.log(s_e + 1e-3)).clamp(-10.0, 10.0)
    q = torch.exp(log_q)
    win_p = torch.sigmoid(WIN_SHARP * log_q)
    collect_lose = 1.0 - torch.sqrt((1.0 - q).clamp(0.0, 1.0) + 1e-8)
    collect = win_p + (1.0 - win_p) * collect_lose.clamp(0.0, 1.0)

    # Fight duration (steps) and approach time.
    t_win = hp_e_eff / (dps_a + 1e-3)
    t_lose = hp_a_eff / (dps_e + 1e-3)
    t_fight = (FIGHT_SLOW * (win_p * t_win + (1.0 - win_p) * t_lose)).clamp(1.0, 200.0)

    att_mask_a = (alive_a * (1.0 - a_oh[..., 2])).unsqueeze(2)
    d_ae = torch.cdist(apos, epos) + (1.0 - att_mask_a) * FAR + (1.0 - alive_e).unsqueeze(1) * FAR
    d_min = d_ae.amin(dim=2).amin(dim=1, keepdim=True) * MAP_UNITS
    t_app = ((d_min - ENGAGE_RANGE).clamp(0.0, 60.0)) / CLOSING_SPEED

    log_g = math.log(GAMMA)
    disc_app = torch.exp(t_app * log_g)
    disc_fight_avg = (1.0 - torch.exp(t_fight * log_g)) / (t_fight * (1.0 - GAMMA))
    disc_dmg = disc_app * disc_fight_avg.clamp(0.0, 1.0)
    disc_win = torch.exp((t_app + t_fight) * log_g)

    # Reward still on the table.
    e_full = eh * (e_oh[..., 0] * HP_MARINE + e_oh[..., 1] * HP_MARAUDER + e_oh[..., 2] * HP_MEDIVAC)
    e_is_med = e_oh[..., 2]
    per_enemy = (e_full + REWARD_DEATH * alive_e) * ((1.0 - e_is_med) + MEDIVAC_COLLECT * e_is_med)
    remaining = per_enemy.sum(dim=1, keepdim=True)

    # max_reward: enemy team = mirror of the ally team; estimate the type counts.
    cnt_a = (a_oh * alive_a.unsqueeze(2)).sum(dim=1)  # [B, 3]
    cnt_e = (e_oh * alive_e.unsqueeze(2)).sum(dim=1)  # [B, 3]
    cnt = torch.maximum(cnt_a, cnt_e)
    known = cnt.sum(dim=1, keepdim=True)
    unknown = (float(N_ENEMIES) - known).clamp_min(0.0)
    total_hp = (
        cnt[:, 0:1] * HP_MARINE + cnt[:, 1:2] * HP_MARAUDER + cnt[:, 2:3] * HP_MEDIVAC + unknown * HP_AVG
    )
    max_reward = REWARD_DEATH * N_ENEMIES + REWARD_WIN + total_hp
    rscale = REWARD_SCALE / (max_reward + 1e-6)

    value = rscale * (remaining * collect * disc_dmg + REWARD_WIN * win_p * disc_win)
    active = torch.logical_and(att_e > 0, att_a > 0).to(dt)
    b = BIAS_SCALE * value * active
    b = torch.nan_to_num(b, nan=0.0, posinf=BIAS_MAX, neginf=0.0).clamp(0.0, BIAS_MAX)
    return b
