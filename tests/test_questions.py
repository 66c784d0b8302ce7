"""Questions load from the real copier.yml and render its Jinja the way copier does."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from scaffold.errors import ScaffoldError
from scaffold.questions import Question, load_questions, parse_question, to_bool
from scaffold.source import questions_file

REPO_ABSPATH = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def questions() -> dict[str, Question]:
    """The real questions, by name."""
    return {q.name: q for q in load_questions(questions_file())}


def test_every_question_loads_in_declaration_order(questions: dict[str, Question]) -> None:
    declared = yaml.safe_load((REPO_ABSPATH / "copier.yml").read_text())
    assert list(questions) == [key for key in declared if not key.startswith("_")]
    # Issue 2: the target is asked first, then the framework.
    assert list(questions)[:2] == ["target", "framework"]


def test_dict_choices_keep_labels_values_and_choice_validators(
    questions: dict[str, Question],
) -> None:
    database = questions["database"]
    assert [spec.value for spec in database.choices] == ["postgresql", "sqlite", "none"]
    assert database.choices[0].label.startswith("PostgreSQL")
    assert "ml-serving" in database.choices[2].validator


def test_list_choices_use_the_value_as_label(questions: dict[str, Question]) -> None:
    python = questions["python_version"]
    assert [(c.label, c.value) for c in python.choices] == [
        ("3.11", "3.11"),
        ("3.12", "3.12"),
        ("3.13", "3.13"),
    ]


RECOMMENDATIONS = {"crud": "fastapi", "ml-serving": "fastapi", "full-stack": "flask"}


@pytest.mark.parametrize(
    ("target", "framework"), RECOMMENDATIONS.items(), ids=[f"target:{t}" for t in RECOMMENDATIONS]
)
def test_framework_help_and_default_follow_the_target(
    questions: dict[str, Question], target: str, framework: str
) -> None:
    question = questions["framework"]
    help_text = question.help_text({"target": target})
    assert help_text.startswith("Which framework? Recommended: ")
    assert f"Recommended: {framework}, because " in help_text
    assert "\n" not in help_text
    assert question.default_value({"target": target}) == framework


@pytest.mark.parametrize(
    ("target", "disabled"),
    [("crud", True), ("full-stack", True), ("ml-serving", False)],
    ids=["target:crud", "target:full-stack", "target:ml-serving"],
)
def test_choice_validator_disables_no_database_outside_ml_serving(
    questions: dict[str, Question], target: str, disabled: bool
) -> None:
    choices = {c.value: c for c in questions["database"].rendered_choices({"target": target})}
    assert bool(choices["none"].disabled) is disabled
    assert not choices["postgresql"].disabled


def test_validators_use_copiers_ansible_filters(questions: dict[str, Question]) -> None:
    """regex_search comes from jinja2_ansible_filters, which copier enables by default."""
    question = questions["project_name"]
    assert question.parse("svc", {}) == "svc"
    with pytest.raises(ValueError, match="must start with a letter"):
        question.parse("-svc", {})


def test_validator_sees_the_answers_so_far(questions: dict[str, Question]) -> None:
    slug = questions["project_slug"]
    assert slug.default_value({"project_name": "My-Api"}) == "my_api"
    with pytest.raises(ValueError, match="is a Python keyword"):
        slug.parse("while", {"project_name": "x"})


def test_shorthand_question_infers_its_type() -> None:
    question = parse_question("workers", 4)
    assert (question.type, question.default, question.has_default) == ("int", 4, True)
    assert question.parse("8", {}) == 8
    with pytest.raises(ValueError, match="expected a int value"):
        question.parse("many", {})


def test_pair_list_choices_and_bool_questions() -> None:
    question = parse_question("mode", {"choices": [["Fast", "fast"], ["Safe", "safe"]]})
    assert [(c.label, c.value) for c in question.choices] == [("Fast", "fast"), ("Safe", "safe")]
    flag = parse_question(
        "redis", {"type": "bool", "default": False, "when": "{{ mode == 'fast' }}"}
    )
    assert flag.parse("yes", {}) is True
    assert flag.is_asked({"mode": "fast"}) and not flag.is_asked({"mode": "safe"})


@pytest.mark.parametrize("setting", ["multiselect", "secret", "frobnicate"])
def test_unsupported_settings_fail_loudly(setting: str) -> None:
    with pytest.raises(ScaffoldError, match=setting):
        parse_question("q", {"type": "str", setting: True, "default": "x"})


def test_unknown_type_fails_loudly() -> None:
    with pytest.raises(ScaffoldError, match="unknown type 'text'"):
        parse_question("q", {"type": "text"})


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("yes", True), ("off", False), ("0", False), ("2", True), ("", False), (True, True)],
)
def test_to_bool_matches_copier(raw: object, expected: bool) -> None:
    assert to_bool(raw) is expected
