"""Answer resolution: explicit values first, then the wizard or defaults, each one validated."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from scaffold.answers import check_project_name, resolve_answers
from scaffold.errors import InvalidAnswerError
from scaffold.questions import Question, load_questions, parse_question
from scaffold.source import questions_file


@pytest.fixture(scope="module")
def questions() -> tuple[Question, ...]:
    """The real questions from copier.yml."""
    return load_questions(questions_file())


@pytest.mark.parametrize(
    ("target", "framework"),
    [("crud", "fastapi"), ("ml-serving", "fastapi"), ("full-stack", "flask")],
    ids=["target:crud", "target:ml-serving", "target:full-stack"],
)
def test_defaults_per_target(questions: tuple[Question, ...], target: str, framework: str) -> None:
    answers = resolve_answers(questions, project_name="svc", explicit={"target": target})
    assert answers["framework"] == framework
    assert answers["database"] == "postgresql"
    assert answers.project_name == "svc"


def test_ml_serving_may_run_without_a_database(questions: tuple[Question, ...]) -> None:
    explicit = {"target": "ml-serving", "database": "none"}
    answers = resolve_answers(questions, project_name="svc", explicit=explicit)
    assert answers["database"] == "none"


def test_explicit_answers_feed_later_defaults(questions: tuple[Question, ...]) -> None:
    explicit = {"framework": "flask", "target": "full-stack"}
    answers = resolve_answers(questions, project_name="shop", explicit=explicit)
    assert answers["description"] == "shop: a server-rendered web app built with Flask"


def test_answers_are_in_copier_yml_order(questions: tuple[Question, ...]) -> None:
    answers = resolve_answers(questions, project_name="svc", explicit={})
    # Questions whose `when:` is false (admin, outside full-stack Flask) are not answered.
    assert list(answers) == [q.name for q in questions if q.name in answers]
    assert "admin" not in answers
    assert answers.as_data() == dict(answers)


def test_wizard_asks_target_first_and_skips_what_flags_answered(
    questions: tuple[Question, ...],
) -> None:
    asked: list[tuple[str, str]] = []

    def ask(question: Question, context: Mapping[str, Any]) -> Any:
        asked.append((question.name, question.help_text(context)))
        return "full-stack" if question.name == "target" else question.default_value(context)

    explicit = {"author_name": "Grace"}
    answers = resolve_answers(questions, project_name="svc", explicit=explicit, ask=ask)
    names = [name for name, _ in asked]
    assert names[:3] == ["target", "framework", "database"]
    assert "author_name" not in names and "project_name" not in names
    # The framework question saw the target answered just before it.
    assert "Recommended: flask" in dict(asked)["framework"]
    assert answers["framework"] == "flask"
    assert answers["author_name"] == "Grace"


def test_unknown_question_is_refused(questions: tuple[Question, ...]) -> None:
    with pytest.raises(InvalidAnswerError, match="unknown question 'colour'"):
        resolve_answers(questions, project_name="svc", explicit={"colour": "red"})


def test_when_false_skips_the_question() -> None:
    questions = (
        parse_question("mode", {"choices": ["fast", "safe"], "default": "safe"}),
        parse_question("redis", {"type": "bool", "default": True, "when": "{{ mode == 'fast' }}"}),
        parse_question("note", {"default": "{{ 'cache' if redis else 'plain' }}"}),
    )
    answers = resolve_answers(questions, project_name="svc", explicit={})
    assert "redis" not in answers
    assert answers["note"] == "cache"


def test_question_without_default_needs_a_value() -> None:
    questions = (parse_question("token", {"type": "str"}),)
    with pytest.raises(InvalidAnswerError, match="--token is required"):
        resolve_answers(questions, project_name="svc", explicit={})


def test_invalid_default_names_the_flag_to_pass() -> None:
    validator = "{% if size < 10 %}size must be at least 10{% endif %}"
    questions = (parse_question("size", {"type": "int", "default": 1, "validator": validator}),)
    with pytest.raises(InvalidAnswerError, match=r"invalid default for --size: 1 .*pass --size"):
        resolve_answers(questions, project_name="svc", explicit={})


@pytest.mark.parametrize("name", ["svc", "my-api", "My_Api2", "a"], ids=lambda name: f"name:{name}")
def test_valid_project_names(questions: tuple[Question, ...], name: str) -> None:
    check_project_name(name, questions)


BAD_NAMES = {
    "name:empty": ("", "the project name is empty"),
    "name:blank": ("  ", "the project name is empty"),
    "name:space": ("my app", "spaces"),
    "name:tab": ("tab\tname", "spaces"),
    "name:leading-digit": ("9lives", "digit"),
    "name:parent-path": ("../x", "not a path"),
    "name:nested-path": ("x/y", "not a path"),
    "name:dotdot": ("..", "not a path"),
    "name:backslash": ("a\\b", "not a path"),
    "name:keyword": ("for", "Python keyword"),
    "name:soft-keyword": ("match", "Python keyword"),
    "name:keyword-after-slug": ("Yield", "package name 'yield' is a Python keyword"),
}


@pytest.mark.parametrize(("name", "reason"), BAD_NAMES.values(), ids=BAD_NAMES.keys())
def test_invalid_project_names(questions: tuple[Question, ...], name: str, reason: str) -> None:
    with pytest.raises(InvalidAnswerError) as raised:
        check_project_name(name, questions)
    assert str(raised.value).startswith(f"invalid project name {name!r}: ")
    assert reason in str(raised.value)


def test_explicit_values_reach_jinja_typed() -> None:
    """A `--no-redis`-style "no" must be falsy in later templates, as it is for copier."""
    questions = (
        parse_question("redis", {"type": "bool", "default": True}),
        parse_question("cache", {"default": "{{ 'redis' if redis else 'memory' }}"}),
    )
    answers = resolve_answers(questions, project_name="svc", explicit={"redis": "no"})
    assert answers["redis"] is False
    assert answers["cache"] == "memory"


def test_explicit_value_for_a_skipped_question_is_still_validated() -> None:
    """copier validates and hides a `--data` answer whose `when:` is false; so do we."""
    questions = (
        parse_question("mode", {"choices": ["fast", "safe"], "default": "safe"}),
        parse_question("workers", {"type": "int", "default": 2, "when": "{{ mode == 'fast' }}"}),
    )
    answers = resolve_answers(questions, project_name="svc", explicit={"workers": "4"})
    assert answers["workers"] == 4
    with pytest.raises(InvalidAnswerError, match="invalid value for --workers: 'many'"):
        resolve_answers(questions, project_name="svc", explicit={"workers": "many"})
