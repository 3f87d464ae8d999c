"""The queue windows run against the real service on 127.0.0.1."""

from __future__ import annotations

from tests.helpers.queue_service import Service, queue_url, service, store

__all__ = ["Service", "queue_url", "service", "store"]
