"""GitAlong's domain library, shared by every Cloud Function.

Nothing here imports Firebase: the domain is plain Python (pydantic, numpy), and
the adapters in :mod:`gitalong.infra` import their clients lazily.
"""

__version__ = "0.1.0"
