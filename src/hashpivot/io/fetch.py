"""HTTP GET of JSON with a timeout, bounded retries and exponential backoff (httpx).

Why httpx and not the official ``coinmetrics-api-client``: both sources (Coin Metrics and
mempool.space) go through this one function, so they share one timeout, one retry policy and one
rule for what counts as a complete download; the base URL of each is a plain string that tests point
at a server on 127.0.0.1. The official client could be pointed elsewhere (``host``/``port``/
``schema``) but brings its own HTTP stack (requests), its own retries and its own paging, which would
hide the page boundaries that resuming an interrupted download needs, and it does not cover
mempool.space at all.

What is retried (transient): connection errors, a connection dropped before the whole body arrived,
timeouts, HTTP 429/500/502/503/504, and a 200 whose body is not valid JSON (what a truncated body
behind a proxy looks like). Waits double from ``backoff_first_s`` up to ``backoff_max_s``; a
``Retry-After`` header (seconds) is honoured within that cap. Anything else (another 4xx, for example
a bad parameter) fails at once. A body is only ever returned once it has been read completely and
parsed, so a partial download never reaches the caller.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hashpivot.errors import HashpivotError

if TYPE_CHECKING:
    import httpx

#: HTTP statuses worth another try.
TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})
#: User-Agent sent with every request (public APIs ask clients to identify themselves).
USER_AGENT = "hashpivot (strategy lab for Bitcoin miners; python-httpx)"


class FetchError(HashpivotError):
    """A source could not be read: unreachable, timed out, refused the request or sent no usable JSON.

    ``url`` is the URL tried last and ``reason`` the last failure, in words.
    """

    def __init__(self, message: str, url: str = "", reason: str = "") -> None:
        super().__init__(message)
        self.url = url
        self.reason = reason


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try one URL.

    ``retries``: further tries after the first (so ``retries + 1`` in all). ``timeout_s``: limit for
    connecting and for each read. ``backoff_first_s``: wait before the first retry, doubling each time
    up to ``backoff_max_s``. [s]
    """

    retries: int = 3
    timeout_s: float = 30.0
    backoff_first_s: float = 1.0
    backoff_max_s: float = 30.0

    def wait_s(self, retry_index: int, retry_after_s: float | None = None) -> float:
        """Wait before retry number ``retry_index`` (0-based). [s]"""
        wait = min(self.backoff_max_s, self.backoff_first_s * 2.0**retry_index)
        if retry_after_s is not None:
            wait = max(wait, min(self.backoff_max_s, retry_after_s))
        return wait


Notify = Callable[[str], None]


def new_client(policy: RetryPolicy) -> httpx.Client:
    """An httpx client with the policy's timeout; the caller closes it (use it as a context manager)."""
    import httpx

    return httpx.Client(timeout=httpx.Timeout(policy.timeout_s), follow_redirects=True,
                        headers={"User-Agent": USER_AGENT, "Accept": "application/json"})


def get_json(client: httpx.Client, url: str, params: Mapping[str, str] | None = None, *,
             policy: RetryPolicy, what: str, notify: Notify | None = None,
             sleep: Callable[[float], None] = time.sleep) -> Any:
    """GET ``url`` (with query ``params``) and return its parsed JSON body.

    ``what`` names the source in messages ("Coin Metrics"). ``notify`` receives one line per retry.
    Raises :class:`FetchError` when every try failed or the server refused the request.
    """
    import httpx

    tries = policy.retries + 1
    shown = _shown_url(client, url, params)
    reason = ""
    for attempt in range(tries):
        retry_after: float | None = None
        try:
            response = client.get(url, params=dict(params) if params else None)
        except httpx.TimeoutException:
            reason = f"no answer within the timeout of {policy.timeout_s:g} s"
        except httpx.RemoteProtocolError as exc:
            reason = f"the connection was dropped before the whole response arrived ({exc})"
        except httpx.TransportError as exc:
            reason = f"connection failed ({type(exc).__name__}: {exc})"
        else:
            status = response.status_code
            if status == 200:
                try:
                    return json.loads(response.content)
                except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                    reason = f"malformed JSON in the response ({exc})"
            elif status in TRANSIENT_STATUSES:
                reason = f"HTTP {status}{_api_message(response)}"
                retry_after = _retry_after_s(response)
            else:
                raise FetchError(
                    f"{what}: GET {shown} was refused with HTTP {status}{_api_message(response)}; "
                    "check the base URL and the request (allowed: HTTP 200)",
                    url=shown, reason=f"HTTP {status}",
                )
        if attempt + 1 < tries:
            wait = policy.wait_s(attempt, retry_after)
            if notify is not None:
                notify(f"{what}: {reason}; retrying in {wait:g} s (try {attempt + 2} of {tries})")
            sleep(wait)
    raise FetchError(
        f"{what}: GET {shown} failed after {tries} {'try' if tries == 1 else 'tries'}: {reason}",
        url=shown, reason=reason,
    )


def _shown_url(client: httpx.Client, url: str, params: Mapping[str, str] | None) -> str:
    request = client.build_request("GET", url, params=dict(params) if params else None)
    return str(request.url)


def _retry_after_s(response: httpx.Response) -> float | None:
    text = response.headers.get("Retry-After", "").strip()
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value >= 0 else None


def _api_message(response: httpx.Response) -> str:
    """The API's own error text, when the body carries one (Coin Metrics: ``{"error": {"message"}}``;
    mempool.space: ``{"error": "..."}`` or plain text)."""
    try:
        body = json.loads(response.content)
    except (json.JSONDecodeError, UnicodeDecodeError):
        text = response.text.strip() if len(response.content) <= 300 else ""
        return f" ({text})" if text and "<" not in text else ""
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        message = error.get("message") or error.get("type")
        return f" ({message})" if message else ""
    if isinstance(error, str) and error:
        return f" ({error})"
    return ""
