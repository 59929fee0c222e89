"""``delete_account``: the entry point for deleting an account (there is no Auth-deletion trigger)."""

from __future__ import annotations

import logging
from typing import Any

from firebase_functions import https_fn

from _edge import run_callable

logger = logging.getLogger("gitalong.account")


def _delete_auth_user(uid: str) -> None:
    """Delete the Firebase Auth user; one that is already gone counts as deleted."""
    from firebase_admin import auth

    try:
        auth.delete_user(uid)
    except auth.UserNotFoundError:
        logger.info("auth user %s was already gone", uid)


def _handler(uid: str, request: Any) -> dict[str, Any]:
    from gitalong.account import deletion as account_deletion

    account_deletion.delete_account(uid, delete_auth_user=_delete_auth_user)
    return {"ok": True}


@https_fn.on_call(timeout_sec=540, secrets=["CLOUDINARY_URL"])  # the cascade destroys Cloudinary assets
def delete_account(req: https_fn.CallableRequest[Any]) -> dict[str, Any]:
    """Delete everything of the caller (see the contract), then the Auth user; needs ``confirm: true``."""
    return run_callable("delete_account", req, _handler)
