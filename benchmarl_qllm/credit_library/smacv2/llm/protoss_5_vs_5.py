"""Training-free credit assignment function for smacv2/protoss_5_vs_5.

task: smacv2/protoss_5_vs_5
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/smacv2_protoss_5_vs_5/answers)
prompt-sha256: 0ecc3f41333c19df17d0c4d30e27251170b0ea32c5c9efe3a8cbe2a23f0589a7
igm: enforce
input: state [B, 130]

Chosen candidate r3c1 (round 3 of 3); validated on 256 sampled states; gamma 0.99.

Influence-on-reward credit with threat awareness and a return-scaled bias
(SMACv2 protoss 5v5).

Weights. The team reward is damage dealt (health + shield) plus 10 per kill.
An alive agent moves that reward in the next few steps by
  * shooting: reach_ij = soft "enemy j within my shoot range + one move",
    times a per-type damage-rate factor, plus a bonus when enemy j has few
    absolute hit points left (a +10 kill is within this agent's reach);
    a colossus in reach of several enemies gets a splash bonus;
  * staying alive to keep shooting: an agent inside live enemies' shoot
    range (plus one move) is under threat; credit grows with the enemy damage
    aimed at it and the shield/health it has already lost, and more while
    its weapon is cooling down (kiting / retreating matters then);
  * closing in: a small, distance-decaying term for agents out of reach.
Alive agents keep a floor, dead agents a tiny floor; weights are rescaled to
sum to n_agents (mean 1, like VDN) and clipped to [0.05, 10].

Bias. An estimate of the discounted team return still to come, in the
task's reward units (scaled by 20 / max_reward):
  * max_reward = 5 * 10 + 200 + total enemy max health + shield; the match is
    a mirror, so the roster is estimated per type as the larger of the alive
    ally and alive enemy counts, unknown slots use the expected unit value;
  * obtainable: remaining enemy health + shield, 10 per alive enemy, +200 win;
  * share obtained: win probability from the balance of forces, plus part of
    the damage even when losing;
  * discount: 0.99 ** (steps until the armies meet + half the expected fight).
Clipped to [0, 22].
"""

import torch
import torch.nn.functional as F

N_ENEMIES = 5
ALLY_FEAT = 8
ENEMY_FEAT = 7
ENEMY_START = 40

MAP_UNITS = 30.0
RANGE_STALKER = 6.0
RANGE_ZEALOT = 2.0
RANGE_COLOSSUS = 7.0
MOVE_UNITS = 2.0
REACH_SCALE = 0.75           # map units
APPROACH_DECAY = 3.6         # map units
FAR_UNITS = 300.0

# relative damage output per step (stalker 13/1.87s, zealot 2x8/1.2s, colossus 2x10/1.5s)
DMG_STALKER = 1.0
DMG_ZEALOT = 1.6
DMG_COLOSSUS = 1.8

# max health / shield per type
HP_STALKER = 80.0
HP_ZEALOT = 100.0
HP_COLOSSUS = 200.0
SH_STALKER = 80.0
SH_ZEALOT = 50.0
SH_COLOSSUS = 150.0
KILL_HP_SCALE = 50.0
KILL_BONUS = 1.5

W_THREAT = 0.35
THREAT_CAP = 4.0

FLOOR_ALIVE = 0.2
FLOOR_DEAD = 0.05
W_MAX = 10.0

# bias
EXPECTED_UNIT_VALUE = 0.45 * 160.0 + 0.45 * 150.0 + 0.10 * 350.0
VAL_STALKER = 1.0
VAL_ZEALOT = 1.0
VAL_COLOSSUS = 2.5
REWARD_SCALE = 20.0
REWARD_WIN = 200.0
REWARD_DEATH = 10.0
LOG_GAMMA = -0.01005033585350145   # log(0.99)
WIN_SHARPNESS = 8.0
LOSS_DAMAGE_SHARE = 0.6
FIGHT_STEPS = 40.0
BIAS_MAX = 22.0


def mask_of(x):
    return torch.where(x > 0, torch.ones_like(x), torch.zeros_like(x))


def by_type(t, a, b, c):
    # t: [..., 3] one-hot (stalker, zealot, colossus)
    return t[..., 0] * a + t[..., 1] * b + t[..., 2] * c


def parse(td):
    s = td["state"]
    n = td["n_agents"]
    B = s.shape[0]
    allies = s[:, 0:n * ALLY_FEAT].reshape(B, n, ALLY_FEAT)
    enemies = s[:, ENEMY_START:ENEMY_START + N_ENEMIES * ENEMY_FEAT].reshape(B, N_ENEMIES, ENEMY_FEAT)
    return s, n, B, allies, enemies


def enemy_hp_abs(enemies, e_type):
    return (enemies[..., 0].clamp(0.0, 1.0) * by_type(e_type, HP_STALKER, HP_ZEALOT, HP_COLOSSUS)
            + enemies[..., 3].clamp(0.0, 1.0) * by_type(e_type, SH_STALKER, SH_ZEALOT, SH_COLOSSUS))


def alive_dist_units(allies, enemies, a_alive, e_alive):
    diff = allies[..., 2:4].unsqueeze(2) - enemies[..., 1:3].unsqueeze(1)
    dist = torch.sqrt((diff * diff).sum(dim=-1) + 1e-8) * MAP_UNITS      # [B, n, m]
    pair_alive = a_alive.unsqueeze(2) * e_alive.unsqueeze(1)
    dist = torch.where(pair_alive > 0, dist, torch.full_like(dist, FAR_UNITS))
    return dist, pair_alive


def weights(td):
    s, n, B, allies, enemies = parse(td)

    a_alive = mask_of(allies[..., 0])                      # [B, n]
    a_cd = allies[..., 1].clamp(0.0, 1.0)
    a_type = allies[..., 5:8]
    a_vuln = 1.0 - (0.5 * (allies[..., 0] + allies[..., 4])).clamp(0.0, 1.0)

    e_alive = mask_of(enemies[..., 0])                     # [B, m]
    e_type = enemies[..., 4:7]
    e_hp = enemy_hp_abs(enemies, e_type)

    dist, pair_alive = alive_dist_units(allies, enemies, a_alive, e_alive)

    rng = by_type(a_type, RANGE_STALKER, RANGE_ZEALOT, RANGE_COLOSSUS).unsqueeze(-1)  # [B, n, 1]
    dmg = by_type(a_type, DMG_STALKER, DMG_ZEALOT, DMG_COLOSSUS)                      # [B, n]

    # --- shooting: can attack enemy j now or after one move
    reach = torch.sigmoid((rng + MOVE_UNITS - dist) / REACH_SCALE) * pair_alive      # [B, n, m]
    kill_near = torch.exp(-(e_hp / KILL_HP_SCALE).clamp(0.0, 30.0)) * e_alive        # [B, m]
    value = reach * (dmg.unsqueeze(-1) + KILL_BONUS * kill_near.unsqueeze(1))
    best = value.amax(dim=-1)                                                        # [B, n]

    n_reach = reach.sum(dim=-1).clamp(0.0, 4.0)
    splash = a_type[..., 2] * 0.25 * (n_reach - 1.0).clamp_min(0.0)

    ready = 1.0 - a_cd
    shoot = (best + splash) * (0.75 + 0.25 * ready)

    # --- threat: live enemies that can hit this agent now or after one move
    e_rng = by_type(e_type, RANGE_STALKER, RANGE_ZEALOT, RANGE_COLOSSUS).unsqueeze(1)  # [B, 1, m]
    e_dmg = by_type(e_type, DMG_STALKER, DMG_ZEALOT, DMG_COLOSSUS).unsqueeze(1)        # [B, 1, m]
    threatened = torch.sigmoid((e_rng + MOVE_UNITS - dist) / REACH_SCALE) * pair_alive
    danger = (threatened * e_dmg).sum(dim=-1).clamp(0.0, THREAT_CAP)                   # [B, n]
    threat = W_THREAT * danger * (0.5 + a_vuln) * (0.6 + 0.4 * a_cd)

    # --- out of reach: moving closer pays off later
    gap = (dist - rng).amin(dim=-1).clamp(0.0, FAR_UNITS)
    approach = 0.3 * torch.exp(-gap / APPROACH_DECAY)

    raw = FLOOR_ALIVE + shoot + threat + approach          # [B, n]

    n_alive = a_alive.sum(dim=-1, keepdim=True)
    n_dead = float(n) - n_alive
    budget = (float(n) - n_dead * FLOOR_DEAD).clamp_min(0.0)
    denom = (raw * a_alive).sum(dim=-1, keepdim=True) + 1e-6
    w_alive = raw * budget / denom
    w = torch.where(a_alive > 0, w_alive, torch.full_like(raw, FLOOR_DEAD))

    any_alive = (n_alive > 0).expand(B, n)
    w = torch.where(any_alive, w, torch.ones_like(w))

    w = torch.nan_to_num(w, nan=1.0, posinf=W_MAX, neginf=FLOOR_DEAD)
    return w.clamp(FLOOR_DEAD, W_MAX)


def bias(td):
    s, n, B, allies, enemies = parse(td)

    a_alive = mask_of(allies[..., 0])
    e_alive = mask_of(enemies[..., 0])
    a_type = allies[..., 5:8] * a_alive.unsqueeze(-1)
    e_type = enemies[..., 4:7] * e_alive.unsqueeze(-1)

    # --- estimated max_reward (mirror match roster)
    cnt = torch.maximum(a_type.sum(dim=1), e_type.sum(dim=1))          # [B, 3]
    known = cnt.sum(dim=-1, keepdim=True)
    unit_max = torch.stack([
        torch.full_like(cnt[:, 0], HP_STALKER + SH_STALKER),
        torch.full_like(cnt[:, 0], HP_ZEALOT + SH_ZEALOT),
        torch.full_like(cnt[:, 0], HP_COLOSSUS + SH_COLOSSUS)], dim=-1)
    enemy_total = ((cnt * unit_max).sum(dim=-1, keepdim=True)
                   + (float(N_ENEMIES) - known).clamp_min(0.0) * EXPECTED_UNIT_VALUE)
    max_reward = REWARD_DEATH * N_ENEMIES + REWARD_WIN + enemy_total
    scale = REWARD_SCALE / (max_reward + 1e-6)

    # --- still obtainable
    e_left = enemy_hp_abs(enemies, e_type).sum(dim=-1, keepdim=True)
    e_count = e_alive.sum(dim=-1, keepdim=True)
    any_enemy = mask_of(e_count)

    # --- balance of forces -> win probability
    a_frac = (0.5 * (allies[..., 0] + allies[..., 4])).clamp(0.0, 1.0)
    e_frac = (0.5 * (enemies[..., 0] + enemies[..., 3])).clamp(0.0, 1.0)
    a_pow = (a_frac * by_type(a_type, VAL_STALKER, VAL_ZEALOT, VAL_COLOSSUS)).sum(dim=-1, keepdim=True)
    e_pow = (e_frac * by_type(e_type, VAL_STALKER, VAL_ZEALOT, VAL_COLOSSUS)).sum(dim=-1, keepdim=True)
    adv = a_pow / (a_pow + e_pow + 1e-6)
    p_win = torch.sigmoid(WIN_SHARPNESS * (adv - 0.5)) * mask_of(a_pow)
    dmg_share = p_win + (1.0 - p_win) * LOSS_DAMAGE_SHARE * adv

    # --- discount: time to engage + part of the fight
    dist, pair_alive = alive_dist_units(allies, enemies, a_alive, e_alive)
    a_rng = by_type(allies[..., 5:8], RANGE_STALKER, RANGE_ZEALOT, RANGE_COLOSSUS).unsqueeze(-1)
    gap = (dist - a_rng).clamp_min(0.0).amin(dim=-1).amin(dim=-1, keepdim=True).clamp(0.0, 40.0)
    steps = gap / MOVE_UNITS + 0.5 * FIGHT_STEPS * (e_left / (enemy_total + 1e-6)).clamp(0.0, 1.0)
    discount = torch.exp(LOG_GAMMA * steps)

    remaining = (e_left + REWARD_DEATH * e_count) * dmg_share + REWARD_WIN * p_win * any_enemy
    b = scale * remaining * discount
    b = torch.nan_to_num(b, nan=0.0, posinf=BIAS_MAX, neginf=0.0)
    return b.clamp(0.0, BIAS_MAX)
