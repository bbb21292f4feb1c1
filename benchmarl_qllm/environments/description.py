"""Structured task descriptions: rules, reward, actions and the exact credit-input layout.

A :class:`TaskDescription` is what an LLM needs to write a credit function (TFCAF) for a task.
The static parts (summary, reward, actions, layout) are data written by reading each task's
source; the sizes (``n_agents``, ``input_dim``) come from the live environment when
:func:`get_description` is called, and the layout is checked against them, so a layout that no
longer matches the environment fails loudly instead of producing a wrong prompt.

New families register a builder with :func:`register_description`::

    def build(spec: EnvSpec) -> TaskDescription: ...
    register_description("lbforaging/8x8-2p-2f", build)

``spec`` carries the live sizes and the task config; tasks that BenchMARL does not ship pass
``env_spec=`` (and register a state sampler in :mod:`benchmarl_qllm.environments.sampling`).
Each family's builders live in ``benchmarl_qllm/environments/<family>/descriptions.py``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from benchmarl_qllm.credit.function import OBSERVATION_KEY, STATE_KEY
from benchmarl_qllm.credit.mixing import IGM_MODES
from benchmarl_qllm.environments.sampling import (
    EnvSpec,
    EnvSpecReader,
    live_env_spec,
    register_env_spec_reader,
)

INPUT_KINDS = (OBSERVATION_KEY, STATE_KEY)


class LayoutMismatchError(ValueError):
    """The described layout does not tile the input, or disagrees with the live environment."""


@dataclass
class LayoutField:
    """One named slice ``[start, stop)`` of the input's last dimension (units in description)."""

    name: str
    start: int
    stop: int
    description: str

    @property
    def width(self) -> int:
        return self.stop - self.start

    @property
    def slice_text(self) -> str:
        return f"{self.start}:{self.stop}"


def num(value) -> str:
    """A number as prompts write it: integers plainly, floats with up to 4 significant digits
    (``0.1``, ``0.35``, ``100``, ``-10``, ``0.4``); booleans and strings unchanged."""
    if isinstance(value, bool) or isinstance(value, str) or value is None:
        return str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(num(v) for v in value) + "]"
    if isinstance(value, int):
        return str(value)
    value = float(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.4g}"


@dataclass
class Fact:
    """One number a description states, with its meaning and unit; read from the live
    environment (or its source), listed under "Key numbers" in the prompt."""

    name: str
    value: Any
    meaning: str

    def text(self) -> str:
        return f"- `{self.name}` = {num(self.value)}: {self.meaning}"


@dataclass
class TaskDescription:
    """Everything a credit-function author needs to know about one task.

    ``team_reward`` says how the per-agent rewards become the single reward the mixer is
    trained on; ``facts`` are the task's numbers (radii, thresholds, episode limit, speeds,
    reward coefficients) as read from the live environment.
    """

    task: str                   # "vmas/balance"
    summary: str                # rules and goal
    reward: str                 # reward structure
    actions: List[str]          # meaning of each discrete action index
    n_agents: int
    input_kind: str             # "observation" (VMAS) or "state"
    input_dim: int              # obs_dim per agent (observation) or state_dim (state)
    layout: List[LayoutField]   # tiles [0, input_dim) exactly, in order
    igm: str = "enforce"        # "enforce" or "relax"
    notes: str = ""
    team_reward: str = ""       # how QMIX-style training aggregates the rewards
    facts: List[Fact] = dataclasses.field(default_factory=list)
    facts_source: str = "read from the live environment"
    automatic: str = ""         # non-empty: built automatically; says which parts are

    def __post_init__(self) -> None:
        if self.input_kind not in INPUT_KINDS:
            raise ValueError(f"{self.task}: input_kind must be one of {INPUT_KINDS}, got '{self.input_kind}'")
        if self.igm not in IGM_MODES:
            raise ValueError(f"{self.task}: igm must be one of {IGM_MODES}, got '{self.igm}'")
        if not isinstance(self.n_agents, int) or self.n_agents < 1:
            raise ValueError(f"{self.task}: n_agents must be a positive int, got {self.n_agents!r}")
        self.check_layout()

    def check_layout(self) -> None:
        """Raise :class:`LayoutMismatchError` unless the layout tiles ``[0, input_dim)``."""
        problems = []
        position = 0
        names = set()
        for f in self.layout:
            if f.name in names:
                problems.append(f"field name '{f.name}' is used twice")
            names.add(f.name)
            if f.start != position:
                kind = "gap" if f.start > position else "overlap"
                problems.append(f"{kind} before '{f.name}' ({f.slice_text}): expected start {position}")
            if f.stop <= f.start:
                problems.append(f"field '{f.name}' has an empty or negative slice {f.slice_text}")
            position = max(position, f.stop)
        if position != self.input_dim:
            problems.append(
                f"layout covers [0, {position}) but the {self.input_kind} has {self.input_dim} "
                "features"
            )
        if problems:
            raise LayoutMismatchError(
                f"{self.task}: invalid {self.input_kind} layout:\n  - " + "\n  - ".join(problems)
            )

    # rendering ------------------------------------------------------------------------------
    def input_shape_text(self) -> str:
        if self.input_kind == OBSERVATION_KEY:
            return f"[B, {self.n_agents}, {self.input_dim}]"
        return f"[B, {self.input_dim}]"

    def to_prompt(self) -> str:
        """A markdown block for an LLM: rules, reward, actions and the exact tensor layout."""
        if self.input_kind == OBSERVATION_KEY:
            access = (
                f'`td["observation"]`, a float tensor of shape {self.input_shape_text()} '
                "(batch, agent, feature). Row `i` along dim 1 is agent `i`'s own observation "
                f"(agents 0..{self.n_agents - 1}); every agent's row has the layout below. "
                "Index a field with `obs[..., start:stop]`."
            )
            column = "`obs[..., start:stop]`"
        else:
            access = (
                f'`td["state"]`, a float tensor of shape {self.input_shape_text()} '
                "(batch, feature), the global state. Index a field with `state[:, start:stop]`."
            )
            column = "`state[:, start:stop]`"
        igm_rule = (
            "weights must be >= 0 for every state (monotonic mixing, IGM holds)"
            if self.igm == "enforce"
            else "weights may be negative (non-monotonic mixing)"
        )
        lines = [f"## Task: {self.task}", ""]
        if self.automatic.strip():
            lines += ["### About this description", self.automatic.strip(), ""]
        lines += [
            "### Rules and goal",
            self.summary.strip(),
            "",
            "### Reward",
            self.reward.strip(),
            "",
        ]
        if self.team_reward.strip():
            lines += ["### Team reward used for training", self.team_reward.strip(), ""]
        if self.facts:
            lines += [f"### Key numbers ({self.facts_source})"]
            lines += [f.text() for f in self.facts]
            lines += [""]
        lines += [
            f"### Actions ({len(self.actions)} discrete actions per agent)",
        ]
        lines += [f"- {i}: {meaning}" for i, meaning in enumerate(self.actions)]
        lines += [
            "",
            "### Credit-function input",
            access,
            f'`td["n_agents"]` = {self.n_agents}.',
            "",
            f"| slice {column} | field | meaning |",
            "|---|---|---|",
        ]
        lines += [f"| `{f.slice_text}` | `{f.name}` | {f.description} |" for f in self.layout]
        lines += [
            "",
            "### Mixing",
            f"Q_tot = sum_i w_i * Q_i + b; igm = {self.igm}: {igm_rule}.",
        ]
        if self.notes.strip():
            lines += ["", "### Notes", self.notes.strip()]
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def layout_field(self, name: str) -> LayoutField:
        """The layout field called ``name`` (``KeyError`` if there is none)."""
        for f in self.layout:
            if f.name == name:
                return f
        raise KeyError(f"{self.task}: no layout field '{name}'")

    def fact(self, name: str) -> Any:
        """The value of the fact called ``name`` (``KeyError`` if there is none)."""
        for f in self.facts:
            if f.name == name:
                return f.value
        raise KeyError(f"{self.task}: no fact '{name}'")


# registry ---------------------------------------------------------------------------------------
DescriptionBuilder = Callable[[EnvSpec], TaskDescription]
_BUILDERS: Dict[str, DescriptionBuilder] = {}


def register_description(
    task: str,
    builder: DescriptionBuilder,
    *,
    env_spec: Optional[EnvSpecReader] = None,
    overwrite: bool = False,
) -> None:
    """Register ``builder(spec) -> TaskDescription`` for ``task`` (``"env/task"``).

    Args:
        env_spec: ``reader(task, overrides) -> EnvSpec`` for tasks BenchMARL cannot build
            (default: the BenchMARL task class).
        overwrite: replace an existing registration instead of raising.
    """
    key = task.lower()
    if "/" not in key:
        raise ValueError(f"task names look like 'env/task', got '{task}'")
    if key in _BUILDERS and not overwrite:
        raise ValueError(f"a description for '{key}' is already registered (pass overwrite=True)")
    _BUILDERS[key] = builder
    if env_spec is not None:
        register_env_spec_reader(key, env_spec)


def known_tasks() -> List[str]:
    """Tasks with a registered description, sorted."""
    return sorted(_BUILDERS)


def description_kind(task: str) -> str:
    """``"hand-written"`` (a registered builder) or ``"automatic"`` (built at run time)."""
    return "hand-written" if task.lower() in _BUILDERS else "automatic"


def get_description(task: str, **task_overrides) -> TaskDescription:
    """The description of ``task`` with sizes from the live environment (config + overrides).

    Raises:
        ValueError: unknown task.
        LayoutMismatchError: the described layout or actions disagree with the live env.
    """
    key = task.lower()
    if key not in _BUILDERS:
        from benchmarl_qllm.environments.automatic import automatic_description, is_registered_task

        if not is_registered_task(key):
            raise ValueError(
                f"no task description for '{task}': it is not a registered BenchMARL task "
                f"(register its Task enum in benchmarl.environments.task_config_registry). "
                f"Known tasks (hand-written descriptions): {', '.join(known_tasks())}"
            )
        spec = live_env_spec(key, task_overrides)
        description = automatic_description(key, task_overrides)
        check_against_env(description, spec)
        return description
    spec = live_env_spec(key, task_overrides)
    try:
        description = _BUILDERS[key](spec)
    except LayoutMismatchError as exc:
        raise LayoutMismatchError(
            f"{exc}\n(live env: {spec.n_agents} agents, {spec.input_kind} with "
            f"{spec.input_dim} features, config {spec.config})"
        ) from None
    check_against_env(description, spec)
    return description


def check_against_env(description: TaskDescription, spec: EnvSpec) -> None:
    """Raise :class:`LayoutMismatchError` where the description disagrees with the live env."""
    width = sum(f.width for f in description.layout)
    problems = []
    if description.input_kind != spec.input_kind:
        problems.append(
            f"description input_kind '{description.input_kind}', env provides '{spec.input_kind}'"
        )
    if width != spec.input_dim or description.input_dim != spec.input_dim:
        problems.append(
            f"described layout is {width} wide (input_dim {description.input_dim}) but the live "
            f"env's {spec.input_kind} has {spec.input_dim} features; the scenario or its config "
            "changed, update the layout"
        )
    if description.n_agents != spec.n_agents:
        problems.append(f"description has {description.n_agents} agents, env has {spec.n_agents}")
    if spec.n_actions is not None and len(description.actions) != spec.n_actions:
        problems.append(
            f"description lists {len(description.actions)} actions, env has {spec.n_actions}"
        )
    if problems:
        raise LayoutMismatchError(
            f"{description.task} (config {spec.config}): description does not match the live "
            "environment:\n  - " + "\n  - ".join(problems)
        )


def build_layout(fields: Sequence[Tuple[str, int, str]]) -> List[LayoutField]:
    """Consecutive :class:`LayoutField` s from ``(name, width, description)`` triples."""
    layout, start = [], 0
    for name, width, text in fields:
        layout.append(LayoutField(name=name, start=start, stop=start + width, description=text))
        start += width
    return layout


def layout_from_table(rows: Sequence[Tuple[str, int, int, str]]) -> List[LayoutField]:
    """:func:`build_layout` from a family's state table of ``(name, start, stop, description)``
    rows (e.g. :func:`~benchmarl_qllm.environments.lbforaging.lbf_state_layout`)."""
    return build_layout([(name, stop - start, text) for name, start, stop, text in rows])

