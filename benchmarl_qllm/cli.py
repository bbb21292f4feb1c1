"""``qllm``: write, check, list and inspect training-free credit assignment functions (TFCAFs).

    qllm prompt vmas/balance                      # the prompt the coder LLM gets
    qllm generate vmas/balance --model gpt-4o-mini [--base-url URL] [--out FILE]
    qllm generate vmas/balance --backend file --answers-dir answers/   # no network
    qllm check my_tfcaf.py --task vmas/balance    # exit 0 if it passes, 1 if not
    qllm list                                     # tasks, descriptions (hand-written or
                                                  # automatic) and who wrote their TFCAF
    qllm inspect RUN_DIR [--out DIR]              # plot a trained run's credit over an episode

Exit codes: 0 success, 1 a check failed, 2 an error (one line on stderr, no traceback).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import List, Optional


class CliError(Exception):
    """An error reported as one line."""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="qllm", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    sp = sub.add_parser("prompt", help="print the coder prompt for a task")
    sp.add_argument("task")
    sp.add_argument("--igm", choices=("enforce", "relax"), default=None)
    sp.add_argument("--gamma", type=float, default=None,
                    help="training discount the prompt states (default: BenchMARL's default "
                         "experiment gamma)")
    sp.add_argument("--no-system", action="store_true", help="only the task part")

    sg = sub.add_parser("generate", help="run the coder-evaluator loop for a task")
    sg.add_argument("task")
    sg.add_argument("--backend", choices=("openai", "file"),
                    default=os.environ.get("QLLM_BACKEND", "openai"))
    sg.add_argument("--model", default=os.environ.get("QLLM_MODEL"),
                    help="model name (default $QLLM_MODEL)")
    sg.add_argument("--base-url", default=os.environ.get("QLLM_BASE_URL"),
                    help="OpenAI-compatible endpoint (default $QLLM_BASE_URL, else api.openai.com)")
    sg.add_argument("--timeout", type=float, default=None,
                    help="seconds per LLM request (openai) or per answer (file)")
    sg.add_argument("--answers-dir", default=os.environ.get("QLLM_ANSWERS_DIR"),
                    help="folder for prompt/answer files (--backend file)")
    sg.add_argument("--candidates", type=int, default=3, help="candidates per round (K)")
    sg.add_argument("--rounds", type=int, default=3, help="rounds (R)")
    sg.add_argument("--igm", choices=("enforce", "relax"), default=None)
    sg.add_argument("--gamma", type=float, default=None,
                    help="training discount the prompts state, part of the prompt hash "
                         "(default: BenchMARL's default experiment gamma)")
    sg.add_argument("--stop-when-accepted", action="store_true",
                    help="stop after the first round whose validated choice the evaluator accepts")
    sg.add_argument("--n-states", type=int, default=256, help="states sampled from the task environment to validate on")
    sg.add_argument("--temperature", type=float, default=0.7)
    sg.add_argument("--max-tokens", type=int, default=4096)
    sg.add_argument("--out", default=None,
                    help="write the TFCAF here (default: the cache read by algorithm.credit=generate)")
    sg.add_argument("--quiet", action="store_true", help="no progress bar")

    sc = sub.add_parser("check", help="validate a TFCAF file on states sampled from a task")
    sc.add_argument("file")
    sc.add_argument("--task", default=None, help="default: the file header's task")
    sc.add_argument("--igm", choices=("enforce", "relax"), default=None,
                    help="default: the file header's igm, else the task's")
    sc.add_argument("--n-states", type=int, default=256)
    sc.add_argument("--timeout", type=float, default=20.0)
    sc.add_argument("--quiet", action="store_true", help="only failures")

    sub.add_parser("list", help="known tasks and the packaged TFCAFs")

    si = sub.add_parser("inspect", help="plot a trained QLLM run's credit weights over an episode")
    si.add_argument("run_dir", help="a QLLM experiment folder, a Hydra job folder or a checkpoint")
    si.add_argument("--out", default=None,
                    help="output folder (default: <experiment folder>/credit_inspection)")
    si.add_argument("--steps", type=int, default=None, help="max episode steps (default: task's)")
    return p


# commands ------------------------------------------------------------------------------------------
def cmd_prompt(args) -> int:
    from benchmarl_qllm.environments import get_description
    from benchmarl_qllm.generation import prompts

    text = prompts.task_prompt(get_description(args.task), args.igm, args.gamma)
    if not args.no_system:
        print("# System prompt\n")
        print(prompts.SYSTEM_PROMPT)
        print("# Task prompt\n")
    print(text)
    if not args.no_system:
        print("# Design brief (the last message; each candidate of a round gets its own)\n")
        print(prompts.brief_message("r1c1", prompts.candidate_brief(1, 1, False), 3))
    return 0


def _backend(args, on_wait=None):
    from benchmarl_qllm.generation.backends import FileBackend, OpenAIBackend
    from benchmarl_qllm.generation.cache import CONFIGURE_HELP

    if args.backend == "file":
        if not args.answers_dir:
            raise CliError("--backend file needs --answers-dir DIR (or QLLM_ANSWERS_DIR)")
        return FileBackend(args.answers_dir,
                           timeout_s=3600.0 if args.timeout is None else args.timeout,
                           model=args.model, on_wait=on_wait)
    if not args.model:
        raise CliError(f"no model: pass --model M; or {CONFIGURE_HELP}")
    return OpenAIBackend(args.model, base_url=args.base_url,
                         timeout=120.0 if args.timeout is None else args.timeout,
                         max_tokens=args.max_tokens)


class _Progress:
    """A tqdm bar over the LLM calls (coder and evaluator), with the round, the candidates
    that passed and the evaluator's choice."""

    def __init__(self, total: int, enabled: bool):
        self.bar = None
        self.passed = 0
        self.candidates = 0
        if enabled:
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc="generating", unit="call", file=sys.stderr,
                            dynamic_ncols=True)

    def write(self, text: str) -> None:
        if self.bar is not None:
            self.bar.write(text, file=sys.stderr)
        else:
            print(text, file=sys.stderr)

    def _status(self, extra: str = "") -> str:
        text = f"passed {self.passed}/{self.candidates}"
        return f"{text}, {extra}" if extra else text

    def __call__(self, event: str, data: dict) -> None:
        if self.bar is None:
            return
        if event == "round":
            self.bar.set_description(f"round {data['round']}/{data['rounds']}")
        elif event == "llm_call":
            what = "evaluating" if data["role"] == "evaluator" else f"coding {data.get('candidate', '')}"
            self.bar.set_postfix_str(self._status(what.strip()))
        elif event == "llm_reply":
            self.bar.update(1)
        elif event == "candidate":
            self.candidates += 1
            self.passed += bool(data["passed"])
            self.bar.set_postfix_str(self._status())
        elif event == "choice" and data.get("choice"):
            verdict = ", accepted" if data.get("accept") is True else ""
            self.bar.set_postfix_str(self._status(f"chose {data['choice']}{verdict}"))
        elif event == "done":
            self.bar.total = self.bar.n  # an early stop or skipped evaluator calls
            self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _tokens(totals: dict) -> str:
    total = totals.get("total_tokens")
    return "tokens n/a (the backend reports none)" if total is None else f"{total} tokens"


def cmd_generate(args) -> int:
    from benchmarl_qllm.generation.cache import generate_to_cache
    from benchmarl_qllm.generation.loop import GenerationSettings, expected_calls, generate_tfcaf

    settings = GenerationSettings(
        candidates=args.candidates, rounds=args.rounds, igm=args.igm, gamma=args.gamma,
        stop_when_accepted=args.stop_when_accepted, n_states=args.n_states,
        temperature=args.temperature, max_tokens=args.max_tokens,
    )
    # ``progress`` is bound below; the callback only runs once generation has started.
    backend = _backend(args, on_wait=lambda path: progress.write(
        f"waiting for an answer: give {path.name.replace('_answer', '_prompt')} to an LLM and "
        f"save its answer as {path}"))
    progress = _Progress(expected_calls(settings), enabled=not args.quiet)
    try:
        if args.out:
            result = generate_tfcaf(args.task, backend, settings, out=args.out, on_event=progress)
        else:
            result = generate_to_cache(args.task, backend, settings, on_event=progress)
    finally:
        progress.close()
    totals = result.transcript["totals"]
    rounds = f"{totals['rounds_run']} of {settings.rounds} rounds"
    if totals.get("stopped_early"):
        rounds += " (stopped early: the evaluator accepted the choice)"
    print(f"wrote {result.path}")
    print(f"transcript {result.transcript_path}")
    print(
        f"chose {result.candidate.id} from {totals['candidates']} candidates "
        f"({totals['passed']} passed) in {rounds}, {totals['llm_calls']} LLM calls, "
        f"{_tokens(totals)}, {totals['wall_s']:.1f} s; model {result.model}"
    )
    return 0


def cmd_check(args) -> int:
    from benchmarl_qllm.credit.function import parse_header
    from benchmarl_qllm.environments.validation import validate_for_task

    path = Path(args.file)
    if not path.is_file():
        raise CliError(f"no such file: {path}")
    try:
        source = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise CliError(f"{path} is not UTF-8 text") from None
    header = parse_header(source)
    task = args.task or header.get("task")
    if not task:
        raise CliError(f"{path} has no 'task:' header line: pass --task env/task")
    igm = args.igm or (header.get("igm") if header.get("igm") in ("enforce", "relax") else None)
    report = validate_for_task(source, task, igm=igm, n_states=args.n_states, timeout_s=args.timeout)
    print(f"{path} on {task}:")
    print(report.format(verbose=not args.quiet))
    if header.get("task") and header["task"].lower() != task.lower():
        print(f"  [warn] the file's header says task: {header['task']}")
    return 0 if report.ok else 1


def _registered_discrete_tasks() -> List[str]:
    """BenchMARL's registered tasks whose task class supports discrete actions."""
    from benchmarl.environments import task_config_registry

    out = []
    for name, task in task_config_registry.items():
        try:
            if task.get_from_yaml().supports_discrete_actions():
                out.append(name.lower())
        except Exception:  # noqa: BLE001 - a task whose config cannot load here
            continue
    return out


def cmd_list(args) -> int:
    from benchmarl_qllm.credit.function import parse_header
    from benchmarl_qllm.credit.library import HANDWRITTEN, library_entries, LIBRARY_ROOT, LLM
    from benchmarl_qllm.environments import known_tasks

    llm, handwritten = library_entries(LLM), library_entries(HANDWRITTEN)
    described = set(known_tasks())
    tasks = sorted(described | set(llm) | set(handwritten) | set(_registered_discrete_tasks()))
    # A multi-group task with packaged per-group TFCAFs is listed as one row per group.
    tasks = [t for t in tasks if not any(k.startswith(t + "/") for k in llm)]
    width = max([len(t) for t in tasks] + [4])
    print(f"{'task':<{width}}  {'description':<12}  TFCAF (credit=library uses the first)")
    for task in tasks:
        libs = []
        for who, entries in (("LLM-written", llm), ("hand-written", handwritten)):
            path = entries.get(task)
            if path is not None:
                header = parse_header(path.read_text(encoding="utf-8"))
                rel = path.relative_to(LIBRARY_ROOT).as_posix()
                libs.append(f"{who} {rel} (igm {header.get('igm', '?')})")
        kind = "hand-written" if task in described else "automatic"
        lib = "; ".join(libs) or f"none (qllm generate {task})"
        print(f"{task:<{width}}  {kind:<12}  {lib}")
    return 0


def cmd_inspect(args) -> int:
    from benchmarl_qllm.inspection import inspect_run

    for path in inspect_run(Path(args.run_dir), args.out, max_steps=args.steps):
        print(path)
    return 0


COMMANDS = {"prompt": cmd_prompt, "generate": cmd_generate, "check": cmd_check, "list": cmd_list,
            "inspect": cmd_inspect}


def main(argv: Optional[List[str]] = None) -> int:
    args = _parser().parse_args(argv)
    from benchmarl_qllm.credit.sandbox import CreditFunctionError
    from benchmarl_qllm.generation.backends import LLMBackendError
    from benchmarl_qllm.generation.loop import GenerationError

    try:
        return COMMANDS[args.command](args)
    except KeyboardInterrupt:
        print("qllm: interrupted", file=sys.stderr)
        return 130
    except GenerationError as exc:
        first = str(exc).splitlines()[0]
        where = f" (transcript: {exc.transcript_path})" if exc.transcript_path else ""
        print(f"qllm: error: {first}{where}", file=sys.stderr)
        for line in str(exc).splitlines()[1:]:
            print(f"qllm:   {line.strip()}", file=sys.stderr)
        return 2
    except (CliError, CreditFunctionError, LLMBackendError, ValueError, OSError) as exc:
        message = " ".join(str(exc).split()) or type(exc).__name__
        print(f"qllm: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
