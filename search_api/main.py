"""The ASGI entry point uvicorn imports (`search_api.main:app`), one app per worker process."""

from .app import create_app

app = create_app()
