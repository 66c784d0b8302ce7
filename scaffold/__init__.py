"""scaffold: generate FastAPI or Flask projects that stay upgradable."""

__version__ = "0.1.0"
