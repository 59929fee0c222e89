"""The function edge maps validation and domain errors to the standard callable codes."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from firebase_functions import https_fn

from _edge import run_callable
from gitalong.core.errors import FailedPrecondition, ResourceExhausted


def _request(data: Any, uid: str | None = "alice") -> Any:
    auth = SimpleNamespace(uid=uid, token={}) if uid else None
    return SimpleNamespace(data=data, auth=auth)


def _swipe(uid: str, request: Any) -> dict[str, Any]:
    return {"swipe_id": f"{uid}_{request.target_id}", "matched": False, "match_id": None}


def test_a_valid_request_reaches_the_handler_and_its_result_is_serialized() -> None:
    result = run_callable("record_swipe", _request({"target_id": "bob", "direction": "right"}), _swipe)
    assert result == {"swipe_id": "alice_bob", "matched": False, "match_id": None}


def test_a_signed_out_caller_gets_unauthenticated() -> None:
    with pytest.raises(https_fn.HttpsError) as caught:
        run_callable("record_swipe", _request({"target_id": "bob", "direction": "right"}, uid=None), _swipe)
    assert caught.value.code == https_fn.FunctionsErrorCode.UNAUTHENTICATED


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"target_id": "bob", "direction": "up"}, "direction"),
        ({"direction": "left"}, "target_id"),
        ({"target_id": "a/b", "direction": "left"}, "target_id"),
        ({"target_id": "bob", "direction": "left", "target_type": "event"}, "target_type"),
        ({"target_id": "bob", "direction": "left", "admin": True}, "admin"),
        (["not", "an", "object"], "(root)"),
    ],
)
def test_invalid_input_is_invalid_argument_naming_the_field(data: Any, field: str) -> None:
    with pytest.raises(https_fn.HttpsError) as caught:
        run_callable("record_swipe", _request(data), _swipe)
    assert caught.value.code == https_fn.FunctionsErrorCode.INVALID_ARGUMENT
    details = caught.value.details
    assert isinstance(details, dict)
    assert field in [e["field"] for e in details["errors"]]


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (FailedPrecondition("blocked"), https_fn.FunctionsErrorCode.FAILED_PRECONDITION),
        (ResourceExhausted("slow down", {"retry_after_seconds": 3}), https_fn.FunctionsErrorCode.RESOURCE_EXHAUSTED),
    ],
)
def test_domain_errors_become_the_callable_code_of_the_same_name(error: Exception, code: Any) -> None:
    def refuse(uid: str, request: Any) -> Any:
        raise error

    with pytest.raises(https_fn.HttpsError) as caught:
        run_callable("record_swipe", _request({"target_id": "bob", "direction": "left"}), refuse)
    assert caught.value.code == code
    assert caught.value.message == str(error)
