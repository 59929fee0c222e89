"""The public contract: request and response models of every callable.

``CALLABLES`` maps each callable's name to its ``(request, response)`` models; the
JSON Schemas in ``schemas/`` are generated from it (``./dev schemas``).
"""

from gitalong.contract.callables import CALLABLES, CallableSpec

__all__ = ["CALLABLES", "CallableSpec"]
