"""Training-free credit assignment function for smacv2/protoss_10_vs_10.

task: smacv2/protoss_10_vs_10
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/smacv2_protoss_10_vs_10/answers)
prompt-sha256: 3c94572fecd173583f39734018ca95b0b61a35b33eaaef5e024d05ca22196929
igm: enforce
input: state [B, 310]

Chosen candidate r2c1 (round 2 of 3, stopped after round 2: the evaluator accepted it); validated on 256 sampled states; gamma 0.99.

Influence-on-reward credit for SMACv2 protoss 10 vs 10 (refined incumbent r1c2).

The team reward only counts damage dealt to enemies (+10 per kill, +200 for the win), so an
agent moves the reward when it can shoot: an alive enemy inside its shoot range and a weapon
(nearly) off cooldown. For every alive agent i and enemy j:

    value_ij = damage per attack of type i against type j (armored / light bonuses, colossus
               splash) + 10 * P(this attack kills enemy j)
    avail_ij = in_range_ij * (0.35 + 0.65 * ready_i)
               + 0.5 * approach_ij * (1 - in_range_ij)

approach_ij decays with the distance still to close on a ~6 map-unit scale (three move steps),
so melee zealots closing in and ranged units about to engage keep a good share of credit.
Influence_i = max_j value_ij * avail_ij. Agents inside the shoot range of alive enemies
(about to be targeted: their movement decides whether they keep dealing damage) get a small
extra. raw = 0.4 + influence / 20 + 0.15 * threat, normalised to mean 1 over alive agents and
clamped to [0.3, 5]; dead agents (no-op only) get a tiny constant. All weights >= 0 (IGM).

The bias is a bounded estimate of the remaining discounted team return (remaining enemy
health + shield, kill rewards, and the win bonus times a crude win probability), scaled by
20 / max_reward.
"""

import math
import torch
import torch.nn.functional as F

N_ENEMIES = 10
ALLY_DIM = 8
ENEMY_DIM = 7
MAP_SCALE = 32.0

# unit-type one-hot order: stalker, zealot, colossus
RANGE_BY_TYPE = (6.0, 2.0, 7.0)
MAX_HP = (80.0, 100.0, 200.0)
MAX_SH = (80.0, 50.0, 150.0)
AVG_UNIT_POOL = 174.5
RANGE_MARGIN = 1.0 / MAP_SCALE
IN_RANGE_TEMP = 0.5 / MAP_SCALE
APPROACH_SCALE = 6.0 / MAP_SCALE
APPROACH_WEIGHT = 0.5
THREAT_MARGIN = 1.5 / MAP_SCALE
THREAT_WEIGHT = 0.15

# damage per attack, attacker row x target column (stalker, zealot, colossus)
# stalker 13 (+5 armored), zealot 2x8, colossus 2x10 (+2x5 light) with ~1.5x splash
DMG_STALKER = (18.0, 13.0, 18.0)
DMG_ZEALOT = (16.0, 16.0, 16.0)
DMG_COLOSSUS = (30.0, 45.0, 30.0)
KILL_TEMP = 6.0

FLOOR = 0.4
INFLUENCE_SCALE = 20.0
DEAD_W = 0.05
W_MIN = 0.3
W_MAX = 5.0

REWARD_SCALE = 20.0
REWARD_WIN = 200.0
REWARD_DEATH = 10.0
BIAS_DISCOUNT = 0.7
BIAS_MAX = 20.0


def type_lookup(onehot, values):
    return onehot[..., 0] * values[0] + onehot[..., 1] * values[1] + onehot[..., 2] * values[2]


def split_state(state, n_agents):
    allies = state[:, 0:ALLY_DIM * n_agents].reshape(-1, n_agents, ALLY_DIM)
    start = ALLY_DIM * n_agents
    enemies = state[:, start:start + ENEMY_DIM * N_ENEMIES].reshape(-1, N_ENEMIES, ENEMY_DIM)
    return allies, enemies


def damage_matrix(a_type, e_type):
    # a_type [B, n, 3], e_type [B, m, 3] -> [B, n, m]
    dmg_vs_s = type_lookup(a_type, (DMG_STALKER[0], DMG_ZEALOT[0], DMG_COLOSSUS[0]))
    dmg_vs_z = type_lookup(a_type, (DMG_STALKER[1], DMG_ZEALOT[1], DMG_COLOSSUS[1]))
    dmg_vs_c = type_lookup(a_type, (DMG_STALKER[2], DMG_ZEALOT[2], DMG_COLOSSUS[2]))
    return (dmg_vs_s.unsqueeze(-1) * e_type[..., 0].unsqueeze(1)
            + dmg_vs_z.unsqueeze(-1) * e_type[..., 1].unsqueeze(1)
            + dmg_vs_c.unsqueeze(-1) * e_type[..., 2].unsqueeze(1))


def weights(td):
    state = td["state"]
    n = td["n_agents"]
    allies, enemies = split_state(state, n)

    a_hp = allies[..., 0]
    a_cd = allies[..., 1]
    a_pos = allies[..., 2:4]
    a_type = allies[..., 5:8]
    a_alive = (a_hp > 0).to(state.dtype)

    e_hp = enemies[..., 0]
    e_pos = enemies[..., 1:3]
    e_sh = enemies[..., 3]
    e_type = enemies[..., 4:7]
    e_alive = (e_hp > 0).to(state.dtype)
    e_alive_b = e_alive.unsqueeze(1)

    diff = a_pos.unsqueeze(2) - e_pos.unsqueeze(1)
    dist = torch.sqrt((diff * diff).sum(dim=-1) + 1e-8)
    dist = torch.where(e_alive_b > 0, dist, torch.full_like(dist, 5.0))

    # own shoot range: can agent i hit enemy j, or how far is it from doing so
    rng = type_lookup(a_type, RANGE_BY_TYPE) / MAP_SCALE + RANGE_MARGIN
    rng_b = rng.unsqueeze(-1)
    in_range = torch.sigmoid(torch.clamp((rng_b - dist) / IN_RANGE_TEMP, -30.0, 30.0)) * e_alive_b
    gap = F.relu(dist - rng_b)
    approach = torch.exp(-torch.clamp(gap / APPROACH_SCALE, max=50.0)) * e_alive_b

    ready = (1.0 - torch.clamp(a_cd, 0.0, 1.0)).unsqueeze(-1)  # [B, n, 1]

    # reward an attack of i on j would produce: damage + kill bonus
    dmg = damage_matrix(a_type, e_type)  # [B, n, m]
    e_eff = e_hp * type_lookup(e_type, MAX_HP) + e_sh * type_lookup(e_type, MAX_SH)  # [B, m]
    e_eff_b = e_eff.unsqueeze(1)
    dealt = torch.minimum(dmg, e_eff_b)
    p_kill = torch.sigmoid(torch.clamp((dmg - e_eff_b) / KILL_TEMP, -30.0, 30.0))
    value = (dealt + REWARD_DEATH * p_kill) * e_alive_b

    avail = in_range * (0.35 + 0.65 * ready) + APPROACH_WEIGHT * approach * (1.0 - in_range)
    influence = (value * avail).amax(dim=-1)  # [B, n]

    # about to be targeted: inside the shoot range of some alive enemy
    e_rng = (type_lookup(e_type, RANGE_BY_TYPE) / MAP_SCALE + RANGE_MARGIN).unsqueeze(1)  # [B, 1, m]
    threatened = torch.sigmoid(torch.clamp((e_rng + THREAT_MARGIN - dist) / IN_RANGE_TEMP, -30.0, 30.0))
    threat = (threatened * e_alive_b).amax(dim=-1)  # [B, n] in [0, 1]

    raw = FLOOR + influence / INFLUENCE_SCALE + THREAT_WEIGHT * threat

    n_alive = a_alive.sum(dim=-1, keepdim=True)
    mean_alive = (raw * a_alive).sum(dim=-1, keepdim=True) / (n_alive + 1e-6)
    mean_alive = torch.clamp_min(mean_alive, FLOOR)

    w = torch.clamp(raw / mean_alive, W_MIN, W_MAX)
    w = torch.where(a_alive > 0, w, torch.full_like(w, DEAD_W))
    return torch.nan_to_num(w, nan=1.0, posinf=W_MAX, neginf=DEAD_W)


def bias(td):
    state = td["state"]
    n = td["n_agents"]
    allies, enemies = split_state(state, n)

    a_hp = allies[..., 0]
    a_sh = allies[..., 4]
    a_type = allies[..., 5:8]
    a_alive = (a_hp > 0).to(state.dtype)

    e_hp = enemies[..., 0]
    e_sh = enemies[..., 3]
    e_type = enemies[..., 4:7]
    e_alive = (e_hp > 0).to(state.dtype)

    a_rem = (a_hp * type_lookup(a_type, MAX_HP) + a_sh * type_lookup(a_type, MAX_SH)).sum(dim=-1)
    e_max_tot = (type_lookup(e_type, MAX_HP) + type_lookup(e_type, MAX_SH)) * e_alive
    e_rem = (e_hp * type_lookup(e_type, MAX_HP) + e_sh * type_lookup(e_type, MAX_SH)).sum(dim=-1)

    n_e_alive = e_alive.sum(dim=-1)
    n_e_dead = N_ENEMIES - n_e_alive
    enemy_max_total = e_max_tot.sum(dim=-1) + n_e_dead * AVG_UNIT_POOL
    max_reward = REWARD_DEATH * N_ENEMIES + REWARD_WIN + enemy_max_total

    ratio = (a_rem - e_rem) / (a_rem + e_rem + 1e-6)
    any_enemy = (n_e_alive > 0).to(state.dtype)
    any_ally = (a_alive.sum(dim=-1) > 0).to(state.dtype)
    p_win = torch.sigmoid(4.0 * ratio) * any_enemy * any_ally

    potential = e_rem + REWARD_DEATH * n_e_alive
    expected = p_win * (potential + REWARD_WIN) + (1.0 - p_win) * 0.4 * potential * any_ally

    b = BIAS_DISCOUNT * REWARD_SCALE * expected / (max_reward + 1e-6)
    b = torch.clamp(torch.nan_to_num(b, nan=0.0, posinf=BIAS_MAX, neginf=0.0), 0.0, BIAS_MAX)
    return b.unsqueeze(-1)
