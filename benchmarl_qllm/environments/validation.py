"""Validate a TFCAF on real states of a task: :func:`benchmarl_qllm.credit.validator.validate`
fed with the task's description and states sampled from its live environment."""

from __future__ import annotations

import json
from typing import Any, Dict, Optional

import torch

from benchmarl_qllm.credit.validator import (
    DEFAULT_MEMORY_MB,
    DEFAULT_TIMEOUT_S,
    validate,
    ValidationReport,
)
from benchmarl_qllm.environments.description import get_description
from benchmarl_qllm.environments.sampling import sample_states

_STATES_CACHE: Dict[Any, torch.Tensor] = {}


def task_states(task: str, n_states: int = 256, seed: int = 0, **task_overrides) -> torch.Tensor:
    """Real states of ``task`` from :func:`~benchmarl_qllm.environments.sampling.sample_states`,
    memoized."""
    key = (task.lower(), n_states, seed, json.dumps(task_overrides, sort_keys=True, default=str))
    if key not in _STATES_CACHE:
        _STATES_CACHE[key] = sample_states(task, n=n_states, seed=seed, **task_overrides)
    return _STATES_CACHE[key]


def validate_for_task(
    source: str,
    task: str,
    igm: Optional[str] = None,
    n_states: int = 256,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    memory_mb: int = DEFAULT_MEMORY_MB,
    **task_overrides,
) -> ValidationReport:
    """:func:`~benchmarl_qllm.credit.validator.validate` on real states of ``task``; agents,
    input kind and default ``igm`` come from
    :func:`~benchmarl_qllm.environments.description.get_description`."""
    description = get_description(task, **task_overrides)
    states = task_states(task, n_states=n_states, **task_overrides)
    return validate(
        source,
        states,
        n_agents=description.n_agents,
        input_kind=description.input_kind,
        igm=igm or description.igm,
        timeout_s=timeout_s,
        memory_mb=memory_mb,
    )
