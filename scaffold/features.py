"""`scaffold add` / `scaffold remove`: turn a yes/no option of an existing project on or off.

A feature is a yes/no question of copier.yml that applies to the project. The change is previewed
on a throwaway clone of the project (the same update pipeline, so the preview is the real diff),
then applied through `run_update` on the project's clean tree.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from scaffold.errors import InvalidAnswerError
from scaffold.git import run_git
from scaffold.questions import Question, load_questions
from scaffold.source import TemplateSource
from scaffold.upgrade import Project, UpdateResult, load_project, require_clean_git, run_update

SETTING = re.compile(r"^\+([A-Z][A-Z0-9_]*)=", re.MULTILINE)


@dataclass(frozen=True)
class Feature:
    """A yes/no option of copier.yml, and whether this project has it on."""

    question: Question
    on: bool

    @property
    def name(self) -> str:
        """The name users type: `rate-limit` for the rate_limit question."""
        return self.question.name.replace("_", "-")

    @property
    def summary(self) -> str:
        """The question's help, without Jinja."""
        return self.question.help.split("{")[0].strip()


def project_features(project: Project, questions: Sequence[Question]) -> list[Feature]:
    """Every yes/no option that applies to the project once it is on."""
    answers = {
        q.name: project.answers.get(q.name, q.default_value(project.answers)) for q in questions
    }
    return [
        Feature(question, bool(answers.get(question.name)))
        for question in questions
        if question.type == "bool" and question.is_asked({**answers, question.name: True})
    ]


def find_feature(project: Project, questions: Sequence[Question], name: str) -> Feature:
    """The feature named `name` (dashes or underscores), or a one-line error that lists them."""
    wanted = name.replace("-", "_")
    features = project_features(project, questions)
    for feature in features:
        if feature.question.name == wanted:
            return feature
    known = [q for q in questions if q.type == "bool" and q.name == wanted]
    if known:
        where = str(known[0].when).replace("{{", "").replace("}}", "").strip()
        raise InvalidAnswerError(f"{name} does not apply to this project: it needs {where}")
    names = ", ".join(feature.name for feature in features) or "none"
    raise InvalidAnswerError(f"unknown feature {name!r} (this project has: {names})")


@dataclass(frozen=True)
class Preview:
    """What switching a feature would change, seen on a throwaway clone."""

    status: tuple[str, ...]
    stat: str
    follow_ups: tuple[str, ...]


def preview_switch(path: Path, feature: Feature, value: bool, source: TemplateSource) -> Preview:
    """Apply the switch to a clone of the project and report the diff; the project is untouched."""
    project = load_project(path)
    require_clean_git(project)
    with tempfile.TemporaryDirectory(prefix="scaffold-preview-") as tmp:
        clone = Path(tmp) / project.abspath.name
        run_git(
            "clone", "--quiet", "--no-hardlinks", str(project.abspath), str(clone), cwd=Path(tmp)
        )
        result = run_update(clone, [f"{feature.question.name}={str(value).lower()}"], source=source)
        run_git("add", "--all", cwd=clone)
        stat = run_git("diff", "--cached", "--stat", "HEAD", cwd=clone)
        diff = run_git("diff", "--cached", "HEAD", cwd=clone)
        added = compose_services(clone) - compose_services(project.abspath)
        return Preview(result.changed, stat, follow_ups(project, diff, result, added))


def compose_services(project_abspath: Path) -> set[str]:
    """The service names of a project's compose.yaml (none without one)."""
    compose = project_abspath / "compose.yaml"
    if not compose.is_file():
        return set()
    data = yaml.safe_load(compose.read_text(encoding="utf-8")) or {}
    return set((data.get("services") or {}).keys())


def follow_ups(
    project: Project, diff: str, result: UpdateResult, services: set[str]
) -> tuple[str, ...]:
    """What the user runs or configures after the switch, read from the diff."""
    steps = []
    slug = str(project.answers.get("project_slug", ""))
    changed = " ".join(result.changed)
    if "migrations/versions/" in changed:
        upgrade = (
            "uv run alembic upgrade head"
            if project.answers.get("framework") == "fastapi"
            else f"uv run flask --app {slug} db upgrade"
        )
        steps.append(f"apply the new migration: {upgrade}")
    if "pyproject.toml" in changed:
        steps.append("dependencies changed (uv.lock was refreshed): uv sync --locked")
    settings = sorted(set(SETTING.findall(diff)))
    if settings:
        steps.append(
            f"new settings in .env.example: {', '.join(settings)} (set them where it runs)"
        )
    if services:
        names = ", ".join(sorted(services))
        steps.append(f"new compose service(s): {names} (docker compose up -d {names})")
    steps.append("review with `git diff`, run the tests, then commit")
    return tuple(steps)


def switch(path: Path, feature: Feature, value: bool, source: TemplateSource) -> UpdateResult:
    """Turn the feature on or off in the project itself (clean tree required)."""
    return run_update(path, [f"{feature.question.name}={str(value).lower()}"], source=source)


def load_features(path: Path, source: TemplateSource) -> tuple[Project, list[Feature]]:
    """The project and its features, with this scaffold's questions."""
    project = load_project(path)
    return project, project_features(project, load_questions(source.copier_yml_abspath))
