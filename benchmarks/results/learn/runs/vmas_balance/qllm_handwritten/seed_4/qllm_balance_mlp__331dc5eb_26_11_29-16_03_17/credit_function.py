"""Training-free credit assignment function for vmas/balance.

task: vmas/balance
produced-by: hand-written by a benchmarl-qllm developer (an AI coding assistant), not by the QLLM generation pipeline
model: none
prompt-sha256: none
igm: enforce
input: observation [B, n_agents, 16]

Scenario: n agents carry a line (a rigid bar) with a package on top and must bring the package
to a goal without letting the line or the package touch the ground. Team reward.

Observation layout of every agent (vmas balance.observation):
  0:2   agent position            2:4   agent velocity
  4:6   agent - package position  6:8   agent - line position
  8:10  package - goal position   10:12 package velocity
  12:14 line velocity             14:15 line angular velocity
  15:16 line rotation (mod pi)

Credit idea: every agent shares the load (base weight), and agents close to the package carry
more of it and decide whether it tips over, so they get extra credit. Weights average to 1
(the same scale as VDN) and are always positive.
"""

import torch

AGENT_TO_PACKAGE = slice(4, 6)


def weights(td):
    obs = td["observation"]                                   # [B, n, 16]
    dist = torch.linalg.vector_norm(obs[..., AGENT_TO_PACKAGE], dim=-1)  # [B, n]
    closeness = torch.softmax(-2.0 * dist, dim=-1)            # sums to 1 over agents
    n_agents = obs.shape[-2]
    return 0.5 + 0.5 * n_agents * closeness                   # mean 1, min 0.5


def bias(td):
    obs = td["observation"]
    return torch.zeros_like(obs[:, 0, :1])
