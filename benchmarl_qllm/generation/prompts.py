"""Prompts of the coder-evaluator loop.

Every prompt is a deterministic function of the task description, the generation settings
(IGM mode, discount, candidates, rounds) and the previous answers: no timings, dates or
random numbers, so a file-backend run replays into the same answers folder byte for byte.

Coder, one call per candidate:

* system: :data:`SYSTEM_PROMPT` (the TFCAF contract, what may and may not be used; it mirrors
  :mod:`benchmarl_qllm.credit.sandbox` and the validator);
* user: :func:`task_prompt` (the task description with its exact input layout, how the team
  is trained: team reward, discount, episode ends; then the coder's job);
* user (rounds >= 2): :func:`feedback_message` (the incumbent, the evaluator's advice and the
  concrete validation errors of the previous round's failures);
* user: :func:`brief_message`, the candidate's own design brief (:func:`candidate_brief`), so
  the K candidates of a round get different prompts and explore different credit ideas.

Evaluator, one call per round: :data:`EVALUATOR_SYSTEM_PROMPT` and :func:`evaluator_messages`
(the task context without the coder's instructions, then every validated candidate under the
id the coder also uses, ``r2c3``, with its brief, its validation statistics and its code; the
incumbent is marked). It answers one JSON object ``{"choice": "<id>", "accept": true|false,
"advice": "..."}``; the last round asks for no advice.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
from typing import Dict, List, Optional, Sequence

from benchmarl_qllm.environments.description import num

PROMPT_VERSION = "2"
MAX_CODE_CHARS_IN_FEEDBACK = 6000

SYSTEM_PROMPT = """\
You write training-free credit assignment functions (TFCAFs) for cooperative multi-agent
reinforcement learning with value decomposition. Each agent i has a Q network giving Q_i; the
team value is

    Q_tot(s) = sum_i w_i(s) * Q_i + b(s)

Your Python module computes the per-agent weights w(s) and, optionally, the bias b(s) from the
current state. Nothing in it is trained: the gradient that reaches agent i is exactly w_i(s), so
the weights decide how much credit each agent gets for the team's return in that state.

## Contract
- Define `def weights(td)` returning a float tensor of shape [B, n_agents] (one weight per agent
  for each of the B states in the batch).
- Optionally define `def bias(td)` returning a float tensor of shape [B, 1]. Without it, b = 0.
- `td` is a read-only mapping. `td["observation"]` ([B, n_agents, obs_dim]) or `td["state"]`
  ([B, state_dim]) holds the input, whichever the task description names; `td["n_agents"]` is
  a Python int. Use `td[key]`, `td.get(key, default)`, `key in td`, `td.keys()` and
  `td.batch_size`, nothing else.
- Module level: imports, constants (numbers, strings, tuples, `slice(a, b)`) and function
  definitions only. Helper functions are fine.

## What you can use
- Imports: `import torch`, `import math`, `import torch.nn.functional as F`; `torch.linalg` is
  reachable as `torch.linalg.vector_norm(...)`.
- Elementwise: `torch.where`, `torch.clamp`/`clamp_min`/`clamp_max`, `torch.minimum`/`maximum`,
  `torch.abs`, `torch.sign`, `torch.exp`, `torch.log`, `torch.log1p`, `torch.sqrt`,
  `torch.sigmoid`, `torch.tanh`, `F.relu`, `F.softplus`, `torch.nan_to_num`, `torch.isfinite`,
  `torch.floor`, `torch.round`, `x.pow(k)`, comparisons and `torch.logical_and`/`logical_or`.
- Reductions, always with `dim=`: `sum`, `mean`, `amax`, `amin`, `max(dim=).values`,
  `min(dim=).values`, `argmax`, `torch.prod`, `torch.cumsum`, `torch.logsumexp`,
  `torch.softmax`/`F.softmax`, `torch.std`, `torch.norm`, `torch.linalg.vector_norm`,
  `F.normalize`, `torch.cdist`, `torch.sort`, `torch.topk`, `torch.einsum`, `@`.
- Shapes and indexing: slicing (`x[..., a:b]`), `reshape`, `unsqueeze`, `squeeze(dim)`,
  `expand`, `permute`, `transpose`, `torch.cat`, `torch.stack`, `torch.gather`, `F.one_hot`.
- New tensors that follow the input's dtype and device: `torch.zeros_like`, `torch.ones_like`,
  `torch.full_like`, `x.new_zeros(shape)`, `x.new_ones(shape)`, `x.new_full(shape, v)`,
  `torch.arange(n, dtype=x.dtype, device=x.device)`.
- Python: `for i in range(n_agents)` loops over agents (n_agents from `td["n_agents"]`), `if` on
  Python numbers, helper functions, `math.pi`, `math.sqrt`, `math.exp` on constants.

## What is rejected (the module fails validation)
- Any import other than the three above; any name or attribute that starts with `_`.
- The built-ins `eval`, `exec`, `compile`, `open`, `getattr`, `setattr`, `__import__`,
  `globals`, `vars`, `type`, `print`, `input`.
- Statements: `class`, `while`, `try`/`except`, `with`, `global`, `nonlocal`, decorators,
  `del`, starred arguments (`*args`, `**kwargs`).
- Leaving the tensor program: `.item()`, `.tolist()`, `.numpy()`, `.cpu()`, `.cuda()`,
  `.detach()`, `.data`, device strings, and Python `if`/`bool()`/`float()`/`int()` on tensor
  VALUES (the function is traced once for all batches: branch with `torch.where` or masks).
- Trainable or stateful parts: `torch.nn` layers, `nn.Parameter`, `requires_grad`,
  optimizers, random numbers (`torch.rand*`), uninitialised tensors (`torch.empty*`,
  `new_empty`), global state, caching between calls, files, printing.
- Writing into the input: no `x[...] = v` or in-place methods (`x.add_()`, `x.clamp_()`, any
  method ending in `_`) on tensors that come from `td`; compute new tensors instead.

## Numeric safety and shape rules (checked on real states from the environment)
- Every output must be finite for every state: add an epsilon to denominators
  (`x / (d + 1e-6)`), clamp before `exp`, use `log1p`/`clamp_min` before `log` and `sqrt`.
- Row independence: row k of the outputs depends only on row k of the input. Never reduce or
  normalize over the batch dimension 0 (no `x.mean(0)`, no batch-wide max or softmax).
- The batch size B may be anything, including 1: always pass `dim=` (and `keepdim=` where the
  shape matters) explicitly; never use a bare `.squeeze()`.
- Vectorize over the batch: no Python loops over states. A loop over the few agents is fine.
  One call on 256 states must take well under 50 ms on a CPU.
- Deterministic: the same states must always give the same outputs.

## Good credit
- Keep weights on a sensible scale (mean around 1, like VDN, and bounded, e.g. at most 10).
- Give every agent a small positive floor so no agent is starved of gradient, and put more
  weight on agents whose actions matter more in that state (proximity to objectives, roles,
  being in danger, being the one that can act).
- A bias can express how good the state is for the team: Q_tot estimates the discounted team
  return stated in the task, so scale any bias to that return and keep it bounded.

## Answer format
Reply with the complete module in one ```python fenced block, starting with a short docstring
that explains the credit idea. Keep any text outside the block brief.
"""

IGM_RULES = {
    "enforce": (
        "IGM is ENFORCED for this task: every weight must be >= 0 for every state (monotonic "
        "mixing). Build weights from non-negative pieces, e.g. `0.1 + F.softplus(...)`, "
        "`torch.sigmoid(...)`, `torch.exp(...clamp(max=10))` or `clamp_min(0)` plus a floor."
    ),
    "relax": (
        "IGM is RELAXED for this task: weights may be negative where the task needs "
        "non-monotonic credit (an agent's value should count against the team in some "
        "states). Use signs deliberately and keep magnitudes bounded."
    ),
}

EVALUATOR_SYSTEM_PROMPT = """\
You review training-free credit assignment functions (TFCAFs) for cooperative multi-agent
reinforcement learning with value decomposition, Q_tot(s) = sum_i w_i(s) * Q_i + b(s). Every
candidate you see already passed the automatic checks (it runs on real states, has the right
shapes, finite values, the required sign, no batch coupling, and is fast). Judge which one
will help the agents learn the task fastest: credit that follows who actually influences the
team reward in each state, uses the right fields of the input layout, keeps every agent
learning (no starved agents), and keeps weights and bias on a stable scale. The validation
statistics show how each candidate's weights differ between named situations (regimes) of
the sampled states: credit that does not react to the situations the task is about is a
warning sign. Penalize logic bugs (wrong slices, wrong signs, agent indices mixed up) and
needless complexity.

Candidates are named by round and number (r2c3 = round 2, candidate 3); the incumbent is
the best candidate of the previous rounds. Set "accept" to true only if the chosen candidate
is good enough to train with as it is (no known bug, sensible credit in every regime), so the
search may stop early.

Reply with exactly one JSON object and nothing else:
{"choice": "<candidate id, e.g. r1c2>", "accept": <true or false>, "advice": "<one concrete sentence telling the coder how to improve the chosen candidate>"}
"""

# Design briefs: candidate k of a round gets brief (k - 1 + round - 1) mod len, so the K
# candidates of a round explore different credit principles. From round 2 on, when there is
# an incumbent, candidate 1 refines it instead.
CANDIDATE_BRIEFS = (
    ("objective proximity",
     "Give more weight to agents that are close to (or about to reach) what the reward is "
     "about: goals, targets, food, the ball, the package. Far or idle agents keep a floor."),
    ("influence on this step's reward",
     "Weight each agent by how much its action can change the team reward from this state "
     "(e.g. moving, loading, pushing, shooting right now). Use the reward section: which terms "
     "can this agent move in the next few steps?"),
    ("coordination",
     "Raise the weights of agents that must act together or interfere with each other (near "
     "teammates, the same target, collision risk, joint loads); agents acting alone get "
     "near-uniform credit."),
    ("near-uniform plus value bias",
     "Keep the weights close to 1 (VDN-like) with small, bounded state-dependent adjustments, "
     "and put the effort into an informative bias b(s) that tracks the discounted team return "
     "of the state (progress, distances, what remains to be done)."),
    ("relative shares",
     "Score every agent, turn the scores into shares that sum to n_agents (e.g. a softmax over "
     "agents with a temperature, mixed with a uniform floor), so that in each state the agents "
     "that matter most dominate while nobody drops below the floor."),
)
REFINE_BRIEF = (
    "refine the incumbent",
    "Start from the incumbent shown in the feedback, apply the evaluator's advice and fix any "
    "weakness you see; keep what works.",
)


def candidate_brief(round_index: int, k: int, has_incumbent: bool) -> Dict[str, str]:
    """The design brief of candidate ``k`` (1-based) of round ``round_index`` (1-based)."""
    if has_incumbent and round_index > 1 and k == 1:
        name, text = REFINE_BRIEF
    else:
        name, text = CANDIDATE_BRIEFS[(k - 1 + round_index - 1) % len(CANDIDATE_BRIEFS)]
    return {"name": name, "text": text}


@functools.lru_cache(maxsize=1)
def default_gamma() -> float:
    """BenchMARL's default discount (``gamma`` of its ``base_experiment.yaml``)."""
    from benchmarl.experiment import ExperimentConfig

    return float(ExperimentConfig.get_from_yaml().gamma)


def training_text(description, gamma: Optional[float] = None) -> str:
    """The "how Q_tot is trained" section: team reward, discount, what a return looks like."""
    gamma = default_gamma() if gamma is None else float(gamma)
    if not 0.0 <= gamma <= 1.0:
        raise ValueError(f"gamma must be in [0, 1], got {gamma}")
    horizon = "unbounded" if gamma >= 1.0 else num(1.0 / (1.0 - gamma))
    lines = [
        "### Training (what Q_tot is fit to)",
        f"- Discount: gamma = {num(gamma)}. QLLM fits Q_tot with one-step TD targets "
        f"r_team + {num(gamma)} * max_a' Q_tot_target(s', a'), with no bootstrap after a "
        "terminated step. Q_tot therefore estimates the discounted team return "
        f"sum_t {num(gamma)}^t * r_team,t (effective horizon 1 / (1 - gamma) = {horizon} steps).",
        "- The team reward r_team is described above under \"Team reward used for training\"."
        if description.team_reward.strip() else
        "- The team reward r_team is the reward described above.",
        "- w_i scales the gradient agent i receives from the team TD error; b(s) adds to "
        "Q_tot directly (it can carry the value of the state, but never the choice of action).",
    ]
    return "\n".join(lines) + "\n"


def _with_igm(description, igm: Optional[str]):
    if igm is not None and igm != description.igm:
        description = dataclasses.replace(description, igm=igm)
    if description.igm not in IGM_RULES:
        raise ValueError(f"igm must be one of {sorted(IGM_RULES)}, got '{description.igm}'")
    return description


def task_context(description, igm: Optional[str] = None, gamma: Optional[float] = None) -> str:
    """The task as both roles see it: description, training section and IGM rule (no job)."""
    description = _with_igm(description, igm)
    return (
        description.to_prompt().rstrip()
        + "\n\n" + training_text(description, gamma).rstrip()
        + "\n\n### Sign rule\n" + IGM_RULES[description.igm] + "\n"
    )


def task_prompt(description, igm: Optional[str] = None, gamma: Optional[float] = None) -> str:
    """The task part of the coder prompt: :func:`task_context` plus the coder's job.

    Args:
        description: a :class:`~benchmarl_qllm.environments.description.TaskDescription`.
        igm: override the description's IGM mode (``"enforce"`` or ``"relax"``).
        gamma: the training discount (default: BenchMARL's default experiment gamma).
    """
    return (
        task_context(description, igm, gamma).rstrip()
        + "\n\n## Your job\nWrite the TFCAF module for this task, following the design brief "
        "given last.\n"
    )


def prompt_sha256(*parts: str) -> str:
    """SHA-256 identifying a prompt set (the parts, separated, plus :data:`PROMPT_VERSION`)."""
    digest = hashlib.sha256(f"qllm-prompts-v{PROMPT_VERSION}".encode())
    for part in parts:
        digest.update(b"\x00")
        digest.update(part.encode("utf-8"))
    return digest.hexdigest()


def _briefs_text() -> str:
    return "\n".join(f"{name}: {text}" for name, text in CANDIDATE_BRIEFS + (REFINE_BRIEF,))


def generation_prompt_sha256(description, igm: Optional[str] = None,
                             gamma: Optional[float] = None) -> str:
    """The hash of every fixed prompt the loop uses for ``description`` (coder + evaluator,
    briefs, IGM mode and discount)."""
    return prompt_sha256(SYSTEM_PROMPT, task_prompt(description, igm, gamma),
                         EVALUATOR_SYSTEM_PROMPT, task_context(description, igm, gamma),
                         _briefs_text())


def _clip_code(source: str) -> str:
    if len(source) <= MAX_CODE_CHARS_IN_FEEDBACK:
        return source
    return source[:MAX_CODE_CHARS_IN_FEEDBACK] + "\n# ... [truncated]"


def brief_message(candidate_id: str, brief: Dict[str, str], n_candidates: int) -> str:
    """The last coder message: this candidate's id and design brief."""
    if n_candidates > 2:
        others = (f" The other {n_candidates - 1} candidates of this round follow other "
                  "briefs, so stay with yours.")
    elif n_candidates == 2:
        others = " The other candidate of this round follows another brief, so stay with yours."
    else:
        others = ""
    return (
        f"## Design brief for candidate {candidate_id}: {brief['name']}\n"
        f"{brief['text']}{others}\n"
        "Reply with the complete module in one ```python block."
    )


def coder_messages(task_text: str, feedback: Optional[str] = None,
                   brief: Optional[str] = None) -> List[Dict[str, str]]:
    """Chat messages for one coder call."""
    messages = [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": task_text},
    ]
    if feedback:
        messages.append({"role": "user", "content": feedback})
    if brief:
        messages.append({"role": "user", "content": brief})
    return messages


def feedback_message(
    round_index: int,
    incumbent: Optional[Dict[str, str]],
    advice: str,
    failures: Sequence[Dict[str, str]],
) -> Optional[str]:
    """What the coder is told before round ``round_index`` (1-based), or ``None`` in round 1.

    Args:
        incumbent: ``{"id", "source"}`` of the evaluator's current choice, if any.
        advice: the evaluator's one line of advice.
        failures: ``{"id", "source", "errors"}`` of candidates that failed validation (or whose
            answer could not be used), with the concrete error text.
    """
    if round_index <= 1 or (incumbent is None and not failures and not advice):
        return None
    parts = [f"## Feedback before round {round_index}"]
    if incumbent is not None:
        parts.append(
            f"The incumbent (the evaluator's choice so far) is candidate {incumbent['id']}:\n"
            f"```python\n{_clip_code(incumbent['source'])}\n```"
        )
        if advice:
            parts.append(f"Evaluator's advice on {incumbent['id']}: {advice}")
    if failures:
        parts.append(
            "These candidates FAILED the automatic checks. Do not repeat their mistakes; "
            "if no candidate passed yet, fix the failing code:"
        )
        for f in failures:
            block = f"### Candidate {f['id']} failed\nErrors:\n{f['errors']}"
            if f.get("source"):
                block += f"\n```python\n{_clip_code(f['source'])}\n```"
            parts.append(block)
    return "\n\n".join(parts)


def evaluator_messages(
    context: str,
    candidates: Sequence[Dict[str, str]],
    *,
    round_index: int = 1,
    last_round: bool = True,
) -> List[Dict[str, str]]:
    """Chat messages for one evaluator call.

    Args:
        context: :func:`task_context` (the task without the coder's instructions).
        candidates: ``{"id", "source", "summary"}`` plus optional ``"brief"`` and
            ``"incumbent"`` (true for the previous rounds' choice), in the order shown.
        round_index: the round being judged.
        last_round: no advice is asked for (nobody would read it).
    """
    ids = [c["id"] for c in candidates]
    parts = [context.rstrip(), "", f"## Round {round_index}: {len(candidates)} validated candidate TFCAFs"]
    for c in candidates:
        title = f"### Candidate {c['id']}"
        if c.get("incumbent"):
            title += " (INCUMBENT: the best candidate of the previous rounds)"
        lines = [title]
        if c.get("brief"):
            lines.append(f"Design brief: {c['brief']}")
        lines.append(f"Validation on sampled states: {c['summary']}")
        lines.append(f"```python\n{_clip_code(c['source'])}\n```")
        parts.append("\n".join(lines))
    choices = ", ".join(f'"{i}"' for i in ids)
    if last_round:
        parts.append(
            f"This is the last round: no advice is needed. Answer with one JSON object: "
            f'{{"choice": <one of {choices}>, "accept": <true or false>, "advice": ""}}'
        )
    else:
        parts.append(
            f"Answer with one JSON object: "
            f'{{"choice": <one of {choices}>, "accept": <true or false>, '
            f'"advice": "<one sentence for the coder\'s next round>"}}'
        )
    return [
        {"role": "system", "content": EVALUATOR_SYSTEM_PROMPT},
        {"role": "user", "content": "\n\n".join(parts)},
    ]
