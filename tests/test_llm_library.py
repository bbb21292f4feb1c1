"""The LLM-written credit library: honest provenance, a complete transcript, and valid functions.

Each ``credit_library/<env>/llm/<task>.py`` must say in its header that ``qllm generate`` wrote
it (model, backend, prompt hash), ship its transcript, be exactly the transcript's result (same
SHA-256), and pass the validator on real states of its task.
"""

from __future__ import annotations

import json
import math

import pytest

from benchmarl_qllm.credit.function import CreditFunction
from benchmarl_qllm.credit.library import HANDWRITTEN, LLM, library_entries, transcript_path

LLM_TASKS = sorted(library_entries(LLM))


def test_library_has_llm_written_functions():
    assert len(LLM_TASKS) >= 5


@pytest.mark.parametrize("task", LLM_TASKS)
def test_llm_function_matches_its_transcript(task):
    path = library_entries(LLM)[task]
    function = CreditFunction.from_file(path)
    header = function.header
    assert header["task"] == task
    assert header["produced-by"].startswith("qllm generate")
    assert header["model"] != "none" and "file backend" in header["model"]
    transcript = json.loads(transcript_path(path).read_text(encoding="utf-8"))
    assert transcript["status"] == "ok" and transcript["task"] == task
    assert transcript["result"]["sha256"] == function.sha256
    assert header["prompt-sha256"] == transcript["prompt_sha256"]
    calls = transcript["calls"]
    assert len(calls) == transcript["totals"]["llm_calls"] >= 2
    for call in calls:
        assert call["messages"] and call["answer"].strip()  # every prompt and its answer
    coder_answers = "\n".join(c["answer"] for c in calls if c["role"] == "coder")
    body = function.source.split('"""', 2)[2]  # the code after the provenance docstring
    assert body.strip()[:200] in coder_answers, "the shipped code is not in any recorded answer"


def _hand_described(tasks):
    from benchmarl_qllm.environments import known_tasks

    return [t for t in tasks if t in known_tasks()]


# Tasks with automatic descriptions are validated by the training smoke runs below (each run
# traces, verifies and checks its functions on the live env's states before training).
@pytest.mark.parametrize("task", _hand_described(LLM_TASKS))
def test_llm_function_validates_on_real_states(task):
    from benchmarl_qllm.environments.validation import validate_for_task

    source = library_entries(LLM)[task].read_text(encoding="utf-8")
    report = validate_for_task(source, task, n_states=64)
    assert report.ok, report.format()


def test_every_hand_described_llm_task_keeps_its_handwritten_reference():
    """Tasks with a hand-written description also keep the hand-written TFCAF (the
    ``qllm-handwritten`` benchmark arm); automatic-description tasks have only the LLM's."""
    from benchmarl_qllm.environments import known_tasks

    hand_described = set(LLM_TASKS) & set(known_tasks())
    assert hand_described and hand_described <= set(library_entries(HANDWRITTEN))


def _base_task(target: str) -> str:
    from benchmarl_qllm.environments.sampling import split_target

    return split_target(target)[0]


def _shipped_discrete_tasks(family):
    from benchmarl.environments import task_config_registry

    return sorted(name for name, task in task_config_registry.items() if name.startswith(family + "/")
                  and task.get_from_yaml().supports_discrete_actions())


# One short QLLM run per VMAS and PettingZoo MPE task with LLM-written functions (every group).
SMOKE_TASKS = sorted({_base_task(t) for t in LLM_TASKS if t.split("/")[0] in ("vmas", "pettingzoo")})


@pytest.mark.parametrize("family", ["vmas", "pettingzoo"])
def test_every_discrete_vmas_and_mpe_task_has_an_llm_written_function(family):
    import importlib.util

    if family == "pettingzoo" and importlib.util.find_spec("pettingzoo") is None:
        pytest.skip("pettingzoo is not installed")
    from benchmarl_qllm.environments.sampling import make_benchmarl_env

    missing = []
    for task in _shipped_discrete_tasks(family):
        task_class, env = make_benchmarl_env(task)
        groups = list(task_class.group_map(env))
        env.close()
        targets = [task] if len(groups) == 1 else [f"{task}/{g}" for g in groups]  # one per group
        missing += [t for t in targets if t not in LLM_TASKS]
    assert not missing, f"no LLM-written credit function for {missing}"


@pytest.mark.parametrize("task", SMOKE_TASKS)
def test_llm_function_trains_qllm(task, tmp_path):
    """``algorithm.credit=llm`` trains a few hundred frames on the live task: every group's
    function is traced in the jail, verified, and drives the mixer; evaluations are finite."""
    from benchmarl.environments import task_config_registry

    from benchmarl_qllm.algorithms import QllmConfig
    from env_helpers import results_json, run_experiment

    env_name = task.split("/")[0]
    if env_name == "pettingzoo":
        pytest.importorskip("pettingzoo")
    config = QllmConfig.get_from_yaml()
    config.credit = "llm"
    experiment = run_experiment(task_config_registry[task].get_from_yaml(), config, tmp_path,
                                max_n_frames=300, off_policy_n_envs_per_worker=2,
                                evaluation_episodes=1)
    groups = list(experiment.group_map)
    folder = experiment.folder_name
    for group in groups:
        program_file = "credit_program.json" if len(groups) == 1 else f"credit_program_{group}.json"
        assert (folder / program_file).is_file(), f"{task}: no verified program for {group}"
    returns = list(_evaluation_returns(results_json(experiment)))
    assert returns and all(math.isfinite(r) for r in returns)


def _evaluation_returns(node):
    """Every evaluation return in BenchMARL's results JSON (``...["step_<i>"]["return"]``)."""
    for key, value in node.items():
        if key.startswith("step_") and isinstance(value, dict):
            yield from value.get("return", [])
        elif isinstance(value, dict):
            yield from _evaluation_returns(value)
