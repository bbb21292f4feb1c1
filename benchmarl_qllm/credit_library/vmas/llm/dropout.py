"""Training-free credit assignment function for vmas/dropout.

task: vmas/dropout
produced-by: qllm generate (coder-evaluator loop, 3 candidates x 3 rounds)
model: anthropic-claude-subagent via file backend (/tmp/gen/vmas_dropout/answers)
prompt-sha256: ec76e66d7a12b84d25d82000c06906d18cc3c40f5fd9403317f29ba62974ba53
igm: enforce
input: observation [B, n_agents, 7]

Chosen candidate r2c1 (round 2 of 3, stopped after round 2: the evaluator accepted it); validated on 256 sampled states; gamma 0.99.

Refined influence-on-reward credit for vmas/dropout (r2c1).

Team reward per step = [+1 once, the first time ANY agent touches the goal]
                       - 0.02 * sum_i |u_i| / sqrt(2)   (shared energy penalty).
What each agent's action can move:
  * energy: every agent equally (~0.014-0.02 per step)        -> uniform base E;
  * the +1 goal term: only the agent(s) leading the race to the goal; an agent
    clearly behind the leader should drop out (stay idle), so its goal credit is
    scaled by a soft "leader" factor exp(-(t_i - t_min) / LEAD_TAU).
Goal influence of a leader mixes a long-horizon part gamma^t_i (so the leader is
credited even when everyone starts far away) with a short-horizon part
exp(-t_i / H) (sharp credit when it is about to touch the goal).
t_i = steps-to-contact from distance and velocity toward the goal, with VMAS
physics: drag 0.25, dt 0.1 -> top speed ~0.4, i.e. ~0.04 per step, ~3 steps to
accelerate from rest (more if currently moving away).
raw_i = E + lead_i * (A * gamma^t_i + exp(-t_i / H)), normalised so the weights
average 1 with a 0.2 floor. After the goal is eaten: uniform.

Bias: discounted +1 at the leader's arrival minus the discounted energy the
leader spends getting there, clamped to [-1, 1]; 0 once eaten.
"""

import math
import torch
import torch.nn.functional as F

VEL = slice(2, 4)
REL = slice(4, 6)
EATEN = 6

GAMMA = 0.99
CONTACT = 0.08        # agent radius 0.05 + goal radius 0.03
TOP_SPEED = 0.4       # steady speed: v = 0.75 v + 0.1  ->  0.4
STEP_DIST = 0.04      # TOP_SPEED * dt
ACCEL_STEPS = 3.0     # steps lost accelerating from rest toward the goal
HORIZON = 8.0         # short-horizon scale of the goal influence
LEAD_TAU = 6.0        # steps behind the leader before goal credit fades
LONG_GAIN = 0.5       # weight of the long-horizon gamma^t part
ENERGY_BASE = 0.15    # uniform influence through the energy term
ENERGY_PER_STEP = 0.015   # team energy cost per step of one agent moving
FLOOR = 0.2
EPS = 1e-6


def steps_to_contact(obs):
    rel = obs[..., REL]                                   # goal - agent [B, n, 2]
    vel = obs[..., VEL]
    d = torch.linalg.vector_norm(rel, dim=-1)             # [B, n]
    direction = rel / (d.unsqueeze(-1) + EPS)
    v_toward = (vel * direction).sum(dim=-1).clamp(-TOP_SPEED, TOP_SPEED)
    gap = (d - CONTACT).clamp_min(0.0)
    accel = ACCEL_STEPS * (TOP_SPEED - v_toward) / TOP_SPEED   # 0 .. 2*ACCEL_STEPS
    steps = gap / STEP_DIST + accel * (gap > 0).to(obs.dtype)
    steps = torch.nan_to_num(steps, nan=200.0, posinf=200.0, neginf=0.0)
    return steps.clamp(0.0, 200.0)


def eaten_flag(obs):
    return obs[..., EATEN].amax(dim=-1, keepdim=True) > 0.5   # [B, 1]


def weights(td):
    obs = td["observation"]
    n = td["n_agents"]
    steps = steps_to_contact(obs)                              # [B, n]
    t_min = steps.amin(dim=-1, keepdim=True)                   # [B, 1]
    lead = torch.exp(-(steps - t_min).clamp(0.0, 200.0) / LEAD_TAU)   # leader = 1
    long_part = torch.exp(steps * math.log(GAMMA))             # gamma^t
    short_part = torch.exp(-steps / HORIZON)
    raw = ENERGY_BASE + lead * (LONG_GAIN * long_part + short_part)
    share = raw / (raw.sum(dim=-1, keepdim=True) + EPS)
    w = FLOOR + (1.0 - FLOOR) * float(n) * share               # mean ~1, max < 3.4
    w = torch.where(eaten_flag(obs), torch.ones_like(w), w)
    w = torch.nan_to_num(w, nan=1.0, posinf=1.0, neginf=FLOOR)
    return w.clamp(FLOOR, 10.0)


def bias(td):
    obs = td["observation"]
    t = steps_to_contact(obs).amin(dim=-1, keepdim=True)       # [B, 1]
    disc = torch.exp(t * math.log(GAMMA))                      # gamma^t
    energy = ENERGY_PER_STEP * (1.0 - disc) / (1.0 - GAMMA)    # discounted cost en route
    value = disc - energy
    value = torch.where(eaten_flag(obs), torch.zeros_like(value), value)
    return torch.nan_to_num(value, nan=0.0).clamp(-1.0, 1.0)
