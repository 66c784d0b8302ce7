"""Production settings: a Host allow-list is configured and no debug flag is switched on."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from .dependencies import read_dependencies
from .deploy_commands import deploy_commands
from .model import Finding
from .project import Project, Source

_ASGI_APPS = frozenset({"fastapi.FastAPI", "starlette.applications.Starlette"})
_DEBUG_KEYWORD_CALLS = ("FastAPI", "Starlette", "run")  # FastAPI(debug=), app.run(debug=)
_HOST_SETTINGS = frozenset({"allowed_hosts", "trusted_hosts"})
_DEV_WORDS = ("dev", "test", "local")
_DEBUG_FLAGS = frozenset({"--reload", "--debug"})


def _frameworks(project: Project) -> set[str]:
    """Which of fastapi/starlette/flask the project uses (dependencies or imports)."""
    deps = read_dependencies(project)
    found = {name for name in ("fastapi", "starlette", "flask") if deps.uses(name)}
    for source in project.production_sources():
        found |= {q.split(".")[0] for q in source.imports.values()} & {
            "fastapi",
            "starlette",
            "flask",
        }
    return found


def _is_true(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def _has_wildcard(node: ast.expr | None) -> bool:
    return isinstance(node, ast.List | ast.Tuple | ast.Set) and any(
        isinstance(item, ast.Constant) and item.value == "*" for item in node.elts
    )


def _finding(
    id_: str, message: str, hint: str, source: Source | None, node: ast.AST | None
) -> Finding:
    return Finding(
        id=id_,
        check="settings",
        severity="error",
        message=message,
        hint=hint,
        path=source.relpath if source else None,
        line=getattr(node, "lineno", None),
    )


def _app_constructions(project: Project, qualnames: set[str]) -> Iterator[tuple[Source, ast.Call]]:
    for source in project.production_sources():
        for node in ast.walk(source.tree):
            if isinstance(node, ast.Call) and source.qualname(node.func) in qualnames:
                yield source, node


def _trusted_host_asgi(project: Project) -> list[Finding]:
    """TrustedHostMiddleware is added, and not with the `*` default."""
    uses: list[tuple[Source, ast.Call]] = []
    for source in project.production_sources():
        for node in ast.walk(source.tree):
            if isinstance(node, ast.Call) and node.args:
                target = source.qualname(node.args[0]) or ""
                called = source.qualname(node.func) or ""
                wraps = called.endswith("add_middleware") or called.endswith("Middleware")
                added = target.endswith("TrustedHostMiddleware") and wraps
                # Or built directly around an app (a middleware that delegates the host check).
                if added or called.endswith("TrustedHostMiddleware"):
                    uses.append((source, node))
    hint = "add TrustedHostMiddleware with allowed_hosts from settings (no `*` in production)"
    if not uses:
        where = next(_app_constructions(project, set(_ASGI_APPS)), (None, None))
        return [
            _finding(
                "trusted-host-missing",
                "no TrustedHostMiddleware: any Host header is accepted (the BadHost pattern, "
                "CVE-2026-48710)",
                hint,
                *where,
            )
        ]
    findings = []
    for source, node in uses:
        hosts = next((kw.value for kw in node.keywords if kw.arg == "allowed_hosts"), None)
        if hosts is None or _has_wildcard(hosts):
            findings.append(
                _finding(
                    "trusted-host-wildcard",
                    "TrustedHostMiddleware allows every host (`*`, its default)",
                    hint,
                    source,
                    node,
                )
            )
    return findings


def _trusted_host_flask(project: Project) -> list[Finding]:
    """TRUSTED_HOSTS is set somewhere (config mapping, key, attribute or config class)."""
    for source in project.production_sources():
        for node in ast.walk(source.tree):
            value: ast.expr | None = None
            if isinstance(node, ast.keyword) and node.arg == "TRUSTED_HOSTS":
                value = node.value
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    key = target.slice if isinstance(target, ast.Subscript) else None
                    named = isinstance(target, ast.Name) and target.id == "TRUSTED_HOSTS"
                    attr = isinstance(target, ast.Attribute) and target.attr == "trusted_hosts"
                    keyed = isinstance(key, ast.Constant) and key.value == "TRUSTED_HOSTS"
                    if named or attr or keyed:
                        value = node.value
            elif isinstance(node, ast.Dict):
                for key_node, item in zip(node.keys, node.values, strict=True):
                    if isinstance(key_node, ast.Constant) and key_node.value == "TRUSTED_HOSTS":
                        value = item
            if value is not None and not (isinstance(value, ast.Constant) and value.value is None):
                return []
    where = next(_app_constructions(project, {"flask.Flask"}), (None, None))
    return [
        _finding(
            "trusted-host-missing",
            "Flask TRUSTED_HOSTS is not set: any Host header is accepted",
            "set app.config['TRUSTED_HOSTS'] from settings (Flask >= 3.1)",
            *where,
        )
    ]


def _wildcard_host_defaults(project: Project) -> Iterator[Finding]:
    """A settings class whose allowed/trusted hosts default to `*`."""
    for source in project.production_sources():
        for node in ast.walk(source.tree):
            target: ast.expr | None = node.target if isinstance(node, ast.AnnAssign) else None
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
            value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
            if (
                isinstance(target, ast.Name)
                and target.id.lower() in _HOST_SETTINGS
                and _has_wildcard(value)
            ):
                yield _finding(
                    "trusted-host-wildcard",
                    f"`{target.id}` defaults to `*`, so production trusts every Host header",
                    "default to explicit hosts (e.g. localhost,127.0.0.1) and refuse `*` "
                    "in production",
                    source,
                    node,
                )


def _debug_in_code(source: Source) -> Iterator[Finding]:
    hint = "derive debug from settings (on only when ENVIRONMENT=development)"
    dev_module = any(word in source.relpath.lower() for word in _DEV_WORDS)
    classes = [n for n in ast.walk(source.tree) if isinstance(n, ast.ClassDef)]
    dev_class_lines = {
        id(statement)
        for cls in classes
        if any(word in cls.name.lower() for word in _DEV_WORDS)
        for statement in cls.body
    }
    class_statements = {id(statement) for cls in classes for statement in cls.body}
    for node in ast.walk(source.tree):
        if isinstance(node, ast.Call):
            called = source.qualname(node.func) or ""
            for keyword in node.keywords:
                if keyword.arg == "debug" and _is_true(keyword.value):
                    if called.rsplit(".", 1)[-1] in _DEBUG_KEYWORD_CALLS:
                        yield _finding(
                            "debug-enabled", f"`{called}(debug=True)`", hint, source, node
                        )
                elif keyword.arg == "DEBUG" and _is_true(keyword.value):
                    yield _finding("debug-enabled", "config sets DEBUG=True", hint, source, node)
                elif keyword.arg == "reload" and _is_true(keyword.value) and "uvicorn" in called:
                    yield _finding("debug-enabled", f"`{called}(reload=True)`", hint, source, node)
        elif isinstance(node, ast.Assign | ast.AnnAssign) and _is_true(node.value):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Attribute) and target.attr == "debug":
                    yield _finding(
                        "debug-enabled", "`.debug = True` is set in code", hint, source, node
                    )
                elif isinstance(target, ast.Subscript) and (
                    isinstance(target.slice, ast.Constant) and target.slice.value == "DEBUG"
                ):
                    yield _finding("debug-enabled", "config['DEBUG'] = True", hint, source, node)
                elif isinstance(target, ast.Name) and target.id in ("DEBUG", "debug"):
                    in_class = id(node) in class_statements
                    if id(node) in dev_class_lines or (not in_class and dev_module):
                        continue
                    if in_class or node in source.tree.body:
                        yield _finding(
                            "debug-enabled",
                            f"production settings set `{target.id} = True`",
                            hint,
                            source,
                            node,
                        )


def _debug_in_commands(project: Project) -> Iterator[Finding]:
    for command in deploy_commands(project):
        if command.source not in ("dockerfile", "procfile"):
            continue  # compose files often hold dev overrides; the image's CMD is production
        flags = sorted(_DEBUG_FLAGS & set(command.argv))
        if flags:
            yield Finding(
                id="debug-command",
                check="settings",
                severity="error",
                message=f"the production command `{' '.join(command.argv)}` uses {flags[0]}",
                hint=f"drop {flags[0]} from the production command; keep it for local runs",
                path=command.relpath,
                line=command.line,
            )


def check_settings(project: Project) -> list[Finding]:
    """TrustedHost configuration and debug flags."""
    frameworks = _frameworks(project)
    findings: list[Finding] = []
    if frameworks & {"fastapi", "starlette"}:
        findings += _trusted_host_asgi(project)
    if "flask" in frameworks:
        findings += _trusted_host_flask(project)
    findings += _wildcard_host_defaults(project)
    for source in project.production_sources():
        findings += _debug_in_code(source)
    findings += _debug_in_commands(project)
    return findings
