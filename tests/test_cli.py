"""The ``qllm`` command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarl_qllm.cli import main
from benchmarl_qllm.credit.function import parse_header
from benchmarl_qllm.credit.library import library_entries
from generation_helpers import (  # noqa: F401
    HOSTILE_DIR,
    code_answer,
    fake_server,
    good_source,
    isolated_env,
    variant,
)
from fake_openai_server import reply


@pytest.mark.parametrize("task", sorted(library_entries()))
def test_check_accepts_every_packaged_tfcaf(task, capsys):
    from benchmarl_qllm.environments import known_tasks

    if task not in known_tasks():
        pytest.skip(f"no task description/state sampler registered for {task} yet")
    code = main(["check", str(library_entries()[task]), "--n-states", "32"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "validation PASSED" in out and f"on {task}" in out


def test_check_rejects_a_hostile_file(tmp_path, capsys):
    path = tmp_path / "evil.py"
    path.write_text((HOSTILE_DIR / "open_write.py").read_text().replace("{TARGET}", str(tmp_path / "x")))
    assert main(["check", str(path), "--task", "vmas/balance", "--n-states", "32"]) == 1
    out = capsys.readouterr().out
    assert "validation FAILED" in out and "[FAIL] static" in out and "'open' is not allowed" in out
    assert not (tmp_path / "x").exists()


def test_check_exit_code_of_the_installed_command(tmp_path):
    path = tmp_path / "negative.py"
    path.write_text("import torch\n\ndef weights(td):\n    return -torch.ones_like(td['observation'][..., 0])\n")
    script = Path(sys.executable).parent / "qllm"  # the console script pyproject declares
    command = [str(script)] if script.exists() else [
        sys.executable, "-c", "import sys; from benchmarl_qllm.cli import main; sys.exit(main())"]
    proc = subprocess.run(
        command + ["check", str(path), "--task", "vmas/balance", "--n-states", "16"],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 1, proc.stderr
    assert "[FAIL] igm" in proc.stdout


def test_prompt_prints_the_layout(capsys):
    assert main(["prompt", "vmas/balance"]) == 0
    out = capsys.readouterr().out
    assert "# System prompt" in out and "def weights(td)" in out
    assert "| `4:6` | `agent_minus_package` |" in out and "[B, 4, 16]" in out
    assert "IGM is ENFORCED" in out


def test_list_shows_tasks_and_library(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "vmas/balance" in out and "balance.py (igm enforce)" in out
    rows = {line.split()[0]: line for line in out.splitlines()[1:]}
    assert "hand-written" in rows["vmas/balance"].split()[1]
    assert "LLM-written vmas/llm/balance.py" in rows["vmas/balance"]
    assert rows["vmas/dispersion"].split()[1] == "automatic"
    assert "LLM-written vmas/llm/dispersion.py" in rows["vmas/dispersion"]
    # a task with several agent groups: one row (and one TFCAF) per group
    assert "vmas/simple_tag" not in rows
    assert "LLM-written vmas/llm/simple_tag/adversary.py" in rows["vmas/simple_tag/adversary"]
    assert "none (qllm generate magent/adversarial_pursuit)" in rows["magent/adversarial_pursuit"]


def test_generate_with_the_fake_server(fake_server, good_source, tmp_path, capsys):
    server = fake_server([code_answer(good_source), code_answer(variant(good_source, 0.3)),
                          reply('{"choice": 2, "advice": "ok"}')])
    out_file = tmp_path / "gen" / "balance.py"
    code = main(["generate", "vmas/balance", "--model", "fake-model", "--base-url", server.base_url,
                 "--candidates", "2", "--rounds", "1", "--n-states", "32", "--out", str(out_file)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert f"wrote {out_file}" in captured.out and "chose r1c2 from 2 candidates" in captured.out
    header = parse_header(out_file.read_text())
    assert header["produced-by"] == "qllm generate (coder-evaluator loop, 2 candidates x 1 rounds)"
    transcript = json.loads((tmp_path / "gen" / "balance.transcript.json").read_text())
    assert transcript["totals"]["llm_calls"] == 3
    assert main(["check", str(out_file), "--n-states", "32", "--quiet"]) == 0


def test_generate_into_the_cache_then_train_config_finds_it(fake_server, good_source, capsys):
    from benchmarl_qllm.algorithms.credit_source import resolve_credit_function

    server = fake_server([code_answer(good_source)])
    assert main(["generate", "vmas/balance", "--model", "m", "--base-url", server.base_url,
                 "--candidates", "1", "--rounds", "1", "--quiet"]) == 0
    credit = resolve_credit_function("generate", "vmas/balance")
    assert parse_header(credit.source)["task"] == "vmas/balance"


def test_errors_are_one_line_without_traceback(tmp_path, capsys, fake_server):
    assert main(["generate", "vmas/balance"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("qllm: error: no model") and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1

    assert main(["check", str(tmp_path / "missing.py"), "--task", "vmas/balance"]) == 2
    assert "no such file" in capsys.readouterr().err

    assert main(["prompt", "vmas/nope"]) == 2
    assert "no task description for 'vmas/nope'" in capsys.readouterr().err

    server = fake_server([reply("no code, sorry")])
    assert main(["generate", "vmas/balance", "--model", "m", "--base-url", server.base_url,
                 "--candidates", "1", "--rounds", "1", "--n-states", "16", "--quiet",
                 "--out", str(tmp_path / "f.py")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("qllm: error: no candidate for vmas/balance passed validation")
    assert "f.transcript.json" in err and "Traceback" not in err


def test_generate_with_the_file_backend(tmp_path, good_source, capsys):
    answers = tmp_path / "answers"
    answers.mkdir()
    # First run: no answer yet, so it stops and names the file to fill.
    args = ["generate", "vmas/balance", "--backend", "file", "--answers-dir", str(answers),
            "--timeout", "0", "--candidates", "1", "--rounds", "1", "--n-states", "16", "--quiet",
            "--out", str(tmp_path / "f.py")]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "001_answer.md" in err and "001_prompt.md" in err
    (answers / "001_answer.md").write_text(f"```python\n{good_source}```\n")
    assert main(args) == 0
    assert parse_header((tmp_path / "f.py").read_text())["model"].startswith("file via file backend")


def test_prompt_states_the_discount(capsys):
    assert main(["prompt", "vmas/navigation", "--no-system", "--gamma", "0.95"]) == 0
    out = capsys.readouterr().out
    assert "gamma = 0.95" in out and "### Team reward used for training" in out
    assert "### Key numbers" in out and "# System prompt" not in out
    assert main(["prompt", "vmas/navigation"]) == 0
    out = capsys.readouterr().out
    assert "gamma = 0.99" in out and "## What you can use" in out and "## What is rejected" in out
    assert "lambda-free" not in out


def test_generate_stops_when_the_evaluator_accepts(fake_server, good_source, tmp_path, capsys):
    server = fake_server([code_answer(good_source), code_answer(variant(good_source, 0.3)),
                          reply('{"choice": "r1c2", "accept": true, "advice": ""}')])
    out_file = tmp_path / "gen" / "balance.py"
    code = main(["generate", "vmas/balance", "--model", "m", "--base-url", server.base_url,
                 "--candidates", "2", "--rounds", "3", "--n-states", "32", "--gamma", "0.9",
                 "--stop-when-accepted", "--quiet", "--out", str(out_file)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "1 of 3 rounds (stopped early: the evaluator accepted the choice)" in captured.out
    assert "450 tokens" in captured.out  # 3 calls x (100 prompt + 50 completion tokens)
    transcript = json.loads((tmp_path / "gen" / "balance.transcript.json").read_text())
    assert transcript["gamma"] == 0.9 and transcript["settings"]["stop_when_accepted"] is True
    assert "gamma = 0.9" in server.chat_requests()[0]["messages"][1]["content"]


def test_progress_counts_every_llm_call():
    from benchmarl_qllm.cli import _Progress

    progress = _Progress(total=8, enabled=True)
    try:
        progress("round", {"round": 1, "rounds": 2})
        for n, role in enumerate(["coder", "coder", "coder", "evaluator"], start=1):
            progress("llm_call", {"role": role, "round": 1, "n": n, "candidate": f"r1c{n}"})
            progress("llm_reply", {"role": role, "round": 1, "n": n})
            if role == "coder":
                progress("candidate", {"id": f"r1c{n}", "passed": n != 2})
        progress("choice", {"round": 1, "choice": "r1c3", "accept": True})
        assert progress.bar.n == 4 and progress.bar.total == 8
        assert "passed 2/3" in progress.bar.postfix and "chose r1c3, accepted" in progress.bar.postfix
        progress("done", {"candidate": "r1c3"})
        assert progress.bar.total == 4
    finally:
        progress.close()
