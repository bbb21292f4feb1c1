"""Training-free credit assignment function for vmas/give_way.

task: vmas/give_way
produced-by: hand-written by a benchmarl-qllm developer (an AI coding assistant), not by the QLLM generation pipeline
model: none
prompt-sha256: none
igm: enforce
input: observation [B, n_agents, 4] (n_agents = 2)

Scenario: two agents (radius 0.16) face each other in a corridor 5 long and 0.4 wide
(y in [-0.2, 0.2]), too narrow to pass. Agent 0 starts near x = -2 and must reach its goal at
(2.29, 0); agent 1 starts near x = +2 and must reach (-2.29, 0). Above the middle of the
corridor (x in [-0.2, 0.2]) is a small alcove reaching up to y = 0.68: one agent has to step
into it and let the other pass. Team reward: the sum of both agents' progress towards their
goals, plus 0.01 once both are on their goals. Actions are velocity commands.

Observation layout of every agent (vmas give_way.observation, BenchMARL defaults, goals and
the other agent are not observed):
  0:2   agent position            2:4   agent velocity

Credit idea: the agent with more distance left to its (fixed, known) goal has more return to
earn, and the agent that climbs into the alcove is the one that unblocks the corridor, so both
get extra credit. Weights average to 1 (the VDN scale) and are always positive.
"""

import torch

POS_X = 0
POS_Y = 1
GOAL_X = (2.29, -2.29)    # agent 0 goes right, agent 1 goes left; both goals have y = 0
CORRIDOR_LENGTH = 4.58    # distance between the two goals
FREE_Y = 0.04             # highest centre y inside the corridor (0.2 - agent radius 0.16)
ALCOVE_DEPTH = 0.48       # extra height an agent centre can climb in the alcove


def weights(td):
    obs = torch.nan_to_num(td["observation"], nan=0.0, posinf=1e3, neginf=-1e3)  # [B, 2, 4]
    goal_x = obs.new_tensor(GOAL_X)                           # [2], one goal per agent
    remaining = ((goal_x - obs[..., POS_X]).abs() / CORRIDOR_LENGTH).clamp(0.0, 2.0)
    in_alcove = ((obs[..., POS_Y] - FREE_Y) / ALCOVE_DEPTH).clamp(0.0, 1.0)  # 0 in corridor
    share = torch.softmax(3.0 * (remaining + in_alcove), dim=-1)    # sums to 1 over agents
    n_agents = obs.shape[-2]
    return 0.5 + 0.5 * n_agents * share                       # mean 1, min 0.5
