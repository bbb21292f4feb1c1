"""Training-free credit assignment function for matrix/climbing.

task: matrix/climbing
produced-by: hand-written by a benchmarl-qllm developer (an AI coding assistant), not by the QLLM generation pipeline
model: none
prompt-sha256: none
igm: relax
input: state [B, state_dim]

Task: the one-step climbing game. 2 agents (or 3), 3 actions each, team payoff (row = agent 0)
    [[ 11, -30,  0],
     [-30,   7,  0],
     [  0,   6,  5]]
(3 agents: the mean of this payoff over the three agent pairs). Optimum (0, 0) = 11; (1, 1) = 7;
(2, 2) = 5. Every agent receives the team payoff; the episode ends after one step.

State layout (benchmarl_qllm.environments.matrix): constant. state_dim = n * (n + 1): the
agents' observations (one-hot agent id, then 1) concatenated. Nothing in it changes.

What a state-only TFCAF can and cannot do here. The state is the same in every episode, so
w(s) and b(s) are constants and Q_tot(a) = sum_i w_i * Q_i(a_i) + b: an *additive* function
of the joint action, whatever the weights are. A negative weight does not enlarge that class
(w_i * Q_i(a_i) ranges over all functions of a_i for any w_i != 0, as Q_i does); it only turns
agent i's greedy action (argmax of Q_i) into the argmin of its own contribution to Q_tot. So:
  * no TFCAF, under `igm: enforce` or `igm: relax`, can represent this payoff: an additive
    Q_tot orders the rows the same way in every column, the payoff does not (11 > -30 in
    column 0, -30 < 7 in column 1). A monotonic (QMIX) mixer cannot represent it either, but
    its class (monotonic functions of Q_1, Q_2) strictly contains the additive one;
  * the least-squares additive fit under uniform exploration (what TD learning approaches
    early) has row means (-6.3, -7.7, 3.7) and column means (-6.3, -5.7, 1.7): its greedy joint
    action is (2, 2) = 5, the well-known VDN failure on this game, and negative weights would
    pick (1, ...) or (..., 0) instead, which is worse;
  * the "relaxed" freedom therefore buys nothing on a constant state. It would matter where the
    state varies and an agent's Q must count *against* the team in some states.
This function is therefore the honest choice: equal positive weights (VDN's sum, so the agents'
greedy actions stay consistent with Q_tot even under `igm: relax`) plus a constant bias equal
to the mean payoff under uniformly random play (-31/9, the same for 2 and 3 agents), so that
the agents' Q_i start near the right scale and learn zero-centred values. Reaching (0, 0)
needs something a state-only mixer cannot give (optimistic or weighted targets, or a mixer
that sees the Q values), not a different TFCAF.
"""

import torch

MEAN_PAYOFF = -31.0 / 9.0  # mean of the payoff over the 9 (or 27) joint actions


def weights(td):
    state = td["state"]                                  # [B, n * (n + 1)], constant
    n = td["n_agents"]
    return torch.ones_like(state[:, 0:1]).repeat(1, n)   # [B, n]


def bias(td):
    state = td["state"]
    return torch.full_like(state[:, 0:1], MEAN_PAYOFF)   # [B, 1]
