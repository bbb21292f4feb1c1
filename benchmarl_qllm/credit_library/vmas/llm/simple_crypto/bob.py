"""Training-free credit assignment function for vmas/simple_crypto/bob.

task: vmas/simple_crypto/bob
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/vmas_simple_crypto_bob/answers)
prompt-sha256: e768fb832fa982115444068b6a1d09336907880781804d55420dd3c42bfb7796
igm: enforce
input: observation [B, n_agents, 8]

Chosen candidate r1c1 (round 1 of 3, stopped after round 1: the evaluator accepted it); validated on 256 sampled states; gamma 0.99.

Objective-proximity credit for vmas/simple_crypto, group `bob` (1 agent).

Bob's observation is [key (4), alice's message (4)]. Bob's reward is about
decoding the secret: it is penalised by the squared distance between his own
message and the secret (and rewarded when eve's guess is wrong). The "objective"
bob can get close to is the secret, and he can only get close to it when alice
has actually sent an informative (non-zero) message that he can combine with the
key. So the proximity signal is how much signal alice's message carries:

    informative = tanh(||alice_msg||_1 / 2)   in [0, 1)

and the weight is a bounded, positive affine map of it:

    w = FLOOR + SPAN * informative            in [0.7, 1.3]

This keeps the mean around 1 (VDN-like), never starves the agent of gradient
(floor 0.7 when alice is silent) and gives somewhat more credit when bob's
decoding action really decides the reward. No bias is used: bob cannot see the
secret or eve's guess, so the state value is not reliably estimable from his
observation and b = 0 is the safe choice.
"""

import torch
import torch.nn.functional as F

KEY = slice(0, 4)
MSG = slice(4, 8)
FLOOR = 0.7
SPAN = 0.6
MAX_W = 10.0


def weights(td):
    obs = td["observation"]
    obs = torch.nan_to_num(obs, nan=0.0, posinf=0.0, neginf=0.0)
    n_agents = td["n_agents"]

    msg = obs[..., MSG]  # [B, n, 4]
    msg_mag = torch.abs(msg).sum(dim=-1)  # [B, n]
    informative = torch.tanh(msg_mag / 2.0)  # [0, 1)

    w = FLOOR + SPAN * informative
    w = torch.clamp(w, min=0.05, max=MAX_W)
    return w[:, :n_agents]
