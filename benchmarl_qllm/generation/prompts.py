"""Prompts of the coder-evaluator loop.

The coder sees :data:`SYSTEM_PROMPT` (the TFCAF contract, which mirrors what
:mod:`benchmarl_qllm.credit.sandbox` and :mod:`benchmarl_qllm.credit.validator` enforce) and
:func:`task_prompt` (the task description with its exact input layout). From the second round
on it also gets :func:`feedback_message`: the evaluator's choice and advice, and the concrete
validation errors of the previous round's failing candidates, so it repairs them. The evaluator
sees :data:`EVALUATOR_SYSTEM_PROMPT` and :func:`evaluator_prompt`.
"""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Dict, List, Optional, Sequence

PROMPT_VERSION = "1"
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
  an int. Use `td[key]`, `td.get(key)` and `td.batch_size`, nothing else.
- Imports: only `import torch`, `import math` and `import torch.nn.functional as F`.
- Module level: imports, constants (numbers, strings, tuples, `slice(a, b)`) and function
  definitions only. Helper functions are fine; names must not start with an underscore.
- No trainable parts: no torch.nn layers, no nn.Parameter, no requires_grad, no optimizers.
- No I/O and no side effects: no files, network, printing, environment variables, other
  modules, randomness, global state or caching between calls.
- Not allowed (the code is rejected): classes, `while` loops, try/except, `with`, `global`,
  decorators, lambda-free tricks such as eval/exec/getattr/open/__import__, any name or
  attribute starting with `_`, `.numpy()`, `.cuda()`, `.cpu()`, `.detach()`, device strings,
  `.data`, in-place writes into the input (no `x[...] = v` or `x.add_()` on td tensors).

## Numeric safety and shape rules (checked on real states from the environment)
- Every output must be finite for every state: add an epsilon to denominators
  (`x / (d + 1e-6)`), clamp before `exp`, use `log1p`/`clamp_min` before `log` and `sqrt`.
- Row independence: row k of the outputs depends only on row k of the input. Never reduce or
  normalize over the batch dimension 0 (no `x.mean(0)`, no batch-wide max or softmax).
- The batch size B may be anything, including 1: always pass `dim=` and `keepdim=` explicitly;
  never use a bare `.squeeze()`.
- Vectorize over the batch: no Python loops over states. A loop over the few agents is fine.
  One call on 256 states must take well under 50 ms on a CPU.
- Create new tensors from the input (`torch.zeros_like(x)`, `x.new_ones(...)`,
  `torch.full_like(...)`) so dtype and device follow the input.
- Deterministic: the same states must always give the same outputs.

## Good credit
- Keep weights on a sensible scale (mean around 1, like VDN, and bounded, e.g. at most 10).
- Give every agent a small positive floor so no agent is starved of gradient, and put more
  weight on agents whose actions matter more in that state (proximity to objectives, roles,
  being in danger, being the one that can act).
- A bias can express how good the state is for the team (e.g. progress towards the goal); keep
  it bounded.

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
candidate you see already passed automatic checks (it runs on real states, has the right
shapes, finite values, the required sign, no batch coupling, and is fast). Judge which one
will help the agents learn the task fastest: credit that follows who actually influences the
team reward in each state, uses the right fields of the input layout, keeps every agent
learning (no starved agents), and keeps weights and bias on a stable scale. Penalize logic
bugs (wrong slices, wrong signs, agent indices mixed up) and needless complexity.

Reply with exactly one JSON object and nothing else:
{"choice": <number of the best candidate>, "advice": "<one concrete sentence telling the coder how to improve the chosen candidate>"}
"""


def task_prompt(description, igm: Optional[str] = None) -> str:
    """The task part of the coder prompt: the description plus the IGM rule for this run.

    Args:
        description: a :class:`~benchmarl_qllm.environments.description.TaskDescription`.
        igm: override the description's IGM mode (``"enforce"`` or ``"relax"``).
    """
    if igm is not None and igm != description.igm:
        description = dataclasses.replace(description, igm=igm)
    mode = description.igm
    if mode not in IGM_RULES:
        raise ValueError(f"igm must be one of {sorted(IGM_RULES)}, got '{mode}'")
    return (
        description.to_prompt().rstrip()
        + "\n\n## Your job\n"
        + IGM_RULES[mode]
        + "\nWrite the TFCAF module for this task.\n"
    )


def prompt_sha256(*parts: str) -> str:
    """SHA-256 identifying a prompt set (the parts, separated, plus :data:`PROMPT_VERSION`)."""
    digest = hashlib.sha256(f"qllm-prompts-v{PROMPT_VERSION}".encode())
    for part in parts:
        digest.update(b"\x00")
        digest.update(part.encode("utf-8"))
    return digest.hexdigest()


def generation_prompt_sha256(description, igm: Optional[str] = None) -> str:
    """The hash of every fixed prompt the loop uses for ``description`` (coder + evaluator)."""
    return prompt_sha256(SYSTEM_PROMPT, task_prompt(description, igm), EVALUATOR_SYSTEM_PROMPT)


def _clip_code(source: str) -> str:
    if len(source) <= MAX_CODE_CHARS_IN_FEEDBACK:
        return source
    return source[:MAX_CODE_CHARS_IN_FEEDBACK] + "\n# ... [truncated]"


def coder_messages(task_text: str, feedback: Optional[str] = None) -> List[Dict[str, str]]:
    """Chat messages for one coder call."""
    messages = [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": task_text},
    ]
    if feedback:
        messages.append({"role": "user", "content": feedback})
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
            f"The evaluator chose candidate {incumbent['id']} as the best so far:\n"
            f"```python\n{_clip_code(incumbent['source'])}\n```"
        )
        if advice:
            parts.append(f"Evaluator's advice: {advice}")
        parts.append("Write an improved version that follows the advice.")
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
    parts.append("Reply with the complete corrected module in one ```python block.")
    return "\n\n".join(parts)


def evaluator_messages(task_text: str, candidates: Sequence[Dict[str, str]]) -> List[Dict[str, str]]:
    """Chat messages for one evaluator call.

    Args:
        candidates: ``{"source", "summary"}`` per candidate, numbered 1..n in this order.
    """
    parts = [task_text.rstrip(), "", f"## {len(candidates)} candidate TFCAFs"]
    for i, c in enumerate(candidates, start=1):
        parts.append(
            f"### Candidate {i}\nValidation on real states: {c['summary']}\n"
            f"```python\n{_clip_code(c['source'])}\n```"
        )
    parts.append(
        f'Answer with one JSON object: {{"choice": <1..{len(candidates)}>, "advice": "<one sentence>"}}'
    )
    return [
        {"role": "system", "content": EVALUATOR_SYSTEM_PROMPT},
        {"role": "user", "content": "\n\n".join(parts)},
    ]
