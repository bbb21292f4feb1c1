"""The coder-evaluator loop that writes a TFCAF for a task.

Per round, the coder LLM writes ``candidates`` answers; every candidate in them is validated
on real states (:func:`benchmarl_qllm.credit.validator.validate`). The evaluator LLM sees the
candidates that passed (plus the best one so far), picks one and gives one line of advice.
The next round's coder prompt carries that choice and advice and, for every candidate that
failed, its code and the validator's concrete errors, so it can repair them. After ``rounds``
rounds the evaluator's last choice is returned; a function that did not pass validation is
never returned (:class:`GenerationError` instead). Everything (prompts, answers, check
results, timings, tokens) goes into a transcript, saved as JSON next to the result.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List, Optional, Union

import torch

from benchmarl_qllm.credit.function import source_sha256
from benchmarl_qllm.credit.validator import ValidationReport, validate
from benchmarl_qllm.environments.description import get_description
from benchmarl_qllm.environments.validation import task_states
from benchmarl_qllm.generation import prompts
from benchmarl_qllm.generation.backends import LLMBackend, LLMBackendError, LLMReply
from benchmarl_qllm.generation.extract import Choice, extract_candidates, parse_choice
from benchmarl_qllm.generation.header import input_text, with_header
from benchmarl_qllm.generation.records import (
    Candidate,
    EventCallback,
    GenerationError,
    GenerationResult,
    GenerationSettings,
)

TRANSCRIPT_VERSION = 1
TRANSCRIPT_SUFFIX = ".transcript.json"


def fallback_choice(candidates: List[Candidate]) -> Candidate:
    """The best-validated candidate when the evaluator gives no usable answer: fewest
    warnings, then state-dependent weights, then the fastest; ties keep the earliest."""

    def key(c: Candidate):
        r = c.report
        return (len(r.warnings), 0 if r.stats.get("state_dependent", True) else 1,
                r.timings.get("call_ms", 0.0))

    return min(candidates, key=key)


def _summary_for_evaluator(report: ValidationReport) -> str:
    s = report.stats
    if not s:
        return "passed"
    text = (
        f"passed all checks; weights mean {s['weight_mean']:.3g} (min {s['weight_min']:.3g}, max "
        f"{s['weight_max']:.3g}), mean per agent {s['weight_mean_per_agent']}, spread over "
        f"states {s['weight_std_over_states']:.3g}; bias mean {s['bias_mean']:.3g} (range "
        f"{s['bias_min']:.3g}..{s['bias_max']:.3g}); {report.timings.get('call_ms', 0):.2f} ms "
        "per call"
    )
    if report.warnings:
        text += "; warnings: " + "; ".join(report.warnings)
    return text


class _Run:
    """State of one generation (kept out of the public function for readability)."""

    def __init__(self, description, backend, evaluator, settings, states, on_event):
        self.description = description
        self.backend = backend
        self.evaluator = evaluator
        self.settings = settings
        self.states = states
        self.on_event = on_event or (lambda event, data: None)
        self.igm = settings.igm or description.igm
        self.task_text = prompts.task_prompt(description, self.igm)
        self.prompt_hash = prompts.prompt_sha256(
            prompts.SYSTEM_PROMPT, self.task_text, prompts.EVALUATOR_SYSTEM_PROMPT
        )
        self.calls: List[Dict[str, Any]] = []
        self.candidates: List[Candidate] = []
        self.rounds: List[Dict[str, Any]] = []
        self.reports_by_sha: Dict[str, ValidationReport] = {}
        self.llm_s = 0.0
        self.validation_s = 0.0
        self.validations = 0
        self.started = time.perf_counter()

    # LLM calls ---------------------------------------------------------------------------------
    def call(self, backend: LLMBackend, role: str, round_index: int, messages, temperature) -> Optional[LLMReply]:
        entry: Dict[str, Any] = {"n": len(self.calls) + 1, "role": role, "round": round_index,
                                 "backend": backend.name, "messages": messages}
        self.calls.append(entry)
        self.on_event("llm_call", {"role": role, "round": round_index, "n": entry["n"]})
        t0 = time.perf_counter()
        try:
            reply = backend.complete(messages, temperature=temperature,
                                     max_tokens=self.settings.max_tokens, role=role)
        except LLMBackendError as exc:
            entry.update(error=str(exc), error_kind=exc.kind, seconds=time.perf_counter() - t0)
            self.llm_s += entry["seconds"]
            if exc.fatal:
                raise
            return None
        entry["seconds"] = time.perf_counter() - t0
        self.llm_s += entry["seconds"]
        entry.update(answer=reply.text, model=reply.model, usage=reply.usage,
                     finish_reason=reply.finish_reason, attempts=reply.attempts)
        return reply

    # validation ---------------------------------------------------------------------------------
    def validate(self, source: str) -> ValidationReport:
        sha = source_sha256(source)
        if sha not in self.reports_by_sha:
            t0 = time.perf_counter()
            self.reports_by_sha[sha] = validate(
                source, self.states, self.description.n_agents, self.description.input_kind,
                igm=self.igm, timeout_s=self.settings.validator_timeout_s,
                memory_mb=self.settings.validator_memory_mb,
            )
            self.validation_s += time.perf_counter() - t0
            self.validations += 1
        return self.reports_by_sha[sha]

    # one round -----------------------------------------------------------------------------------
    def coder_round(self, r: int, feedback: Optional[str]) -> List[Candidate]:
        messages = prompts.coder_messages(self.task_text, feedback)
        found: List[Candidate] = []
        for k in range(1, self.settings.candidates + 1):
            reply = self.call(self.backend, "coder", r, messages, self.settings.temperature)
            call_n = len(self.calls)
            if reply is None:
                err = self.calls[-1]["error"]
                found.append(Candidate(f"r{r}c{k}", r, call_n, error=f"the LLM call failed: {err}"))
                self.on_event("candidate", {"id": found[-1].id, "passed": False})
                continue
            sources = extract_candidates(reply.text, limit=self.settings.max_candidates_per_answer)
            if not sources:
                found.append(Candidate(
                    f"r{r}c{k}", r, call_n,
                    error="the answer contains no Python code defining `def weights(td)`; reply "
                          "with the whole module in one ```python block"))
                self.on_event("candidate", {"id": found[-1].id, "passed": False})
                continue
            for j, source in enumerate(sources):
                cid = f"r{r}c{k}" + ("" if j == 0 else chr(ord("a") + j))
                cand = Candidate(cid, r, call_n, source=source, report=self.validate(source))
                found.append(cand)
                self.on_event("candidate", {"id": cid, "passed": cand.passed})
        self.candidates.extend(found)
        return found

    def evaluate(self, r: int, pool: List[Candidate]) -> Dict[str, Any]:
        """Ask the evaluator to pick from ``pool``; fall back to the best-validated one."""
        record: Dict[str, Any] = {"pool": [c.id for c in pool]}
        choice: Optional[Choice] = None
        messages = prompts.evaluator_messages(
            self.task_text,
            [{"source": c.source, "summary": _summary_for_evaluator(c.report)} for c in pool],
        )
        reply = self.call(self.evaluator, "evaluator", r, messages, self.settings.evaluator_temperature)
        if reply is not None:
            choice = parse_choice(reply.text, len(pool))
        if choice is not None:
            record.update(choice=pool[choice.index - 1].id, advice=choice.advice,
                          method=f"evaluator ({choice.method})")
        else:
            best = fallback_choice(pool)
            why = "the evaluator call failed" if reply is None else "the evaluator answer had no usable choice"
            record.update(choice=best.id, advice="", method=f"fallback: best-validated ({why})")
        return record

    # transcript ----------------------------------------------------------------------------------
    def transcript(self, status: str, error: str = "", result: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        usage = Counter()
        for c in self.calls:
            for k, v in (c.get("usage") or {}).items():
                if isinstance(v, int):
                    usage[k] += v
        wall = time.perf_counter() - self.started
        models = sorted({c["model"] for c in self.calls if c.get("model")})
        return {
            "version": TRANSCRIPT_VERSION,
            "status": status,
            "error": error,
            "task": self.description.task,
            "igm": self.igm,
            "settings": self.settings.to_dict(),
            "backend": self.backend.name,
            "evaluator_backend": self.evaluator.name,
            "models": models,
            "prompt_sha256": self.prompt_hash,
            "prompts": {
                "system": prompts.SYSTEM_PROMPT,
                "task": self.task_text,
                "evaluator_system": prompts.EVALUATOR_SYSTEM_PROMPT,
            },
            "description": self.description.to_dict(),
            "n_states": int(self.states.shape[0]),
            "calls": self.calls,
            "candidates": [c.to_dict() for c in self.candidates],
            "rounds": self.rounds,
            "result": result,
            "totals": {
                "llm_calls": len(self.calls),
                "coder_calls": sum(c["role"] == "coder" for c in self.calls),
                "evaluator_calls": sum(c["role"] == "evaluator" for c in self.calls),
                "failed_calls": sum("error" in c for c in self.calls),
                "prompt_tokens": usage.get("prompt_tokens", 0),
                "completion_tokens": usage.get("completion_tokens", 0),
                "total_tokens": usage.get("total_tokens", 0),
                "candidates": len(self.candidates),
                "passed": sum(c.passed for c in self.candidates),
                "validations": self.validations,
                "wall_s": wall,
                "llm_s": self.llm_s,
                "validation_s": self.validation_s,
                "pipeline_s_excluding_llm": wall - self.llm_s,
            },
        }

    def failure_summary(self) -> str:
        counts = Counter()
        for c in self.candidates:
            if c.report is not None:
                counts.update(f.name for f in c.report.failures)
            elif c.error:
                counts["llm/answer"] += 1
        last = [c for c in self.candidates if c.round == self.candidates[-1].round] if self.candidates else []
        lines = [
            f"no candidate for {self.description.task} passed validation after "
            f"{len(self.rounds)} round(s) x {self.settings.candidates} candidate(s) "
            f"({len(self.calls)} LLM calls); failed checks: "
            + (", ".join(f"{k} x{v}" for k, v in counts.most_common()) or "none")
        ]
        for c in last:
            lines.append(f"  {c.id}: {c.errors_text().splitlines()[0] if c.errors_text() else '?'}")
        return "\n".join(lines)


def generate_tfcaf(
    task_or_description,
    backend: LLMBackend,
    settings: Optional[GenerationSettings] = None,
    *,
    evaluator_backend: Optional[LLMBackend] = None,
    states: Optional[torch.Tensor] = None,
    out: Union[str, Path, None] = None,
    on_event: Optional[EventCallback] = None,
    task_overrides: Optional[Dict[str, Any]] = None,
) -> GenerationResult:
    """Run the coder-evaluator loop and return a validated TFCAF.

    Args:
        task_or_description: ``"env/task"`` or a :class:`~benchmarl_qllm.environments.description.TaskDescription`.
        backend: the coder LLM (and evaluator, unless ``evaluator_backend`` is given).
        settings: candidates per round, rounds, IGM mode, ... (defaults: 3 x 3).
        states: real states to validate on (default: ``sample_states(task, n_states)``).
        out: write the TFCAF here and the transcript to ``<out minus .py>.transcript.json``.
        on_event: ``callback(event, data)`` for progress ("round", "llm_call", "candidate",
            "choice", "done").
        task_overrides: task config overrides for the description and the states.

    Raises:
        GenerationError: nothing passed validation, or the backend failed for good. The
            transcript is attached (and saved when ``out`` is given).
    """
    settings = settings or GenerationSettings()
    overrides = dict(task_overrides or {})
    if isinstance(task_or_description, str):
        description = get_description(task_or_description, **overrides)
    else:
        description = task_or_description
    if states is None:
        states = task_states(description.task, n_states=settings.n_states, **overrides)
    run = _Run(description, backend, evaluator_backend or backend, settings, states, on_event)
    out_path = Path(out).expanduser() if out is not None else None
    transcript_path = transcript_path_for(out_path) if out_path is not None else None

    def fail(message: str) -> GenerationError:
        transcript = run.transcript("failed", error=message)
        if transcript_path is not None:
            _write_json(transcript_path, transcript)
        return GenerationError(message, transcript, transcript_path)

    incumbent: Optional[Candidate] = None
    advice = ""
    failures: List[Candidate] = []
    try:
        for r in range(1, settings.rounds + 1):
            run.on_event("round", {"round": r, "rounds": settings.rounds})
            feedback = prompts.feedback_message(
                r,
                {"id": incumbent.id, "source": incumbent.source} if incumbent else None,
                advice,
                [{"id": c.id, "source": c.source, "errors": c.errors_text()} for c in failures],
            )
            found = run.coder_round(r, feedback)
            failures = [c for c in found if not c.passed]
            pool: List[Candidate] = []
            seen = set()
            for c in ([incumbent] if incumbent else []) + [c for c in found if c.passed]:
                sha = source_sha256(c.source)
                if sha not in seen:
                    seen.add(sha)
                    pool.append(c)
            record: Dict[str, Any] = {
                "round": r,
                "feedback": feedback,
                "passed": [c.id for c in found if c.passed],
                "failed": [c.id for c in failures],
            }
            # The evaluator is asked when there is a choice to make or advice still to use.
            if pool and (len(pool) > 1 or r < settings.rounds):
                record.update(run.evaluate(r, pool))
                incumbent = next(c for c in pool if c.id == record["choice"])
                advice = record.get("advice", "")
            elif pool:
                incumbent = pool[0]
                record.update(pool=[incumbent.id], choice=incumbent.id, advice="",
                              method="only candidate")
            run.rounds.append(record)
            run.on_event("choice", {"round": r, "choice": record.get("choice"),
                                    "passed": len(record["passed"])})
    except LLMBackendError as exc:
        raise fail(f"LLM backend failed: {exc}") from None

    if incumbent is None:
        raise fail(run.failure_summary())

    chosen_call = run.calls[incumbent.call - 1]
    model = f"{chosen_call.get('model', backend.model)} via {backend.name}"
    header = {
        "task": description.task,
        "produced-by": f"qllm generate (coder-evaluator loop, {settings.candidates} candidates "
                       f"x {settings.rounds} rounds)",
        "model": model,
        "prompt-sha256": run.prompt_hash,
        "igm": run.igm,
        "input": input_text(description),
    }
    note = (f"Chosen candidate {incumbent.id} (round {incumbent.round} of {settings.rounds}); "
            f"validated on {int(states.shape[0])} real states.")
    final_source = with_header(incumbent.source, header, note)
    final_report = run.validate(final_source)
    if not final_report.ok:  # the header changed nothing but the docstring: should not happen
        raise fail("the chosen candidate failed validation after adding its header:\n"
                   + final_report.feedback())
    result_info = {"candidate": incumbent.id, "sha256": source_sha256(final_source),
                   "model": model, "path": str(out_path) if out_path else None,
                   "report": final_report.to_dict()}
    transcript = run.transcript("ok", result=result_info)
    if out_path is not None:
        _write_text(out_path, final_source)
        _write_json(transcript_path, transcript)
    run.on_event("done", {"candidate": incumbent.id, "path": str(out_path) if out_path else None})
    return GenerationResult(
        task=description.task, source=final_source, candidate=incumbent, report=final_report,
        model=model, transcript=transcript, path=out_path, transcript_path=transcript_path,
    )


def transcript_path_for(path: Path) -> Path:
    """``foo.py`` -> ``foo.transcript.json`` (next to the TFCAF)."""
    path = Path(path)
    stem = path.name[:-3] if path.name.endswith(".py") else path.name
    return path.with_name(stem + TRANSCRIPT_SUFFIX)


def _write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _write_json(path: Path, data: Dict[str, Any]) -> None:
    _write_text(path, json.dumps(data, indent=1, default=str) + "\n")
