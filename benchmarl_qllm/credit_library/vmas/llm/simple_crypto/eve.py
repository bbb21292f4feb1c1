"""Training-free credit assignment function for vmas/simple_crypto/eve.

task: vmas/simple_crypto/eve
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/vmas_simple_crypto_eve/answers)
prompt-sha256: 5660322b874bb608d1c97d37fed9ab7c0db91534d0bb6d4ff4801c14e85c987a
igm: enforce
input: observation [B, n_agents, 4]

Chosen candidate r1c3 (round 1 of 3, stopped after round 1: the evaluator accepted it); validated on 256 sampled states; gamma 0.99.

TFCAF for vmas/simple_crypto, group `eve` (1 agent) -- "coordination".

Group `eve` has a single agent, so there are no teammates to coordinate with
inside the group: following the brief, an agent acting alone gets near-uniform
(VDN-like) credit, w ~= 1.

The only interaction Eve has is with the other groups through the message
channel: her observation (obs[..., 0:4]) is Alice's broadcast. When Alice is
actually transmitting, Eve's message choice is coupled to Alice/Bob (Eve's
error directly enters their reward, and her decoding depends on what Alice
sends), so the credit is raised slightly; when Alice is silent, Eve effectively
acts alone and the weight stays at the uniform level. The modulation is kept
small (about 0.95 .. 1.2) so credit remains near-uniform, always >= 0 (IGM).
No bias.
"""

import torch
import math
import torch.nn.functional as F

BASE = 0.95
COUPLING_GAIN = 0.25
MIN_W = 0.5
MAX_W = 2.0


def weights(td):
    obs = td["observation"]
    obs = torch.nan_to_num(obs, nan=0.0, posinf=10.0, neginf=-10.0).clamp(-10.0, 10.0)
    msg = obs[..., 0:4]                                               # [B, n, 4]
    # coupling with the other groups: is Alice transmitting right now?
    coupling = torch.tanh(2.0 * torch.linalg.vector_norm(msg, dim=-1))  # [B, n] in [0, 1)
    w = BASE + COUPLING_GAIN * coupling
    w = torch.clamp(w, min=MIN_W, max=MAX_W)
    w = torch.nan_to_num(w, nan=1.0, posinf=MAX_W, neginf=MIN_W)
    return w
