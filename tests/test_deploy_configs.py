"""Every rendered project's deploy files pass the validators their ecosystems use."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from bake import TARGETS, Variant, as_argv, compose_services, dockerfile_cmd, render, run

pytestmark = pytest.mark.smoke
# The newest Kubernetes the installed kubernetes-validate ships schemas for (see pyproject floor).
KUBERNETES_VERSION = "1.37.0"
# One PostgreSQL render per framework and target, SQLite, no database, and Redis.
CASES = (
    *((Variant(fw, t, "postgresql"), False) for fw in ("fastapi", "flask") for t in TARGETS),
    *((Variant(fw, "crud", "sqlite"), False) for fw in ("fastapi", "flask")),
    *((Variant(fw, "ml-serving", "none"), False) for fw in ("fastapi", "flask")),
    *((Variant(fw, "crud", "postgresql"), True) for fw in ("fastapi", "flask")),
)
SECRET_NAMES = re.compile(r"SECRET|PASSWORD|TOKEN|DATABASE_URL|REDIS_URL", re.IGNORECASE)


def tool(name: str) -> str:
    """A validator installed beside this interpreter (scaffold's dev extras), else on PATH."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    assert found, f"{name} is not installed: pip install -e '.[dev]'"
    return found


def case_id(case: tuple[Variant, bool]) -> str:
    """Test id: the variant, plus `-redis` when Redis is on."""
    variant, redis = case
    return variant.id + ("-redis" if redis else "")


@pytest.fixture(scope="module", params=CASES, ids=case_id)
def project(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One rendered project (rendering is cheap; nothing is installed)."""
    variant, redis = request.param
    out = tmp_path_factory.mktemp("deploy")
    return render(variant, out, "svc", "--redis" if redis else "--no-redis")


def answers(project: Path) -> dict[str, Any]:
    """The answers the project was rendered with."""
    data = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert isinstance(data, dict)
    return data


def k8s_documents(project: Path) -> dict[str, dict[str, Any]]:
    """Every manifest under deploy/k8s, keyed by kind."""
    docs: dict[str, dict[str, Any]] = {}
    for path in sorted((project / "deploy" / "k8s").glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            assert doc["kind"] not in docs, f"two {doc['kind']} manifests"
            docs[doc["kind"]] = doc
    return docs


def test_dockerfile_passes_hadolint(project: Path) -> None:
    """hadolint reports nothing at all, not even info-level findings."""
    proc = run(
        [tool("hadolint"), "--no-color", "--failure-threshold", "info", "Dockerfile"],
        cwd=project,
        check=False,
    )
    assert (proc.returncode, proc.stdout + proc.stderr) == (0, "")


def test_dockerfile_shape(project: Path) -> None:
    """Multi-stage from a slim base, uv, numeric non-root USER, HEALTHCHECK, nothing secret."""
    text = (project / "Dockerfile").read_text()
    froms = re.findall(r"^FROM (\S+)", text, re.MULTILINE)
    assert len(froms) >= 2, "not multi-stage"
    assert all(base.endswith("-slim") or base.endswith("-slim AS") for base in froms), froms
    assert "astral-sh/uv" in text
    users = re.findall(r"^USER (\S+)", text, re.MULTILINE)
    assert users, "no USER"
    assert re.fullmatch(r"[1-9]\d*(:\d+)?", users[-1]), f"USER {users[-1]} is not numeric non-root"
    assert re.search(r"^HEALTHCHECK .*\n?.*CMD", text, re.MULTILINE)
    env_and_args = re.findall(r"^(?:ENV|ARG)\b.*(?:\n .*)*", text, re.MULTILINE)
    assert not [
        ln for ln in env_and_args if SECRET_NAMES.search(ln.replace("DATABASE_URL=sqlite", ""))
    ]
    ignored = (project / ".dockerignore").read_text().split()
    assert {".git", ".venv", ".env"} <= set(ignored)


def test_compose_matches_the_spec_and_the_image(project: Path) -> None:
    """compose.yaml validates against the compose-spec schema; app runs the Dockerfile CMD."""
    run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", "compose.yaml"],
        cwd=project,
    )
    services: dict[str, Any] = compose_services(project)
    assert as_argv(services["app"]["command"]) == dockerfile_cmd(project)
    if answers(project)["database"] != "none":
        assert services["migrate"]["restart"] == "no"
    if answers(project)["database"] == "postgresql":
        db = services["db"]
        assert db["healthcheck"]["test"], "postgres has no healthcheck"
        assert any(str(v).endswith(":/var/lib/postgresql/data") for v in db["volumes"])
    redis = answers(project).get("redis", False)
    assert ("redis" in services) == redis
    if redis:
        assert services["redis"]["healthcheck"]["test"]
        assert "redis" in services["app"]["depends_on"]


def test_kubernetes_manifests_validate(project: Path) -> None:
    """kubernetes-validate (strict: no unknown fields) accepts every manifest, offline."""
    manifests = sorted(str(p) for p in (project / "deploy" / "k8s").glob("*.yaml"))
    assert manifests
    run([tool("kubernetes-validate"), "--strict", "-k", KUBERNETES_VERSION, *manifests])


def test_kubernetes_deployment_is_hardened(project: Path) -> None:
    """Probes pass the host check, pods are non-root and read-only, and hold no secret value."""
    docs = k8s_documents(project)
    assert {"Deployment", "Service", "HorizontalPodAutoscaler", "ConfigMap"} <= docs.keys()
    assert "Secret" not in docs, "secret values belong outside git"
    config = docs["ConfigMap"]["data"]
    assert not [key for key in config if SECRET_NAMES.search(key)]
    allowed_hosts = config["ALLOWED_HOSTS"].split(",")

    pod = docs["Deployment"]["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    (container,) = pod["containers"]
    assert container["command"] == dockerfile_cmd(project)
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["resources"]["requests"] and container["resources"]["limits"]
    assert {"/tmp"} <= {m["mountPath"] for m in container["volumeMounts"]}
    refs = {next(iter(src)): next(iter(src.values()))["name"] for src in container["envFrom"]}
    assert refs == {
        "configMapRef": docs["ConfigMap"]["metadata"]["name"],
        "secretRef": refs["secretRef"],
    }
    for probe, path in (("readinessProbe", "/ready"), ("livenessProbe", "/health")):
        get = container[probe]["httpGet"]
        assert get["path"] == path
        hosts = [h["value"] for h in get["httpHeaders"] if h["name"].lower() == "host"]
        assert hosts and hosts[0] in allowed_hosts, f"{probe} Host {hosts} not in {allowed_hosts}"
    assert (
        docs["HorizontalPodAutoscaler"]["spec"]["scaleTargetRef"]["name"]
        == (docs["Deployment"]["metadata"]["name"])
    )

    if answers(project)["database"] != "none":
        (job,) = docs["Job"]["spec"]["template"]["spec"]["containers"]
        assert job["command"] == as_argv(compose_services(project)["migrate"]["command"])
        assert job["securityContext"]["readOnlyRootFilesystem"] is True
    else:
        assert "Job" not in docs, "nothing to migrate without a database"


def test_workflow_passes_actionlint(project: Path) -> None:
    """actionlint accepts the CI workflow, which lints, type-checks, tests, audits and builds."""
    workflow = project / ".github" / "workflows" / "ci.yml"
    proc = run([tool("actionlint"), "-no-color", str(workflow)], cwd=project, check=False)
    assert (proc.returncode, proc.stdout + proc.stderr) == (0, "")
    steps = "\n".join(
        str(step.get("run", step.get("uses", "")))
        for job in yaml.safe_load(workflow.read_text())["jobs"].values()
        for step in job["steps"]
    )
    for needle in ("ruff check", "mypy", "pytest", "pip-audit", "docker/build-push-action"):
        assert needle in steps, f"CI runs no {needle}"
    if answers(project)["database"] == "postgresql":
        jobs = yaml.safe_load(workflow.read_text())["jobs"]
        assert any("postgres" in job.get("services", {}) for job in jobs.values())
