"""Training-free credit assignment function for vmas/ball_passage.

task: vmas/ball_passage
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/vmas_ball_passage/answers)
prompt-sha256: 360d1c046fe4e553795542766e2917864020d83b80e0bd17db4169aaef458deb
igm: enforce
input: observation [B, n_agents, 10]

Chosen candidate r2c1 (round 2 of 3, stopped after round 2: the evaluator accepted it); validated on 256 sampled states; gamma 0.99.

Reward-influence credit for vmas/ball_passage (refined incumbent r1c2).

The team reward per step has two parts an agent can move right now:
  1. Ball shaping: the change of the ball's distance to its current target
     (open passage while the ball is below y = 0, goal after crossing). Only an
     agent in (or about to be in) contact with the ball changes it; its push
     acts along the agent->ball line. Influence ~ contact proximity (velocity
     extrapolated a few steps ahead) times a SIGNED pushing-side factor: the
     agent behind the ball relative to its target (agent->ball aligned with
     ball->target) is the useful pusher and gets most of it, an agent on the
     wrong side keeps a smaller share (it can still knock the ball backwards).
     A ball near the wall outside the gap risks the ball-wall penalty, which the
     pusher controls, so that raises the pusher's influence.
  2. Wall collision penalty (-0.06 per overlapping agent): an agent hugging the
     wall outside the open gap can trigger or avoid it this step.
Each agent keeps a floor, weights are normalised per state to mean 1 and are
non-negative (IGM enforced). The bias is a conservative, discount-scaled share
of the remaining ball shaping distance (ball->passage->goal, or ball->goal),
bounded, since early-policy returns fall well short of the full distance.

Observation layout per agent (10):
  0:2 pos, 2:4 vel, 4:6 pos - goal, 6:8 pos - ball, 8:10 pos - open passage
"""

import torch
import torch.nn.functional as F

FLOOR = 0.15
CONTACT = 0.067            # agent radius + ball radius
CONTACT_SCALE = 0.15       # distance reachable in a few steps
LOOKAHEAD = 0.5            # seconds of velocity extrapolation (~5 steps of dt=0.1)
PUSH_SHARP = 4.0           # sharpness of the pushing-side sigmoid
WRONG_SIDE = 0.3           # share kept by an agent on the wrong side of the ball
WALL_HALF = 0.1 + 0.0333   # half wall thickness + radius: overlap band in |y|
WALL_SCALE = 0.08
GAP_HALF = 0.0515 - 0.0333 # half passage length minus radius: safe band in |x - px|
GAP_SOFT = 0.02
W_CONTACT = 1.0
W_WALL = 0.6
EPS = 1e-6
BIAS_SCALE = 0.3
BIAS_MAX = 2.0


def geometry(obs):
    pos = obs[..., 0:2]
    ball = (pos - obs[..., 6:8]).mean(dim=1)      # [B, 2]
    goal = (pos - obs[..., 4:6]).mean(dim=1)      # [B, 2]
    passage = (pos - obs[..., 8:10]).mean(dim=1)  # [B, 2]
    return ball, goal, passage


def wall_risk(xy, passage):
    # xy: [..., 2], passage: broadcastable [..., 2]
    dy = torch.clamp_min(torch.abs(xy[..., 1] - passage[..., 1]) - WALL_HALF, 0.0)
    near = torch.exp(-dy / WALL_SCALE)
    outside_gap = torch.sigmoid((torch.abs(xy[..., 0] - passage[..., 0]) - GAP_HALF) / GAP_SOFT)
    return near * outside_gap


def weights(td):
    obs = td["observation"]
    n = td["n_agents"]
    obs = torch.nan_to_num(obs, nan=0.0, posinf=10.0, neginf=-10.0)

    pos = obs[..., 0:2]
    vel = obs[..., 2:4]
    rel_ball = obs[..., 6:8]                       # agent - ball
    ball, goal, passage = geometry(obs)

    passed = ball[:, 1:2] > 0
    target = torch.where(passed, goal, passage)
    t_vec = target - ball
    t_hat = t_vec / (torch.linalg.vector_norm(t_vec, dim=-1, keepdim=True) + EPS)

    # Contact influence: current and velocity-predicted gap to the ball.
    to_ball = -rel_ball                                                    # agent -> ball
    d_now = torch.linalg.vector_norm(to_ball, dim=-1)                     # [B, n]
    d_next = torch.linalg.vector_norm(to_ball - vel * LOOKAHEAD, dim=-1)  # [B, n]
    gap = torch.clamp_min(torch.minimum(d_now, d_next) - CONTACT, 0.0)
    contact = torch.exp(-gap / CONTACT_SCALE)

    # Signed pushing side: +1 when the agent is directly behind the ball.
    to_ball_hat = to_ball / (d_now.unsqueeze(-1) + EPS)
    cos_push = (to_ball_hat * t_hat.unsqueeze(1)).sum(dim=-1)              # [B, n]
    push_side = WRONG_SIDE + (1.0 - WRONG_SIDE) * torch.sigmoid(PUSH_SHARP * cos_push)

    ball_wall = wall_risk(ball, passage).unsqueeze(1)                      # [B, 1]
    contact_infl = contact * push_side * (1.0 + 0.5 * ball_wall)

    # Own wall-collision influence.
    agent_wall = wall_risk(pos, passage.unsqueeze(1))                      # [B, n]

    raw = FLOOR + W_CONTACT * contact_infl + W_WALL * agent_wall
    w = n * raw / (raw.sum(dim=1, keepdim=True) + EPS)
    w = torch.nan_to_num(w, nan=1.0, posinf=1.0, neginf=1.0)
    return torch.clamp(w, 0.05, 10.0)


def bias(td):
    obs = td["observation"]
    obs = torch.nan_to_num(obs, nan=0.0, posinf=10.0, neginf=-10.0)
    ball, goal, passage = geometry(obs)
    passed = ball[:, 1] > 0
    d_bg = torch.linalg.vector_norm(ball - goal, dim=-1)
    d_bp = torch.linalg.vector_norm(ball - passage, dim=-1)
    d_pg = torch.linalg.vector_norm(passage - goal, dim=-1)
    remaining = torch.where(passed, d_bg, d_bp + d_pg)
    b = torch.clamp(BIAS_SCALE * remaining, 0.0, BIAS_MAX)
    b = torch.nan_to_num(b, nan=0.0, posinf=BIAS_MAX, neginf=0.0)
    return b.unsqueeze(-1)
