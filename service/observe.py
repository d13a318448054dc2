"""Prometheus metrics, JSON-lines logs and the request id that ties a caller's report to a log line."""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
import threading
import time
import uuid

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily
from starlette.routing import compile_path

log = logging.getLogger("inspectqa")
access_log = logging.getLogger("inspectqa.access")

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
_GOOD_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

# seconds; answers take tens of milliseconds alone and seconds under load
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
_STAGE_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5)


class Metrics:
    """The service's instruments, in a registry of its own (one per app, so tests can build many apps)."""

    def __init__(self):
        r = self.registry = CollectorRegistry()
        self.requests = Counter("inspectqa_http_requests_total", "HTTP requests answered, by route template, method and status.", ["route", "method", "status"], registry=r)
        self.latency = Histogram(
            "inspectqa_http_request_duration_seconds", "Time from request to the end of the answer, by route, method and status.",
            ["route", "method", "status"], buckets=_LATENCY_BUCKETS, registry=r,
        )  # fmt: skip
        self.answers = Counter("inspectqa_answers_total", "Answers given by /ask (abstentions included).", registry=r)
        self.abstentions = Counter("inspectqa_abstentions_total", "Answers that said the material does not answer the question.", registry=r)
        self.encode = Histogram("inspectqa_encode_seconds", "Encoding one question into a vector (cache misses only).", buckets=_STAGE_BUCKETS, registry=r)
        self.retrieval = Histogram(
            "inspectqa_retrieval_seconds", "Retrieval and answer selection for one question, encoding excluded.", ["operation"], buckets=_STAGE_BUCKETS, registry=r
        )
        self.index_ready = Gauge("inspectqa_index_ready", "1 when an index is loaded and serving, else 0.", registry=r)
        self.index_passages = Gauge("inspectqa_index_passages", "Passages in the serving index.", registry=r)
        self.index_documents = Gauge("inspectqa_index_documents", "Documents in the serving index.", registry=r)
        self.index_build_seconds = Gauge("inspectqa_index_build_seconds", "How long the serving index took to build.", registry=r)
        self.index_built = Gauge("inspectqa_index_built_timestamp_seconds", "When the serving index was built (Unix time).", registry=r)
        self.reloads = Counter("inspectqa_index_reloads_total", "Index reloads (POST /admin/reload, SIGHUP), by outcome.", ["outcome"], registry=r)
        self.answerer = None  # the serving answerer, read by the cache collector
        r.register(_CacheCollector(self))

    def index_loaded(self, manifest) -> None:
        self.index_ready.set(1)
        self.index_passages.set(manifest.passage_count)
        self.index_documents.set(manifest.document_count)
        self.index_build_seconds.set(manifest.build_seconds)
        try:
            self.index_built.set(dt.datetime.fromisoformat(manifest.built_at).timestamp())
        except (TypeError, ValueError):
            pass


class _CacheCollector:
    """Query-vector cache hits and misses of the serving answerer (they restart from 0 on reload)."""

    def __init__(self, metrics: Metrics):
        self.metrics = metrics

    def collect(self):
        answerer = self.metrics.answerer
        hits = CounterMetricFamily("inspectqa_query_cache_hits", "Questions whose vector came from the cache.")
        misses = CounterMetricFamily("inspectqa_query_cache_misses", "Questions that had to be encoded.")
        hits.add_metric([], float(getattr(answerer, "cache_hits", 0) or 0))
        misses.add_metric([], float(getattr(answerer, "cache_misses", 0) or 0))
        yield hits
        yield misses


# ---------------------------------------------------------------- timing the core without changing it

# seconds spent encoding for the request being timed: a one-item list set per request, shared with the thread that
# encodes its question (QuestionAnswerer submits the encode with the request's context), so the time is seen here
_encode_time: contextvars.ContextVar[list[float] | None] = contextvars.ContextVar("inspectqa_encode_time", default=None)


class TimedEncoder:
    """The encoder, with each call's time observed and noted for the request that made it."""

    def __init__(self, encoder, metrics: Metrics):
        self._encoder = encoder
        self._metrics = metrics

    def encode(self, texts, *args, **kwargs):
        started = time.perf_counter()
        try:
            return self._encoder.encode(texts, *args, **kwargs)
        finally:
            took = time.perf_counter() - started
            self._metrics.encode.observe(took)
            if (spent := _encode_time.get()) is not None:
                spent[0] += took

    def __getattr__(self, name):
        return getattr(self._encoder, name)


class InstrumentedAnswerer:
    """Wraps a QuestionAnswerer: counts answers and abstentions, times retrieval apart from encoding.
    Everything else is the wrapped answerer's."""

    def __init__(self, answerer, metrics: Metrics):
        answerer.encoder = TimedEncoder(answerer.encoder, metrics)
        self._answerer = answerer
        self._metrics = metrics

    def _timed(self, operation: str, call, *args, **kwargs):
        spent = [0.0]
        token = _encode_time.set(spent)
        started = time.perf_counter()
        try:
            result = call(*args, **kwargs)
        finally:
            _encode_time.reset(token)
        # the answer's time beyond its question's encode (BM25 runs while the encode does: that part is not counted)
        self._metrics.retrieval.labels(operation).observe(max(0.0, time.perf_counter() - started - spent[0]))
        return result

    def answer(self, *args, **kwargs):
        answer = self._timed("answer", self._answerer.answer, *args, **kwargs)
        self._metrics.answers.inc()
        if not answer.answerable:
            self._metrics.abstentions.inc()
        return answer

    def search(self, *args, **kwargs):
        return self._timed("search", self._answerer.search, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._answerer, name)


# ---------------------------------------------------------------- logs


class JsonLogFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, the request id, and any `fields` extra."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        request_id = request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_json_logging(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLogFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True


# ---------------------------------------------------------------- per-request: id, metrics, access log


class RouteLabels:
    """The route template a request is for: a bounded label value, so that /documents/x and
    /documents/y count together and probes of random paths all count as 'unmatched'."""

    def __init__(self, app):
        self.app = app
        self._patterns = None

    def _known(self):
        if self._patterns is None:
            paths = [*self.app.openapi().get("paths", {}), "/docs", "/redoc", "/openapi.json"]
            self._patterns = [(compile_path(p)[0], p) for p in paths]
        return self._patterns

    def __call__(self, scope) -> str:
        route = scope.get("route")  # set by the router when the request reached it
        if route is not None and isinstance(getattr(route, "path", None), str):
            return route.path
        # refused before routing (401, 413, 429, 504): match the path against the API's templates
        path = scope["path"]
        return next((template for pattern, template in self._known() if pattern.match(path)), "unmatched")


# the method label comes from this fixed set: a made-up method must not make a new metric series
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def method_label(method: str) -> str:
    return method if method in KNOWN_METHODS else "other"


def _question_of(body: bytes | None) -> str | None:
    try:
        question = json.loads(body or b"").get("question")
    except (ValueError, AttributeError, RecursionError):  # RecursionError: '[[[[...' nested thousands deep
        return None
    return question[:2000] if isinstance(question, str) else None


class RequestContextMiddleware:
    """Outermost: gives each request an id (X-Request-ID in and out), counts and times it, logs one line."""

    def __init__(self, app, fastapi_app, metrics: Metrics, log_questions: bool):
        self.app = app
        self.route_of = RouteLabels(fastapi_app)
        self.metrics = metrics
        self.log_questions = log_questions

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        incoming = next((v.decode("latin-1") for k, v in scope.get("headers", ()) if k == b"x-request-id"), "")
        request_id = incoming if _GOOD_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        status = 500
        started = time.perf_counter()

        async def send_with_id(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode("latin-1"))]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            took = time.perf_counter() - started
            route = self.route_of(scope)
            labels = (route, method_label(scope["method"]), str(status))
            self.metrics.requests.labels(*labels).inc()
            self.metrics.latency.labels(*labels).observe(took)
            identity = scope.get("state", {}).get("identity")
            fields = {
                "method": method_label(scope["method"]),
                "path": scope["path"],
                "route": route,
                "status": status,
                "duration_ms": round(took * 1000, 2),
                "client": (scope.get("client") or ("", 0))[0],
                "identity": identity.name if identity else None,
            }
            if self.log_questions and (question := _question_of(scope.get("inspectqa.body"))):
                fields["question"] = question
            access_log.info("%s %s %s", scope["method"], scope["path"], status, extra={"fields": fields})
            request_id_var.reset(token)
