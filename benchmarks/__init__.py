"""Benchmarks: the generated FastAPI and Flask services against a bare Starlette + asyncpg floor."""
