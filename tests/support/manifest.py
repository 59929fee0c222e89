"""What ``firebase deploy`` reads of a function: the deploy manifest entry its decorator attached."""

from __future__ import annotations

from firebase_functions.private.manifest import ManifestEndpoint


def endpoint_of(function: object) -> ManifestEndpoint:
    """The manifest entry of a decorated function; fails clearly if the SDK stops attaching one."""
    found = getattr(function, "__firebase_endpoint__", None)
    assert isinstance(found, ManifestEndpoint), f"{function!r} carries no deploy manifest entry"
    return found
