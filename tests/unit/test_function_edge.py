"""One edge: HTTP functions share the callables' error map; unexpected exceptions are INTERNAL, logged."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from firebase_functions import https_fn
from firebase_functions.private import util as sdk_util

from _edge import INTERNAL_MESSAGE, run_callable, run_http
from gitalong.core import errors
from support.events import http_request, serve

CALLABLE_PROTOCOL_STATUS = {
    "INVALID_ARGUMENT": 400, "FAILED_PRECONDITION": 400, "UNAUTHENTICATED": 401, "PERMISSION_DENIED": 403,
    "NOT_FOUND": 404, "ALREADY_EXISTS": 409, "RESOURCE_EXHAUSTED": 429, "INTERNAL": 500, "UNAVAILABLE": 503,
}
"""The HTTP status the Firebase callable protocol gives each code our errors use."""

DOMAIN_ERRORS = sorted(
    (cls for cls in vars(errors).values() if isinstance(cls, type) and issubclass(cls, errors.GitAlongError)),
    key=lambda cls: cls.__name__,
)
SECRET = "db password is hunter2"


def _error(cls: type[errors.GitAlongError]) -> errors.GitAlongError:
    if issubclass(cls, errors.InvalidArgument):
        return cls("bad input", [{"field": "kind", "message": "required"}])
    return cls(f"refused with {cls.status}", {"why": cls.__name__})


def _http_function(raise_: BaseException, methods: tuple[str, ...] = ("POST",)) -> Any:
    def handler(req: https_fn.Request) -> https_fn.Response:
        raise raise_

    @https_fn.on_request()
    def probe(req: https_fn.Request) -> https_fn.Response:
        return run_http("probe", req, handler, methods=methods)

    return probe


def test_every_domain_error_names_a_code_the_callable_protocol_maps() -> None:
    assert {cls.status for cls in DOMAIN_ERRORS} == set(CALLABLE_PROTOCOL_STATUS)


@pytest.mark.parametrize("cls", DOMAIN_ERRORS, ids=lambda cls: cls.__name__)
def test_an_http_function_answers_a_domain_error_with_its_codes_status_and_the_error_body(
    cls: type[errors.GitAlongError],
) -> None:
    error = _error(cls)
    with http_request("POST") as req:
        response = _http_function(error)(req)
    assert response.status_code == CALLABLE_PROTOCOL_STATUS[cls.status]
    assert response.get_json() == {"error": {"status": cls.status, "message": error.message, "details": error.details}}


@pytest.mark.parametrize("cls", DOMAIN_ERRORS, ids=lambda cls: cls.__name__)
def test_a_callable_answers_the_same_domain_error_with_the_same_http_status(
    cls: type[errors.GitAlongError], monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(uid: str, request: Any) -> Any:
        raise _error(cls)

    @https_fn.on_call()
    def probe(req: https_fn.CallableRequest[Any]) -> Any:
        return run_callable("unmatch", req, refuse)

    monkeypatch.setattr(sdk_util._auth, "verify_id_token", lambda token: {"uid": "alice"})
    with http_request("POST", json={"data": {"match_id": "alice_bob"}}, headers={"Authorization": "Bearer t"}) as req:
        response = serve(probe, req)
    assert response.status_code == CALLABLE_PROTOCOL_STATUS[cls.status]
    assert response.get_json()["error"]["status"] == cls.status


def test_an_error_may_carry_its_own_http_status() -> None:
    from gitalong.media.model import FileTooLarge

    with http_request("POST") as req:
        response = _http_function(FileTooLarge("over 10 MB", [{"field": "file", "message": "too large"}]))(req)
    assert response.status_code == 413 and response.get_json()["error"]["status"] == "INVALID_ARGUMENT"


def test_an_http_function_refuses_other_methods_with_405_and_the_error_body() -> None:
    with http_request("DELETE") as req:
        response = _http_function(AssertionError("never reached"), methods=("GET", "HEAD"))(req)
    assert response.status_code == 405
    assert response.get_json()["error"] == {"status": "INVALID_ARGUMENT", "message": "probe takes GET or HEAD",
                                            "details": None}


def test_an_unexpected_exception_in_an_http_function_is_internal_without_details_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR, logger="gitalong"), http_request("POST") as req:
        response = _http_function(KeyError(SECRET))(req)
    assert response.status_code == 500
    assert response.get_json() == {"error": {"status": "INTERNAL", "message": INTERNAL_MESSAGE, "details": None}}
    assert SECRET not in response.get_data(as_text=True)
    [record] = [r for r in caplog.records if r.name == "gitalong"]
    assert record.exc_info is not None and record.exc_info[0] is KeyError and "probe failed" in record.getMessage()


def test_an_unexpected_exception_in_a_callable_is_internal_without_details_and_logged(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch,
) -> None:
    def crash(uid: str, request: Any) -> Any:
        raise RuntimeError(SECRET)

    @https_fn.on_call()
    def probe(req: https_fn.CallableRequest[Any]) -> Any:
        return run_callable("unmatch", req, crash)

    monkeypatch.setattr(sdk_util._auth, "verify_id_token", lambda token: {"uid": "alice"})
    with caplog.at_level(logging.ERROR), http_request(
        "POST", json={"data": {"match_id": "alice_bob"}}, headers={"Authorization": "Bearer t"}
    ) as req:
        response = serve(probe, req)
    assert response.status_code == 500
    assert response.get_json() == {"error": {"status": "INTERNAL", "message": INTERNAL_MESSAGE}}
    ours = [r for r in caplog.records if r.name == "gitalong"]
    assert len(ours) == 1 and ours[0].exc_info is not None and ours[0].exc_info[0] is RuntimeError
    assert "unmatch failed" in ours[0].getMessage()
    assert not [r for r in caplog.records if r.name != "gitalong" and SECRET in r.getMessage()]  # not the SDK's


def test_a_response_that_breaks_its_contract_model_is_internal_too(caplog: pytest.LogCaptureFixture) -> None:
    from types import SimpleNamespace

    req: Any = SimpleNamespace(data={"match_id": "alice_bob"}, auth=SimpleNamespace(uid="alice", token={}))
    with caplog.at_level(logging.ERROR, logger="gitalong"), pytest.raises(https_fn.HttpsError) as caught:
        run_callable("unmatch", req, lambda uid, request: {"ok": "not a bool", "extra": SECRET})
    assert caught.value.code == https_fn.FunctionsErrorCode.INTERNAL and caught.value.details is None
    assert caught.value.message == INTERNAL_MESSAGE and caplog.records[-1].exc_info is not None
