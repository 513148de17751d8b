# Copyright 2026 The connector_openproject authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""urllib3 retry policy for OpenProject: back-off with jitter, rate-limit headers.

The retries run inside urllib3 (mounted through a requests ``HTTPAdapter``), not in a
loop of ours, so each try is a fresh request on the pool with the same timeouts and
the policy is one object that can be read in one place:

* only GET is retried (the client never writes, and a write must not be repeated);
* connection errors, read timeouts, 429 and 5xx (but 501 and 505, which no retry
  fixes) are retried, at most ``total`` times;
* any other error before a response (a TLS failure) is not retried at all;
* the wait before a retry is what the server asked for, when it did: ``Retry-After``
  (seconds or an HTTP date, sent by proxies) or OpenProject's ``RateLimit-Reset``
  (epoch seconds); otherwise an exponential back-off with jitter, so that several
  Odoo workers hit by the same outage do not come back in lock-step. Every wait is
  capped at ``wait_cap`` seconds (the client's ``backoff_max``).

urllib3 1.26 (pinned by Odoo 18) has neither ``backoff_jitter`` nor ``backoff_max``
as arguments, and 2.x computes the first back-off as zero; overriding
``get_backoff_time`` and ``sleep`` gives the same behaviour on both. When the tries
are exhausted on a status, urllib3 hands back the last response
(``raise_on_status=False``) and the client raises its typed error.
"""

import datetime
import email.utils
import logging
import random
import time
from itertools import takewhile

from urllib3.util.retry import Retry

_logger = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429} | (set(range(500, 600)) - {501, 505}))

# RateLimit-Reset is epoch seconds in OpenProject; the IETF draft of the header uses
# seconds-from-now. A value this large can only be an epoch timestamp.
_EPOCH_THRESHOLD = 10**9


def requested_wait(headers):
    """Seconds a 429/503 answer asks to wait: ``Retry-After`` or ``RateLimit-Reset``.

    ``Retry-After`` (seconds or an HTTP date) comes from proxies; OpenProject's own
    rate limiter sends ``RateLimit-Reset`` as epoch seconds. None when neither is
    there or readable; never negative.
    """
    if headers is None:
        return None
    retry_after = headers.get("Retry-After")
    if retry_after:
        seconds = _parse_retry_after(retry_after)
        if seconds is not None:
            return seconds
        _logger.debug("Ignoring unparsable Retry-After %r", retry_after)
    reset = headers.get("RateLimit-Reset")
    if reset:
        try:
            value = float(reset)
        except ValueError:
            _logger.debug("Ignoring unparsable RateLimit-Reset %r", reset)
            return None
        if value >= _EPOCH_THRESHOLD:
            value -= time.time()
        return max(0.0, value)
    return None


def _parse_retry_after(text):
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return max(0.0, moment.timestamp() - time.time())


class RetryObserver:
    """Receives what the retry policy does; the client counts and records it."""

    def retry_scheduled(self, method, url, error, status):
        """A failed try will be followed by another one."""

    def waiting(self, seconds, reason):
        """The policy is about to sleep ``seconds`` before the next try."""


class OpenProjectRetry(Retry):
    """urllib3 ``Retry`` with jitter, a wait cap and OpenProject's rate-limit header."""

    def __init__(self, *args, wait_cap=60.0, jitter=0.5, observer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.wait_cap = wait_cap
        self.jitter = jitter
        self.observer = observer

    @classmethod
    def for_client(cls, max_retries, backoff_factor, wait_cap, observer=None):
        """Build the policy the client mounts, from its public settings."""
        return cls(
            total=max_retries,
            connect=max_retries,
            read=max_retries,
            status=max_retries,
            # Anything that is neither a connection nor a read error (a TLS failure)
            # will not go away on its own.
            other=0,
            redirect=max_retries,
            allowed_methods=frozenset({"GET"}),
            status_forcelist=RETRY_STATUSES,
            backoff_factor=backoff_factor,
            raise_on_status=False,
            respect_retry_after_header=True,
            wait_cap=wait_cap,
            observer=observer,
        )

    def new(self, **kw):
        # urllib3 copies a Retry through new() after every try; carry our settings.
        kw.setdefault("wait_cap", self.wait_cap)
        kw.setdefault("jitter", self.jitter)
        kw.setdefault("observer", self.observer)
        return super().new(**kw)

    def increment(
        self,
        method=None,
        url=None,
        response=None,
        error=None,
        _pool=None,
        _stacktrace=None,
    ):
        # Raises MaxRetryError (or the original error) when no try is left, so the
        # observer hears only of tries that will really be sent.
        new_retry = super().increment(
            method=method,
            url=url,
            response=response,
            error=error,
            _pool=_pool,
            _stacktrace=_stacktrace,
        )
        status = getattr(response, "status", None)
        _logger.debug(
            "Retrying %s %s after %s", method, url, status or type(error).__name__
        )
        if self.observer is not None:
            self.observer.retry_scheduled(method, url, error, status)
        return new_retry

    def get_backoff_time(self):
        """Exponential back-off with jitter: ``factor * 2**(n-1)``, less up to jitter.

        ``n`` counts the consecutive failed tries. The result lies in
        ``[base * (1 - jitter), base]`` with ``base`` capped at ``wait_cap``.
        """
        failures = len(
            list(
                takewhile(lambda h: h.redirect_location is None, reversed(self.history))
            )
        )
        if failures <= 0 or not self.backoff_factor:
            return 0.0
        base = min(self.wait_cap, self.backoff_factor * (2 ** (failures - 1)))
        return base * (1.0 - self.jitter * random.random())

    def server_requested_wait(self, response):
        """Seconds the server asked us to wait, from its headers, or None."""
        return requested_wait(getattr(response, "headers", None))

    def get_retry_after(self, response):
        # Lets urllib3 treat RateLimit-Reset like Retry-After wherever it asks.
        return self.server_requested_wait(response)

    def sleep(self, response=None):
        wait = None
        reason = "back-off"
        if response is not None and self.respect_retry_after_header:
            wait = self.server_requested_wait(response)
            reason = "server-requested"
        if not wait:
            wait = self.get_backoff_time()
            reason = "back-off"
        wait = max(0.0, min(wait, self.wait_cap))
        if self.observer is not None:
            self.observer.waiting(wait, reason)
        if wait > 0:
            time.sleep(wait)
