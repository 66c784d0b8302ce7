"""The questions declared in the root copier.yml, typed, and rendered with copier's Jinja setup."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal, cast, get_args

import yaml
from jinja2 import TemplateError
from jinja2.sandbox import SandboxedEnvironment

from scaffold.errors import ScaffoldError

QuestionType = Literal["str", "int", "float", "bool", "json", "yaml", "path"]
# Question settings scaffold cannot honour yet; using one must fail loudly, not be ignored.
UNSUPPORTED_SETTINGS = frozenset({"multiselect", "secret", "ask", "multiline", "placeholder"})
KNOWN_SETTINGS = frozenset({"type", "help", "choices", "default", "when", "validator", "qmark"})
TRUE_WORDS = frozenset({"y", "yes", "t", "true", "on"})
FALSE_WORDS = frozenset({"n", "no", "f", "false", "off", "~", "null", "none", ""})


@cache
def jinja_env() -> SandboxedEnvironment:
    """The sandboxed environment copier renders copier.yml with (Ansible filters on by default)."""
    return SandboxedEnvironment(extensions=["jinja2_ansible_filters.AnsibleCoreFiltersExtension"])


def render_value(value: Any, context: Mapping[str, Any]) -> Any:
    """Render a templated string (or list of them) the way copier does; other values pass."""
    if isinstance(value, list):
        return [render_value(item, context) for item in value]
    if not isinstance(value, str):
        return value
    try:
        return jinja_env().from_string(value).render(**context)
    except TemplateError as err:
        raise ScaffoldError(f"copier.yml template {value!r} failed: {err}") from err


def to_bool(value: Any) -> bool:
    """copier's truthiness for `when:` and bool answers: numbers, then YAML words, then bool()."""
    try:
        return bool(float(value))
    except (TypeError, ValueError):
        pass
    if isinstance(value, str):
        word = value.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ValueError(f"{value!r} is not a yes/no value")
    return bool(value)


@dataclass(frozen=True)
class ChoiceSpec:
    """One declared choice: the label shown, its value, and a validator that can disable it."""

    label: str
    value: Any
    validator: str = ""


@dataclass(frozen=True)
class RenderedChoice:
    """A choice for one set of answers; `disabled` holds the reason it cannot be picked."""

    label: str
    value: Any
    disabled: str = ""


@dataclass(frozen=True)
class Question:
    """One question from copier.yml, with its Jinja still unrendered."""

    name: str
    type: QuestionType = "str"
    help: str = ""
    choices: tuple[ChoiceSpec, ...] = ()
    default: Any = None
    has_default: bool = False
    when: str | bool = True
    validator: str = ""

    @property
    def flag(self) -> str:
        """The command-line option that answers this question."""
        return "--" + self.name.replace("_", "-")

    def help_text(self, context: Mapping[str, Any]) -> str:
        """The help line, rendered for the answers so far."""
        return str(render_value(self.help, context)).strip()

    def is_asked(self, context: Mapping[str, Any]) -> bool:
        """Whether `when:` keeps this question for the answers so far."""
        return to_bool(render_value(self.when, context))

    def rendered_choices(self, context: Mapping[str, Any]) -> tuple[RenderedChoice, ...]:
        """The choices with values cast and per-choice validators rendered."""
        return tuple(
            RenderedChoice(
                label=str(render_value(spec.label, context)),
                value=self.cast(render_value(spec.value, context)),
                disabled=str(render_value(spec.validator, context)).strip(),
            )
            for spec in self.choices
        )

    def default_value(self, context: Mapping[str, Any]) -> Any:
        """The default for the answers so far, cast to the question's type (None if none)."""
        if not self.has_default:
            return None
        return self.cast(render_value(self.default, context))

    def cast(self, raw: Any) -> Any:
        """Convert a flag, prompt or default value to the question's type, or raise ValueError."""
        if self.type == "bool":
            return to_bool(raw)
        if self.type == "int":
            return int(raw)
        if self.type == "float":
            return float(raw)
        if self.type in {"json", "yaml"} and isinstance(raw, str):
            try:
                return json.loads(raw) if self.type == "json" else yaml.safe_load(raw)
            except (ValueError, yaml.YAMLError) as err:
                raise ValueError(f"not valid {self.type}") from err
        return raw if self.type in {"json", "yaml"} else str(raw)

    def parse(self, raw: Any, context: Mapping[str, Any]) -> Any:
        """Cast and check an answer against the choices and validator; ValueError says why not."""
        try:
            value = self.cast(raw)
        except ValueError as err:
            raise ValueError(f"expected a {self.type} value") from err
        if self.choices:
            choices = self.rendered_choices(context)
            match = next((choice for choice in choices if choice.value == value), None)
            if match is None:
                allowed = ", ".join(str(c.value) for c in choices if not c.disabled)
                raise ValueError(f"choose from {allowed}")
            if match.disabled:
                raise ValueError(match.disabled)
        message = str(render_value(self.validator, {**context, self.name: value})).strip()
        if message:
            raise ValueError(message)
        return value


def parse_choices(name: str, raw: Any) -> tuple[ChoiceSpec, ...]:
    """copier's choice forms: a list of values or pairs, or a mapping label -> value or dict."""
    items: list[tuple[Any, Any]]
    if isinstance(raw, Mapping):
        items = list(raw.items())
    elif isinstance(raw, list):
        items = [(item[0], item[1]) if isinstance(item, list) else (item, item) for item in raw]
    else:
        raise ScaffoldError(f"copier.yml question {name!r}: choices must be a list or a mapping")
    specs = []
    for label, value in items:
        if isinstance(value, Mapping):
            if "value" not in value:
                raise ScaffoldError(f"copier.yml question {name!r}: choice {label!r} has no value")
            specs.append(ChoiceSpec(str(label), value["value"], str(value.get("validator", ""))))
        else:
            specs.append(ChoiceSpec(str(label), value))
    return tuple(specs)


def parse_question(name: str, settings: Any) -> Question:
    """One copier.yml entry (full form or the `name: default` shorthand) as a Question."""
    if not isinstance(settings, Mapping):
        settings = {"default": settings}
    unsupported = sorted(set(settings) & UNSUPPORTED_SETTINGS)
    unknown = sorted(set(settings) - KNOWN_SETTINGS - UNSUPPORTED_SETTINGS)
    if unsupported or unknown:
        raise ScaffoldError(
            f"copier.yml question {name!r} uses {', '.join(unsupported + unknown)},"
            " which scaffold does not support yet"
        )
    default = settings.get("default")
    question_type = settings.get("type") or _infer_type(default)
    if question_type not in get_args(QuestionType):
        raise ScaffoldError(f"copier.yml question {name!r} has unknown type {question_type!r}")
    return Question(
        name=name,
        type=cast(QuestionType, question_type),
        help=str(settings.get("help", "")),
        choices=parse_choices(name, settings["choices"]) if "choices" in settings else (),
        default=default,
        has_default="default" in settings,
        when=settings.get("when", True),
        validator=str(settings.get("validator", "")),
    )


def _infer_type(default: Any) -> str:
    """copier's rule: the default's Python type names the question type, else yaml."""
    name = type(default).__name__
    return name if name in {"str", "int", "float", "bool"} else "yaml"


def load_questions(copier_yml_abspath: Path) -> tuple[Question, ...]:
    """Every question in copier.yml, in declaration order (settings starting with `_` skipped)."""
    try:
        data = yaml.safe_load(copier_yml_abspath.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise ScaffoldError(
            f"{copier_yml_abspath} cannot be read: {' '.join(str(err).split())}"
        ) from err
    if not isinstance(data, Mapping):
        raise ScaffoldError(f"{copier_yml_abspath} is not a mapping of questions")
    return tuple(
        parse_question(str(name), settings)
        for name, settings in data.items()
        if not str(name).startswith("_")
    )
