"""Automatic task descriptions: any registered BenchMARL task with discrete actions gets one
(live env + YAML config + trimmed source), and a user's own task generates and trains."""

from __future__ import annotations

import pytest

import benchmarl_qllm  # noqa: F401 - registers qllm and the task families
from benchmarl.environments import Task, task_config_registry

from benchmarl_qllm import QllmConfig
from benchmarl_qllm.cli import main
from benchmarl_qllm.credit.library import library_path
from benchmarl_qllm.credit.sandbox import CreditFunctionError
from benchmarl_qllm.environments import get_description, known_tasks, MatrixGameClass
from benchmarl_qllm.environments.description import description_kind
from env_helpers import results_json, run_experiment
from generation_helpers import code_answer, fake_server, isolated_env  # noqa: F401


def test_dispersion_gets_an_automatic_description():
    assert "vmas/dispersion" not in known_tasks() and description_kind("vmas/dispersion") == "automatic"
    d = get_description("vmas/dispersion")
    assert d.automatic and (d.n_agents, d.input_kind, d.input_dim) == (4, "observation", 16)
    assert [(f.start, f.stop) for f in d.layout] == [(0, 16)] and len(d.actions) == 9
    prompt = d.to_prompt()
    assert "built automatically" in prompt
    assert "def reward(self, agent" in prompt and "def observation(self, agent" in prompt
    assert "vmas/scenarios/dispersion.py" in prompt and '"n_food": 4' in prompt
    assert "agents/reward" in prompt and "up-right" in prompt
    assert d.fact("n_food") == 4


def test_hand_written_descriptions_take_precedence():
    d = get_description("vmas/balance")
    assert description_kind("vmas/balance") == "hand-written" and not d.automatic
    assert "built automatically" not in d.to_prompt()


def test_library_error_says_how_to_get_a_credit_function():
    with pytest.raises(CreditFunctionError, match="qllm generate vmas/dispersion") as info:
        library_path("vmas/dispersion")
    assert "algorithm.credit=<path to a TFCAF file>" in str(info.value)


def test_qllm_prompt_for_an_automatic_task(capsys):
    assert main(["prompt", "vmas/dispersion", "--no-system"]) == 0
    assert "### About this description" in capsys.readouterr().out


# A user's own task: the climbing game under another name, with no description of its own -----
class TinyGameClass(MatrixGameClass):
    @staticmethod
    def env_name() -> str:
        return "tinygame"


class TinyGameTask(Task):
    TINY_CLIMB = None

    @staticmethod
    def associated_class():
        return TinyGameClass

    def get_from_yaml(self, path=None):
        return self.get_task(config={"n_agents": 2, "game": "climbing"})


UNIFORM_TFCAF = '''import torch


def weights(td):
    state = td["state"]
    return torch.ones_like(state[:, 0:1]).expand(-1, td["n_agents"]) + 0.1 * torch.sigmoid(state[:, 0:2])
'''


@pytest.fixture
def tiny_task():
    task_config_registry["tinygame/tiny_climb"] = TinyGameTask.TINY_CLIMB
    yield "tinygame/tiny_climb"
    del task_config_registry["tinygame/tiny_climb"]


def test_custom_task_generates_and_trains(tiny_task, fake_server, tmp_path, monkeypatch, capsys):
    from benchmarl_qllm.generation import prompts

    seen = []

    def respond(request):
        if request["messages"][0]["content"] == prompts.EVALUATOR_SYSTEM_PROMPT:
            return {"kind": "reply", "text": '{"choice": 1, "accept": true}', "finish_reason": "stop",
                    "model": "fake", "usage": {"prompt_tokens": 1, "completion_tokens": 1,
                                               "total_tokens": 2}}
        seen.append(request["messages"][1]["content"])
        return code_answer(UNIFORM_TFCAF)

    d = get_description(tiny_task)
    assert d.automatic and d.input_kind == "state" and d.n_agents == 2 and len(d.actions) == 3
    assert "class MatrixGameEnv" in d.notes or "MatrixGameEnv._step" in d.notes

    server = fake_server(responder=respond)
    out = tmp_path / "tiny.py"
    assert main(["generate", tiny_task, "--model", "fake-model", "--base-url", server.base_url,
                 "--candidates", "1", "--rounds", "1", "--n-states", "16", "--quiet",
                 "--out", str(out)]) == 0, capsys.readouterr().err
    assert "built automatically" in "\n".join(seen)
    assert main(["check", str(out), "--n-states", "16"]) == 0

    # algorithm.credit=generate in a Python-API run: the cache is empty, so the LLM writes it.
    monkeypatch.setenv("QLLM_BASE_URL", server.base_url)
    monkeypatch.setenv("QLLM_MODEL", "fake-model")
    config = QllmConfig.get_from_yaml()
    config.credit = "generate"
    (tmp_path / "run").mkdir()
    experiment = run_experiment(TinyGameTask.TINY_CLIMB.get_from_yaml(), config, tmp_path / "run",
                                evaluation_episodes=2)
    steps = results_json(experiment)["tinygame"]["tiny_climb"]["qllm"]["seed_0"]
    assert any(k.startswith("step_") for k in steps)
    assert len(seen) >= 2  # `qllm generate` above, then the run's own generation


def test_multi_group_tasks_are_refused_clearly():
    from benchmarl_qllm.environments.sampling import _single_group

    class TwoGroups:
        @staticmethod
        def group_map(env):
            return {"adversary": ["a"], "agent": ["b", "c"]}

    with pytest.raises(ValueError, match="support one agent group; task x/y has groups"):
        _single_group("x/y", TwoGroups(), None)
