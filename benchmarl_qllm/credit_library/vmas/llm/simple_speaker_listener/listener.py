"""Training-free credit assignment function for vmas/simple_speaker_listener/listener.

task: vmas/simple_speaker_listener/listener
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/vmas_simple_speaker_listener_listener/answers)
prompt-sha256: 165486c3845700bee7c56fa8b79e41943b69a0c7a117a3be99692ba6ec362e9c
igm: enforce
input: observation [B, n_agents, 11]

Chosen candidate r1c3 (round 1 of 3, stopped after round 1: the evaluator accepted it); validated on 256 sampled states; gamma 0.99.

Coordination credit for the listener in vmas/simple_speaker_listener.

The listener group has a single agent, so there are no teammates to collide with;
the coordination that matters is with the speaker (other group): the listener only
learns which landmark is the goal from the speaker's message (last 3 features).
Observation: [vel(2), landmark_rel_pos(3x2), speaker_comm(3)]; reward = -2*dist(goal).

Credit is near uniform (about 1) by default and is raised where acting on the
speaker's message is what decides the reward:
  * message confidence: how peaked the softmax belief over landmarks is
    (a silent / uniform message gives ~0 confidence);
  * landmark divergence: how much the candidate landmarks disagree about where to
    go (spread of unit directions / distances). If all landmarks lie in the same
    direction, the listener can act well without the message; if they lie in
    different directions, following the message is a true joint decision.
The product raises the weight up to ~1.6; otherwise it stays near 0.8-1.0.

Bias: bounded estimate of the discounted return from the expected goal distance.
"""

import math
import torch
import torch.nn.functional as F

VEL = slice(0, 2)
LMK = slice(2, 8)
COMM = slice(8, 11)
N_LANDMARKS = 3
COMM_TEMP = 4.0
W_BASE = 0.8
W_COORD = 0.8
W_MAX = 5.0
EPS = 1e-6


def parse(td):
    obs = td["observation"]
    lm = torch.nan_to_num(obs[..., LMK], nan=0.0, posinf=0.0, neginf=0.0)
    rel = lm.reshape(lm.shape[0], lm.shape[1], N_LANDMARKS, 2)          # [B, n, 3, 2]
    comm = torch.nan_to_num(obs[..., COMM], nan=0.0, posinf=0.0, neginf=0.0)
    belief = torch.softmax(comm.clamp(-10.0, 10.0) * COMM_TEMP, dim=-1)  # [B, n, 3]
    dist = torch.sqrt((rel * rel).sum(dim=-1) + EPS)                     # [B, n, 3]
    return rel, belief, dist


def weights(td):
    rel, belief, dist = parse(td)
    # message confidence: 1 - normalized entropy of the belief
    ent = -(belief * torch.log(belief.clamp_min(1e-8))).sum(dim=-1)      # [B, n]
    confidence = (1.0 - ent / math.log(N_LANDMARKS)).clamp(0.0, 1.0)
    # landmark divergence: how much the directions to the landmarks disagree
    unit = rel / (dist.unsqueeze(-1) + EPS)                              # [B, n, 3, 2]
    mean_unit = unit.mean(dim=-2)                                        # [B, n, 2]
    agreement = torch.sqrt((mean_unit * mean_unit).sum(dim=-1) + EPS).clamp(0.0, 1.0)
    divergence = 1.0 - agreement                                         # [B, n] in [0, 1]
    # distance spread also matters (a far vs near landmark in the same direction)
    spread = (dist.amax(dim=-1) - dist.amin(dim=-1))                     # [B, n]
    spread_term = torch.tanh(spread / 0.5)
    need_message = (0.7 * divergence + 0.3 * spread_term).clamp(0.0, 1.0)
    coord = confidence * need_message
    w = W_BASE + W_COORD * coord
    w = torch.nan_to_num(w, nan=1.0, posinf=W_MAX, neginf=W_BASE)
    return w.clamp(0.1, W_MAX)


def bias(td):
    rel, belief, dist = parse(td)
    exp_dist = (belief * dist).sum(dim=-1).clamp(0.0, 5.0)              # [B, n]
    d = exp_dist.mean(dim=1, keepdim=True)                               # [B, 1]
    value = -(10.0 * d + 8.0 * d * d)
    return torch.nan_to_num(value, nan=-20.0, posinf=0.0, neginf=-60.0).clamp(-60.0, 0.0)
