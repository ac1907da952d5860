"""The FastAPI application: search, entries, suggestions and the checker over the current build."""
# No `from __future__ import annotations`: FastAPI must resolve the local Annotated aliases at runtime.


import json
import logging
import sys
import time
from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import anyio
from fastapi import FastAPI, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import RedirectResponse, Response

from kbbuild.changes import changes_since, summarize
from kbbuild.search.embedder import load_embedder, pin_threads
from kbbuild.search.query import normalize
from kbbuild.settings import Settings, cores, get_settings

from .middleware import JSONCORS, Guard
from .norms import chosen_operator
from .norms import register as register_norm_routes
from .release import Release, ReleaseHolder
from .schemas import (
    ChangesResponse,
    ChannelName,
    CheckRequest,
    CheckResponse,
    Error,
    EventRequest,
    Health,
    Origin,
    SearchResponse,
    SuggestResponse,
    TypeName,
)
from .searchlog import SearchLog
from .static import file_response, resolve

log = logging.getLogger("search_api")

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Error}, 404: {"model": Error}, 413: {"model": Error}, 422: {"model": Error},
    503: {"model": Error},
}
MAX_EVENT_BYTES = 2048  # an event is a few short fields; anything larger is not the widget's
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "SAMEORIGIN",
}
# MkDocs-Material pages carry small inline scripts, hence 'unsafe-inline'; no other host is allowed.
CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
       "frame-ancestors 'self'")


# A build id (its UTC time first: 20261201-114500-…) or a date; the schema says so, so clients can tell.
SINCE_PATTERN = r"^(\d{8}-\d{6}-[0-9A-Za-z-]+|[1-9]\d{3}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]))$"


def _error(status: int, message: str, detail: list[dict[str, Any]] | None = None,
           headers: Mapping[str, str] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"error": message}
    if detail:
        body["detail"] = detail
    return JSONResponse(body, status_code=status, headers=headers)


def _explain(errors: list[Any]) -> tuple[str, list[dict[str, Any]]]:
    """A one-line message naming each bad parameter, plus a JSON-safe detail list."""
    parts, detail = [], []
    for err in errors:
        kind, ctx = err.get("type"), err.get("ctx") or {}
        loc = [str(p) for p in err.get("loc", ()) if p not in ("query", "body", "path")]
        name = "body" if kind == "json_invalid" else ".".join(loc) or "request"
        msg = {
            "string_pattern_mismatch": "must not be empty or only spaces",
            "string_too_short": "must not be empty",
            "string_too_long": f"is too long (at most {ctx.get('max_length')} characters)",
            "missing": "is required",
            "json_invalid": f"is not valid JSON ({ctx.get('error', 'decode error')}): send {{\"text\": \"…\"}}",
            "model_attributes_type": "must be a JSON object like {\"text\": \"…\"}",
        }.get(kind, str(err.get("msg", "invalid")))
        parts.append(f"{name}: {msg}")
        detail.append({"field": name, "message": msg})
    return "; ".join(parts) or "invalid request", detail


def create_app(settings: Settings | None = None, holder: ReleaseHolder | None = None) -> FastAPI:
    settings = settings or get_settings()
    if holder is None:
        pin_threads(settings.threads_per_worker)  # one worker process = this many cores
        loader = partial(Release, check_sentences=settings.check_max_sentences)
        holder = ReleaseHolder(settings.build_dir, load_embedder(settings.embedder), settings.reload_interval_s,
                               settings.cache_size, loader=loader, verify_interval_s=settings.verify_interval_s)
    holder.refresh(force=True)  # load jieba and the index now, not on the first request

    # Swagger UI and ReDoc from assets inside the fastapi-offline package: no CDN (none on an intranet,
    # and our Content-Security-Policy allows no other host anyway).
    app = FastAPIOffline(title="电信客服服务规范知识库 API", version="1.0",
                         description="Search the service norms mid-call; check a reply for forbidden phrases.")
    app.state.holder = holder
    app.state.settings = settings
    # One line per search, check and widget event (search_api/searchlog.py): put on a queue, never waited for.
    search_log = SearchLog(settings.data_dir / "searchlog" if settings.log_searches else None,
                           settings.log_queue, settings.log_max_bytes)
    app.state.search_log = search_log
    app.add_middleware(JSONCORS, allow_origins=settings.cors_origins, allow_methods=["GET", "HEAD", "POST"],
                       allow_headers=["Content-Type"], max_age=600)
    app.add_middleware(Guard, max_body_bytes=settings.max_body_bytes, body_timeout_s=settings.body_timeout_s,
                       headers=SECURITY_HEADERS, html_headers={"Content-Security-Policy": CSP})
    # CPU-bound work (embedding a query, judging sentences) runs in threads, at most this many at
    # once: the event loop stays free for /api/health and cached answers.
    cpu = anyio.CapacityLimiter(settings.cpu_slots or max(1, cores() - 1))
    # A worker thread running Python (tier 1 of a long text) hands the GIL back every switch interval;
    # 1 ms instead of 5 lets the event loop answer in between.
    sys.setswitchinterval(0.001)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        message, detail = _explain(list(exc.errors()))
        return _error(422, message, detail)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error(exc.status_code, str(exc.detail), headers=exc.headers)  # keeps Allow on a 405

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s", request.url.path)
        return _error(500, "internal error; the server log has the details")

    def current() -> Release:
        # A plain call, not a Depends: FastAPI's dependency solving costs more than /api/health itself.
        release = holder.release
        if release is None:
            raise HTTPException(503, holder.degraded or "no build is published yet: run `kb build`")
        return release

    OperatorParam = Annotated[str | None, Query(
        max_length=20, description="Whose norms: 中国移动, 中国电信, 中国联通 (plus the general ones), or 全部; "
                                   "default: the deployment's KB_OPERATOR")]
    OriginParam = Annotated[Origin, Query(description="Who asks: the widget, the site or another system (api)")]
    QueryText = Annotated[str, Query(description="What the agent typed (2–6 characters is typical)",
                                     min_length=1, max_length=settings.max_query_chars,
                                     pattern=r"^[\s\S]*\S[\s\S]*$")]  # not only spaces

    @app.get("/api/health", response_model=Health, responses=ERRORS, tags=["meta"])
    async def health() -> Any:
        release = current()
        m = release.manifest
        body = {"status": "ok", "build_id": m["build_id"], "kb_version": m["kb_version"],
                "entry_count": m["entry_count"], "created": m["created"]}
        if search_log.enabled:
            body["log_dropped"] = search_log.dropped
        if reason := holder.degraded:  # 503 so a load balancer notices; the body says what is served
            return JSONResponse({**body, "status": "degraded", "reason": reason}, status_code=503)
        return JSONResponse(body)  # built here: the response model would validate it again, per call

    @app.get("/api/search", response_model=SearchResponse, response_model_exclude_none=True,
             responses=ERRORS, tags=["search"])
    async def search(q: QueryText,
                     limit: Annotated[int, Query(ge=1, le=settings.max_limit)] = 10,
                     type: TypeName | None = None, channel: ChannelName | None = None,
                     operator: OperatorParam = None, origin: OriginParam = "api") -> Response:
        release = current()
        start = time.perf_counter()
        normalized = normalize(q)
        key = (normalized, limit, type, channel, chosen_operator(release, operator, settings.operator))
        found = release.cached(key)
        if found is None:
            found = await anyio.to_thread.run_sync(release.search, *key, limiter=cpu)
        took = (time.perf_counter() - start) * 1000
        head = {"query": q, "normalized": normalized, "weak": found.weak, "took_ms": round(took, 3),
                "total": found.total}
        if found.corrected:
            head["corrected"] = found.corrected
        search_log.record("search", query=q, normalized=normalized, origin=origin, type=type, channel=channel,
                          operator=key[-1],
                          results=found.ids[:5], top=round(found.top, 4), weak=found.weak, total=found.total,
                          matched=found.matched, took_ms=round(took, 3))
        # The results were encoded once, when first computed: a cached answer is a concatenation, not
        # a validation and serialisation of ten results per request (SearchResponse documents the shape).
        body = json.dumps(head, ensure_ascii=False)[:-1] + ', "results": ' + found.results_json + "}"
        return Response(body, media_type="application/json")

    @app.get("/api/entries/{entry_id}", responses=ERRORS, tags=["entries"])
    async def entry(entry_id: Annotated[str, PathParam(max_length=80)]) -> dict[str, Any]:
        release = current()
        found = release.entry(entry_id)
        if found is None:
            raise HTTPException(404, f"no entry with id {entry_id!r}")
        return found

    @app.get("/api/suggest", response_model=SuggestResponse, responses=ERRORS, tags=["search"])
    async def suggest(q: QueryText,
                      limit: Annotated[int, Query(ge=1, le=20)] = 8) -> dict[str, Any]:
        release = current()
        return {"query": q, "suggestions": release.suggest(q, limit)}

    @app.post("/api/check", response_model=CheckResponse, responses=ERRORS, tags=["checker"])
    async def check(body: CheckRequest, operator: OperatorParam = None, origin: OriginParam = "api") -> Response:
        release = current()
        start = time.perf_counter()
        profile = chosen_operator(release, operator, settings.operator)
        logged: dict[str, Any] = {}

        def judge() -> bytes:
            # Checking and encoding both run off the event loop: a long text has thousands of hits.
            found = release.checker.check(body.text)
            # Another operator's norms do not bind this deployment's agents.
            hits = [h for h in found["hits"] if profile is None or release.shows(h["entry_id"], profile)]
            certain = sum(h["tier"] == 1 for h in hits)
            message = "未命中禁语库（不代表没有问题）" if not hits else \
                f"命中禁语 {certain} 处，疑似 {len(hits) - certain} 处"
            shown = hits[: settings.max_check_hits]
            # The text itself is not logged (a draft reply may name the customer): its size and the hits.
            logged.update(chars=len(body.text), hits=[[h["entry_id"], h["tier"]] for h in shown[:10]],
                          total=len(hits))
            return json.dumps({"hits": shown, "message": message, "total": len(hits), "judged": found["judged"],
                               "skipped": found["skipped"], "took_ms": round((time.perf_counter() - start) * 1000, 3)},
                              ensure_ascii=False).encode()

        answer = await anyio.to_thread.run_sync(judge, limiter=cpu)
        search_log.record("check", origin=origin, **logged, took_ms=round((time.perf_counter() - start) * 1000, 3))
        return Response(answer, media_type="application/json")

    @app.post("/api/events", status_code=202, responses=ERRORS, tags=["search"],
              openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                  "schema": EventRequest.model_json_schema()}}}})
    async def events(request: Request) -> Response:
        """What the agent used from a search (the widget reports copies and opened entries)."""
        release = current()
        raw = await request.body()
        if len(raw) > MAX_EVENT_BYTES:
            raise HTTPException(413, f"an event is at most {MAX_EVENT_BYTES} bytes")
        try:
            event = EventRequest.model_validate_json(raw)
        except ValidationError as exc:
            message, detail = _explain(list(exc.errors()))
            return _error(422, message, detail)
        entry_id = release.aliases.get(event.id, event.id)  # an id merged into another entry counts for it
        if entry_id not in release.entries:
            raise HTTPException(404, f"no entry with id {event.id!r}")
        search_log.record("event", event=event.event, id=entry_id, query=event.query,
                          normalized=normalize(event.query), origin=event.origin)
        return JSONResponse({"status": "accepted"}, status_code=202)

    @app.get("/api/changes", response_model=ChangesResponse, responses=ERRORS, tags=["entries"])
    async def changes(since: Annotated[str | None, Query(max_length=64, pattern=SINCE_PATTERN, description=(
            "A build id (changes after it) or a date, e.g. 2026-11-01 (changes from then on); "
            "default: the whole history"))] = None) -> Any:
        release = current()
        try:
            builds = changes_since(release.changes, since)
        except (ValueError, TypeError) as exc:  # shaped like a date, yet none (2026-02-31): nothing to find
            raise HTTPException(404, str(exc)) from None
        listed = [{"id": i, **c} for i, c in summarize(builds).items()]
        return {"build_id": release.build_id, "since": since, "builds": len(builds), "changes": listed}

    register_norm_routes(app, current, settings, ERRORS)

    def served(base: Path, rel: str, missing: str) -> Response:
        """A file of the current build, or a 404 JSON that says what is missing."""
        path = resolve(base, rel)
        if path is None:
            raise HTTPException(404, missing)
        return file_response(path)

    @app.get("/handbook.pdf", include_in_schema=False)
    async def handbook() -> Response:
        release = current()
        return served(release.path, "handbook.pdf", "this build has no handbook")

    @app.get("/widget.js", include_in_schema=False)
    async def widget_js() -> Response:
        release = current()
        return served(release.path / "widget", "widget.js", "this build has no widget")

    @app.get("/widget", include_in_schema=False)
    async def widget_redirect() -> Response:
        return RedirectResponse("/widget/")

    @app.get("/widget/{rest:path}", include_in_schema=False)
    async def widget_files(rest: str) -> Response:
        release = current()
        return served(release.path / "widget", rest, f"not found: /widget/{rest}")

    @app.get("/{rest:path}", include_in_schema=False)
    async def site(rest: str) -> Response:
        release = current()
        if rest == "api" or rest.startswith("api/"):
            # Only reached by GET: an API path that exists answers 405 (with Allow), any other 404.
            methods = {m for r in app.routes if getattr(r, "path", None) == f"/{rest}"
                       for m in getattr(r, "methods", ())}
            if methods:
                raise HTTPException(405, "method not allowed", headers={"Allow": ", ".join(sorted(methods))})
            raise HTTPException(404, f"no API route /{rest}")
        return served(release.path / "site", rest, f"not found: /{rest}")

    return app
