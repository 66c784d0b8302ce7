"""scaffold: generate FastAPI or Flask projects that stay upgradable."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("scaffold")
except PackageNotFoundError:  # pragma: no cover - running from a bare source tree
    __version__ = "0.0.0+unknown"

from scaffold.project import NewResult, run_new

__all__ = ["NewResult", "__version__", "run_new"]
