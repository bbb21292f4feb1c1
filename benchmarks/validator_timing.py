"""How long the validator takes, per stage, on the packaged TFCAFs (timing lives here, not in
the tests: wall-clock limits in tests fail on a loaded machine).

    python benchmarks/validator_timing.py [TASK ...] [--repeats 5] [--n-states 256] [--json PATH]

For every task (default: vmas/balance) it validates the packaged TFCAF ``--repeats`` times on
``--n-states`` real states of the task and prints, for every timing the validator reports
(``report.timings``, milliseconds: static check, worker/jail, first call, per-call time of the
function, total, ...), the median and the maximum over the repeats. ``call_ms`` (one call of
the function on the sampled states) is also compared with ``--budget-ms`` (default 50 ms, the
figure the test suite used to assert); the comparison is printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

from benchmarl_qllm.credit.library import library_path
from benchmarl_qllm.credit.validator import validate
from benchmarl_qllm.environments import get_description
from benchmarl_qllm.environments.validation import task_states


def time_task(task: str, repeats: int, n_states: int) -> dict:
    description = get_description(task)
    source = library_path(task).read_text(encoding="utf-8")
    states = task_states(task, n_states=n_states)
    runs = []
    for _ in range(repeats):
        started = time.perf_counter()
        report = validate(source, states, description.n_agents, description.input_kind,
                          igm=description.igm)
        wall_ms = (time.perf_counter() - started) * 1e3
        if not report.ok:
            raise SystemExit(f"{task}: the packaged TFCAF failed validation:\n{report.format()}")
        runs.append({**report.timings, "parent_wall_ms": wall_ms})
    keys = sorted({k for run in runs for k in run})
    return {
        "task": task,
        "n_states": n_states,
        "repeats": repeats,
        "median_ms": {k: statistics.median(r[k] for r in runs if k in r) for k in keys},
        "max_ms": {k: max(r[k] for r in runs if k in r) for k in keys},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tasks", nargs="*", default=["vmas/balance"])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--n-states", type=int, default=256)
    parser.add_argument("--budget-ms", type=float, default=50.0)
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args()

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"load average {load:.2f}; {args.repeats} validations per task on {args.n_states} states")
    results = []
    for task in args.tasks:
        result = time_task(task, args.repeats, args.n_states)
        results.append(result)
        print(f"\n{task}")
        print(f"  {'timing':<22}{'median ms':>12}{'max ms':>12}")
        for key, median in result["median_ms"].items():
            print(f"  {key:<22}{median:>12.2f}{result['max_ms'][key]:>12.2f}")
        call = result["median_ms"].get("call_ms")
        if call is not None:
            verdict = "within" if result["max_ms"]["call_ms"] < args.budget_ms else "OVER"
            print(f"  call_ms: median {call:.2f} ms, max {result['max_ms']['call_ms']:.2f} ms: "
                  f"{verdict} the {args.budget_ms:g} ms budget")
    if args.json is not None:
        args.json.write_text(json.dumps({"load_average": load, "results": results}, indent=1))
        print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
