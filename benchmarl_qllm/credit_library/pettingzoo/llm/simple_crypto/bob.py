"""Training-free credit assignment function for pettingzoo/simple_crypto/bob.

task: pettingzoo/simple_crypto/bob
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/pettingzoo_simple_crypto_bob/answers)
prompt-sha256: fe5e83eb52b72ff39fa510a8341f48536042eac24890cfe65a5d17892ed75485
igm: enforce
input: state [B, 20]

Chosen candidate r1c2 (round 1 of 3, stopped after round 1: the evaluator accepted it); validated on 256 sampled states; gamma 0.99.

Influence-on-this-step's-reward credit for pettingzoo/simple_crypto, group `bob` (1 agent).

State layout (observations concatenated as eve, bob, alice):
  0:4 alice's message (eve's view), 4:8 bob's key, 8:12 alice's message (bob's view),
  12:16 goal colour (one-hot), 16:20 key (alice's view).

Bob's reward each step is  -||c_bob - goal||^2 + ||c_eve - goal||^2.  Bob's action sets c_bob
(one-hot) directly, so his action moves the first term between 0 (right) and -2 (wrong) on
every step: its raw swing is 2 whenever a goal colour exists.  How much of that swing bob can
actually realise depends on whether Alice's message is present to decode: with a message he
can pick the goal exactly (full swing); with an empty message (reset step) he is guessing
between the two landmark colours (about half the swing).  The weight is this expected
controllable swing, normalised to about 1 and floored, always positive (IGM enforced).
The Eve term is outside bob's control, so it gets no credit here; no bias.
"""

import torch
import torch.nn.functional as F

MSG = slice(8, 12)
GOAL = slice(12, 16)
FLOOR = 0.5
SCALE = 0.5


def weights(td):
    state = torch.nan_to_num(td["state"].float(), nan=0.0, posinf=1.0, neginf=-1.0)
    n_agents = td["n_agents"]

    msg = state[:, MSG]
    goal = state[:, GOAL]

    # Raw swing of bob's own reward term: sum over actions of max-min of -||onehot - goal||^2,
    # which is 2 for a one-hot goal; normalise to [0, 1].
    goal_strength = torch.clamp(goal.abs().sum(dim=-1, keepdim=True), 0.0, 1.0)

    # Fraction of the swing bob can realise: 1 with a message to decode, 0.5 when guessing.
    msg_present = torch.clamp(msg.abs().sum(dim=-1, keepdim=True), 0.0, 1.0)
    realisable = 0.5 + 0.5 * msg_present

    influence = goal_strength * realisable           # in [0, 1]
    w = FLOOR + SCALE * influence                    # in [0.5, 1.0]; usually 1.0

    w = w.expand(state.shape[0], n_agents)
    return torch.clamp(w, 0.1, 10.0)
