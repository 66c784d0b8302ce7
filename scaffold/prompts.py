"""The interactive wizard: the only module that imports questionary.

Questions come from copier.yml, numbered "N/M" where M counts only the questions that still apply.
Before the framework question the advisor (scaffold.advisor) can recommend one from a few yes/no
questions; its answers stay here and never reach copier. Before anything is written the wizard
shows every answer and lets the user go back to one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import questionary

from scaffold.advisor import QUESTIONS as ADVISOR_QUESTIONS
from scaffold.advisor import Framework, Numbers, advise, common_ground
from scaffold.questions import Question
from scaffold.terminal import wrap

FRAMEWORK_QUESTION = "framework"
CREATE = "__create__"


class Wizard:
    """An Asker (see scaffold.answers) for a terminal, with numbering and the advisor."""

    def __init__(
        self,
        questions: Sequence[Question],
        *,
        given: Sequence[str],
        defaults: Mapping[str, Any],
        numbers: Numbers | None,
    ) -> None:
        self.questions = tuple(questions)
        self.given = frozenset(given)
        self.defaults = dict(defaults)
        self.numbers = numbers
        self.number = 0

    def remaining(self, question: Question, context: Mapping[str, Any]) -> int:
        """This question and the later ones that apply to the answers so far (defaults after)."""
        later = self.questions[self.questions.index(question) :]
        seen = dict(context)
        count = 0
        for item in later:
            if item.name in self.given:
                continue
            if item.is_asked(seen):
                count += 1
            seen.setdefault(item.name, self.default_for(item, seen))
        return count

    def default_for(self, question: Question, context: Mapping[str, Any]) -> Any:
        """The default shown: scaffold's (e.g. from git config), else copier.yml's."""
        if question.name in self.defaults:
            return self.defaults[question.name]
        return question.default_value(context)

    def __call__(self, question: Question, context: Mapping[str, Any]) -> Any:
        """Ask one question; Ctrl-C raises KeyboardInterrupt, never a half answer."""
        total = self.number + self.remaining(question, context)
        self.number += 1
        prefix = f"({self.number}/{total}) "
        default = self.default_for(question, context)
        message = question.help_text(context) or question.name
        if question.name == FRAMEWORK_QUESTION:
            advised = self.offer_advisor(default)
            if advised is not None:
                default = advised
                message = f"Which framework? Recommended for your answers: {advised}"
        message = wrap(prefix + message).replace("\n", "\n  ")
        answer: Any
        if question.choices:
            answer = ask_choice(question, message, default, context)
        elif question.type == "bool":
            answer = questionary.confirm(message, default=bool(default)).unsafe_ask()
        else:

            def validate(text: str) -> bool | str:
                try:
                    question.parse(text, context)
                except ValueError as err:
                    return wrap(str(err))
                return True

            answer = questionary.text(
                message, default="" if default is None else str(default), validate=validate
            ).unsafe_ask()
        # The prompt already validated it; parse again to return the typed value.
        return question.parse(answer, context)

    def offer_advisor(self, recommended: Framework) -> Framework | None:
        """Help choose the framework: a few yes/no questions, a recommendation with reasons."""
        wanted = questionary.confirm(
            wrap(f"Help me choose the framework ({len(ADVISOR_QUESTIONS)} yes/no questions)?"),
            default=False,
        ).unsafe_ask()
        if not wanted:
            return None
        answers = {
            item.key: bool(questionary.confirm(wrap(item.text), default=False).unsafe_ask())
            for item in ADVISOR_QUESTIONS
        }
        advice = advise(answers, recommended, self.numbers)
        lines = [f"Recommended: {advice.framework}"]
        lines += [f"- {reason}" for reason in advice.reasons]
        lines.append(common_ground(self.numbers))
        print("\n".join(wrap(line, indent="  ") for line in lines))
        return advice.framework

    def review(self, questions: Sequence[Question], answers: Mapping[str, Any]) -> str | None:
        """Show every answer; return None to create the project, or the question to change."""
        labels = {q.name: q.help.split("{")[0].strip().rstrip("?") or q.name for q in questions}
        named = [q.name for q in questions if q.name in answers]
        widest = max(len(labels[name]) for name in named)
        print("\nYour answers:")
        for name in named:
            print(wrap(f"{labels[name]:<{widest}}  {answers[name]}", indent="  "))
        choice = questionary.select(
            "Create the project with these answers?",
            choices=[
                questionary.Choice("Yes, create it", value=CREATE),
                *(
                    questionary.Choice(f"Change: {labels[name]} ({answers[name]})", value=name)
                    for name in named
                ),
            ],
            default=CREATE,
        ).unsafe_ask()
        self.number = 0
        return None if choice == CREATE else str(choice)


def ask_choice(question: Question, message: str, default: Any, context: Mapping[str, Any]) -> Any:
    """An arrow-key menu; a choice a validator disables is marked, its reason printed whole."""
    choices = question.rendered_choices(context)
    enabled = [choice.value for choice in choices if not choice.disabled]
    start = default if default in enabled else (enabled[0] if enabled else None)
    for choice in (c for c in choices if c.disabled):
        # A menu line is cut at the terminal's edge: the reason goes above it, wrapped.
        print(wrap(f"{choice.label}: unavailable, {choice.disabled}", indent="  "))
    return questionary.select(
        message,
        choices=[
            questionary.Choice(
                title=c.label, value=c.value, disabled="unavailable" if c.disabled else None
            )
            for c in choices
        ],
        default=start,
    ).unsafe_ask()


def confirm(message: str, *, default: bool = False) -> bool:
    """A yes/no question; Ctrl-C raises KeyboardInterrupt."""
    return bool(questionary.confirm(wrap(message), default=default).unsafe_ask())
