"""Training-free credit assignment function for vmas/wheel.

task: vmas/wheel
produced-by: hand-written by a benchmarl-qllm developer (an AI coding assistant), not by the QLLM generation pipeline
model: none
prompt-sha256: none
igm: enforce
input: observation [B, n_agents, 13]

Scenario: a heavy line (BenchMARL default: length 1, mass 30) is pinned at the origin and can
only rotate. Agents (default 4) push it so that its angular speed |omega| matches a desired
value (0.05 rad/s). Team reward: -| |omega| - 0.05 | at every step; no termination.

Observation layout of every agent (vmas wheel.observation, BenchMARL defaults):
  0:2   agent position                     2:4   agent velocity
  4:6   line centre - agent position       6:8   line end 1 - agent position
  8:10  line end 2 - agent position        10:11 line rotation (mod pi)
  11:12 |line angular velocity|            12:13 | |angular velocity| - desired velocity |

Credit idea: an agent changes the line's rotation only by touching it, and its torque grows
with the lever arm (how far from the pivot it pushes). Agents close to the line and far from
its centre get extra credit. Weights average to 1 (the VDN scale) and are always positive.
"""

import torch

CENTRE = slice(4, 6)   # line centre - agent
END_1 = slice(6, 8)    # line end 1 - agent
EPS = 1e-6


def weights(td):
    obs = torch.nan_to_num(td["observation"], nan=0.0, posinf=1e3, neginf=-1e3)  # [B, n, 13]
    centre = obs[..., CENTRE]
    half_line = obs[..., END_1] - centre                      # centre -> end 1, length L/2
    # The line point nearest to the agent is centre + t * half_line with t in [-1, 1].
    t = (-(centre * half_line).sum(-1) / (half_line * half_line).sum(-1).clamp_min(EPS))
    t = t.clamp(-1.0, 1.0)
    nearest = centre + t.unsqueeze(-1) * half_line            # nearest line point - agent
    gap = torch.linalg.vector_norm(nearest, dim=-1).clamp(0.0, 4.0)
    lever = t.abs()                                           # 0 at the pivot, 1 at an end
    share = torch.softmax(2.0 * lever - 4.0 * gap, dim=-1)    # sums to 1 over agents
    n_agents = obs.shape[-2]
    return 0.5 + 0.5 * n_agents * share                       # mean 1, min 0.5
