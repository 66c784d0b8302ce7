"""fastapi-ml-serving: fastapi-ml-serving: a model-serving API built with FastAPI."""
