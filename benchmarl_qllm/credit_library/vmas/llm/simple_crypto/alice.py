"""Training-free credit assignment function for vmas/simple_crypto/alice.

task: vmas/simple_crypto/alice
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/vmas_simple_crypto_alice/answers)
prompt-sha256: d20c0277ec9b29328761a4a92921cdd98b62482b695680df067b61d2f3057819
igm: enforce
input: observation [B, n_agents, 8]

Chosen candidate r1c3 (round 1 of 3, stopped after round 1: the evaluator accepted it); validated on 256 sampled states; gamma 0.99.

TFCAF for vmas/simple_crypto, group `alice` (coordination).

Group `alice` has a single agent (the speaker), so there is no teammate inside the
group to coordinate with: following the brief, an agent acting alone gets
near-uniform credit. The only coordination Alice has is with Bob (a different
group), who shares the key: where secret and key bits differ, Alice's encoding has
to be matched by Bob's decoding, so the weight rises slightly there. It stays in
[0.9, 1.1], i.e. essentially VDN's 1, always positive (IGM holds). No bias.
"""

import torch

SECRET = slice(0, 4)
KEY = slice(4, 8)


def weights(td):
    obs = td["observation"]
    obs = torch.nan_to_num(obs, nan=0.0, posinf=1.0, neginf=0.0)
    secret = torch.clamp(obs[..., SECRET], 0.0, 1.0)
    key = torch.clamp(obs[..., KEY], 0.0, 1.0)
    joint = torch.abs(secret - key).mean(dim=-1)  # [B, n_agents], 0..1
    w = 0.9 + 0.2 * joint
    return torch.clamp(w, 0.1, 10.0)
