"""Events as the functions framework hands them to a function: Pub/Sub CloudEvents, HTTP requests."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from cloudevents.http import CloudEvent
from flask import Flask, Request, Response, request

PUBSUB_EVENT = "google.cloud.pubsub.topic.v1.messagePublished"


def pubsub_event(
    topic: str,
    data: bytes | dict[str, Any],
    published: datetime | None = None,
    attributes: dict[str, str] | None = None,
    event_id: str = "event-1",
) -> CloudEvent:
    """The CloudEvent Pub/Sub pushes for one message of ``topic`` (``data``: raw bytes or a JSON object)."""
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    at = (published or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    message = {
        "data": base64.b64encode(raw).decode(),
        "messageId": event_id, "message_id": event_id,
        "publishTime": at, "publish_time": at,
        "attributes": attributes or {},
    }
    return CloudEvent(
        {
            "id": event_id,
            "source": f"//pubsub.googleapis.com/projects/demo-gitalong/topics/{topic}",
            "specversion": "1.0",
            "type": PUBSUB_EVENT,
            "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        },
        {"message": message, "subscription": f"projects/demo-gitalong/subscriptions/{topic}"},
    )


@contextmanager
def http_request(method: str = "POST", **kwargs: Any) -> Iterator[Request]:
    """A Flask request as the functions framework passes it (``kwargs`` as for Werkzeug's test client)."""
    with Flask(__name__).test_request_context("/", method=method, **kwargs):
        yield request


def serve(function: Callable[..., object], req: Request) -> Response:
    """What a decorated HTTP or callable function answers ``req`` (the SDK types it as undecorated)."""
    response = function(req)
    assert isinstance(response, Response), response
    return response
