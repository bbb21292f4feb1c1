"""Training-free credit assignment function for vmas/sampling.

task: vmas/sampling
produced-by: hand-written by a benchmarl-qllm developer (an AI coding assistant), not by the QLLM generation pipeline
model: none
prompt-sha256: none
igm: enforce
input: observation [B, n_agents, 24]

Scenario: agents (BenchMARL default: 3) roam a 2x2 arena whose cells (0.05 wide) hold the
value of an unknown density (a sum of 3 Gaussians, normalised so the arena maximum is 1).
An agent is rewarded with the density of the cell it stands on the first time any agent
visits that cell; visited cells are worth 0 afterwards. Rewards are individual.

Observation layout of every agent (vmas sampling.observation, BenchMARL defaults):
  0:2   agent position            2:4   agent velocity
  4:16  lidar, 12 rays that only see other agents, raw hit distance (0.2 = nothing seen)
  16:24 density still available one cell away, in the order
        +x, -x, +y, -y, (-x,-y), (+x,-y), (-x,+y), (+x,+y) (0 = visited or outside)

Credit idea: an agent next to rich, unvisited cells can earn the most in its next steps, so it
gets extra credit; an agent surrounded by visited cells gets the base share. Weights average to
1 (the VDN scale) and are always positive.
"""

import torch

NEIGHBOUR_DENSITY = slice(16, 24)


def weights(td):
    obs = torch.nan_to_num(td["observation"], nan=0.0, posinf=1e3, neginf=-1e3)  # [B, n, 24]
    best_next = obs[..., NEIGHBOUR_DENSITY].amax(dim=-1).clamp(0.0, 2.0)          # [B, n]
    share = torch.softmax(3.0 * best_next, dim=-1)            # sums to 1 over agents
    n_agents = obs.shape[-2]
    return 0.5 + 0.5 * n_agents * share                       # mean 1, min 0.5
