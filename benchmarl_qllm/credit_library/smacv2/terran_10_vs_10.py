"""Training-free credit assignment function for smacv2/terran_10_vs_10.

task: smacv2/terran_10_vs_10
produced-by: hand-written by a benchmarl-qllm developer (an AI coding assistant), not by the QLLM generation pipeline
model: none
prompt-sha256: none
igm: enforce
input: state [B, 290]

Task: SMACv2 terran_10_vs_10 (map 10gen_terran): 10 agents fight 10 enemy units of the same
composition, controlled by the built-in AI; the unit types are drawn every episode from marine,
marauder, medivac. Terran vs Terran. Medivacs cannot attack: their target actions heal a living,
non-medivac ally, so their part in the fight is measured by injured allies nearby. Shared
reward: damage dealt + 10 per kill + 200 for the win, scaled so that a perfect episode returns
about 20; an episode ends when a side is wiped out or after 200 steps.

State layout (smacv2 StarCraft2Env.get_state with BenchMARL's smacv2/terran_10_vs_10 config):
  0:70     allies, 10 rows x 7: health, cooldown, relative_x, relative_y,
           unit-type one-hot (0 = marine, 1 = marauder, 2 = medivac)
  70:130   enemies, 10 rows x 6: health, relative_x, relative_y, unit-type one-hot
  130:290  last actions, 10 one-hot rows x 16 (not used here)
Health is a fraction in [0, 1]; positions are (x - map centre) / playable extent
(about [-0.5, 0.5]); a dead unit's whole row is 0, so "alive" is health > 0 and a dead unit's
position (0, 0) is never used. Agent ids are sorted by unit type (marauder < marine < medivac).
Accepted widths: 130, 131, 290, 291 (with/without last actions and the optional
timestep feature, which come after the blocks read here); anything else is rejected.

Credit idea: living allies that still have health and stand close to living,
weakened enemies are the ones fighting for the next reward (damage and kills). For ally i:
  reach_i       = (shoot range of its type + 3) / 32 (about where it engages, in state units)
  opportunity_ij = alive_j * exp(-d_ij / reach_i) * (1.5 - hp_j)       (d: ally-enemy distance)
  engagement_i  = max_j opportunity_ij
  Medivacs (type 2) heal instead of attacking: for them
      engagement_i = max_k alive_k * not_medivac_k * exp(-d_ik / reach_i) * (1.5 - hp_k)
  over the other allies k (injured allies close by).
  score_i = alive_i * (0.25 + hp_i) * (0.25 + engagement_i)
Weights: w_i = FLOOR + (1 - FLOOR) * n * score_i / sum_k score_k. Dead allies get exactly
FLOOR = 0.1 (> 0, so IGM holds and they keep a small gradient), living allies always more; the
mean over agents is exactly 1 (VDN scale). When no enemy is left every living ally scores
alike; when every ally is dead all weights are 1. Row by row, no parameters, no bias.
"""

import torch

N_AGENTS = 10
N_ENEMIES = 10
ALLY_FEATURES = 7
ENEMY_FEATURES = 6
ALLY_END = 70
ENEMY_END = 130
STATE_WIDTHS = (130, 131, 290, 291)

# Columns inside an ally row / an enemy row.
HEALTH = 0
X = 2
TYPE = 4
E_HEALTH = 0
E_X = 1
MEDIVAC = 2            # medivac bit of the unit-type one-hot

# Engagement distance per unit type (marine, marauder, medivac), state units.
REACH = (0.25, 0.281, 0.219)
MIN_REACH = 0.05
FLOOR = 0.1


def weights(td):
    state = td["state"]
    n = td["n_agents"]
    if n != N_AGENTS or state.shape[-1] not in STATE_WIDTHS:
        raise ValueError(
            f"smacv2/terran_10_vs_10 credit expects {N_AGENTS} agents and a state of width "
            f"{STATE_WIDTHS}, got {n} agents and {state.shape[-1]}"
        )
    state = torch.nan_to_num(state, nan=0.0, posinf=1.0, neginf=-1.0)
    batch = state.shape[0]
    allies = state[:, 0:ALLY_END].reshape(batch, N_AGENTS, ALLY_FEATURES)
    enemies = state[:, ALLY_END:ENEMY_END].reshape(batch, N_ENEMIES, ENEMY_FEATURES)

    ally_alive = allies[..., HEALTH] > 0
    enemy_alive = enemies[..., E_HEALTH] > 0
    ally_hp = allies[..., HEALTH].clamp(0.0, 1.0)
    enemy_hp = enemies[..., E_HEALTH].clamp(0.0, 1.0)
    ally_pos = allies[..., X:X + 2].clamp(-1.0, 1.0)
    enemy_pos = enemies[..., E_X:E_X + 2].clamp(-1.0, 1.0)
    ally_type = allies[..., TYPE:TYPE + 3].clamp(0.0, 1.0)

    reach_table = torch.tensor(REACH, dtype=state.dtype, device=state.device)
    reach = (ally_type * reach_table).sum(-1).clamp_min(MIN_REACH)       # [B, n]
    dist = torch.linalg.vector_norm(
        ally_pos.unsqueeze(2) - enemy_pos.unsqueeze(1), dim=-1
    )                                                                   # [B, n, m]
    target = ((1.5 - enemy_hp) * enemy_alive.to(state.dtype)).unsqueeze(1)
    opportunity = torch.exp(-dist / reach.unsqueeze(-1)) * target        # [B, n, m]
    engagement = opportunity.amax(-1)                                   # [B, n]

    # Medivacs heal: their engagement comes from injured, living non-medivac allies nearby.
    medivac = ally_type[..., MEDIVAC] > 0.5                             # [B, n]
    ally_dist = torch.linalg.vector_norm(
        ally_pos.unsqueeze(2) - ally_pos.unsqueeze(1), dim=-1
    )                                                                   # [B, n, n]
    patient = (ally_alive & ~medivac).to(state.dtype)
    heal = torch.exp(-ally_dist / reach.unsqueeze(-1)) * ((1.5 - ally_hp) * patient).unsqueeze(1)
    engagement = torch.where(medivac, heal.amax(-1), engagement)

    alive = ally_alive.to(state.dtype)
    score = alive * (0.25 + ally_hp) * (0.25 + engagement)
    battle_over = ~enemy_alive.any(-1, keepdim=True)
    score = torch.where(battle_over, alive, score)
    total = score.sum(-1, keepdim=True)
    share = score * N_AGENTS / total.clamp_min(1e-6)
    w = FLOOR + (1.0 - FLOOR) * share
    return torch.where(total > 0, w, torch.ones_like(w))
