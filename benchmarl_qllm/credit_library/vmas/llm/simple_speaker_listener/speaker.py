"""Training-free credit assignment function for vmas/simple_speaker_listener/speaker.

task: vmas/simple_speaker_listener/speaker
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/vmas_simple_speaker_listener_speaker/answers)
prompt-sha256: c0d4323ca7c7482506a35d219fbd9df62173e783cd82dfa7fe3e2d0dc24cd7b3
igm: enforce
input: observation [B, n_agents, 3]

Chosen candidate r1c2 (round 1 of 3, stopped after round 1: the evaluator accepted it); validated on 256 sampled states; gamma 0.99.

TFCAF for vmas/simple_speaker_listener, group `speaker` (1 agent).

Credit idea (influence on this step's reward):
The team reward is r = -||p_listener - p_goal||. The speaker is not movable. Its only lever
on r is its communication action (27 discrete messages), which becomes part of the listener's
observation on the very next step and decides which landmark the listener heads to.
The lever is therefore always available and equally strong:
  - the message matters from the first step to the last (the listener can always change course),
  - nothing in the speaker's observation (the goal colour, fixed for the episode) changes how
    much the message matters.
The speaker is the only agent in its group, so the weight is kept at about 1 (VDN scale). This
gives the speaker the full TD gradient in every state.

The weight is only lowered, towards a floor of 0.6, when the observation carries no clear goal
colour (for example all zeros, which shouldn't happen). With an unclear colour the speaker has
nothing to say, so its message has less influence, but it is never starved of gradient.

No bias: the speaker's observation does not hold the listener-goal distance that sets the
return, so a state value can't be estimated from it beyond a constant.
"""

import torch
import torch.nn.functional as F

FLOOR = 0.6
FULL = 1.0
CONTRAST_REF = 0.5  # valid goal colours: 0.65 in one channel, 0.15 in the others


def weights(td):
    obs = td["observation"]                          # [B, 1, 3]
    n_agents = td["n_agents"]
    color = torch.nan_to_num(obs[..., 0:3], nan=0.0, posinf=0.0, neginf=0.0)

    c_max = color.amax(dim=-1)                       # [B, n]
    c_min = color.amin(dim=-1)                       # [B, n]
    contrast = (c_max - c_min).clamp(min=0.0, max=1.0)
    informative = (contrast / CONTRAST_REF).clamp(min=0.0, max=1.0)

    w = FLOOR + (FULL - FLOOR) * informative         # in [0.6, 1.0]
    w = w[..., :n_agents]
    return w.clamp(min=FLOOR, max=FULL)
