"""The floor: a bare FastAPI app with one route, served like `kb serve`, to compare /api/health with."""

from fastapi import FastAPI

app = FastAPI()


@app.get("/ping")
async def ping() -> dict[str, bool]:
    return {"ok": True}
