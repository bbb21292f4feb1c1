"""Raw environment throughput (random actions, no policy, no training) of BenchMARL tasks.

Every task is built exactly as a BenchMARL experiment builds it: the registered task's
``get_from_yaml()`` config, then ``get_env_fun(num_envs, continuous_actions=False, seed,
"cpu")``; a non-vectorized env is wrapped in ``SerialEnv(num_envs, env_fun)`` like BenchMARL
does. The timed loop is what a collector does per step: set a (pre-sampled, uniformly random)
action and call ``env.step_and_maybe_reset``. For LBF tasks the underlying lbforaging
``ForagingEnv`` is also timed alone (its own ``step``/``reset``), so the wrapper's overhead
is visible.

    python benchmarks/env_throughput.py lbforaging/foraging_8x8_2p_2f_coop matrix/climbing
    python benchmarks/env_throughput.py lbforaging/foraging_15x15_4p_3f --num-envs 4 --steps 2000
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Dict, List

import numpy as np
import torch


def build_env(task_name: str, num_envs: int, seed: int):
    import benchmarl_qllm  # noqa: F401 - registers this package's tasks
    from benchmarl.environments import task_config_registry
    from torchrl.envs import SerialEnv

    if task_name not in task_config_registry:
        raise SystemExit(f"unknown task '{task_name}'; known: {sorted(task_config_registry)}")
    task = task_config_registry[task_name].get_from_yaml()
    env_fun = task.get_env_fun(
        num_envs=num_envs, continuous_actions=False, seed=seed, device="cpu"
    )
    env = env_fun()
    if env.batch_size == () and num_envs > 1:
        env.close()
        env = SerialEnv(num_envs, env_fun)
    return env


def time_env(env, steps: int, seed: int) -> float:
    """Environment steps per second: one step of a batch of ``k`` envs counts ``k`` steps.
    Random actions, automatic reset on done."""
    torch.manual_seed(seed)
    actions = env.full_action_spec.rand(torch.Size([steps]))
    td = env.reset()
    start = time.perf_counter()
    for i in range(steps):
        td.update(actions[i])
        _, td = env.step_and_maybe_reset(td)
    elapsed = time.perf_counter() - start
    return steps * max(1, env.batch_size.numel()) / elapsed


def time_raw_lbf(task_name: str, steps: int, seed: int) -> float:
    """lbforaging's ForagingEnv alone, same config, random actions, reset on done."""
    import benchmarl_qllm  # noqa: F401
    from benchmarl.environments import task_config_registry
    from benchmarl_qllm.environments.lbforaging import LBForagingEnv

    config = task_config_registry[task_name].get_from_yaml().config
    raw = LBForagingEnv(**config).lbf_env
    n = len(raw.players)
    actions = np.random.default_rng(seed).integers(0, 6, size=(steps, n)).tolist()
    raw.reset(seed=seed)
    start = time.perf_counter()
    for i in range(steps):
        _, _, done, truncated, _ = raw.step(actions[i])
        if done or truncated:
            raw.reset()
    return steps / (time.perf_counter() - start)


def main(argv: List[str] = None) -> Dict[str, Dict[str, float]]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tasks", nargs="+", help="BenchMARL task names, e.g. lbforaging/foraging_8x8_2p_2f_coop")
    parser.add_argument("--steps", type=int, default=2000, help="timed steps per task")
    parser.add_argument("--num-envs", type=int, default=1, help="envs per batch (BenchMARL's n_envs_per_worker)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args(argv)

    results = {}
    for name in args.tasks:
        env = build_env(name, args.num_envs, args.seed)
        time_env(env, min(100, args.steps), args.seed)  # warm-up
        row = {
            "env_class": type(env).__name__,
            "num_envs": args.num_envs,
            "wrapper_steps_per_s": time_env(env, args.steps, args.seed),
        }
        env.close()
        if name.startswith("lbforaging/"):
            row["raw_lbf_steps_per_s"] = time_raw_lbf(name, args.steps, args.seed)
        results[name] = row
        extra = (
            f", raw lbforaging env {row['raw_lbf_steps_per_s']:.0f} steps/s"
            if "raw_lbf_steps_per_s" in row else ""
        )
        print(
            f"{name}: {row['wrapper_steps_per_s']:.0f} env steps/s "
            f"({row['env_class']}, {args.num_envs} env(s)){extra}",
            flush=True,
        )
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    return results


if __name__ == "__main__":
    torch.set_num_threads(1)  # environment stepping is single-threaded; keep timings stable
    main()
