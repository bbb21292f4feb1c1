"""Pull Python candidates and evaluator choices out of free-form LLM answers."""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from typing import Any, List, Optional, Sequence

_THINK = re.compile(r"<think>.*?(?:</think>|\Z)", re.S | re.I)
# An opening fence (``` or ~~~, optional language) up to the matching closing fence or the end.
_FENCE = re.compile(
    r"^[ \t]*(?P<fence>`{3,}|~{3,})[ \t]*(?P<lang>[\w+.-]*)[^\n]*\n(?P<body>.*?)(?:^[ \t]*(?P=fence)[ \t]*$|\Z)",
    re.S | re.M,
)
_PYTHON_LANGS = {"", "python", "py", "python3", "py3"}
_DEF_WEIGHTS = re.compile(r"^def\s+weights\s*\(", re.M)
_CODE_START = re.compile(r"^(?:import\s|from\s+\w|def\s|\"\"\"|'''|[A-Z_][A-Z0-9_]*\s*=)", re.M)


def strip_reasoning(text: str) -> str:
    """Drop ``<think>...</think>`` sections that reasoning models emit before the answer."""
    return _THINK.sub("", text or "")


def _code_blocks(text: str) -> List[str]:
    blocks = []
    for m in _FENCE.finditer(text):
        if m.group("lang").lower() in _PYTHON_LANGS:
            blocks.append(m.group("body").strip("\n"))
    return blocks


def _parses(code: str) -> bool:
    try:
        ast.parse(code)
        return True
    except SyntaxError:
        return False


def _only_definitions(code: str) -> bool:
    """Imports, constants, defs and docstrings only (a helper block that can be merged)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return False
    allowed = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.Assign, ast.AnnAssign)
    return all(
        isinstance(s, allowed) or (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
        for s in tree.body
    )


def _bare_code(text: str) -> Optional[str]:
    """Code written without fences: from the first code-looking line, minus trailing prose."""
    if not _DEF_WEIGHTS.search(text):
        return None
    start = _CODE_START.search(text)
    lines = text[start.start() if start else 0:].rstrip().splitlines()
    # Drop trailing prose lines until the rest parses (bounded: answers are short).
    for end in range(len(lines), 0, -1):
        code = "\n".join(lines[:end]).rstrip()
        if _DEF_WEIGHTS.search(code) and _parses(code):
            return code
        if len(lines) - end > 60:
            break
    return "\n".join(lines).rstrip()


def extract_candidates(text: str, limit: int = 3) -> List[str]:
    """The candidate modules in an LLM answer, at most ``limit``.

    - Fenced blocks (``python``, ``py`` or no language; an unclosed last fence counts): every
      block that defines ``weights`` is a candidate. When exactly one does, blocks that only
      hold imports/constants/functions (a separate ``bias``, helpers) are merged into it in
      their order. Without any ``weights`` block, all Python blocks are joined.
    - No fences: the code from its first code-looking line, with trailing prose dropped.
    """
    text = strip_reasoning(text)
    blocks = [b for b in _code_blocks(text) if b.strip()]
    if not blocks:
        bare = _bare_code(text)
        return [bare] if bare else []
    with_weights = [b for b in blocks if _DEF_WEIGHTS.search(b)]
    if len(with_weights) >= 2:
        return with_weights[:limit]
    if len(with_weights) == 1:
        main = with_weights[0]
        merged = [b for b in blocks if b is main or (_only_definitions(b) and not _DEF_WEIGHTS.search(b))]
        return ["\n\n".join(merged)]
    return ["\n\n".join(blocks)]


# evaluator answers --------------------------------------------------------------------------------
@dataclass
class Choice:
    """The evaluator's pick: ``index`` is 1-based, ``method`` says how it was parsed;
    ``accept`` is the evaluator's verdict that the pick is good enough to stop (``None``
    when the answer does not say)."""

    index: int
    advice: str
    method: str
    accept: Optional[bool] = None


_CHOICE_KEYS = ("choice", "candidate", "best", "selected", "selection", "pick", "best_candidate", "winner")
_ADVICE_KEYS = ("advice", "suggestion", "feedback", "improvement", "comment", "reason")
# "one" is left out: "the best one" is not a candidate number.
_NUMBER_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                 "eight": 8, "nine": 9, "ten": 10, "first": 1, "second": 2, "third": 3,
                 "fourth": 4, "fifth": 5}
_NUM = r"(\d+|" + "|".join(_NUMBER_WORDS) + r")"
_EXPLICIT = [
    re.compile(r"\b(?:choice|choose|chosen|select(?:ed|ion)?|pick(?:ed)?|best(?:\s+candidate)?|winner|prefer(?:red)?|go\s+with)\b"
               r"[\s\"'*:=#-]*(?:is\s+|would\s+be\s+|be\s+)?(?:candidate|option|number|no\.?)?[\s#*]*" + _NUM + r"\b", re.I),
    re.compile(r"\bcandidate\s*#?\s*" + _NUM + r"\s*(?:is|as)\s+(?:the\s+)?(?:best|strongest|winner|preferred|my\s+choice)", re.I),
]
_MENTION = re.compile(r"\bcandidate\s*#?\s*(\d+)\b", re.I)
_ADVICE_LINE = re.compile(r"^[\s*#>-]*\**(?:advice|suggestion|improvement)\**\s*[:=-]\s*(.+)$", re.I | re.M)
_ACCEPT_KEYS = ("accept", "accepted", "good_enough", "stop", "done")
_ACCEPT_LINE = re.compile(r"[\"']?\b(?:accept(?:ed)?|good[ _]enough)\b[\"']?\s*[:=]\s*[\"']?(true|false|yes|no)\b", re.I)
_TRUE = {"true", "yes", "y", "1", "accept", "accepted"}
_FALSE = {"false", "no", "n", "0", "reject", "rejected"}


def _to_bool(value: Any) -> Optional[bool]:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        token = value.strip().lower()
        if token in _TRUE:
            return True
        if token in _FALSE:
            return False
    return None


def _accept_from_text(text: str) -> Optional[bool]:
    m = _ACCEPT_LINE.search(text)
    return _to_bool(m.group(1)) if m else None


def _replace_ids(text: str, ids: Sequence[str]) -> str:
    """``r2c1`` -> ``candidate 3`` (its 1-based position), longest ids first, whole words."""
    order = sorted(range(len(ids)), key=lambda i: -len(ids[i]))
    for i in order:
        text = re.sub(rf"(?:\bcandidate\s*#?\s*)?(?<![\w]){re.escape(ids[i])}(?![\w])",
                      f"candidate {i + 1}", text, flags=re.I)
    return text


def _to_index(value: Any) -> Optional[int]:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        m = re.search(_NUM, value, re.I)
        if m:
            token = m.group(1).lower()
            return _NUMBER_WORDS.get(token) or int(token)
    return None


def _json_objects(text: str):
    decoder = json.JSONDecoder()
    for m in re.finditer(r"\{", text):
        try:
            obj, _ = decoder.raw_decode(text[m.start():])
        except json.JSONDecodeError:
            # Python-style dicts ({'choice': 2}) parse safely with literal_eval.
            end = text.find("}", m.start())
            if end < 0:
                continue
            try:
                obj = ast.literal_eval(text[m.start(): end + 1])
            except (ValueError, SyntaxError, MemoryError, RecursionError):
                continue
        if isinstance(obj, dict):
            yield obj


def _advice_from_text(text: str) -> str:
    m = _ADVICE_LINE.search(text)
    return m.group(1).strip().strip('"').strip() if m else ""


def parse_choice(text: str, n_candidates: int, ids: Optional[Sequence[str]] = None) -> Optional[Choice]:
    """The evaluator's choice in ``text`` (1..n_candidates), or ``None`` when there is none.

    Accepts a JSON object ``{"choice": "r1c2", "accept": true, "advice": "..."}`` alone, fenced
    or inside prose (also Python-dict syntax, numbers, string values like ``"Candidate 2"`` and
    other key names), then phrases such as ``choice: r1c2``, ``I choose candidate 2``,
    ``Candidate 2 is the best``, and finally a single candidate mentioned alone or a bare
    number. With ``ids`` (the candidates' names in the order shown), a name such as ``r1c2``
    stands for its position; a plain number is a position (1-based).
    """
    text = strip_reasoning(text).strip()
    if not text:
        return None
    if ids:
        text = _replace_ids(text, ids)

    def valid(i: Optional[int]) -> bool:
        return i is not None and 1 <= i <= n_candidates

    for obj in _json_objects(text):
        lowered = {str(k).lower(): v for k, v in obj.items()}
        for key in _CHOICE_KEYS:
            if key in lowered:
                index = _to_index(lowered[key])
                if valid(index):
                    advice = next((str(lowered[k]) for k in _ADVICE_KEYS if lowered.get(k)), "")
                    accept = next((_to_bool(lowered[k]) for k in _ACCEPT_KEYS
                                   if k in lowered and _to_bool(lowered[k]) is not None),
                                  _accept_from_text(text))
                    return Choice(index, advice.strip() or _advice_from_text(text), "json", accept)
    advice = _advice_from_text(text)
    accept = _accept_from_text(text)
    for pattern in _EXPLICIT:
        for m in pattern.finditer(text):
            index = _to_index(m.group(1))
            if valid(index):
                return Choice(index, advice, "phrase", accept)
    mentioned = {int(m.group(1)) for m in _MENTION.finditer(text)}
    mentioned = {i for i in mentioned if valid(i)}
    if len(mentioned) == 1:
        return Choice(mentioned.pop(), advice, "single-mention", accept)
    bare = re.fullmatch(r"[\s\"'*#]*(\d+)[\s\"'*.]*", text)
    if bare and valid(int(bare.group(1))):
        return Choice(int(bare.group(1)), advice, "bare-number", accept)
    return None
