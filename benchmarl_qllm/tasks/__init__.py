"""Structured task descriptions (for LLM prompts) and real states from live environments."""

from benchmarl_qllm.tasks.descriptions import (
    LayoutField,
    LayoutMismatchError,
    TaskDescription,
    build_layout,
    check_against_env,
    get_description,
    known_tasks,
    register_description,
)
from benchmarl_qllm.tasks.sampling import (
    EnvSpec,
    live_env_spec,
    register_env_spec_reader,
    register_state_sampler,
    sample_states,
)
from benchmarl_qllm.tasks.pettingzoo import register_pettingzoo
from benchmarl_qllm.tasks.smacv2 import register_smacv2
from benchmarl_qllm.tasks.vmas import register_vmas

register_vmas()
register_pettingzoo()
register_smacv2()

__all__ = [
    "EnvSpec",
    "LayoutField",
    "LayoutMismatchError",
    "TaskDescription",
    "build_layout",
    "check_against_env",
    "get_description",
    "known_tasks",
    "live_env_spec",
    "register_description",
    "register_env_spec_reader",
    "register_state_sampler",
    "sample_states",
]
