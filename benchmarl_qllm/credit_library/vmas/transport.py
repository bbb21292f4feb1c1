"""Training-free credit assignment function for vmas/transport.

task: vmas/transport
produced-by: hand-written by a benchmarl-qllm developer (an AI coding assistant), not by the QLLM generation pipeline
model: none
prompt-sha256: none
igm: enforce
input: observation [B, n_agents, 11]

Scenario: agents (BenchMARL default: 4, small and weak) must push one heavy package (mass 50,
a 0.15 x 0.15 box) onto a goal; no single agent can move it alone. Team reward: 100 times the
decrease of the package-goal distance; the episode ends when the package is on the goal.

Observation layout of every agent (vmas transport.observation, BenchMARL defaults, 1 package):
  0:2   agent position            2:4   agent velocity
  4:6   package - goal position   6:8   package - agent position
  8:10  package velocity          10:11 package on goal (1.0 / 0.0)

Credit idea: an agent close to the package and standing behind it (its push direction
package - agent points from the package towards the goal) actually moves the package, so it
gets extra credit; an agent far away or on the wrong side gets the base share. Weights average
to 1 (the VDN scale) and are always positive.
"""

import torch

PACKAGE_TO_GOAL = slice(4, 6)     # package - goal
AGENT_TO_PACKAGE = slice(6, 8)    # package - agent
EPS = 1e-6


def weights(td):
    obs = torch.nan_to_num(td["observation"], nan=0.0, posinf=1e3, neginf=-1e3)  # [B, n, 11]
    push = obs[..., AGENT_TO_PACKAGE]                         # agent -> package
    wanted = -obs[..., PACKAGE_TO_GOAL]                       # package -> goal
    dist = torch.linalg.vector_norm(push, dim=-1).clamp(0.0, 4.0)
    alignment = (push * wanted).sum(-1) / (
        dist.clamp_min(EPS) * torch.linalg.vector_norm(wanted, dim=-1).clamp_min(EPS)
    )                                                         # cosine in [-1, 1]
    score = alignment.clamp(-1.0, 1.0) - 2.0 * dist
    share = torch.softmax(score, dim=-1)                      # sums to 1 over agents
    n_agents = obs.shape[-2]
    return 0.5 + 0.5 * n_agents * share                       # mean 1, min 0.5
