"""Training-free credit assignment function for vmas/simple_spread.

task: vmas/simple_spread
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/vmas_simple_spread/answers)
prompt-sha256: c4c4d2f80a2ea2854151c8ebda61832df7b647ea0bac388c4f0ec3b76ac54fd5
igm: enforce
input: observation [B, n_agents, 14]

Chosen candidate r3c1 (round 3 of 3); validated on 256 sampled states; gamma 0.99.

Coordination credit with an assignment-aware "yield" term for vmas/simple_spread.

Observation layout per agent (14 features):
    0:2   own absolute position
    2:4   own velocity
    4:10  relative positions of the 3 landmarks (landmark - self)
    10:14 relative positions of the 2 other agents (other - self)

Team reward per step: -sum_l min_i |p_i - L_l| - 2 per overlapping agent pair. The team has to
split the 3 agents over the 3 landmarks without bumping into each other. Coordination credit:
  * collision risk (kept from the incumbent): agents at or approaching contact distance (0.3),
    now or after a short velocity extrapolation, get more weight;
  * yield: the optimal agent->landmark assignment is found by enumerating all 3! permutations
    (softly, on velocity-extrapolated distances). An agent whose assigned landmark is not its
    nearest one is the agent that must yield and travel to an uncovered landmark; its weight
    is raised in proportion to the mismatch and to the extra distance it has to cover.
Agents acting alone (assigned to their nearest landmark, far from others) get near-uniform
credit. Weights are renormalised to mean 1, clamped, and always positive (IGM holds).

Bias: estimate of the discounted team return: cost paid now, plus the cost paid while the
agents travel along the optimal assignment (about d^2 / (2 * 0.05) per agent, discounted),
plus a residual per-step cost once spread, plus persisting collision penalties; bounded to
[-60, 0].
"""

import torch
import torch.nn.functional as F

POS = slice(0, 2)
VEL = slice(2, 4)
LMK = slice(4, 10)

LOOKAHEAD = 0.4        # seconds of velocity extrapolation (about 4 env steps)
CONTACT = 0.3          # two agents of radius 0.15 overlap below this
RISK_SCALE = 0.25      # decay of collision risk outside contact
NEAR_TEMP = 0.1        # softness of "nearest landmark"
ASSIGN_TEMP = 0.05     # softness of the choice of assignment (linear distance cost)
EXTRA_SCALE = 0.3      # extra travel distance at which the yield term saturates
RISK_GAIN = 1.5
YIELD_GAIN = 1.5
BASE = 1.0
W_MIN = 0.05
W_MAX = 5.0

STEP_SPEED = 0.05      # distance per env step at full speed (approx.)
TRAVEL_COEF = 0.9 / (2.0 * STEP_SPEED)
RESIDUAL = 5.0
COLL_STEPS = 3.0
BIAS_MIN = -60.0
EPS = 1e-6


def clean_obs(x):
    return torch.nan_to_num(x, nan=0.0, posinf=10.0, neginf=-10.0)


def permutations(items):
    if len(items) <= 1:
        return [list(items)]
    out = []
    for k in range(len(items)):
        rest = items[:k] + items[k + 1:]
        for p in permutations(rest):
            out.append([items[k]] + p)
    return out


def off_diagonal(x, n):
    ar = torch.arange(n, dtype=x.dtype, device=x.device)
    same = ar.unsqueeze(0) == ar.unsqueeze(1)                 # [n, n]
    return torch.where(same, x.new_zeros((n, n)), x.new_ones((n, n)))


def pairwise_dist(a):
    diff = a.unsqueeze(2) - a.unsqueeze(1)                    # [B, n, n, 2]
    return torch.sqrt((diff * diff).sum(dim=-1) + EPS)        # [B, n, n]


def landmark_dists(obs, n):
    """Current and velocity-extrapolated agent->landmark distances, [B, n, L] each."""
    b = obs.shape[0]
    rel = obs[..., LMK].reshape(b, n, -1, 2)
    rel_pred = rel - obs[..., VEL].unsqueeze(2) * LOOKAHEAD
    d = torch.sqrt((rel * rel).sum(dim=-1) + EPS)
    d_pred = torch.sqrt((rel_pred * rel_pred).sum(dim=-1) + EPS)
    return d, d_pred


def soft_assignment(dist, n):
    """Soft optimal assignment on linear distances dist [B, n, n].

    Returns the assignment matrix A [B, n, L] (A[b, i, l] = prob. agent i gets landmark l)."""
    perms = permutations(list(range(n)))
    totals = []
    for p in perms:
        totals.append(torch.stack([dist[:, i, p[i]] for i in range(n)], dim=-1).sum(dim=-1))
    totals = torch.stack(totals, dim=-1)                      # [B, P]
    best = totals.amin(dim=-1, keepdim=True)
    pw = torch.softmax(-((totals - best) / ASSIGN_TEMP).clamp(max=1e4), dim=-1)
    rows = []
    for i in range(n):
        cols = []
        for l in range(n):
            ks = [k for k in range(len(perms)) if perms[k][i] == l]
            cols.append(pw[:, ks].sum(dim=-1))
        rows.append(torch.stack(cols, dim=-1))                # [B, L]
    return torch.stack(rows, dim=1)                           # [B, n, L]


def weights(td):
    obs = clean_obs(td["observation"])
    n = td["n_agents"]
    pos = obs[..., POS]
    vel = obs[..., VEL]
    mask = off_diagonal(obs, n).unsqueeze(0)                  # [1, n, n]

    # Collision risk between each pair, now or soon.
    d_now = pairwise_dist(pos)
    d_pred = pairwise_dist(pos + vel * LOOKAHEAD)
    d_eff = torch.minimum(d_now, d_pred)
    risk = torch.exp(-(F.relu(d_eff - CONTACT) / RISK_SCALE).clamp(max=30.0)) * mask
    risk_i = risk.sum(dim=-1)                                 # [B, n]

    # Yield: assigned landmark differs from the nearest one.
    dl = torch.minimum(landmark_dists(obs, n)[0], landmark_dists(obs, n)[1])   # [B, n, L]
    if dl.shape[-1] == n and n <= 5:
        assign = soft_assignment(dl, n)                       # [B, n, L]
        near = torch.softmax(-(dl / NEAR_TEMP).clamp(max=1e4), dim=-1)
        mismatch = (1.0 - (assign * near).sum(dim=-1)).clamp(min=0.0, max=1.0)
        extra = F.relu((assign * dl).sum(dim=-1) - dl.amin(dim=-1))
        yield_i = mismatch * torch.tanh(extra / EXTRA_SCALE)
    else:
        yield_i = torch.zeros_like(risk_i)

    raw = BASE + RISK_GAIN * risk_i + YIELD_GAIN * yield_i
    w = n * raw / (raw.sum(dim=-1, keepdim=True) + EPS)
    w = torch.clamp(w, min=W_MIN, max=W_MAX)
    return torch.nan_to_num(w, nan=1.0, posinf=W_MAX, neginf=W_MIN)


def bias(td):
    obs = clean_obs(td["observation"])
    n = td["n_agents"]
    dd = landmark_dists(obs, n)
    cover_now = dd[0].amin(dim=1).sum(dim=-1, keepdim=True)   # reward paid this step
    dl = torch.minimum(dd[0], dd[1])
    if dl.shape[-1] == n and n <= 5:
        assign = soft_assignment(dl, n)
        d_assigned = (assign * dl).sum(dim=-1)                # [B, n]
    else:
        d_assigned = dl.amin(dim=-1)
    travel = (d_assigned * d_assigned).sum(dim=-1, keepdim=True)
    d = pairwise_dist(obs[..., POS])
    overlap = torch.where(d < CONTACT, torch.ones_like(d), torch.zeros_like(d))
    overlap = overlap * off_diagonal(obs, n).unsqueeze(0)
    coll_now = overlap.sum(dim=-1).sum(dim=-1, keepdim=True)  # = 2 per overlapping pair
    value = -(cover_now + TRAVEL_COEF * travel + RESIDUAL + COLL_STEPS * coll_now)
    value = torch.clamp(value, min=BIAS_MIN, max=0.0)
    return torch.nan_to_num(value, nan=0.0, posinf=0.0, neginf=BIAS_MIN)
