"""Automatic task descriptions: any registered BenchMARL task with discrete actions gets one
(live env + YAML config + trimmed source), and a user's own task generates and trains."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

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
    seen = []
    respond = accepting_coder(UNIFORM_TFCAF, seen)

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


# Tasks with several agent groups: one credit function per group ------------------------------
GROUP_TFCAF = '''"""Near-uniform credit for any group with flat observations: a test file.

igm: enforce
"""

import torch


def weights(td):
    obs = td["observation"]
    return 1.0 + 0.1 * torch.sigmoid(obs[..., 0])
'''

TINY_TAG = ["algorithm=qllm", "task=vmas/simple_tag", "experiment=ci_smoke", "task.max_steps=20",
            "experiment.off_policy_collected_frames_per_batch=100",
            "experiment.off_policy_n_envs_per_worker=10", "experiment.evaluation_interval=200",
            "experiment.evaluation_episodes=2", "experiment.max_n_frames=200"]


def accepting_coder(source: str, asked: list):
    """A scripted LLM: the coder always answers ``source`` (its prompts go to ``asked``) and the
    evaluator accepts the first candidate."""
    from benchmarl_qllm.generation import prompts

    def respond(request):
        if request["messages"][0]["content"] == prompts.EVALUATOR_SYSTEM_PROMPT:
            return {"kind": "reply", "text": '{"choice": 1, "accept": true}', "finish_reason": "stop",
                    "model": "fake", "usage": {"prompt_tokens": 1, "completion_tokens": 1,
                                               "total_tokens": 2}}
        asked.append(request["messages"][1]["content"])
        return code_answer(source)

    return respond


def test_a_multi_group_task_is_described_per_group(capsys):
    assert main(["prompt", "vmas/simple_tag"]) == 2
    err = capsys.readouterr().err
    assert "2 agent groups ['adversary', 'agent']" in err and "qllm generate vmas/simple_tag/adversary" in err
    chasers, prey = get_description("vmas/simple_tag/adversary"), get_description("vmas/simple_tag/agent")
    assert (chasers.n_agents, prey.n_agents) == (3, 1) and chasers.input_dim != prey.input_dim
    assert "other agent group `agent` (not credited by this function): 1 agents" in chasers.notes
    assert "this credit function is for group `adversary` only" in chasers.summary
    with pytest.raises(ValueError, match="no agent group 'prey'; its groups are"):
        get_description("vmas/simple_tag/prey")


def test_multi_group_states_follow_the_group():
    from benchmarl_qllm.environments import sample_states

    chasers = sample_states("vmas/simple_tag/adversary", 24, seed=1)
    prey = sample_states("vmas/simple_tag/agent", 24, seed=1)
    assert chasers.shape[:2] == (24, 3) and prey.shape[:2] == (24, 1)
    assert torch.equal(chasers, sample_states("vmas/simple_tag/adversary", 24, seed=1))
    assert chasers.std(0).gt(0).any()  # rollouts move (every group acts)


def test_multi_group_training_keeps_one_function_per_group(tmp_path):
    from e2e_helpers import experiment_folder
    from env_helpers import run_python

    library = tmp_path / "tag_credit"
    library.mkdir()
    for group, floor in (("adversary", "1.0"), ("agent", "2.0")):
        (library / f"{group}.py").write_text(GROUP_TFCAF.replace("1.0 +", f"{floor} +"), encoding="utf-8")
    run_python(["-m", "benchmarl.run", *TINY_TAG, f"algorithm.credit={library}", "hydra.run.dir=run"],
               cwd=tmp_path)
    folder = experiment_folder(tmp_path / "run")
    for group, n_agents in (("adversary", 3), ("agent", 1)):
        source = (folder / f"credit_function_{group}.py").read_text(encoding="utf-8")
        assert source == (library / f"{group}.py").read_text(encoding="utf-8")
        meta = json.loads((folder / f"credit_function_{group}.json").read_text())
        assert meta["origin"] == str(library / f"{group}.py")
        assert meta["programs"][group]["input"]["n_agents"] == n_agents
        assert (folder / f"credit_program_{group}.json").is_file()
    assert not (folder / "credit_function.py").exists()


def test_credit_generate_through_benchmarl_run_on_a_multi_group_automatic_task(
        tmp_path, fake_server, monkeypatch):
    """`benchmarl.run ... algorithm.credit=generate` on a task with no hand-written description
    and two agent groups: the scripted LLM writes one function per group, from each group's
    automatic description; a second run takes both from the cache."""
    from e2e_helpers import experiment_folder
    from env_helpers import run_python
    asked = []
    server = fake_server(responder=accepting_coder(GROUP_TFCAF, asked))
    monkeypatch.setenv("QLLM_BASE_URL", server.base_url)
    monkeypatch.setenv("QLLM_MODEL", "fake-model")
    run_python(["-m", "benchmarl.run", *TINY_TAG, "algorithm.credit=generate", "hydra.run.dir=first"],
               cwd=tmp_path)
    folder = experiment_folder(tmp_path / "first")
    for group in ("adversary", "agent"):
        meta = json.loads((folder / f"credit_function_{group}.json").read_text())
        assert meta["credit"] == "generate" and meta["header"]["task"] == f"vmas/simple_tag/{group}"
        assert meta["header"]["produced-by"].startswith("qllm generate")
        assert any(f"cooperating agents in group `{group}`" in prompt for prompt in asked)
    assert all("built automatically" in prompt for prompt in asked)
    calls = len(server.chat_requests())
    run_python(["-m", "benchmarl.run", *TINY_TAG, "algorithm.credit=generate", "hydra.run.dir=second"],
               cwd=tmp_path)
    assert len(server.chat_requests()) == calls  # both groups' functions came from the cache


def test_credit_generate_describes_the_run_task_settings(tmp_path, fake_server, monkeypatch):
    """`task.n_agents=2` on the command line: the LLM is asked about the 2-agent environment
    the run trains on (not the YAML's 4), and the function is cached under those settings."""
    from e2e_helpers import experiment_folder
    from env_helpers import run_python
    asked = []
    server = fake_server(responder=accepting_coder(GROUP_TFCAF, asked))
    monkeypatch.setenv("QLLM_BASE_URL", server.base_url)
    monkeypatch.setenv("QLLM_MODEL", "fake-model")
    args = [a.replace("vmas/simple_tag", "vmas/dispersion") for a in TINY_TAG]
    run_python(["-m", "benchmarl.run", *args, "task.n_agents=2", "algorithm.credit=generate",
                "hydra.run.dir=run"], cwd=tmp_path)
    folder = experiment_folder(tmp_path / "run")
    meta = json.loads((folder / "credit_function.json").read_text())
    assert meta["programs"]["agents"]["input"]["n_agents"] == 2
    assert asked and all("2 cooperating agents in group `agents`" in prompt for prompt in asked)
    cached = json.loads(Path(meta["origin"]).with_suffix(".meta.json").read_text())
    assert cached["task_overrides"]["n_agents"] == 2
