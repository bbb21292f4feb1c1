"""Automatic task descriptions: any registered BenchMARL task with discrete actions.

Tasks without a hand-written description (:func:`~benchmarl_qllm.environments.description.
register_description`) get one built at run time by :func:`automatic_description` from

* the live environment, built exactly as an experiment builds it: the agent group and its
  agents, every observation / state key with its shape and dtype, the action count, the reward
  and done keys and the episode limit;
* the task's YAML config (every value, and the numbers as "Key numbers");
* the Python source of the scenario or environment where it is installed (VMAS scenarios,
  PettingZoo MPE scenarios, this package's and users' own TorchRL envs): the methods that
  define observations, rewards, termination and resets, comments and docstrings stripped,
  within :data:`SOURCE_TOKEN_BUDGET` tokens (about 4 characters each).

The layout is one field covering the whole credit input, whose meaning the source explains.
Hand-written descriptions take precedence: :func:`get_description` only falls back to this
module for tasks with none. Families may register action names for their environments with
:func:`register_action_namer` (e.g. VMAS's 9 flattened force directions).
"""

from __future__ import annotations

import ast
import inspect
import json
import textwrap
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from benchmarl_qllm.credit.function import OBSERVATION_KEY
from benchmarl_qllm.environments.description import (
    build_layout,
    Fact,
    TaskDescription,
)
from benchmarl_qllm.environments.sampling import (
    _preserved_rng,
    EnvSpec,
    live_env_spec,
    make_benchmarl_env,
    split_target,
)

SOURCE_TOKEN_BUDGET = 3000
CHARS_PER_TOKEN = 4
AUTOMATIC_PARTS = (
    "This description was built automatically (no hand-written description exists for this "
    "task): the sizes, keys, action count, reward keys and episode limit come from the live "
    "environment, the configuration from the task's YAML config, and the rules, the meaning of "
    "each input feature and the reward from the environment's source code quoted under Notes. "
    "Read that source to find which features of the input mean what."
)
# Methods that define observations, rewards, termination and resets, in order of priority.
SOURCE_METHODS = (
    "observation", "reward", "done", "global_reward", "reset_world_at", "reset_world",
    "make_world", "info", "state", "_step", "step", "_reset", "reset", "__init__",
)
PRIMARY_METHODS = ("observation", "reward", "done", "global_reward")
# Classes from these packages are framework code, not the task's rules.
FRAMEWORK_MODULES = ("builtins", "abc", "torchrl.", "tensordict.", "vmas.simulator.",
                     "pettingzoo.utils", "gymnasium.", "gym.", "benchmarl.", "torch.")

#: ``namer(env, spec) -> [meaning of action i]`` (or ``None``) for one environment family.
ActionNamer = Callable[[Any, EnvSpec], Optional[List[str]]]
_ACTION_NAMERS: Dict[str, ActionNamer] = {}
_CACHE: Dict[Tuple[str, str], TaskDescription] = {}


def register_action_namer(env_name: str, namer: ActionNamer) -> None:
    """Name the discrete actions of family ``env_name``'s tasks in automatic descriptions."""
    _ACTION_NAMERS[env_name.lower()] = namer


def is_registered_task(task: str) -> bool:
    """Whether BenchMARL knows ``task`` (``task_config_registry``), i.e. can build its env."""
    from benchmarl.environments import task_config_registry

    return split_target(task)[0].lower() in task_config_registry


# source ---------------------------------------------------------------------------------------
def _is_framework(cls: type) -> bool:
    module = getattr(cls, "__module__", "") or ""
    return module == "builtins" or any(module == m.rstrip(".") or module.startswith(m)
                                       for m in FRAMEWORK_MODULES)


def _strip(source: str) -> str:
    """``source`` without docstrings, comments and blank lines (dedented)."""
    source = textwrap.dedent(source)
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source
    lines = source.splitlines()
    drop = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) and isinstance(
                getattr(body[0], "value", None), ast.Constant) and isinstance(body[0].value.value, str):
            drop.update(range(body[0].lineno - 1, body[0].end_lineno))
    out = []
    for i, line in enumerate(lines):
        if i in drop or not line.strip() or line.strip().startswith("#"):
            continue
        out.append(line.rstrip())
    return "\n".join(out)


def _methods(obj: Any) -> List[Tuple[str, str, str, str]]:
    """``(class name, method name, stripped source, file)`` of the rule-defining methods of ``obj``'s
    class (first non-framework definition in the MRO), then the helpers they call on ``self``."""
    classes = [c for c in type(obj).__mro__ if not _is_framework(c)]
    found: Dict[str, Tuple[str, str, str]] = {}

    def take(name: str) -> None:
        for cls in classes:
            fn = vars(cls).get(name)
            if callable(fn) and name not in found:
                try:
                    found[name] = (cls.__name__, _strip(inspect.getsource(fn)),
                                   inspect.getsourcefile(fn) or "")
                except (OSError, TypeError):
                    pass
                return

    # What defines observations and rewards first, with the helpers those call (e.g. VMAS
    # football's observation_base), then resets and construction, then their helpers.
    for name in PRIMARY_METHODS:
        take(name)
    for name in [n for _, src, _ in list(found.values()) for n in _self_calls(src)]:
        take(name)
    for name in SOURCE_METHODS:
        take(name)
    helpers = sorted({n for _, src, _ in found.values() for n in _self_calls(src)} - set(found))
    for name in helpers:
        take(name)
    return [(cls, name, src, where) for name, (cls, src, where) in found.items()]


def _self_calls(source: str) -> List[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return [node.func.attr for node in ast.walk(tree) if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "self"]


def source_objects(env: Any) -> List[Any]:
    """The objects whose classes hold the task's rules: the scenario (VMAS, PettingZoo MPE),
    the simulator env inside the TorchRL wrapper, and the TorchRL env itself when it is not
    TorchRL's own (this package's families, users' envs)."""
    inner = getattr(env, "_env", None)
    unwrapped = getattr(inner, "unwrapped", inner)
    objects = []
    for candidate in (getattr(unwrapped, "scenario", None), getattr(inner, "scenario", None),
                      unwrapped, env):
        if candidate is not None and not _is_framework(type(candidate)) and all(
                type(candidate) is not type(o) for o in objects):
            objects.append(candidate)
    return objects


def task_source(env: Any, token_budget: int = SOURCE_TOKEN_BUDGET) -> Tuple[str, List[str]]:
    """``(python source, omitted method names)``: the rule-defining methods of the env's
    scenario / env classes within ``token_budget`` tokens (highest priority first)."""
    budget = token_budget * CHARS_PER_TOKEN
    parts, omitted, used = [], [], 0
    for obj in source_objects(env):
        for cls_name, name, src, where in _methods(obj):
            block = f"# {cls_name}.{name}" + (f"  ({_short(where)})" if where else "") + "\n" + src
            if used + len(block) > budget:
                omitted.append(f"{cls_name}.{name}")
                continue
            parts.append(block)
            used += len(block) + 2
    return "\n\n".join(parts), omitted


def _short(path: str) -> str:
    marker = "site-packages/"
    return path.split(marker, 1)[1] if marker in path else path.rsplit("/", 2)[-1] if path else ""


# env facts ----------------------------------------------------------------------------------------
def _spec_lines(name: str, spec: Any) -> List[str]:
    lines = []
    if spec is None or not hasattr(spec, "keys"):
        return lines
    for key in spec.keys(True, True):
        leaf = spec[key]
        key_text = "/".join(key) if isinstance(key, tuple) else key
        extra = ""
        space = getattr(leaf, "space", None)
        if getattr(space, "n", None) is not None:
            extra = f", {space.n} values"
        lines.append(f"- {name} `{key_text}`: shape {list(leaf.shape)}, "
                     f"{str(leaf.dtype).replace('torch.', '')}{extra}")
    return lines


def _config_facts(config: Mapping[str, Any]) -> List[Fact]:
    facts = []
    for name, value in config.items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            facts.append(Fact(name, value, "value in the task's YAML config"))
    return facts


def _team_reward(spec: EnvSpec) -> str:
    if spec.per_agent_rewards:
        n = spec.n_agents
        return (
            f"The environment writes one reward per agent at `{'/'.join(spec.reward_key)}`. "
            f"QMIX, VDN and QLLM in BenchMARL train on one team reward, the mean over the {n} "
            f"agents: r_team = (r_0 + ... + r_{n - 1}) / {n} (BenchMARL's `process_batch`)."
        )
    if spec.reward_key:
        return (f"The environment writes one team reward at `{'/'.join(spec.reward_key)}`; "
                "training uses it as r_team.")
    return ""


def build_automatic(task: str, overrides: Optional[Mapping[str, Any]] = None,
                    token_budget: int = SOURCE_TOKEN_BUDGET) -> TaskDescription:
    """The automatic :class:`TaskDescription` of ``task`` (see the module docstring)."""
    overrides = dict(overrides or {})
    spec = live_env_spec(task, overrides)
    if spec.n_actions is None:
        raise ValueError(f"{task}: QLLM needs discrete actions; the environment's action spec "
                         "is not discrete")
    with _preserved_rng():
        task_class, env = make_benchmarl_env(task, overrides, num_envs=1, seed=0)
        try:
            group = spec.group
            group_map = task_class.group_map(env)
            agents = list(group_map[group])
            try:
                max_steps = int(task_class.max_steps(env))
            except Exception:  # noqa: BLE001 - a task class without an episode limit
                max_steps = None
            env_lines = [f"- agent group `{group}`: {len(agents)} agents {agents}"]
            others = {g: list(a) for g, a in group_map.items() if g != group}
            env_lines += [f"- other agent group `{g}` (not credited by this function): "
                          f"{len(a)} agents {a}" for g, a in others.items()]
            env_lines += _spec_lines("observation", task_class.observation_spec(env))
            env_lines += _spec_lines("state", task_class.state_spec(env))
            env_lines += _spec_lines("action", task_class.action_spec(env))
            env_lines += _spec_lines("reward", getattr(env, "full_reward_spec", None))
            env_lines += _spec_lines("done", getattr(env, "full_done_spec", None))
            classes = [f"{type(o).__module__}.{type(o).__qualname__}".lstrip(".")
                       for o in source_objects(env)]
            source, omitted = task_source(env, token_budget)
            namer = _ACTION_NAMERS.get(task.split("/")[0].lower())
            actions = namer(env, spec) if namer is not None else None
        finally:
            env.close()
    if not actions or len(actions) != spec.n_actions:
        actions = [f"discrete action {i} (its effect is defined by the environment source)"
                   for i in range(spec.n_actions)]
    limit = f"{max_steps} steps" if max_steps is not None else "unknown"
    ends = {"truncated": "truncated (the TD target bootstraps past it)",
            "terminated": "terminated (the TD target does not bootstrap past it)"}
    end_text = ends.get(spec.time_limit or "", "reported by the environment's done keys")
    base_task = split_target(task)[0]
    multi = (
        f" The task has other agent groups ({', '.join(f'`{g}`: {len(a)}' for g, a in others.items())}"
        f"); BenchMARL trains each group with its own loss and its own team reward, and this "
        f"credit function is for group `{spec.group}` only: its input, agents and reward are "
        f"that group's, and the other groups are part of the environment."
    ) if others else ""
    summary = (
        f"Task `{base_task}` ({', '.join(classes) or type(task_class).__name__}): {spec.n_agents} "
        f"cooperating agents in group `{spec.group}`. Episode limit: {limit}; an episode end is "
        f"{end_text}. The rules and the goal are defined by the environment source under Notes "
        f"(observation, reward, done and reset methods).{multi}"
    )
    reward = ("Computed by the reward method(s) in the source under Notes"
              + (f"; written at `{'/'.join(spec.reward_key)}`." if spec.reward_key else "."))
    what = "agent i's own observation" if spec.input_kind == OBSERVATION_KEY else "the global state"
    key = "/".join(spec.input_key)
    layout = build_layout([(spec.input_key[-1], spec.input_dim,
                            f"{what} (`{key}`), all {spec.input_dim} features, in the order the "
                            "environment source builds them (see Notes)")])
    facts = _config_facts(spec.config)
    if max_steps is not None and "max_steps" not in spec.config:
        facts.append(Fact("max_steps", max_steps, "episode limit (steps), from the live task"))
    notes = ["#### Environment (live)"] + env_lines
    notes += ["", "#### Task config (YAML)", "```json",
              json.dumps(spec.config, indent=1, sort_keys=True, default=repr), "```"]
    if source:
        notes += ["", f"#### Environment source (trimmed to ~{token_budget} tokens: the methods "
                  "that define observations, rewards, termination and resets; comments and "
                  "docstrings removed)", "```python", source, "```"]
        if omitted:
            notes += [f"(omitted for the token budget: {', '.join(omitted)})"]
    else:
        notes += ["", "#### Environment source", "(not available: the environment's source is "
                  "not installed as Python)"]
    return TaskDescription(
        task=task.lower(), summary=summary, reward=reward, actions=actions,
        n_agents=spec.n_agents, input_kind=spec.input_kind, input_dim=spec.input_dim,
        layout=layout, notes="\n".join(notes), team_reward=_team_reward(spec), facts=facts,
        facts_source="read from the task's YAML config and the live environment",
        automatic=AUTOMATIC_PARTS,
    )


def automatic_description(task: str, overrides: Optional[Mapping[str, Any]] = None) -> TaskDescription:
    """:func:`build_automatic`, cached per task and overrides."""
    key = (task.lower(), json.dumps(dict(overrides or {}), sort_keys=True, default=repr))
    if key not in _CACHE:
        _CACHE[key] = build_automatic(task, overrides)
    return _CACHE[key]
