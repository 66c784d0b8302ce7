"""Blocking calls inside `async def`: ruff's ASYNC rules plus an AST pass for what ruff misses.

Ruff knows blocking HTTP, sleep, subprocess and file calls; it does not know sync SQLAlchemy
sessions, database drivers' `connect` or methods on a `requests.Session`.  The AST pass walks
each `async def` body but not nested sync defs or lambdas: those are usually offloaded to a
thread (`run_in_executor`, `anyio.to_thread.run_sync`, `run_sync` for Alembic).
"""

from __future__ import annotations

import ast
import importlib.util
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from .model import Finding
from .project import Project, Source

# Calls that block the event loop wherever they appear (qualified names).
BLOCKING_CALLS: dict[str, str] = {
    "time.sleep": "time.sleep() blocks the event loop",
    "psycopg.connect": "psycopg.connect() opens a blocking connection",
    "psycopg.Connection.connect": "psycopg.Connection.connect() opens a blocking connection",
    "psycopg2.connect": "psycopg2.connect() opens a blocking connection",
    "sqlite3.connect": "sqlite3.connect() opens a blocking connection",
    "urllib.request.urlopen": "urllib.request.urlopen() does blocking network I/O",
    **{
        f"requests.{verb}": f"requests.{verb}() does blocking network I/O"
        for verb in ("get", "post", "put", "patch", "delete", "head", "options", "request")
    },
}
ASYNC_ALTERNATIVE: dict[str, str] = {
    "time": "use `await asyncio.sleep(...)` (or anyio.sleep)",
    "psycopg": "use `await psycopg.AsyncConnection.connect(...)` or the app's async engine",
    "psycopg2": "use an async driver (asyncpg, psycopg AsyncConnection)",
    "sqlite3": "use aiosqlite, or run the work in a thread with anyio.to_thread.run_sync",
    "urllib": "use the app's shared httpx.AsyncClient",
    "requests": "use the app's shared httpx.AsyncClient",
}
SYNC_SESSION_FACTORIES = frozenset(
    {
        "sqlalchemy.orm.Session", "sqlalchemy.orm.session.Session", "sqlalchemy.orm.sessionmaker",
        "sqlalchemy.orm.session.sessionmaker", "sqlalchemy.orm.scoped_session",
        "sqlalchemy.orm.scoping.scoped_session", "sqlmodel.Session",
    }
)  # fmt: skip
SYNC_SESSION_TYPES = frozenset(
    {"sqlalchemy.orm.Session", "sqlalchemy.orm.session.Session", "sqlmodel.Session"}
)
REQUESTS_SESSIONS = frozenset({"requests.Session", "requests.session", "requests.sessions.Session"})
# Session methods that talk to the database.
SESSION_IO = frozenset(
    {"execute", "query", "commit", "flush", "scalar", "scalars", "get", "get_one", "refresh",
     "rollback", "merge", "connection", "bulk_save_objects", "close"}
)  # fmt: skip
HTTP_VERBS = frozenset(
    {"get", "post", "put", "patch", "delete", "head", "options", "request", "send"}
)
SESSION_HINT = "use AsyncSession with async_sessionmaker and `await session.execute(...)`"


def find_ruff(root: Path) -> list[str] | None:
    """How to invoke ruff: our own install, a `ruff` on PATH, then the project's venv."""
    if importlib.util.find_spec("ruff") is not None:
        return [sys.executable, "-m", "ruff"]
    found = shutil.which("ruff") or shutil.which("ruff", path=str(root / ".venv" / "bin"))
    return [found] if found else None


def run_ruff(project: Project, ruff: list[str] | None) -> list[Finding]:
    """Ruff's ASYNC rules over production code, honouring the project's own ruff config."""
    if ruff is None:
        return [
            Finding(
                id="ruff-unavailable",
                check="blocking",
                severity="warning",
                message="ruff is not installed, so its ASYNC rules did not run",
                hint="install ruff (`uv add --dev ruff`) and run doctor again",
            )
        ]
    command = [*ruff, "check", "--select", "ASYNC", "--output-format", "json", "--exit-zero"]
    try:
        done = subprocess.run(
            [*command, "--no-cache", "."],
            cwd=project.root,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        results = json.loads(done.stdout or "null")
    except (OSError, subprocess.TimeoutExpired, json.JSONDecodeError) as exc:
        results, done_error = None, str(exc)
    else:
        # ruff explains failures as "ruff failed / Cause: ..." lines, plus a source excerpt.
        causes = [line.strip() for line in done.stderr.splitlines() if "Cause:" in line]
        done_error = "; ".join(causes)[:300] or done.stderr.strip()[:300] or "no output"
    if not isinstance(results, list):
        return [
            Finding(
                id="ruff-unavailable",
                check="blocking",
                severity="warning",
                message=f"ruff could not check the project: {done_error}",
                hint="run `ruff check --select ASYNC .` in the project and fix what stops it",
            )
        ]
    findings = []
    for result in results:
        relpath = project.relpath(Path(result["filename"]))
        source = project.source(relpath)
        if source is not None and source.is_test:
            continue
        findings.append(
            Finding(
                id="ruff-async",
                check="blocking",
                severity="error",
                message=f"{result['code']} {result['message']}",
                hint=f"see {result.get('url') or 'ruff rule ' + result['code']}",
                path=relpath,
                line=result["location"]["row"],
            )
        )
    return findings


def _module_bindings(project: Project) -> tuple[set[str], set[str]]:
    """Project-wide names bound at module level to sync session factories and Flask-SQLAlchemy."""
    factories: set[str] = set()
    extensions: set[str] = set()
    for source in project.sources:
        for node in source.tree.body:
            if not (isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None):
                continue
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = {target.id for target in targets if isinstance(target, ast.Name)}
            value = node.value
            if isinstance(value, ast.Call):
                called = source.qualname(value.func) or ""
                if called in SYNC_SESSION_FACTORIES:
                    factories |= names
                elif called == "flask_sqlalchemy.SQLAlchemy":
                    extensions |= names
    return factories, extensions


def _body_nodes(function: ast.AsyncFunctionDef) -> Iterator[ast.AST]:
    """Nodes run by the coroutine itself: nested defs, lambdas and classes are skipped."""
    nested = ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef
    stack: list[ast.AST] = [node for node in function.body if not isinstance(node, nested)]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(child for child in ast.iter_child_nodes(node) if not isinstance(child, nested))


class _AsyncBodyChecker:
    """Find blocking calls in the async defs of one module."""

    def __init__(self, project: Project, source: Source, factories: set[str], extensions: set[str]):
        self.project = project
        self.source = source
        self.factories = factories
        self.extensions = extensions
        self.session_aliases = self._session_aliases()
        self.module_requests = self._names_bound_to(source.tree.body, REQUESTS_SESSIONS)

    def _session_aliases(self) -> set[str]:
        # `SessionDep = Annotated[Session, Depends(get_db)]` makes SessionDep a sync session.
        aliases: set[str] = set()
        for node in self.source.tree.body:
            if isinstance(node, ast.Assign) and self._is_sync_session_type(node.value):
                aliases |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        return aliases

    def _is_sync_session_type(self, node: ast.expr | None) -> bool:
        if node is None:
            return False
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            # A string annotation: resolve it through the module's imports.
            return self.source.imports.get(node.value) in SYNC_SESSION_TYPES
        if isinstance(node, ast.Subscript):
            # Annotated[Session, ...]: the first element is the type.
            if (self.source.qualname(node.value) or "").endswith("Annotated"):
                inner = node.slice.elts[0] if isinstance(node.slice, ast.Tuple) else node.slice
                return self._is_sync_session_type(inner)
            return False
        if isinstance(node, ast.Name) and node.id in getattr(self, "session_aliases", ()):
            return True
        return self.source.qualname(node) in SYNC_SESSION_TYPES

    def _names_bound_to(self, body: list[ast.stmt], qualnames: frozenset[str]) -> set[str]:
        names: set[str] = set()
        for node in body:
            if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)):
                continue
            if self.source.qualname(node.value.func) in qualnames:
                names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        return names

    def _is_factory_call(self, node: ast.expr) -> bool:
        if not isinstance(node, ast.Call):
            return False
        qualname = self.source.qualname(node.func) or ""
        local = node.func.id if isinstance(node.func, ast.Name) else None
        return qualname in SYNC_SESSION_FACTORIES or local in self.factories

    def _finding(self, node: ast.AST, id_: str, message: str, hint: str) -> Finding:
        return Finding(
            id=id_,
            check="blocking",
            severity="error",
            message=message,
            hint=hint,
            path=self.source.relpath,
            line=getattr(node, "lineno", None),
        )

    def check(self, function: ast.AsyncFunctionDef) -> Iterator[Finding]:
        """Blocking calls made directly by one coroutine."""
        nodes = list(_body_nodes(function))
        awaited = {id(node.value) for node in nodes if isinstance(node, ast.Await)}
        sessions = {
            arg.arg
            for arg in [*function.args.args, *function.args.kwonlyargs]
            if self._is_sync_session_type(arg.annotation)
        }
        http_sessions = set(self.module_requests)
        for node in nodes:
            # `s = SessionLocal()` / `with Session(engine) as s:` bind a sync session.
            if isinstance(node, ast.Assign):
                names = {t.id for t in node.targets if isinstance(t, ast.Name)}
                if self._is_factory_call(node.value):
                    sessions |= names
                elif isinstance(node.value, ast.Call) and (
                    self.source.qualname(node.value.func) in REQUESTS_SESSIONS
                ):
                    http_sessions |= names
            elif isinstance(node, ast.With):
                for item in node.items:
                    if isinstance(item.optional_vars, ast.Name):
                        if self._is_factory_call(item.context_expr):
                            sessions.add(item.optional_vars.id)
                        elif isinstance(item.context_expr, ast.Call) and (
                            self.source.qualname(item.context_expr.func) in REQUESTS_SESSIONS
                        ):
                            http_sessions.add(item.optional_vars.id)
        for node in sorted(
            (n for n in nodes if isinstance(n, ast.Call)), key=lambda n: (n.lineno, n.col_offset)
        ):
            if id(node) in awaited:
                continue
            yield from self._check_call(node, function.name, sessions, http_sessions)

    def _check_call(
        self, node: ast.Call, where: str, sessions: set[str], http_sessions: set[str]
    ) -> Iterator[Finding]:
        qualname = self.source.qualname(node.func) or ""
        func = node.func
        if qualname in BLOCKING_CALLS:
            top = qualname.split(".")[0]
            yield self._finding(
                node,
                "blocking-call",
                f"{BLOCKING_CALLS[qualname]} inside `async def {where}`",
                ASYNC_ALTERNATIVE[top],
            )
        elif self._is_factory_call(node):
            yield self._finding(
                node,
                "sync-session",
                f"sync SQLAlchemy session created inside `async def {where}`",
                SESSION_HINT,
            )
        elif isinstance(func, ast.Attribute) and func.attr in SESSION_IO:
            owner = func.value
            if isinstance(owner, ast.Name) and owner.id in sessions:
                yield self._finding(
                    node,
                    "sync-session",
                    f"`{owner.id}.{func.attr}()` on a sync session inside `async def {where}`",
                    SESSION_HINT,
                )
            elif (
                isinstance(owner, ast.Attribute)
                and owner.attr == "session"
                and isinstance(owner.value, ast.Name)
                and owner.value.id in self.extensions
            ):
                yield self._finding(
                    node,
                    "sync-session",
                    f"`{owner.value.id}.session.{func.attr}()` (Flask-SQLAlchemy, sync) inside "
                    f"`async def {where}`",
                    "make the view a plain `def` (gevent makes it cooperative) or use AsyncSession",
                )
        if isinstance(func, ast.Attribute) and func.attr in HTTP_VERBS:
            owner = func.value
            direct = isinstance(owner, ast.Call) and (
                self.source.qualname(owner.func) in REQUESTS_SESSIONS
            )
            if direct or (isinstance(owner, ast.Name) and owner.id in http_sessions):
                yield self._finding(
                    node,
                    "blocking-call",
                    f"requests.Session.{func.attr}() does blocking network I/O inside "
                    f"`async def {where}`",
                    ASYNC_ALTERNATIVE["requests"],
                )


def ast_findings(project: Project) -> list[Finding]:
    """The AST pass over production code."""
    factories, extensions = _module_bindings(project)
    findings: list[Finding] = []
    for source in project.production_sources():
        checker = _AsyncBodyChecker(project, source, factories, extensions)
        for node in ast.walk(source.tree):
            if isinstance(node, ast.AsyncFunctionDef):
                findings.extend(checker.check(node))
    return findings


def check_blocking(project: Project) -> list[Finding]:
    """Ruff's ASYNC findings, plus AST findings on lines ruff did not already flag."""
    from_ruff = run_ruff(project, find_ruff(project.root))
    seen = {(f.path, f.line) for f in from_ruff if f.id == "ruff-async"}
    return from_ruff + [f for f in ast_findings(project) if (f.path, f.line) not in seen]
