"""Request dependencies as `Annotated` aliases; all async, so none costs a threadpool hop."""

from collections.abc import AsyncIterator
from typing import Annotated

import httpx
from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from .config import Settings


async def get_app_settings(request: Request) -> Settings:
    """The settings this app was created with."""
    settings: Settings = request.app.state.settings
    return settings


async def get_read_engine(request: Request) -> AsyncEngine:
    """The pool for plain reads: autocommit, so no transaction and no ORM session."""
    # Not a yield dependency: the caller scopes the connection, saving FastAPI's exit-stack work.
    engine: AsyncEngine = request.app.state.read_engine
    return engine


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """An ORM session for writes; the caller commits."""
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    async with sessionmaker() as session:
        yield session


async def get_http_client(request: Request) -> httpx.AsyncClient:
    """The app's one shared HTTP client (its connection pool is reused across requests)."""
    client: httpx.AsyncClient = request.app.state.http_client
    return client


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
ReadEngine = Annotated[AsyncEngine, Depends(get_read_engine)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]
HttpClient = Annotated[httpx.AsyncClient, Depends(get_http_client)]
