"""Task descriptions (for LLM prompts) of BenchMARL's SMACv2 tasks (``smacv2/<race>_<n>_vs_<m>``).

The layout comes from :func:`~benchmarl_qllm.environments.smacv2.layout.smacv2_layout`; the
sizes from :func:`~benchmarl_qllm.environments.smacv2.live.smacv2_env_spec` (the live game, or
smacv2's formulas where StarCraft II does not run).
"""

from __future__ import annotations

from typing import Any, List, Mapping, Tuple

from benchmarl_qllm.credit.function import STATE_KEY
from benchmarl_qllm.environments.description import (
    Fact,
    TaskDescription,
    build_layout,
    num,
    register_description,
)
from benchmarl_qllm.environments.sampling import EnvSpec, register_state_sampler
from benchmarl_qllm.environments.smacv2.layout import (
    capabilities,
    ENV_NAME,
    SMACV2_TASKS,
    Smacv2Layout,
    smacv2_layout,
    type_probabilities,
    UNIT_SORT_ORDER,
    UNITS,
)
from benchmarl_qllm.environments.smacv2.live import smacv2_env_spec, smacv2_sample_states


def _fmt_range(unit: str, config: Mapping[str, Any]) -> str:
    info = UNITS[unit]
    if config.get("use_unit_ranges", False):
        shoot = max(info.shoot_range, float(config.get("min_attack_range", 2)))
        sight = info.sight_range
    else:
        shoot, sight = 6, 9
    verb = "heal" if unit == "medivac" else "shoot"
    return f"{unit} ({info.role}; {verb} range {shoot:g}, sight {sight:g})"


def _layout_fields(layout: Smacv2Layout, config: Mapping[str, Any]) -> List[Tuple[str, int, str]]:
    info = layout.map
    types = ", ".join(f"{k} = {u}" for k, u in enumerate(info.unit_types))
    pos_text = (
        "{axis} relative to the map centre, ({axis} - map_{axis} / 2) / playable {extent}, "
        "about [-0.5, 0.5]"
    )
    cooldown_text = (
        "weapon cooldown / max cooldown ("
        + ", ".join(f"{u} {UNITS[u].max_cooldown}" for u in info.unit_types if u != "medivac")
        + ")"
    )
    if "medivac" in info.unit_types:
        cooldown_text += "; medivac: energy / 200"
    shield_text = (
        "shield / max shield (" + ", ".join(f"{u} {UNITS[u].max_shield}" for u in info.unit_types)
        + "), in [0, 1]"
    )
    texts = {
        "health": "health / max health, in [0, 1]; 0 = dead (then the whole row is 0)",
        "cooldown": cooldown_text,
        "relative_x": pos_text.format(axis="x", extent="width"),
        "relative_y": pos_text.format(axis="y", extent="height"),
        "shield": shield_text,
        "attack_prob": "probability that its attacks land",
        "health_level": "health fraction below which it dies",
        "fov": "field-of-view direction (unit vector x, y)",
        "unit_type": f"unit-type one-hot ({types})",
    }
    fields: List[Tuple[str, int, str]] = []
    for unit, count, features in (
        ("ally", layout.n_agents, layout.ally_features),
        ("enemy", layout.n_enemies, layout.enemy_features),
    ):
        for i in range(count):
            who = f"agent {i}" if unit == "ally" else f"enemy {i}"
            for stem, width in features:
                fields.append((f"{unit}{i}_{stem}", width, f"{who}: {texts[stem]}"))
    if layout.last_action:
        for i in range(layout.n_agents):
            fields.append((
                f"ally{i}_last_action",
                layout.n_actions,
                f"agent {i}: one-hot of its previous action (indices as in the action list); "
                "all 0 right after the reset; action 0 once dead",
            ))
    if layout.timestep:
        fields.append(("timestep", 1, f"episode step / episode limit ({info.limit}), in [0, 1]"))
    return fields


def _actions(layout: Smacv2Layout, config: Mapping[str, Any]) -> List[str]:
    move = config.get("move_amount", 2)
    actions = [
        "no-op: the only (and required) action of a dead agent",
        "stop",
        f"move north (+y by {move:g} map units)",
        f"move south (-y by {move:g})",
        f"move east (+x by {move:g})",
        f"move west (-x by {move:g})",
    ]
    actions += [
        f"turn the field of view to angle 2*pi*{k}/{layout.n_fov_actions}"
        for k in range(layout.n_fov_actions)
    ]
    heal = "medivac" in layout.map.unit_types
    for k in range(layout.n_actions - len(actions)):
        text = f"attack enemy {k} (available only when it is alive and within shoot range)"
        if heal:
            text += f"; for a medivac: heal agent {k} instead (not a medivac)"
        actions.append(text)
    return actions


def _reward_text(layout: Smacv2Layout, config: Mapping[str, Any]) -> str:
    if config.get("reward_sparse", False):
        return "Sparse: +1 for a win, -1 for a loss, 0 otherwise."
    death = config.get("reward_death_value", 10)
    win = config.get("reward_win", 200)
    text = (
        "Shared team reward, each step: damage dealt to enemies (health + shield points lost) "
        f"+ {death:g} per enemy killed"
    )
    if config.get("reward_only_positive", True):
        text += ", floored at 0 (damage taken is not penalised)"
    else:
        neg = config.get("reward_negative_scale", 0.5)
        text += f", minus {neg:g} x (damage taken + {death:g} per ally killed)"
    text += f"; +{win:g} on the step the battle is won"
    defeat = config.get("reward_defeat", 0)
    if defeat:
        text += f", {defeat:g} when lost"
    text += "."
    if config.get("reward_scale", True):
        rate = config.get("reward_scale_rate", 20)
        text += (
            f" Scaled by {rate:g} / max_reward, where max_reward = {layout.n_enemies} x "
            f"{death:g} + {win:g} + the enemies' total max health + shield, so a perfect "
            f"episode returns about {rate:g}."
        )
    return text


def smacv2_description(spec: EnvSpec) -> TaskDescription:
    """Description builder for every ``smacv2/*`` task (layout from :func:`smacv2_layout`)."""
    config = spec.config
    layout = smacv2_layout(config)
    info = layout.map
    team_gen = capabilities(config).get("team_gen", {})
    probs = type_probabilities(layout, team_gen)
    mix = ", ".join(f"{u} {p:.0%}" for u, p in zip(info.unit_types, probs.tolist()))
    exceptions = [u for u in team_gen.get("exception_unit_types", []) if u in info.unit_types]
    units = "; ".join(_fmt_range(u, config) for u in info.unit_types)
    order = sorted(info.unit_types, key=UNIT_SORT_ORDER.index)
    enemies_text = (
        "the enemy team has the same unit types as the allies (a mirror match)"
        if layout.n_enemies == layout.n_agents
        else (
            f"the enemy team mirrors the allies plus {layout.n_enemies - layout.n_agents} extra "
            "random units" if layout.n_enemies > layout.n_agents else
            "the enemy team is a subset of the ally types"
        )
    )
    summary = (
        f"StarCraft II micromanagement (SMACv2, map {layout.map_name}, {info.race_name} vs "
        f"{info.race_name}): {layout.n_agents} agents, one per allied unit, fight "
        f"{layout.n_enemies} enemy units controlled by the built-in AI (difficulty "
        f"{config.get('difficulty', '7')}). Every episode draws new teams: each unit is a "
        f"{mix}" + (f" (never a team of only {', '.join(exceptions)})" if exceptions else "")
        + f"; {enemies_text}. Unit types: {units}. Start positions: either the allies spawn "
        "in the middle of the map with enemy groups coming from the diagonals, or the two "
        "armies spawn facing each other on the left and right halves. Agents only see units "
        "within their sight range (the credit function gets the full state). The episode "
        "ends when one side has no units left (a team of only medivacs counts as none), or "
        f"after {info.limit} steps; SMACv2 reports the time limit as terminated (torchrl's "
        "SMACv2Env sets terminated = done), so the training target does not bootstrap past "
        "it. Agent ids are sorted by unit type ("
        + " < ".join(order) + ") and then by position, so agents of one type are adjacent."
    )
    notes = (
        f"Blocks: allies {layout.ally_block[0]}:{layout.ally_block[1]} = {layout.n_agents} "
        f"rows x {layout.nf_al} features (`state[:, {layout.ally_block[0]}:"
        f"{layout.ally_block[1]}].reshape(B, {layout.n_agents}, {layout.nf_al})`); enemies "
        f"{layout.enemy_block[0]}:{layout.enemy_block[1]} = {layout.n_enemies} x "
        f"{layout.nf_en} (`.reshape(B, {layout.n_enemies}, {layout.nf_en})`)"
        + (
            f"; last actions {layout.last_action_block[0]}:{layout.last_action_block[1]} = "
            f"{layout.n_agents} x {layout.n_actions}" if layout.last_action else ""
        )
        + ". A unit is alive iff its health feature is > 0; a dead unit's row is all zeros, "
        "so its position reads (0, 0), the map centre: mask dead units before using "
        "positions. Distances are in units of the playable extent (at most the 32-unit map), "
        "so a shoot range of 6 map units is about 0.2 or a little more."
        + (" Protoss shields absorb damage before health and regenerate."
           if info.shield_bits else "")
    )
    facts = [
        Fact("episode_limit", info.limit, "steps before the episode is cut off"),
        Fact("n_agents", layout.n_agents, "allied units, one per agent"),
        Fact("n_enemies", layout.n_enemies, "enemy units"),
    ]
    if not config.get("reward_sparse", False):
        facts += [
            Fact("reward_death_value", config.get("reward_death_value", 10), "reward per enemy killed (before scaling)"),
            Fact("reward_win", config.get("reward_win", 200), "reward for winning (before scaling)"),
        ]
        if config.get("reward_scale", True):
            facts.append(Fact("reward_scale_rate", config.get("reward_scale_rate", 20),
                              "a perfect episode returns about this much after scaling"))
    live = "live" in str(config.get("qllm_spec_source", "live"))
    return TaskDescription(
        task=spec.task,
        summary=summary,
        team_reward=(
            "SMACv2 gives one team reward (TorchRL's root `reward` key, not one per agent). "
            "BenchMARL's QMIX/VDN `process_batch`, which QLLM reuses, only averages per-agent "
            "rewards when no team reward exists, so r_team is the SMACv2 reward as described."
        ),
        facts=facts,
        facts_source=("read from the live environment" if live else
                      "from the task config and smacv2's source; StarCraft II does not run here"),
        reward=_reward_text(layout, config),
        actions=_actions(layout, config),
        n_agents=layout.n_agents,
        input_kind=STATE_KEY,
        input_dim=spec.input_dim,
        layout=build_layout(_layout_fields(layout, config)),
        notes=notes,
    )


def register_descriptions() -> None:
    """Descriptions, the spec reader and the state sampler of every BenchMARL SMACv2 task."""
    for name in SMACV2_TASKS:
        task = f"{ENV_NAME}/{name}"
        register_description(task, smacv2_description, env_spec=smacv2_env_spec, overwrite=True)
        register_state_sampler(task, smacv2_sample_states)
