"""The function edge: one place that turns domain errors into callable errors."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from firebase_functions import https_fn

logger = logging.getLogger("gitalong")

Handler = Callable[[str, Any], Any]


def _https_error(error: Any) -> https_fn.HttpsError:
    code = https_fn.FunctionsErrorCode[error.status]
    return https_fn.HttpsError(code, error.message, error.details)


def run_callable(name: str, req: https_fn.CallableRequest[Any], handler: Handler) -> dict[str, Any]:
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
    except GitAlongError as error:
        logger.info("%s refused: %s %s", name, error.status, error.message)
        raise _https_error(error) from None
    return spec.response.model_validate(result).model_dump(mode="json", exclude_none=False)


def pubsub_payload(event: Any) -> dict[str, Any]:
    """The JSON object a Pub/Sub event carries (``{}`` when it carries none or is malformed)."""
    import base64

    from gitalong.infra.pubsub import decode

    try:
        return decode(base64.b64decode(event.data.message.data or ""))
    except (ValueError, TypeError):  # binascii.Error is a ValueError
        return {}
