"""Training-free credit assignment function for pettingzoo/simple_crypto/eve.

task: pettingzoo/simple_crypto/eve
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/pettingzoo_simple_crypto_eve/answers)
prompt-sha256: 46e97362120202ab8b12e64a80392081840eb502e16689482e356ca19f4f7d4e
igm: enforce
input: state [B, 20]

Chosen candidate r1c3 (round 1 of 3, stopped after round 1: the evaluator accepted it); validated on 256 sampled states; gamma 0.99.

TFCAF for pettingzoo/simple_crypto, group `eve` (1 agent): coordination.

Eve is alone in her group, so by the coordination brief she gets near-uniform
credit (weight about 1, as in VDN). The only "interference" she has is with the
alice->bob channel. When alice has put a message on it (state 0:4 / 8:12), eve's
guess competes with bob's decoding. This is stronger when the message is
plaintext-like, i.e. it equals the goal colour (12:16) rather than the key
(16:20). Those states get a mild boost:
    w = 0.9 + 0.1 * active + 0.2 * contested,   which lies in [0.9, 1.2], always >= 0.
The bias is a bounded, conservative prior on eve's discounted return. About -1
per step for an uninformed guess between the 2 landmarks gives about -100 over
the horizon; we use half, -50, raised when the channel leaks the goal.
"""

import torch
import torch.nn.functional as F

MSG = slice(0, 4)
MSG_BOB = slice(8, 12)
GOAL = slice(12, 16)
KEY = slice(16, 20)

W_BASE = 0.9
W_ACTIVE = 0.1
W_CONTEST = 0.2

BIAS_BASE = -50.0
BIAS_LEAK = 15.0


def _channel(td):
    s = torch.nan_to_num(td["state"].float(), nan=0.0, posinf=1.0, neginf=-1.0)
    msg = 0.5 * (s[:, MSG] + s[:, MSG_BOB])
    goal = s[:, GOAL]
    key = s[:, KEY]
    mass = torch.abs(msg).sum(dim=-1, keepdim=True)
    active = torch.sigmoid((mass - 0.5) * 10.0)
    match_goal = (msg * goal).sum(dim=-1, keepdim=True).clamp(0.0, 1.0)
    match_key = (msg * key).sum(dim=-1, keepdim=True).clamp(0.0, 1.0)
    contested = (active * match_goal * (1.0 - 0.5 * match_key)).clamp(0.0, 1.0)
    return active, contested


def weights(td):
    n = td["n_agents"]
    active, contested = _channel(td)
    w = W_BASE + W_ACTIVE * active + W_CONTEST * contested
    w = torch.clamp(torch.nan_to_num(w, nan=1.0), 0.1, 10.0)
    return w.expand(-1, n).contiguous()


def bias(td):
    active, contested = _channel(td)
    b = BIAS_BASE + BIAS_LEAK * contested
    b = torch.nan_to_num(b, nan=BIAS_BASE)
    return torch.clamp(b, -200.0, 0.0)
