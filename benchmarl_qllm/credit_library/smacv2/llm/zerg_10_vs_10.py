"""Training-free credit assignment function for smacv2/zerg_10_vs_10.

task: smacv2/zerg_10_vs_10
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/smacv2_zerg_10_vs_10/answers)
prompt-sha256: d20c8f8605a3f58c2f322d3485c79685cd1bc12836ed6b5a5a2fd27dfb620ace
igm: enforce
input: state [B, 290]

Chosen candidate r2c1 (round 2 of 3, stopped after round 2: the evaluator accepted it); validated on 256 sampled states; gamma 0.99.

TFCAF r2c1 -- reward influence (damage + kills over the next few steps) + survival threat.

The team reward is damage dealt to enemies + 10 per kill (+200 on the win).  Agents whose
actions can move that reward soon get more credit.  For every live agent i we estimate,
in unscaled reward points over a horizon of H = 3 steps:

  * time to engage enemy j: steps_ij = relu(d_ij - range_i) / move_per_step,
    engage_ij = exp(-steps_ij / 4)  (1 in range, still ~0.3 five steps out, so the
    approach phase is graded instead of flat),
  * zergling / hydralisk: damage D_i = H * damage_per_step_i * ready_i plus the kill bonus
    10 * min(1, D_i / hp_j) on the target's remaining absolute HP;
    influence_i = max_j engage_ij * (...),
  * baneling: one blast on every enemy around its target,
    influence_i = max_j engage_ij * 40 * (live enemies within splash of j).

Threat (new): enemy damage that can reach agent i within the horizon (each enemy's own
range, speed and damage per step; banelings count their blast), relative to the agent's
remaining absolute HP.  A unit under fire, especially a wounded one, decides by its
action (kite, retreat, trade) whether its future damage output survives, so it gets a
bounded extra 0.6 * tanh(threat / (hp + 10)).

raw_i = 0.3 + log1p(influence_i / 8) + 0.6 * tanh(threat_i / (hp_i + 10)) + 0.2 * attacked,
renormalised to mean 1 over live agents and clamped to [0.1, 5]; dead agents keep 0.05.
Before contact all agents are equal (VDN-like).

Bias: reward still available (remaining enemy HP, 10 per live enemy, 200 for the win;
scaled by 20 / ~900) times a live-strength ratio, times 0.6 -- bounded in [0, 20].
"""

import math
import torch
import torch.nn.functional as F

N_ENEMIES = 10
ALLY_FEATS = 7
ENEMY_FEATS = 6
N_ACTIONS = 16

EXTENT = 28.0                      # playable extent in map units (normalisation)
RANGE_ZERGLING = 2.0 / EXTENT + 0.02
RANGE_HYDRALISK = 5.0 / EXTENT + 0.02
RANGE_BANELING = 2.0 / EXTENT + 0.02
MOVE_PER_STEP = 2.0 / EXTENT       # a move action covers ~2 map units
HORIZON = 3.0
ENGAGE_DECAY = 4.0                 # steps

# damage per environment step (8 game frames)
DMG_ZERGLING = 5.0 * 8.0 / 11.0
DMG_HYDRALISK = 12.0 * 8.0 / 10.0
BANE_PER_TARGET = 40.0
BANE_BLAST = 35.0                  # enemy baneling blast on one of our light units
SPLASH = 2.2 / EXTENT

HP_ZERGLING = 35.0
HP_HYDRALISK = 90.0
HP_BANELING = 30.0

INFL_SCALE = 8.0
THREAT_COEF = 0.6
FLOOR = 0.3
DEAD_W = 0.05
W_MIN = 0.1
W_MAX = 5.0
FAR = 10.0

MAX_REWARD = 900.0
REWARD_SCALE = 20.0
BIAS_COEF = 0.6
VAL_ZERGLING = 1.0
VAL_HYDRALISK = 1.6
VAL_BANELING = 0.8


def split_state(state, n_agents):
    b = state.shape[0]
    allies = state[:, 0:n_agents * ALLY_FEATS].reshape(b, n_agents, ALLY_FEATS)
    e0 = n_agents * ALLY_FEATS
    e1 = e0 + N_ENEMIES * ENEMY_FEATS
    enemies = state[:, e0:e1].reshape(b, N_ENEMIES, ENEMY_FEATS)
    last_act = state[:, e1:e1 + n_agents * N_ACTIONS].reshape(b, n_agents, N_ACTIONS)
    return allies, enemies, last_act


def pair_dist(p, q):
    diff = p.unsqueeze(2) - q.unsqueeze(1)
    return torch.sqrt((diff * diff).sum(dim=-1) + 1e-8)


def type_mix(t, z, h, b):
    return t[..., 0] * z + t[..., 1] * h + t[..., 2] * b


def weights(td):
    state = td["state"]
    n_agents = td["n_agents"]
    allies, enemies, last_act = split_state(state, n_agents)
    dt = state.dtype

    a_hp = allies[..., 0].clamp(0.0, 1.0)
    a_cd = allies[..., 1].clamp(0.0, 1.0)
    a_pos = allies[..., 2:4]
    a_type = allies[..., 4:7]
    a_alive = (a_hp > 0).to(dt)                                   # [B, N]
    is_b = a_type[..., 2]
    a_hp_abs = a_hp * type_mix(a_type, HP_ZERGLING, HP_HYDRALISK, HP_BANELING)

    e_hp = enemies[..., 0].clamp(0.0, 1.0)
    e_pos = enemies[..., 1:3]
    e_type = enemies[..., 3:6]
    e_alive_b = e_hp > 0
    e_alive = e_alive_b.to(dt)                                    # [B, M]
    e_hp_abs = e_hp * type_mix(e_type, HP_ZERGLING, HP_HYDRALISK, HP_BANELING)

    # distances ally i -> enemy j (dead enemies pushed far away)
    d_ae = pair_dist(a_pos, e_pos)                                # [B, N, M]
    d_ae = torch.where(e_alive_b.unsqueeze(1), d_ae, torch.full_like(d_ae, FAR))

    # ---- our influence on the reward -------------------------------------------
    rng = type_mix(a_type, RANGE_ZERGLING, RANGE_HYDRALISK, RANGE_BANELING)
    steps = F.relu(d_ae - rng.unsqueeze(-1)) / MOVE_PER_STEP
    engage = torch.exp(-(steps / ENGAGE_DECAY).clamp(max=50.0)) * e_alive.unsqueeze(1)

    ready = 1.0 - 0.5 * a_cd
    dmg_h = HORIZON * type_mix(a_type, DMG_ZERGLING, DMG_HYDRALISK, 0.0) * ready
    kill_frac = (dmg_h.unsqueeze(-1) / (e_hp_abs.unsqueeze(1) + 1e-3)).clamp(0.0, 1.0)
    gain = dmg_h.unsqueeze(-1) + 10.0 * kill_frac                 # [B, N, M]
    infl_fire = (engage * gain).amax(dim=-1)                      # [B, N]

    d_ee = pair_dist(e_pos, e_pos)                                # [B, M, M]
    near = torch.sigmoid((SPLASH - d_ee) / 0.02) * e_alive.unsqueeze(1)
    cluster = (near.sum(dim=-1) * e_alive).clamp(max=6.0)         # [B, M]
    infl_bane = (engage * BANE_PER_TARGET * cluster.unsqueeze(1)).amax(dim=-1)

    infl = (1.0 - is_b) * infl_fire + is_b * infl_bane            # [B, N]

    # ---- threat: enemy damage that can reach agent i within the horizon ---------
    e_rng = type_mix(e_type, RANGE_ZERGLING, RANGE_HYDRALISK, RANGE_BANELING)  # [B, M]
    e_steps = F.relu(d_ae - e_rng.unsqueeze(1)) / MOVE_PER_STEP   # [B, N, M]
    e_reach = torch.exp(-(e_steps / 2.0).clamp(max=50.0)) * e_alive.unsqueeze(1)
    e_dmg = (HORIZON * type_mix(e_type, DMG_ZERGLING, DMG_HYDRALISK, 0.0)
             + e_type[..., 2] * BANE_BLAST)                       # [B, M]
    threat = (e_reach * e_dmg.unsqueeze(1)).sum(dim=-1)           # [B, N]
    danger = torch.tanh(threat / (a_hp_abs + 10.0))               # [0, 1)

    attacking = last_act[..., 6:16].sum(dim=-1).clamp(0.0, 1.0)

    raw = (FLOOR + torch.log1p(infl / INFL_SCALE) + THREAT_COEF * danger
           + 0.2 * attacking)
    raw = raw * a_alive

    n_alive = a_alive.sum(dim=-1, keepdim=True)
    total = raw.sum(dim=-1, keepdim=True)
    w_alive = (raw * n_alive / (total + 1e-6)).clamp(W_MIN, W_MAX)

    w = torch.where(a_alive > 0, w_alive, torch.full_like(w_alive, DEAD_W))
    w = torch.nan_to_num(w, nan=1.0, posinf=W_MAX, neginf=DEAD_W)
    return w.clamp(DEAD_W, W_MAX)


def bias(td):
    state = td["state"]
    n_agents = td["n_agents"]
    allies, enemies, last_act = split_state(state, n_agents)

    a_hp = allies[..., 0].clamp(0.0, 1.0)
    a_type = allies[..., 4:7]
    e_hp = enemies[..., 0].clamp(0.0, 1.0)
    e_type = enemies[..., 3:6]
    e_alive = (e_hp > 0).to(state.dtype)

    e_maxhp = type_mix(e_type, HP_ZERGLING, HP_HYDRALISK, HP_BANELING)
    hp_left = (e_hp * e_maxhp).sum(dim=-1, keepdim=True)
    kills_left = 10.0 * e_alive.sum(dim=-1, keepdim=True)
    remaining = REWARD_SCALE * (hp_left + kills_left + 200.0) / MAX_REWARD

    a_val = type_mix(a_type, VAL_ZERGLING, VAL_HYDRALISK, VAL_BANELING)
    e_val = type_mix(e_type, VAL_ZERGLING, VAL_HYDRALISK, VAL_BANELING)
    a_str = (a_hp * a_val).sum(dim=-1, keepdim=True)
    e_str = (e_hp * e_val).sum(dim=-1, keepdim=True)
    p = (a_str + 1e-3) / (a_str + e_str + 2e-3)

    b = BIAS_COEF * p * remaining
    b = torch.nan_to_num(b, nan=0.0, posinf=0.0, neginf=0.0)
    return b.clamp(0.0, 20.0)
