"""gevent must patch before psycopg (or the app that imports it) is imported.

psycopg picks its wait function when it is imported.  The gunicorn gevent worker patches
right after fork, so anything the master imports first -- `preload_app`/`--preload`, or
modules the gunicorn config imports -- keeps blocking waits and serialises every request.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from .deploy_commands import Command, deploy_commands
from .model import Finding
from .project import Project, Source

# Importing any of these before the patch leaves psycopg (or its engine) blocking.
_DRIVERS = frozenset({"psycopg", "psycopg2", "psycopg_pool"})
_APP_MARKERS = frozenset({"flask", "flask_sqlalchemy", "sqlalchemy"})
_PATCH_CALLS = frozenset({"gevent.monkey.patch_all", "gevent.monkey.patch_select"})
_DEFAULT_CONFIG = "gunicorn.conf.py"


@dataclass(frozen=True)
class _Gunicorn:
    """A gunicorn command with the options doctor cares about."""

    command: Command
    worker_class: str | None
    config: str | None
    preload: bool


def _parse_gunicorn(command: Command) -> _Gunicorn:
    worker, config, preload = None, None, False
    argv = list(command.argv[1:])
    for index, arg in enumerate(argv):
        following = argv[index + 1] if index + 1 < len(argv) else None
        if arg == "--preload":
            preload = True
        elif arg in ("-k", "--worker-class"):
            worker = following
        elif arg.startswith("--worker-class="):
            worker = arg.split("=", 1)[1]
        elif arg.startswith("-k") and len(arg) > 2:
            worker = arg[2:]
        elif arg in ("-c", "--config"):
            config = following
        elif arg.startswith("--config="):
            config = arg.split("=", 1)[1]
    return _Gunicorn(command, worker, config, preload)


def _module_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements run at import time, in order (skipping defs and `if TYPE_CHECKING:`)."""
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from _module_level(node.orelse)
            continue
        yield node
        if isinstance(node, ast.If | ast.For | ast.While):
            yield from _module_level(node.body)
            yield from _module_level(node.orelse)
        elif isinstance(node, ast.With):
            yield from _module_level(node.body)
        elif isinstance(node, ast.Try):
            for block in (node.body, *(h.body for h in node.handlers), node.orelse):
                yield from _module_level(block)
        elif isinstance(node, ast.ClassDef):
            yield from _module_level(node.body)


def _imported_modules(source: Source, node: ast.stmt) -> list[str]:
    """Absolute module names an import statement loads (relative ones resolved)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        base = node.module or ""
        if node.level:
            # The importing module's package, then one level up per extra dot.
            package = source.relpath.removeprefix("src/").split("/")[:-1]
            package = package[: len(package) - (node.level - 1)]
            base = ".".join([*package, node.module] if node.module else package)
        # `from pkg import mod` may import a submodule: consider both.
        return [base, *(f"{base}.{alias.name}" for alias in node.names)]
    return []


def _patches(source: Source, node: ast.stmt) -> bool:
    return isinstance(node, ast.Expr) and any(
        isinstance(call, ast.Call) and source.qualname(call.func) in _PATCH_CALLS
        for call in ast.walk(node)
    )


class _ImportGraph:
    """What importing a project module drags in, following the project's own modules."""

    def __init__(self, project: Project):
        self.project = project
        self._cache: dict[str, str | None] = {}

    def _local_chain(self, module: str) -> list[Source]:
        # Importing a.b.c runs a/__init__.py, a/b/__init__.py and a/b/c.py.
        parts = module.split(".")
        chain = [self.project.module_source(".".join(parts[:n])) for n in range(1, len(parts) + 1)]
        return [source for source in chain if source is not None]

    def culprit(self, module: str) -> str | None:
        """Why importing `module` is unsafe before patching (a short reason), or None."""
        top = module.split(".")[0]
        if top in _DRIVERS:
            return f"imports {top}"
        if module in self._cache:
            return self._cache[module]
        self._cache[module] = None  # cycle guard
        reasons = (
            self._why(source, imported)
            for source in self._local_chain(module)
            for node in _module_level(source.tree.body)
            for imported in _imported_modules(source, node)
        )
        self._cache[module] = next(filter(None, reasons), None)
        return self._cache[module]

    def _why(self, source: Source, imported: str) -> str | None:
        if imported.split(".")[0] in _APP_MARKERS:
            return f"imports the app ({source.relpath} imports {imported})"
        inner = self.culprit(imported)
        if inner is None or "(" in inner:
            return inner
        return f"{inner} (via {source.relpath})"


def _early_imports(graph: _ImportGraph, source: Source) -> Iterator[tuple[ast.stmt, str, str]]:
    """(statement, module, why) for unsafe imports that run before any gevent patch."""
    for node in _module_level(source.tree.body):
        if _patches(source, node):
            return
        for module in _imported_modules(source, node):
            reason = graph.culprit(module)
            if reason is not None:
                direct = module.split(".")[0] in _DRIVERS
                yield node, module, f"`{module}`" if direct else f"`{module}`, which {reason}"
                break


def _assigned(source: Source, name: str) -> ast.Assign | None:
    for node in source.tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            return node
    return None


def _is_gevent(worker: str | None) -> bool:
    return worker is not None and "gevent" in worker


def check_gevent(project: Project) -> list[Finding]:
    """Preload with gevent workers, early imports in gunicorn configs and self-patching entries."""
    graph = _ImportGraph(project)
    commands = [_parse_gunicorn(c) for c in deploy_commands(project) if c.program == "gunicorn"]
    configs = {c.config for c in commands if c.config and not c.config.startswith("python:")}
    if project.source(_DEFAULT_CONFIG) is not None:
        configs.add(_DEFAULT_CONFIG)
    config_sources = {
        name: source
        for name in sorted(configs)
        if (source := project.source(name.removeprefix("./"))) is not None
    }

    def config_worker(name: str | None) -> str | None:
        source = config_sources.get(name or _DEFAULT_CONFIG)
        node = _assigned(source, "worker_class") if source else None
        if node is not None and isinstance(node.value, ast.Constant):
            return str(node.value.value)
        return None

    gevent_anywhere = any(_is_gevent(c.worker_class or config_worker(c.config)) for c in commands)
    gevent_anywhere |= any(_is_gevent(config_worker(name)) for name in config_sources)
    findings: list[Finding] = []
    preload_hint = "remove preload: each gevent worker must import the app after it patches"
    for gunicorn in commands:
        if gunicorn.preload and _is_gevent(gunicorn.worker_class or config_worker(gunicorn.config)):
            findings.append(
                Finding(
                    id="gevent-preload",
                    check="gevent",
                    severity="error",
                    message="`gunicorn --preload` with gevent workers imports the app (and "
                    "psycopg) in the master, before gevent patches",
                    hint=preload_hint,
                    path=gunicorn.command.relpath,
                    line=gunicorn.command.line,
                )
            )
    if not gevent_anywhere:
        return findings
    for name, source in config_sources.items():
        preload = _assigned(source, "preload_app")
        if preload is not None and isinstance(preload.value, ast.Constant) and preload.value.value:
            findings.append(
                Finding(
                    id="gevent-preload",
                    check="gevent",
                    severity="error",
                    message="`preload_app = True` with gevent workers imports the app (and "
                    "psycopg) in the master, before gevent patches",
                    hint=preload_hint,
                    path=source.relpath,
                    line=preload.lineno,
                )
            )
        for node, _, why in _early_imports(graph, source):
            findings.append(
                Finding(
                    id="gevent-early-import",
                    check="gevent",
                    severity="error",
                    message=f"{name} imports {why}: gunicorn loads its config in the master, "
                    "before the gevent worker patches",
                    hint="keep the gunicorn config free of app and database imports "
                    "(read settings from os.environ)",
                    path=source.relpath,
                    line=node.lineno,
                )
            )
    for source in project.production_sources():
        if source.relpath in {s.relpath for s in config_sources.values()}:
            continue
        if not any(_patches(source, node) for node in _module_level(source.tree.body)):
            continue
        for node, _, why in _early_imports(graph, source):
            findings.append(
                Finding(
                    id="gevent-patch-order",
                    check="gevent",
                    severity="error",
                    message=f"{source.relpath} imports {why} before gevent.monkey.patch_all()",
                    hint="call gevent.monkey.patch_all() first, before any other import",
                    path=source.relpath,
                    line=node.lineno,
                )
            )
    return findings
