"""Send otel.json live to an OTLP/HTTP endpoint when ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or
``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``) is set: the same ``ExportTraceServiceRequest`` POSTed as OTLP/HTTP
JSON to ``<endpoint>/v1/traces``, which the Collector and most backends accept.

Plain urllib rather than the SDK's exporter: the spans already exist as OTLP JSON, and re-creating them as SDK
spans would only re-encode the same document. ``OTEL_EXPORTER_OTLP_HEADERS`` (``k=v,k2=v2``) is sent and
never printed: it usually holds an API key. A failed send is one warning line; the run never fails for it."""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from pathlib import Path

TIMEOUT_S = 10.0


def traces_url(env: Mapping[str, str]) -> str | None:
    """The URL to POST to, or None when no endpoint is configured."""
    full = env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "").strip()
    if full:
        return full
    base = env.get("OTEL_EXPORTER_OTLP_ENDPOINT", "").strip()
    return base.rstrip("/") + "/v1/traces" if base else None


def _headers(env: Mapping[str, str]) -> dict[str, str]:
    out = {"Content-Type": "application/json"}
    for part in env.get("OTEL_EXPORTER_OTLP_HEADERS", "").split(","):
        key, sep, value = part.partition("=")
        if sep and key.strip():
            out[urllib.parse.unquote(key.strip())] = urllib.parse.unquote(value.strip())
    return out


def send_live(otel_json: str | Path, env: Mapping[str, str] | None = None) -> bool:
    """POST the file when an endpoint is configured; True when the endpoint accepted it."""
    env = os.environ if env is None else env
    url = traces_url(env)
    if url is None:
        return False
    if urllib.parse.urlparse(url).scheme not in ("http", "https"):
        print(
            f"pfcbench: warning: OTEL_EXPORTER_OTLP_ENDPOINT {url!r} is not http(s); spans not sent",
            file=sys.stderr,
        )
        return False
    body = Path(otel_json).read_bytes()
    req = urllib.request.Request(url, data=body, headers=_headers(env), method="POST")
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT_S) as resp:
            ok = bool(200 <= resp.status < 300)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or getattr(exc, "code", None) or type(exc).__name__
        print(f"pfcbench: warning: spans not sent to {url}: {reason}", file=sys.stderr)
        return False
    if not ok:
        print(f"pfcbench: warning: {url} answered {resp.status}; spans not accepted", file=sys.stderr)
    return ok
