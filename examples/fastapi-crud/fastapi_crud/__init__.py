"""fastapi-crud: fastapi-crud: a CRUD API built with FastAPI."""
