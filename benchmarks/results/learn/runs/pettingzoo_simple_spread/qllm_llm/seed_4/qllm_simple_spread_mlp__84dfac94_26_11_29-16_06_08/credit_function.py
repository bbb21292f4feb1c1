"""Training-free credit assignment function for pettingzoo/simple_spread.

task: pettingzoo/simple_spread
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/pettingzoo_simple_spread/answers)
prompt-sha256: 6195f39c21e2b4274e6dec700f77c9c65809f43dbc33d0050caebc45710c9f13
igm: enforce
input: state [B, 54]

Chosen candidate r2c1 (round 2 of 3, stopped after round 2: the evaluator accepted it); validated on 256 sampled states; gamma 0.99.

Influence-on-reward credit for simple_spread (candidate r2c1, refines r1c2).

Idea: weight each agent by how much its own action can change the team reward
r_team = 0.5 * global + 0.5 * mean_i local_i over the next few steps.

* Global term (-sum_j distance from landmark j to its nearest agent): agent i
  moves the terms of the landmarks it is responsible for.  Responsibility R_ij
  mixes (a) the soft nearest-agent rule (who moves the term right now) and
  (b) a soft minimum-cost agent->landmark matching over all permutations (who
  should cover it), so a redundant agent sharing a landmark still gets credit
  for the uncovered landmark it has to take.  Each landmark column of R sums
  to 1.  R_ij is multiplied by the controllable change of that distance within
  REACH (about 3 steps of control: shrink by min(d, REACH) or grow by REACH),
  times 0.5 (the global share of r_team).
* Collision term: a colliding pair costs 1/3 of team reward per step (each of
  the two agents gets -1, averaged over 3 agents, times 0.5), and either agent
  of the pair can avoid or end it.  Agent i gets 1/3 * risk_ik for every other
  agent k whose current or velocity-predicted distance is within reach of the
  collision distance 0.3.

Scores are normalised to mean 1 over agents and mixed with a floor of 0.3, so
all weights are in [0.3, 2.5] (monotonic mixing, IGM holds).  A bounded bias
carries a baseline of the discounted team return: the travel cost still to be
paid to reach the soft matching, plus the current collision penalty.
"""

import math
import torch
import torch.nn.functional as F

N_FEAT = 18
VEL = slice(0, 2)
POS = slice(2, 4)
LM_START = 4
REACH = 0.25            # world units an action can shift an agent in ~3 steps
LOOKAHEAD = 0.3         # seconds of velocity look-ahead (3 steps)
TAU_NEAR = 0.125        # temperature of "can become the nearest agent"
TAU_ASSIGN = 0.1        # temperature of the soft permutation matching
MIX_ASSIGN = 0.5        # share of responsibility from the matching
GLOBAL_SHARE = 0.5      # weight of the global term in r_team
COLL_DIST = 0.3         # centres closer than this collide
COLL_SOFT = 0.05        # softness of the collision-risk sigmoid
COLL_PAIR_COST = 1.0 / 3.0   # team-reward cost per colliding pair per step
FLOOR = 0.3
W_MAX = 2.5
EPS = 1e-6
STEP_DIST = 0.2         # world units per step at terminal speed
LAG_DIST = 0.8          # extra distance-steps lost to acceleration (per unit)
BIAS_MIN = -80.0
MAX_PERM_N = 5


def permutations(n):
    """All permutations of range(n) as lists (pure Python on ints)."""
    if n == 0:
        return [[]]
    out = []
    for p in permutations(n - 1):
        for k in range(n):
            out.append(p[:k] + [n - 1] + p[k:])
    return out


def norm2(x):
    return torch.sqrt((x * x).sum(dim=-1) + 1e-8)


def geometry(td):
    state = td["state"]
    n = td["n_agents"]
    obs = state.reshape(-1, n, N_FEAT)
    rel = obs[..., LM_START:LM_START + 2 * n].reshape(-1, n, n, 2)   # [B, agent, lm, 2]
    vel = obs[..., VEL]
    pos = obs[..., POS]
    d = norm2(rel)
    d_pred = norm2(rel - vel.unsqueeze(2) * LOOKAHEAD)
    d_eff = torch.minimum(d, d_pred)
    # pairwise agent distances, now and predicted
    diff = pos.unsqueeze(2) - pos.unsqueeze(1)                          # [B, n, n, 2]
    vdiff = vel.unsqueeze(2) - vel.unsqueeze(1)
    p_now = norm2(diff)
    p_pred = norm2(diff + vdiff * LOOKAHEAD)
    p_eff = torch.minimum(p_now, p_pred)
    idx = torch.arange(n, dtype=state.dtype, device=state.device)
    self_mask = idx.unsqueeze(0) == idx.unsqueeze(1)                     # [n, n]
    return state, n, d, d_eff, p_now, p_eff, self_mask


def soft_matching(d, n):
    """Soft minimum-cost matching.

    Returns (assign [B, n_agents, n_landmarks], columns sum to 1;
             dist_lm [B, n_landmarks], matched distance per landmark).
    """
    if n > MAX_PERM_N:
        soft = torch.softmax(-d / TAU_NEAR, dim=1)
        return soft, (soft * d).sum(dim=1)
    perms = permutations(n)
    costs = []
    per_lm = []
    for p in perms:
        lm = torch.stack([d[:, p[j], j] for j in range(n)], dim=1)       # [B, L]
        per_lm.append(lm)
        costs.append(lm.sum(dim=1))
    costs = torch.stack(costs, dim=1)                                     # [B, K]
    pk = torch.softmax(-costs / TAU_ASSIGN, dim=1)
    per_lm = torch.stack(per_lm, dim=1)                                   # [B, K, L]
    dist_lm = (pk.unsqueeze(2) * per_lm).sum(dim=1)                       # [B, L]
    rows = []
    for i in range(n):
        cols = []
        for j in range(n):
            acc = torch.zeros_like(pk[:, 0])
            for k in range(len(perms)):
                if perms[k][j] == i:
                    acc = acc + pk[:, k]
            cols.append(acc)
        rows.append(torch.stack(cols, dim=1))
    assign = torch.stack(rows, dim=1)                                     # [B, n, L]
    return assign, dist_lm


def weights(td):
    state, n, d, d_eff, p_now, p_eff, self_mask = geometry(td)
    # global term: which landmark distances can / should agent i move?
    near = torch.softmax(-d_eff / TAU_NEAR, dim=1)                        # [B, n, L]
    assign, dist_lm = soft_matching(d_eff, n)
    resp = MIX_ASSIGN * assign + (1.0 - MIX_ASSIGN) * near                # columns sum to 1
    ctrl = torch.clamp(d, max=REACH) + REACH                              # achievable change
    g_score = GLOBAL_SHARE * (resp * ctrl).sum(dim=2)                     # [B, n]
    # collision term: pairs whose collision status agent i can change
    risk = torch.sigmoid((COLL_DIST + REACH - p_eff) / COLL_SOFT)
    risk = torch.where(self_mask, torch.zeros_like(risk), risk)
    c_score = COLL_PAIR_COST * risk.sum(dim=2)                            # [B, n]
    score = g_score + c_score
    share = n * score / (score.sum(dim=1, keepdim=True) + EPS)
    w = FLOOR + (1.0 - FLOOR) * share
    w = torch.nan_to_num(w, nan=1.0, posinf=W_MAX, neginf=FLOOR)
    return torch.clamp(w, FLOOR, W_MAX)


def bias(td):
    state, n, d, d_eff, p_now, p_eff, self_mask = geometry(td)
    assign, dist_lm = soft_matching(d, n)
    # discounted global cost while travelling at <= STEP_DIST per step
    travel = dist_lm * dist_lm / (2.0 * STEP_DIST) + (LAG_DIST / STEP_DIST) * 0.5 * dist_lm
    b = -GLOBAL_SHARE * travel.sum(dim=1, keepdim=True)
    # current collisions (each pair counted twice in the matrix)
    coll = torch.sigmoid((COLL_DIST - p_now) / 0.02)
    coll = torch.where(self_mask, torch.zeros_like(coll), coll)
    b = b - COLL_PAIR_COST * 0.5 * coll.sum(dim=(1, 2)).unsqueeze(1)
    b = torch.nan_to_num(b, nan=0.0, posinf=0.0, neginf=BIAS_MIN)
    return torch.clamp(b, BIAS_MIN, 0.0)
