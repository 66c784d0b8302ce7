"""Request dependencies as `Annotated` aliases; all async, so none costs a threadpool hop."""

from typing import Annotated

import httpx
from fastapi import Depends, Request

from .config import Settings
from .db import Database


async def get_app_settings(request: Request) -> Settings:
    """The settings this app was created with."""
    settings: Settings = request.app.state.settings
    return settings


async def get_database(request: Request) -> Database:
    """The process's one pool; service functions borrow a connection per operation."""
    # Not a yield dependency: no connection is held while the request parses, hashes or renders.
    database: Database = request.app.state.database
    return database


async def get_http_client(request: Request) -> httpx.AsyncClient:
    """The app's one shared HTTP client (its connection pool is reused across requests)."""
    client: httpx.AsyncClient = request.app.state.http_client
    return client


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]
HttpClient = Annotated[httpx.AsyncClient, Depends(get_http_client)]
