"""Training-free credit assignment function for vmas/navigation.

task: vmas/navigation
produced-by: hand-written by a benchmarl-qllm developer (an AI coding assistant), not by the QLLM generation pipeline
model: none
prompt-sha256: none
igm: enforce
input: observation [B, n_agents, 18]

Scenario: every agent must reach its own goal (BenchMARL default: 3 agents, one goal each,
collisions on, lidar range 0.35). Each agent is rewarded for its own progress towards its goal,
pays -1 when it collides with another agent, and all agents share a small bonus once every
agent is on its goal.

Observation layout of every agent (vmas navigation.observation, BenchMARL defaults):
  0:2   agent position            2:4   agent velocity
  4:6   agent - goal position     6:18  lidar, 12 rays that only see other agents;
                                        each value is 0.35 - hit distance (0 = nothing seen,
                                        0.35 = touching)

Credit idea: an agent that is still far from its goal has the most return left to earn, and
an agent with another agent close by (strong lidar return) decides whether a collision
happens; both get extra credit. Weights average to 1 (the VDN scale) and are always positive.
"""

import torch

AGENT_TO_GOAL = slice(4, 6)
LIDAR = slice(6, 18)
LIDAR_RANGE = 0.35


def weights(td):
    obs = torch.nan_to_num(td["observation"], nan=0.0, posinf=1e3, neginf=-1e3)  # [B, n, 18]
    dist = torch.linalg.vector_norm(obs[..., AGENT_TO_GOAL], dim=-1).clamp(0.0, 3.0)
    crowding = (obs[..., LIDAR].amax(dim=-1) / LIDAR_RANGE).clamp(0.0, 1.0)  # [B, n]
    share = torch.softmax(dist + crowding, dim=-1)            # sums to 1 over agents
    n_agents = obs.shape[-2]
    return 0.5 + 0.5 * n_agents * share                       # mean 1, min 0.5
