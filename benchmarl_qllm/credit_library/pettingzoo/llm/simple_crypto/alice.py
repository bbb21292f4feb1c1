"""Training-free credit assignment function for pettingzoo/simple_crypto/alice.

task: pettingzoo/simple_crypto/alice
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/pettingzoo_simple_crypto_alice/answers)
prompt-sha256: 4c23ff948b580340ca91ed6aebcfe6b307b1d1862bd968254e92c7981ebffdd9
igm: enforce
input: state [B, 20]

Chosen candidate r1c3 (round 1 of 3, stopped after round 1: the evaluator accepted it); validated on 256 sampled states; gamma 0.99.

TFCAF for pettingzoo/simple_crypto, group `alice` (one speaker agent).

Credit idea (coordination): Alice is the only agent in her group, but her reward comes
from working with Bob (he must decode her message using the shared key) against Eve
(who has no key). Her credit stays near uniform (about 1) and rises a little in states
where Alice and Bob must coordinate closely:
  * a message is on the channel, so Bob is decoding it right now;
  * the key differs from the goal colour, so Bob must really use the key to decode and
    the Alice-Bob code matters;
  * the message is neither the plain goal (Eve would read it too) nor a copy of the key
    (it carries no goal information), so it is a genuine shared code whose consistency
    both players need.
The weight stays in [0.85, 1.3] and is always positive (IGM holds). There is no bias.
"""

import torch
import torch.nn.functional as F

MSG_EVE = slice(0, 4)
KEY_BOB = slice(4, 8)
MSG_BOB = slice(8, 12)
GOAL = slice(12, 16)
KEY_ALICE = slice(16, 20)

W_MIN = 0.85
W_MAX = 1.3


def weights(td):
    state = td["state"]
    n_agents = td["n_agents"]
    state = torch.nan_to_num(state, nan=0.0, posinf=1.0, neginf=-1.0)

    msg = 0.5 * (state[:, MSG_EVE] + state[:, MSG_BOB])          # [B, 4]
    key = 0.5 * (state[:, KEY_BOB] + state[:, KEY_ALICE])          # [B, 4]
    goal = state[:, GOAL]                                          # [B, 4]

    active = torch.clamp(torch.abs(msg).sum(dim=-1, keepdim=True), 0.0, 1.0)   # [B, 1]

    d_kg = (key - goal).pow(2).sum(dim=-1, keepdim=True)
    key_needed = torch.clamp(0.5 * d_kg, 0.0, 1.0)                 # [B, 1]

    d_mg = (msg - goal).pow(2).sum(dim=-1, keepdim=True)
    d_mk = (msg - key).pow(2).sum(dim=-1, keepdim=True)
    not_plain = torch.clamp(0.5 * d_mg, 0.0, 1.0)
    not_key = torch.clamp(0.5 * d_mk, 0.0, 1.0)
    shared_code = active * torch.sqrt(not_plain * not_key + 1e-6)  # [B, 1] in ~[0, 1]

    coord = 0.4 * active + 0.3 * key_needed + 0.3 * shared_code    # [B, 1] in [0, 1]
    w = 0.9 + 0.35 * coord                                         # [0.9, 1.25]
    w = torch.clamp(w, W_MIN, W_MAX)
    w = torch.nan_to_num(w, nan=1.0, posinf=W_MAX, neginf=W_MIN)

    if n_agents != 1:
        w = w.expand(-1, n_agents)
    return w
