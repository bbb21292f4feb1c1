"""Code and evaluator-choice extraction from free-form LLM answers."""

from __future__ import annotations

import pytest

from benchmarl_qllm.generation.extract import extract_candidates, parse_choice

W1 = "import torch\n\ndef weights(td):\n    return torch.ones_like(td['observation'][..., 0])"
W2 = "import torch\n\ndef weights(td):\n    return 2 * torch.ones_like(td['observation'][..., 0])"


def test_single_fenced_block_with_prose():
    answer = f"Sure! Here is the function.\n\n```python\n{W1}\n```\n\nIt gives every agent weight 1."
    assert extract_candidates(answer) == [W1]


def test_several_candidates_in_one_answer():
    answer = f"Option A:\n```python\n{W1}\n```\nOption B:\n```py\n{W2}\n```\n"
    assert extract_candidates(answer) == [W1, W2]
    assert extract_candidates(answer, limit=1) == [W1]


def test_helper_blocks_are_merged_and_other_languages_ignored():
    answer = (
        "```bash\npip install torch\n```\n"
        f"```python\n{W1}\n```\nand the bias:\n```python\ndef bias(td):\n    return td['observation'][:, 0, :1] * 0\n```\n"
        "Usage:\n```python\nprint(weights(td))\n```"
    )
    (code,) = extract_candidates(answer)
    assert code.startswith(W1) and "def bias(td)" in code and "print" not in code


def test_bare_code_and_reasoning_sections():
    answer = f"<think>I should use ```python\nimport os\n``` no</think>\n{W1}\n\nThis weights all agents equally."
    assert extract_candidates(answer) == [W1]


def test_unclosed_fence_and_no_code():
    assert extract_candidates(f"```python\n{W1}\n") == [W1]
    assert extract_candidates("I cannot help with that.") == []
    assert extract_candidates("") == []


@pytest.mark.parametrize(
    "text, index, advice",
    [
        ('{"choice": 2, "advice": "add a floor"}', 2, "add a floor"),
        ('After comparing them:\n```json\n{"choice": 3, "advice": "use softplus"}\n```\nThanks!', 3, "use softplus"),
        ("My verdict is {'choice': 1, 'advice': 'fine'} overall.", 1, "fine"),
        ('{"best_candidate": "Candidate 2", "suggestion": "clip the bias"}', 2, "clip the bias"),
        ('{"choice": "2"}', 2, ""),
        ("Candidate 2 is the best because it uses distances.\nAdvice: weight the package holder more", 2,
         "weight the package holder more"),
        ("choice: 3", 3, ""),
        ("Candidate 1 divides by zero. I choose candidate 3.", 3, ""),
        ("**Best candidate:** #2", 2, ""),
        ("I would go with option two.", 2, ""),
        ("Only candidate 1 makes sense here.", 1, ""),
        ("2", 2, ""),
        ("Candidate 3 is the best one.", 3, ""),
        ('<think>candidate 1 looks wrong</think>{"choice": 2, "advice": "x"}', 2, "x"),
    ],
)
def test_choice_formats(text, index, advice):
    choice = parse_choice(text, 3)
    assert choice is not None, text
    assert (choice.index, choice.advice) == (index, advice)


@pytest.mark.parametrize(
    "text",
    ["", "no idea", '{"choice": 7}', '{"choice": 0}', "Candidate 1 is ok but candidate 2 is ok too",
     '{"choice": true}', "{not json at all"],
)
def test_unusable_choices_give_none(text):
    assert parse_choice(text, 3) is None


# candidate ids and the accept verdict ------------------------------------------------------------
IDS = ["r1c2", "r2c1", "r2c1b"]


@pytest.mark.parametrize("answer, index, accept", [
    ('{"choice": "r2c1", "accept": true, "advice": "x"}', 2, True),
    ('{"choice": "R2C1B", "accept": "no", "advice": ""}', 3, False),
    ("```json\n{'choice': 'r1c2', 'accept': True, 'advice': ''}\n```", 1, True),
    ('{"choice": 2, "advice": "numbers are positions"}', 2, None),
    ("I choose r2c1b.\naccept: yes", 3, True),
    ("r1c2 is the best.\nAdvice: clamp the bias", 1, None),
    ('Best is candidate r2c1 ("accept": false)', 2, False),
])
def test_choice_by_candidate_id_and_accept(answer, index, accept):
    choice = parse_choice(answer, len(IDS), ids=IDS)
    assert choice is not None and choice.index == index and choice.accept is accept


def test_unknown_id_is_no_choice():
    assert parse_choice('{"choice": "r9c9", "accept": true}', len(IDS), ids=IDS) is None
    # A longer id is not mistaken for its prefix.
    assert parse_choice('{"choice": "r2c1b"}', len(IDS), ids=IDS).index == 3
