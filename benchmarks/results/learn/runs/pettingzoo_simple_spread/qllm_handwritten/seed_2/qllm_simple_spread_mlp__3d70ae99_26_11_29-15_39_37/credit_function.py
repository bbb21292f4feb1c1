"""Training-free credit assignment function for pettingzoo/simple_spread (MPE).

task: pettingzoo/simple_spread
produced-by: hand-written by a benchmarl-qllm developer (an AI coding assistant), not by the QLLM generation pipeline
model: none
prompt-sha256: none
igm: enforce
input: state [B, n_agents * obs_dim] (obs_dim = 6 * n_agents; 54 for 3 agents)

Scenario: n agents must cover n landmarks while avoiding collisions. The global state is the
concatenation of the agents' observations; each block (agent i at i * obs_dim) holds:
  0:2 velocity, 2:4 position, 4:4+2n landmark j - agent position (j = 0..n-1),
  then the other agents' relative positions and (silent) communication.

Credit idea: each landmark is "owned" softly by the agents closest to it (softmin over agents of
the agent-landmark distance); an agent's responsibility is the sum of its ownership over all
landmarks, so it sums to n over agents. Agents that cover landmarks decide the shared reward and
get more credit: w_i = 0.5 + 0.5 * responsibility_i (mean exactly 1, minimum 0.5).
"""

import torch

SHARPNESS = 4.0
LANDMARKS_START = 4


def weights(td):
    state = td["state"]                                        # [B, n * obs_dim]
    n = td["n_agents"]
    obs = state.reshape(state.shape[0], n, state.shape[-1] // n)
    rel = obs[..., LANDMARKS_START:LANDMARKS_START + 2 * n]    # [B, n_agents, 2 * n_landmarks]
    rel = rel.reshape(state.shape[0], n, n, 2)
    dist = torch.linalg.vector_norm(rel, dim=-1)               # [B, agent, landmark]
    ownership = torch.softmax(-SHARPNESS * dist, dim=1)         # over agents, per landmark
    responsibility = ownership.sum(-1)                         # [B, n], sums to n
    return 0.5 + 0.5 * torch.nan_to_num(responsibility, nan=1.0)
