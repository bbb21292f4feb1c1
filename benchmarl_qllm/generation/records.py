"""What the coder-evaluator loop takes and produces: settings, candidates, results, errors."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, Optional

from benchmarl_qllm.credit.function import source_sha256
from benchmarl_qllm.credit.validator import ValidationReport

EventCallback = Callable[[str, Dict[str, Any]], None]


class GenerationError(RuntimeError):
    """No candidate passed validation (or the LLM backend failed for good).

    ``transcript`` holds everything that happened; ``transcript_path`` where it was saved.
    """

    def __init__(self, message: str, transcript: Optional[Dict[str, Any]] = None,
                 transcript_path: Optional[Path] = None):
        super().__init__(message)
        self.transcript = transcript or {}
        self.transcript_path = transcript_path


@dataclass
class GenerationSettings:
    """Knobs of the loop. ``igm=None`` takes the task description's mode; ``gamma=None`` the
    discount of BenchMARL's default experiment (the prompts state it; it is part of the
    prompt hash). ``stop_when_accepted`` ends the loop after the first round in which the
    evaluator picks a validated candidate and accepts it."""

    candidates: int = 3
    rounds: int = 3
    igm: Optional[str] = None
    gamma: Optional[float] = None
    stop_when_accepted: bool = False
    n_states: int = 256
    temperature: Optional[float] = 0.7
    evaluator_temperature: Optional[float] = 0.0
    max_tokens: Optional[int] = 4096
    max_candidates_per_answer: int = 3
    validator_timeout_s: float = 20.0
    validator_memory_mb: int = 2048

    def __post_init__(self) -> None:
        if self.candidates < 1 or self.rounds < 1:
            raise ValueError("candidates and rounds must be >= 1")
        if self.igm not in (None, "enforce", "relax"):
            raise ValueError(f"igm must be 'enforce' or 'relax', got '{self.igm}'")
        if self.gamma is not None and not 0.0 <= float(self.gamma) <= 1.0:
            raise ValueError(f"gamma must be in [0, 1], got {self.gamma}")

    def to_dict(self) -> Dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class Candidate:
    """One candidate module (or an answer that produced none)."""

    id: str                    # "r2c3" (round 2, answer 3), "r2c3b" for a 2nd module in it
    round: int
    call: int                  # index of the LLM call in the transcript (1-based)
    source: str = ""
    report: Optional[ValidationReport] = None
    error: str = ""            # why there is no report (LLM failure, no code in the answer)
    brief: str = ""            # the design brief the coder was given ("name: text")
    regimes: Dict[str, Any] = dataclasses.field(default_factory=dict)  # per-regime statistics

    @property
    def passed(self) -> bool:
        return self.report is not None and self.report.ok

    def errors_text(self) -> str:
        if self.report is not None and not self.report.ok:
            return self.report.feedback()
        return f"- {self.error}" if self.error else ""

    def to_dict(self) -> Dict[str, Any]:
        return {
            "id": self.id,
            "round": self.round,
            "call": self.call,
            "passed": self.passed,
            "source": self.source,
            "sha256": source_sha256(self.source) if self.source else None,
            "error": self.error,
            "brief": self.brief,
            "regimes": self.regimes,
            "report": self.report.to_dict() if self.report is not None else None,
        }


@dataclass
class GenerationResult:
    """The chosen, validated TFCAF with its header, and how it was produced."""

    task: str
    source: str
    candidate: Candidate
    report: ValidationReport
    model: str
    transcript: Dict[str, Any]
    path: Optional[Path] = None
    transcript_path: Optional[Path] = None
