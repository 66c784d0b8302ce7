"""Resolve and validate every answer in copier's order: explicit values, then wizard or defaults."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scaffold.errors import InvalidAnswerError
from scaffold.questions import Question

# The question answered by the NAME argument rather than a flag.
NAME_QUESTION = "project_name"
SLUG_QUESTION = "project_slug"
# Asks one question given the answers so far; returns an answer that passed `Question.parse`.
Asker = Callable[[Question, Mapping[str, Any]], Any]


@dataclass(frozen=True)
class Answers(Mapping[str, Any]):
    """The validated answers for one project, in copier.yml order: what copier gets as `data=`."""

    by_name: Mapping[str, Any] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        return self.by_name[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.by_name)

    def __len__(self) -> int:
        return len(self.by_name)

    @property
    def project_name(self) -> str:
        """The project's (and its folder's) name."""
        return str(self.by_name[NAME_QUESTION])

    def as_data(self) -> dict[str, Any]:
        """A plain dict for copier's `data=`."""
        return dict(self.by_name)


def label(question: Question) -> str:
    """How the user gave (or can give) this answer: the NAME argument or the question's flag."""
    return "NAME" if question.name == NAME_QUESTION else question.flag


def check_project_name(name: str, questions: Sequence[Question]) -> None:
    """Refuse, before anything is asked, a NAME that copier.yml's validators would refuse.

    The rules live in copier.yml alone: the name's own validator, then the package name's on
    the default it derives from the name.
    """
    context: dict[str, Any] = {"_folder_name": name, NAME_QUESTION: name}
    for question in questions:
        if question.name not in {NAME_QUESTION, SLUG_QUESTION}:
            continue
        value = name if question.name == NAME_QUESTION else question.default_value(context)
        try:
            question.parse(value, context)
        except ValueError as err:
            raise InvalidAnswerError(f"invalid project name {name!r}: {err}") from err
        context[question.name] = value


def resolve_answers(
    questions: Sequence[Question],
    *,
    project_name: str,
    explicit: Mapping[str, Any],
    ask: Asker | None = None,
    defaults: Mapping[str, Any] | None = None,
) -> Answers:
    """Validate explicit answers, then ask or default the rest; each sees the answers before it.

    `defaults` replaces copier.yml's default of a question (e.g. the author from git config).
    """
    known = {question.name for question in questions}
    unknown = sorted(set(explicit) - known)
    if unknown:
        raise InvalidAnswerError(
            f"unknown question {unknown[0]!r} (known: {', '.join(sorted(known))})"
        )
    explicit = {**explicit, NAME_QUESTION: project_name}
    # Like copier's ChainMap, explicit answers are visible to every question's Jinja from the start.
    context: dict[str, Any] = {"_folder_name": project_name}
    context |= {q.name: try_cast(q, explicit[q.name]) for q in questions if q.name in explicit}
    values: dict[str, Any] = {}
    for question in questions:
        if question.name not in explicit and not question.is_asked(context):
            # copier computes and hides skipped answers itself; later questions may still use them.
            context[question.name] = question.default_value(context)
            continue
        value = resolve_one(question, context, explicit, ask, defaults or {})
        values[question.name] = context[question.name] = value
    return Answers(values)


def inapplicable(
    questions: Sequence[Question], answers: Mapping[str, Any], given: Sequence[str]
) -> list[Question]:
    """Questions answered by a flag that copier.yml's `when:` skips for these answers."""
    context: dict[str, Any] = {}
    for question in questions:
        context[question.name] = answers.get(question.name, question.default_value(context))
    return [q for q in questions if q.name in given and not q.is_asked(context)]


def try_cast(question: Question, raw: Any) -> Any:
    """The typed value for Jinja (so "no" is falsy); a bad one is reported when its turn comes."""
    try:
        return question.cast(raw)
    except ValueError:
        return raw


def resolve_one(
    question: Question,
    context: Mapping[str, Any],
    explicit: Mapping[str, Any],
    ask: Asker | None,
    defaults: Mapping[str, Any],
) -> Any:
    """One answer: the explicit value if given, else the wizard's, else the validated default."""
    if question.name in explicit:
        raw = explicit[question.name]
        try:
            return question.parse(raw, context)
        except ValueError as err:
            raise InvalidAnswerError(
                f"invalid value for {label(question)}: {raw!r} ({err})"
            ) from err
    if ask is not None:
        return ask(question, context)
    if not question.has_default:
        raise InvalidAnswerError(f"{label(question)} is required: it has no default")
    default = defaults.get(question.name, question.default_value(context))
    try:
        return question.parse(default, context)
    except ValueError as err:
        raise InvalidAnswerError(
            f"invalid default for {label(question)}: {default!r} ({err}); pass {label(question)}"
        ) from err


def pending_questions(questions: Sequence[Question], explicit: Mapping[str, Any]) -> list[str]:
    """Questions no flag or NAME answers that `when:` keeps (those the wizard would ask)."""
    return [
        q.name
        for q in questions
        if q.name not in explicit and q.name != NAME_QUESTION and q.is_asked(explicit)
    ]
