"""The coder-evaluator loop that writes a TFCAF for a task.

Per round, the coder LLM writes ``candidates`` answers, each from its own design brief
(:func:`~benchmarl_qllm.generation.prompts.candidate_brief`); every candidate in them is
validated on states sampled from the task's environment
(:func:`benchmarl_qllm.credit.validator.validate`), and its weights are summarised per named
situation (regime) of those states where the task family classifies them. The evaluator LLM
sees the candidates that passed (plus the incumbent, marked), all under the ids the coder
uses (``r2c3``), picks one, says whether it accepts it, and (except in the last round) gives
one line of advice. The next round's coder prompt carries the incumbent and the advice and,
for every candidate that failed, its code and the validator's errors, so it can repair them.
After ``rounds`` rounds (or, with ``stop_when_accepted``, after the first round whose choice
the evaluator accepts) the evaluator's last choice is returned; a function that did not pass
validation is never returned (:class:`GenerationError` instead).

Prompts are deterministic functions of the task, the settings and the previous answers (no
timings or random validator details in them), so a file-backend run can be replayed into its
answers folder. Everything (prompts, briefs, answers, check results, choices, timings, tokens)
goes into a transcript, saved as JSON next to the result.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List, Optional, Union

import torch

from benchmarl_qllm.credit.function import source_sha256
from benchmarl_qllm.credit.validator import ValidationReport, validate
from benchmarl_qllm.environments.description import get_description
from benchmarl_qllm.environments.sampling import regime_masks
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

TRANSCRIPT_VERSION = 2
TRANSCRIPT_SUFFIX = ".transcript.json"


def fallback_choice(candidates: List[Candidate]) -> Candidate:
    """The best-validated candidate when the evaluator gives no usable answer: fewest
    warnings, then state-dependent weights, then the fastest; ties keep the earliest."""

    def key(c: Candidate):
        r = c.report
        return (len(r.warnings), 0 if r.stats.get("state_dependent", True) else 1,
                r.timings.get("call_ms", 0.0))

    return min(candidates, key=key)


def _g(x: Optional[float]) -> str:
    return "n/a" if x is None else f"{x:.3g}"


def summary_for_evaluator(report: ValidationReport, regimes: Optional[Dict[str, Any]] = None) -> str:
    """What the evaluator reads about a validated candidate: deterministic statistics of its
    weights and bias on the sampled states (no timings), per regime where known."""
    s = report.stats
    if not s:
        return "passed all checks"
    per_agent = "[" + ", ".join(_g(v) for v in s["weight_mean_per_agent"]) + "]"
    text = (
        f"passed all checks; weights mean {_g(s['weight_mean'])} (min {_g(s['weight_min'])}, "
        f"max {_g(s['weight_max'])}), mean per agent {per_agent}, spread over states "
        f"{_g(s['weight_std_over_states'])}; bias mean {_g(s['bias_mean'])} (range "
        f"{_g(s['bias_min'])}..{_g(s['bias_max'])})"
    )
    if s.get("state_dependent") is False:
        text += "; the weights are the same in every state"
    if regimes:
        parts = []
        for name, r in regimes.items():
            if r["share"] == 0:
                parts.append(f"{name}: not in the sampled states")
            elif r["kind"] == "agent":
                parts.append(
                    f"{name} ({_g(100 * r['share'])}% of states): w {_g(r['w_in'])} for those "
                    f"agents vs {_g(r['w_out'])} for the others")
            else:
                parts.append(
                    f"{name} ({_g(100 * r['share'])}% of states): mean w {_g(r['w_in'])} vs "
                    f"{_g(r['w_out'])} elsewhere, bias {_g(r['b_in'])} vs {_g(r['b_out'])}")
        text += "; by situation: " + "; ".join(parts)
    elif s.get("regime_coverage"):
        text += "; sampled situations (share of states): " + ", ".join(
            f"{name} {_g(100 * share)}%" for name, share in s["regime_coverage"].items())
    if report.warnings:
        text += "; warnings: " + "; ".join(_scrub(w) for w in report.warnings)
    return text


def regime_stats(report: ValidationReport, states: torch.Tensor,
                 masks: Dict[str, torch.Tensor]) -> Dict[str, Any]:
    """Mean weight (and bias) inside and outside each regime, computed with the verified
    program the validator returns (``report.program``; nothing is computed without one)."""
    program = getattr(report, "program", None)
    if program is None or not masks or not report.ok:
        return {}
    try:
        with torch.no_grad():
            w, b = program(states)
    except Exception:  # noqa: BLE001 - statistics are optional
        return {}
    w = w.detach().reshape(states.shape[0], -1).to(torch.float64)
    b = b.detach().reshape(states.shape[0], -1)[:, 0].to(torch.float64)

    def mean(x: torch.Tensor) -> Optional[float]:
        return float(x.mean()) if x.numel() else None

    out: Dict[str, Any] = {}
    for name, mask in masks.items():
        if mask.ndim == 2:
            share = float(mask.any(-1).float().mean())
            out[name] = {"kind": "agent", "share": round(share, 4),
                         "w_in": mean(w[mask]), "w_out": mean(w[~mask])}
        else:
            share = float(mask.float().mean())
            out[name] = {"kind": "state", "share": round(share, 4),
                         "w_in": mean(w[mask]), "w_out": mean(w[~mask]),
                         "b_in": mean(b[mask]), "b_out": mean(b[~mask])}
    return out


_TIMES = re.compile(r"\b\d+(?:\.\d+)?\s?(ms|s)\b")
# Checks whose messages carry timings or the validator's random sub-batches: the coder gets a
# fixed text (the full message stays in the transcript's report).
_STABLE_MESSAGES = {
    "speed": ("one call is slower than the validator's limit (at most {limit} per call): "
              "vectorize over the batch, avoid Python loops over states"),
    "batch_independence": (
        "evaluating a sub-batch of the states (down to a single state) gave different weights "
        "or bias than the full batch: each row's output must depend only on that row (no "
        "mean/max/normalization over the batch dimension 0)"),
}


def _scrub(text: str) -> str:
    return _TIMES.sub(lambda m: f"<time> {m.group(1)}", text)


def stable_errors(report: ValidationReport) -> str:
    """The failing checks as the coder is told them: like ``report.feedback()``, but without
    timings or the validator's randomly drawn rows, so the prompt is reproducible."""
    if report.ok:
        return "all checks passed"
    lines = []
    for c in report.failures:
        if c.name in _STABLE_MESSAGES:
            limit = re.search(r"limit (\d+(?:\.\d+)?) ?ms", c.message)
            message = _STABLE_MESSAGES[c.name].format(limit=f"{limit.group(1)} ms" if limit else "the limit")
        else:
            message = _scrub(c.message)
        lines.append(f"- [{c.name}] {message}")
    return "\n".join(lines)


class _Run:
    """State of one generation (kept out of the public function for readability)."""

    def __init__(self, description, backend, evaluator, settings, states, masks, on_event):
        self.description = description
        self.backend = backend
        self.evaluator = evaluator
        self.settings = settings
        self.states = states
        self.masks = masks
        self.on_event = on_event or (lambda event, data: None)
        self.igm = settings.igm or description.igm
        self.gamma = prompts.default_gamma() if settings.gamma is None else float(settings.gamma)
        self.task_text = prompts.task_prompt(description, self.igm, self.gamma)
        self.context = prompts.task_context(description, self.igm, self.gamma)
        self.prompt_hash = prompts.generation_prompt_sha256(description, self.igm, self.gamma)
        self.coverage = {name: round(float((m if m.ndim == 1 else m.any(-1)).float().mean()), 4)
                         for name, m in masks.items()}
        self.calls: List[Dict[str, Any]] = []
        self.candidates: List[Candidate] = []
        self.rounds: List[Dict[str, Any]] = []
        self.reports_by_sha: Dict[str, ValidationReport] = {}
        self.llm_s = 0.0
        self.validation_s = 0.0
        self.validations = 0
        self.started = time.perf_counter()

    # LLM calls ---------------------------------------------------------------------------------
    def call(self, backend: LLMBackend, role: str, round_index: int, messages, temperature,
             **extra) -> Optional[LLMReply]:
        entry: Dict[str, Any] = {"n": len(self.calls) + 1, "role": role, "round": round_index,
                                 "backend": backend.name, **extra, "messages": messages}
        self.calls.append(entry)
        self.on_event("llm_call", {"role": role, "round": round_index, "n": entry["n"], **extra})
        t0 = time.perf_counter()
        try:
            reply = backend.complete(messages, temperature=temperature,
                                     max_tokens=self.settings.max_tokens, role=role)
        except LLMBackendError as exc:
            entry.update(error=str(exc), error_kind=exc.kind, seconds=time.perf_counter() - t0)
            self.llm_s += entry["seconds"]
            self.on_event("llm_reply", {"role": role, "round": round_index, "n": entry["n"],
                                        "error": exc.kind})
            if exc.fatal:
                raise
            return None
        entry["seconds"] = time.perf_counter() - t0
        self.llm_s += entry["seconds"]
        entry.update(answer=reply.text, model=reply.model, usage=reply.usage,
                     finish_reason=reply.finish_reason, attempts=reply.attempts)
        self.on_event("llm_reply", {"role": role, "round": round_index, "n": entry["n"],
                                    "usage": reply.usage})
        return reply

    # validation ---------------------------------------------------------------------------------
    def validate(self, source: str) -> ValidationReport:
        sha = source_sha256(source)
        if sha not in self.reports_by_sha:
            t0 = time.perf_counter()
            report = validate(
                source, self.states, self.description.n_agents, self.description.input_kind,
                igm=self.igm, timeout_s=self.settings.validator_timeout_s,
                memory_mb=self.settings.validator_memory_mb,
            )
            if self.coverage:
                report.stats["regime_coverage"] = dict(self.coverage)
            self.reports_by_sha[sha] = report
            self.validation_s += time.perf_counter() - t0
            self.validations += 1
        return self.reports_by_sha[sha]

    # one round -----------------------------------------------------------------------------------
    def coder_round(self, r: int, feedback: Optional[str], has_incumbent: bool) -> List[Candidate]:
        found: List[Candidate] = []
        k_total = self.settings.candidates
        for k in range(1, k_total + 1):
            cid = f"r{r}c{k}"
            brief = prompts.candidate_brief(r, k, has_incumbent)
            brief_text = f"{brief['name']}: {brief['text']}"
            messages = prompts.coder_messages(
                self.task_text, feedback, prompts.brief_message(cid, brief, k_total))
            reply = self.call(self.backend, "coder", r, messages, self.settings.temperature,
                              candidate=cid, brief=brief_text)
            call_n = len(self.calls)
            if reply is None:
                err = self.calls[-1]["error"]
                found.append(Candidate(cid, r, call_n, error=f"the LLM call failed: {err}",
                                       brief=brief_text))
                self.on_event("candidate", {"id": cid, "passed": False})
                continue
            sources = extract_candidates(reply.text, limit=self.settings.max_candidates_per_answer)
            if not sources:
                found.append(Candidate(
                    cid, r, call_n, brief=brief_text,
                    error="the answer contains no Python code defining `def weights(td)`; reply "
                          "with the whole module in one ```python block"))
                self.on_event("candidate", {"id": cid, "passed": False})
                continue
            for j, source in enumerate(sources):
                sub = cid + ("" if j == 0 else chr(ord("a") + j))
                report = self.validate(source)
                cand = Candidate(sub, r, call_n, source=source, report=report, brief=brief_text,
                                 regimes=regime_stats(report, self.states, self.masks))
                found.append(cand)
                self.on_event("candidate", {"id": sub, "passed": cand.passed})
        self.candidates.extend(found)
        return found

    def evaluate(self, r: int, pool: List[Candidate], incumbent: Optional[Candidate],
                 last_round: bool) -> Dict[str, Any]:
        """Ask the evaluator to pick from ``pool``; fall back to the best-validated one."""
        record: Dict[str, Any] = {"pool": [c.id for c in pool]}
        choice: Optional[Choice] = None
        shown = [
            {"id": c.id, "source": c.source, "brief": c.brief,
             "incumbent": incumbent is not None and c is incumbent,
             "summary": summary_for_evaluator(c.report, c.regimes)}
            for c in pool
        ]
        messages = prompts.evaluator_messages(self.context, shown, round_index=r,
                                              last_round=last_round)
        reply = self.call(self.evaluator, "evaluator", r, messages,
                          self.settings.evaluator_temperature, pool=[c.id for c in pool])
        if reply is not None:
            choice = parse_choice(reply.text, len(pool), ids=[c.id for c in pool])
        if choice is not None:
            record.update(choice=pool[choice.index - 1].id,
                          advice="" if last_round else choice.advice,
                          accept=choice.accept, method=f"evaluator ({choice.method})")
        else:
            best = fallback_choice(pool)
            why = "the evaluator call failed" if reply is None else "the evaluator answer had no usable choice"
            record.update(choice=best.id, advice="", accept=None,
                          method=f"fallback: best-validated ({why})")
        return record

    # transcript ----------------------------------------------------------------------------------
    def transcript(self, status: str, error: str = "", result: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        usage = Counter()
        reported = False
        for c in self.calls:
            for k, v in (c.get("usage") or {}).items():
                if isinstance(v, int):
                    usage[k] += v
                    reported = True
        wall = time.perf_counter() - self.started
        models = sorted({c["model"] for c in self.calls if c.get("model")})
        return {
            "version": TRANSCRIPT_VERSION,
            "status": status,
            "error": error,
            "task": self.description.task,
            "igm": self.igm,
            "gamma": self.gamma,
            "settings": self.settings.to_dict(),
            "backend": self.backend.name,
            "evaluator_backend": self.evaluator.name,
            "models": models,
            "prompt_sha256": self.prompt_hash,
            "prompts": {
                "system": prompts.SYSTEM_PROMPT,
                "task": self.task_text,
                "evaluator_system": prompts.EVALUATOR_SYSTEM_PROMPT,
                "evaluator_context": self.context,
            },
            "description": self.description.to_dict(),
            "n_states": int(self.states.shape[0]),
            "regime_coverage": self.coverage,
            "calls": self.calls,
            "candidates": [c.to_dict() for c in self.candidates],
            "rounds": self.rounds,
            "result": result,
            "totals": {
                "llm_calls": len(self.calls),
                "coder_calls": sum(c["role"] == "coder" for c in self.calls),
                "evaluator_calls": sum(c["role"] == "evaluator" for c in self.calls),
                "failed_calls": sum("error" in c for c in self.calls),
                # None: the backend reports no token counts (the file backend).
                "prompt_tokens": usage.get("prompt_tokens", 0) if reported else None,
                "completion_tokens": usage.get("completion_tokens", 0) if reported else None,
                "total_tokens": usage.get("total_tokens", 0) if reported else None,
                "candidates": len(self.candidates),
                "passed": sum(c.passed for c in self.candidates),
                "validations": self.validations,
                "rounds_run": len(self.rounds),
                "stopped_early": bool(self.rounds) and len(self.rounds) < self.settings.rounds,
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


def expected_calls(settings: GenerationSettings) -> int:
    """The most LLM calls a generation makes: K coder calls and one evaluator call per round."""
    return settings.rounds * (settings.candidates + 1)


def _errors_for_coder(c: Candidate) -> str:
    if c.report is not None and not c.report.ok:
        return stable_errors(c.report)
    return f"- {c.error}" if c.error else ""


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
        settings: candidates per round, rounds, IGM mode, discount, early stop, ...
            (defaults: 3 x 3).
        states: states to validate on (default: ``sample_states(task, n_states)``, which mixes
            random, sticky and scripted rollouts). Regime statistics use the task's regime
            classifier on them.
        out: write the TFCAF here and the transcript to ``<out minus .py>.transcript.json``.
        on_event: ``callback(event, data)`` for progress ("round", "llm_call", "llm_reply",
            "candidate", "choice", "done").
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
    try:
        masks = regime_masks(description.task, states, overrides)
    except Exception:  # noqa: BLE001 - a description not built from a live env (tests)
        masks = {}
    run = _Run(description, backend, evaluator_backend or backend, settings, states, masks, on_event)
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
            last_round = r == settings.rounds
            run.on_event("round", {"round": r, "rounds": settings.rounds})
            feedback = prompts.feedback_message(
                r,
                {"id": incumbent.id, "source": incumbent.source} if incumbent else None,
                advice,
                [{"id": c.id, "source": c.source, "errors": _errors_for_coder(c)} for c in failures],
            )
            found = run.coder_round(r, feedback, incumbent is not None)
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
                "briefs": {c.id: c.brief for c in found},
                "passed": [c.id for c in found if c.passed],
                "failed": [c.id for c in failures],
                "incumbent": incumbent.id if incumbent else None,
            }
            # The evaluator is asked when there is a choice to make, advice still to use, or
            # an acceptance that could end the search early.
            if pool and (len(pool) > 1 or not last_round or settings.stop_when_accepted):
                record.update(run.evaluate(r, pool, incumbent, last_round))
                incumbent = next(c for c in pool if c.id == record["choice"])
                advice = record.get("advice", "")
            elif pool:
                incumbent = pool[0]
                record.update(pool=[incumbent.id], choice=incumbent.id, advice="", accept=None,
                              method="only candidate")
            stop = bool(settings.stop_when_accepted and record.get("accept") is True
                        and incumbent is not None and incumbent.passed)
            record["stopped_early"] = stop and not last_round
            run.rounds.append(record)
            run.on_event("choice", {"round": r, "choice": record.get("choice"),
                                    "accept": record.get("accept"),
                                    "passed": len(record["passed"])})
            if stop:
                break
    except LLMBackendError as exc:
        raise fail(f"LLM backend failed: {exc}") from None

    if incumbent is None:
        raise fail(run.failure_summary())

    chosen_call = run.calls[incumbent.call - 1]
    model = f"{chosen_call.get('model', backend.model)} via {backend.name}"
    rounds_run = len(run.rounds)
    header = {
        "task": description.task,
        "produced-by": f"qllm generate (coder-evaluator loop, {settings.candidates} candidates "
                       f"x {settings.rounds} rounds)",
        "model": model,
        "prompt-sha256": run.prompt_hash,
        "igm": run.igm,
        "input": input_text(description),
    }
    note = (f"Chosen candidate {incumbent.id} (round {incumbent.round} of {settings.rounds}"
            + (f", stopped after round {rounds_run}: the evaluator accepted it"
               if rounds_run < settings.rounds else "")
            + f"); validated on {int(states.shape[0])} sampled states; gamma {run.gamma:g}.")
    final_source = with_header(incumbent.source, header, note)
    final_report = run.validate(final_source)
    if not final_report.ok:  # the header changed nothing but the docstring: should not happen
        raise fail("the chosen candidate failed validation after adding its header:\n"
                   + final_report.feedback())
    result_info = {"candidate": incumbent.id, "sha256": source_sha256(final_source),
                   "model": model, "path": str(out_path) if out_path else None,
                   "accepted": run.rounds[-1].get("accept") is True if run.rounds else False,
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
