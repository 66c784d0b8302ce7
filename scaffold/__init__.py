"""scaffold: generate FastAPI or Flask projects that stay upgradable.

Imports stay lazy: `scaffold --version` and the wheel's build hook must not load copier.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scaffold.generate import NewResult, run_new

__all__ = ["NewResult", "__version__", "run_new"]


def __getattr__(name: str) -> Any:
    """`run_new`, `NewResult` and `__version__`, loaded on first use."""
    if name in {"run_new", "NewResult"}:
        from scaffold import generate

        return getattr(generate, name)
    if name == "__version__":
        from scaffold.source import installed_version

        return installed_version()
    raise AttributeError(f"module 'scaffold' has no attribute {name!r}")
