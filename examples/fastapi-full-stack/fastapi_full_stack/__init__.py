"""fastapi-full-stack: fastapi-full-stack: a server-rendered web app built with FastAPI."""
