"""Overhead of the coder-evaluator loop itself, with an LLM that answers instantly.

Runs ``generate_tfcaf`` for vmas/balance against the fake OpenAI-compatible server of the test
suite (zero model latency, through the real ``openai`` client and HTTP), so what is measured is
the pipeline: prompts, HTTP, answer parsing, validation in the sandboxed worker, transcript.

    python benchmarks/generation_overhead.py [--generations 5] [--candidates 3] [--rounds 3]

Prints LLM calls per generation, pipeline wall time excluding LLM latency, and validator time
per candidate (wall time in the parent, and the checks' own time in the forked child).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from fake_openai_server import FakeOpenAIServer, reply  # noqa: E402

from benchmarl_qllm.credit.library import library_path  # noqa: E402
from benchmarl_qllm.credit.validator import validate  # noqa: E402
from benchmarl_qllm.environments import get_description  # noqa: E402
from benchmarl_qllm.environments.validation import task_states  # noqa: E402
from benchmarl_qllm.generation import prompts  # noqa: E402
from benchmarl_qllm.generation.backends import OpenAIBackend  # noqa: E402
from benchmarl_qllm.generation.loop import GenerationSettings, generate_tfcaf  # noqa: E402

TASK = "vmas/balance"
BROKEN = "import torch\n\ndef weights(td):\n    return -torch.ones_like(td['observation'][..., 0])\n"


def make_responder(good: str, fail_first_round: bool):
    counter = {"coder": 0}

    def respond(request):
        system = request["messages"][0]["content"]
        if system == prompts.EVALUATOR_SYSTEM_PROMPT:
            return reply('{"choice": 1, "advice": "keep the floor at 0.5"}')
        counter["coder"] += 1
        first_round = len(request["messages"]) == 2
        if fail_first_round and first_round:
            return reply(f"```python\n{BROKEN}```")
        floor = 0.1 + 0.05 * (counter["coder"] % 8)  # distinct candidates, all valid
        code = good.replace("return 0.5 + 0.5 * n_agents * closeness",
                            f"return {floor:.2f} + {1 - floor:.2f} * n_agents * closeness")
        return reply(f"Here it is.\n```python\n{code}```")

    return respond


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--generations", type=int, default=5)
    parser.add_argument("--candidates", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--n-states", type=int, default=256)
    args = parser.parse_args()

    good = library_path(TASK).read_text()
    t0 = time.perf_counter()
    description = get_description(TASK)
    states = task_states(TASK, n_states=args.n_states)
    setup_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    validate(good, states, description.n_agents, description.input_kind)  # starts the worker
    cold_s = time.perf_counter() - t0

    settings = GenerationSettings(candidates=args.candidates, rounds=args.rounds, n_states=args.n_states)
    print(f"task {TASK}, {args.candidates} candidates x {args.rounds} rounds, {args.n_states} real "
          f"states, {args.generations} generations per scenario")
    print(f"one-time setup: task description + state sampling {setup_s:.2f} s, "
          f"validation worker start (imports torch once) {cold_s:.2f} s\n")
    header = (f"{'scenario':<28}{'LLM calls':>10}{'candidates':>11}{'wall s':>9}"
              f"{'LLM s':>8}{'excl. LLM s':>12}{'val ms/cand':>12}{'child ms':>10}{'call ms':>10}")
    print(header)
    print("-" * len(header))
    for name, fail_first in (("all candidates pass", False), ("round 1 fails, repaired", True)):
        rows = []
        for _ in range(args.generations):
            with FakeOpenAIServer(responder=make_responder(good, fail_first)) as server:
                backend = OpenAIBackend("fake-model", base_url=server.base_url, api_key="x")
                result = generate_tfcaf(description, backend, settings, states=states)
            t = result.transcript
            reports = [c["report"] for c in t["candidates"] if c["report"]]
            child = [r["timings"].get("child_wall_ms", 0.0) for r in reports]
            calls = [r["timings"]["call_ms"] for r in reports if "call_ms" in r["timings"]]
            totals = t["totals"]
            rows.append((totals["llm_calls"], totals["candidates"], totals["wall_s"], totals["llm_s"],
                         totals["pipeline_s_excluding_llm"],
                         1e3 * totals["validation_s"] / max(1, totals["validations"]),
                         statistics.mean(child) if child else 0.0,
                         statistics.mean(calls) if calls else 0.0))
        med = [statistics.median(col) for col in zip(*rows)]
        print(f"{name:<28}{med[0]:>10.0f}{med[1]:>11.0f}{med[2]:>9.2f}{med[3]:>8.2f}{med[4]:>12.2f}"
              f"{med[5]:>12.1f}{med[6]:>10.1f}{med[7]:>10.2f}")
    print("\nmedians over generations. LLM s: time inside LLM calls (HTTP round trips to the "
          "zero-latency fake server);\nexcl. LLM s: wall - LLM s; val ms/cand: validate() wall "
          "time per distinct candidate in the parent (static check,\nIPC, fork, all dynamic "
          "checks); child ms: the forked child's wall time;\ncall ms: one weights()+bias() call of "
          "a passing candidate on the whole batch (median of 5).")


if __name__ == "__main__":
    main()
