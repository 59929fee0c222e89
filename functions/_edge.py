"""The function edge: every callable, HTTP function and Pub/Sub handler runs through here.

* :func:`run_callable` validates a callable request with its contract model;
* :func:`run_http` answers an HTTP function's errors as JSON, with the same statuses;
* :func:`run_message` hands a Pub/Sub handler its message parsed by the topic's contract model.

A :class:`gitalong.core.errors.GitAlongError` becomes the callable code of its ``status``,
and over HTTP the status the callable protocol gives that code (the SDK's own table). Any
other exception is logged with its traceback and answered as ``INTERNAL``, without details.
Only ``firebase_functions`` is imported at module level: this module is paid at cold start.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from firebase_functions import https_fn

if TYPE_CHECKING:
    from firebase_functions import pubsub_fn

    from gitalong.contract.messages import Message

logger = logging.getLogger("gitalong")

INTERNAL_MESSAGE = "internal error"
"""What a caller is told of an unexpected exception (the log has the rest)."""

M = TypeVar("M", bound="Message")


def http_status(code: str) -> int:
    """The HTTP status the callable protocol answers for ``code`` (``"NOT_FOUND"`` → 404)."""
    return https_fn.HttpsError(https_fn.FunctionsErrorCode[code], code)._http_error_code.status


# --- callables --------------------------------------------------------------------------


def run_callable(
    name: str, req: https_fn.CallableRequest[Any], handler: Callable[[str, Any], Any]
) -> dict[str, Any]:
    """Authenticate, validate with the contract model, run ``handler(uid, request)``, serialize.

    Validation failures become ``INVALID_ARGUMENT`` with ``details.errors``; any
    :class:`gitalong.core.errors.GitAlongError` becomes the callable status it names.
    """
    from pydantic import ValidationError

    from gitalong.contract.callables import CALLABLES
    from gitalong.core.errors import GitAlongError, InvalidArgument, Unauthenticated, errors_from_validation

    spec = CALLABLES[name]
    try:
        if req.auth is None:
            raise Unauthenticated(f"{name} needs a signed-in user")
        data = req.data if req.data is not None else {}
        if not isinstance(data, dict):
            raise InvalidArgument(
                "the request must be a JSON object", [{"field": "(root)", "message": "not an object"}]
            )
        try:
            request = spec.request.model_validate(data)
        except ValidationError as exc:
            raise InvalidArgument(f"invalid {name} request", errors_from_validation(exc)) from None
        result = handler(str(req.auth.uid), request)
        return spec.response.model_validate(result).model_dump(mode="json", exclude_none=False)
    except https_fn.HttpsError:
        raise
    except GitAlongError as error:
        logger.info("%s refused: %s %s", name, error.status, error.message)
        raise https_fn.HttpsError(https_fn.FunctionsErrorCode[error.status], error.message, error.details) from None
    except Exception:
        logger.exception("%s failed", name)
        raise https_fn.HttpsError(https_fn.FunctionsErrorCode.INTERNAL, INTERNAL_MESSAGE) from None


# --- HTTP functions ---------------------------------------------------------------------


def json_response(body: Any, status: int = 200) -> https_fn.Response:
    """``body`` as JSON (dates as ISO 8601, anything else unknown as its ``str``)."""

    def default(value: Any) -> str:
        return value.isoformat() if isinstance(value, (datetime, date)) else str(value)

    return https_fn.Response(json.dumps(body, default=default), status=status, content_type="application/json")


def error_response(status: str, message: str, details: Any = None, code: int | None = None) -> https_fn.Response:
    """``{"error": {status, message, details}}`` with ``code`` or the callable protocol's HTTP status."""
    body = {"error": {"status": status, "message": message, "details": details}}
    return json_response(body, code or http_status(status))


def run_http(
    name: str,
    req: https_fn.Request,
    handler: Callable[[https_fn.Request], https_fn.Response],
    methods: tuple[str, ...] = ("POST",),
) -> https_fn.Response:
    """Run ``handler(req)`` for the allowed ``methods`` (else 405) and answer its errors as JSON.

    A :class:`gitalong.core.errors.GitAlongError` is answered with its status's HTTP code
    (or its own ``http_status``, e.g. 413); anything else is ``INTERNAL``, 500.
    """
    from gitalong.core.errors import GitAlongError

    if req.method not in methods:
        return error_response("INVALID_ARGUMENT", f"{name} takes {' or '.join(methods)}", code=405)
    try:
        return handler(req)
    except GitAlongError as error:
        logger.info("%s refused: %s %s", name, error.status, error.message)
        return error_response(error.status, error.message, error.details, getattr(error, "http_status", None))
    except Exception:
        logger.exception("%s failed", name)
        return error_response("INTERNAL", INTERNAL_MESSAGE)


# --- Pub/Sub handlers -------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    """What Pub/Sub tells about one delivery of a message, besides the message itself."""

    event_id: str
    """The CloudEvent id: the same on every redelivery of the message."""
    published: datetime
    """When the message was published (UTC); a redelivery keeps it."""
    attributes: Mapping[str, str]
    """The attributes it was published with."""

    def age_s(self) -> float:
        """Seconds since the message was published."""
        return (datetime.now(UTC) - self.published).total_seconds()


def _published(event: Any) -> datetime:
    published = getattr(event.data.message, "publish_time", None) or event.time
    if isinstance(published, str):
        published = datetime.fromisoformat(published.replace("Z", "+00:00"))
    if not isinstance(published, datetime):
        return datetime.now(UTC)
    return published if published.tzinfo is not None else published.replace(tzinfo=UTC)


def run_message(
    name: str,
    event: pubsub_fn.CloudEvent[pubsub_fn.MessagePublishedData[Any]],
    model: type[M],
    handler: Callable[[M, Delivery], object],
) -> None:
    """Parse the message with its topic's contract ``model`` and run ``handler(message, delivery)``.

    A malformed message is logged (warning: topic and reason) and dropped: the function
    returns, so Pub/Sub acks it, since a retry could never succeed. An exception from
    ``handler`` propagates, so a function declared with ``retry=True`` is redelivered.
    """
    import base64
    import binascii

    from gitalong.contract.messages import MalformedMessage, parse

    try:
        message = parse(model, base64.b64decode(event.data.message.data or ""))
    except (MalformedMessage, binascii.Error) as exc:
        logger.warning("%s: malformed %s message %s dropped (%s)", name, model.TOPIC, event.id, exc)
        return
    delivery = Delivery(event.id, _published(event), dict(event.data.message.attributes or {}))
    handler(message, delivery)
