"""The interactive wizard: the only module that imports questionary."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import questionary

from scaffold.questions import Question


def ask_question(question: Question, context: Mapping[str, Any]) -> Any:
    """Ask one question in the terminal; Ctrl-C raises KeyboardInterrupt, never a half answer."""
    message = question.help_text(context) or question.name
    default = question.default_value(context)
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
                return str(err)
            return True

        answer = questionary.text(
            message, default="" if default is None else str(default), validate=validate
        ).unsafe_ask()
    # The prompt already validated it; parse again to return the typed value.
    return question.parse(answer, context)


def ask_choice(question: Question, message: str, default: Any, context: Mapping[str, Any]) -> Any:
    """An arrow-key menu; choices a validator disables are shown with their reason."""
    choices = question.rendered_choices(context)
    enabled = [choice.value for choice in choices if not choice.disabled]
    start = default if default in enabled else (enabled[0] if enabled else None)
    return questionary.select(
        message,
        choices=[
            questionary.Choice(title=c.label, value=c.value, disabled=c.disabled or None)
            for c in choices
        ],
        default=start,
    ).unsafe_ask()


def confirm(message: str, *, default: bool = False) -> bool:
    """A yes/no question; Ctrl-C raises KeyboardInterrupt."""
    return bool(questionary.confirm(message, default=default).unsafe_ask())
