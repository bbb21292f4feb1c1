"""Training-free credit assignment function for vmas/simple_reference.

task: vmas/simple_reference
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/vmas_simple_reference/answers)
prompt-sha256: 0aec46d766553237db8601dca3d3d86e5e7d5d4059b753e3adefe7bb0ffa18d3
igm: enforce
input: observation [B, n_agents, 21]

Chosen candidate r2c1 (round 2 of 3, stopped after round 2: the evaluator accepted it); validated on 256 sampled states; gamma 0.99.

Coordination (speaker/listener) credit for vmas/simple_reference, refined.

The team reward is -(d_0 + d_1), d_j = distance of agent j to its own target landmark.
It is a referential game: agent j's target colour is only seen by its partner, so j can
only reach its target if the partner SPEAKS correctly and j LISTENS and moves. Agents do
not collide, so the only interaction between them is the message channel.

Need of agent j (how much it still depends on guidance):
  need_j = sat(d_j) * (0.5 + 0.5 * lost_j)
    sat(d)  = 1 - exp(-d / R)                      (distance still to cover)
    lost_j  = 1 - tanh(relu(approach speed) / v0)  (idle or heading the wrong way)
Agent i's raw credit = floor + C_SELF * need_i (its own movement term)
                             + C_PARTNER * need_partner (its message guides the partner).
The speaker term dominates: when the partner is lost, i's message is what fixes the
team reward. Weights are normalised to mean 1 over agents (VDN scale), strictly
positive (IGM enforced) and bounded. Physical proximity terms are dropped: it does not
enter the reward.

Bias: a bounded multiple of the per-step team reward -(d_0 + d_1), as a state baseline.
"""

import math
import torch
import torch.nn.functional as F

VEL = slice(0, 2)
LM_START = 2
N_LM = 3
COLOR = slice(8, 11)
COLOR_TEMP = 30.0
REACH = 0.4
V0 = 0.5
BASE = 0.3
C_SELF = 0.3
C_PARTNER = 1.0
W_MIN = 0.1
W_MAX = 4.0
BIAS_SCALE = 5.0
BIAS_MAX = 40.0
EPS = 1e-6


def landmark_rel(obs):
    parts = []
    for k in range(N_LM):
        parts.append(obs[..., LM_START + 2 * k:LM_START + 2 * k + 2])
    return torch.stack(parts, dim=-2)                        # [B, n, 3, 2]


def target_info(td):
    obs = torch.nan_to_num(td["observation"], nan=0.0, posinf=0.0, neginf=0.0)
    n = td["n_agents"]
    lm = landmark_rel(obs)
    d_lm = torch.sqrt((lm * lm).sum(dim=-1) + 1e-8)          # [B, n, 3]
    sel = torch.softmax(obs[..., COLOR] * COLOR_TEMP, dim=-1)  # [B, n, 3]
    vel = obs[..., VEL]

    dists = []
    approach = []
    for j in range(n):
        src = (j + 1) % n if n > 1 else j                    # partner holds j's goal colour
        s = sel[:, src, :]
        d_j = (s * d_lm[:, j, :]).sum(dim=-1)
        vec = (s.unsqueeze(-1) * lm[:, j, :, :]).sum(dim=-2)
        vnorm = torch.sqrt((vec * vec).sum(dim=-1) + 1e-8)
        a_j = (vel[:, j, :] * vec).sum(dim=-1) / (vnorm + EPS)
        dists.append(d_j)
        approach.append(a_j)
    d = torch.clamp(torch.stack(dists, dim=1), 0.0, 10.0)    # [B, n]
    a = torch.clamp(torch.stack(approach, dim=1), -10.0, 10.0)
    return d, a


def weights(td):
    n = td["n_agents"]
    d, a = target_info(td)
    sat = 1.0 - torch.exp(-d / REACH)
    lost = 1.0 - torch.tanh(F.relu(a) / V0)
    need = sat * (0.5 + 0.5 * lost)                          # [B, n] in [0, 1)

    cols = []
    for i in range(n):
        if n > 1:
            need_o = need[:, (i + 1) % n]
        else:
            need_o = torch.zeros_like(need[:, i])
        cols.append(BASE + C_SELF * need[:, i] + C_PARTNER * need_o)
    raw = torch.stack(cols, dim=1)                           # >= BASE > 0
    w = float(n) * raw / (raw.sum(dim=1, keepdim=True) + EPS)
    w = torch.clamp(w, W_MIN, W_MAX)
    return torch.nan_to_num(w, nan=1.0, posinf=W_MAX, neginf=W_MIN)


def bias(td):
    d, a = target_info(td)
    d_sum = d.sum(dim=1, keepdim=True)                       # = -r_team
    b = -torch.clamp(BIAS_SCALE * d_sum, 0.0, BIAS_MAX)
    return torch.nan_to_num(b, nan=0.0, posinf=0.0, neginf=-BIAS_MAX)
