"""The public contract: the callables' models, the Pub/Sub topics and the messages on them.

``callables.CALLABLES`` maps each callable's name to its ``(request, response)`` models; the
JSON Schemas in ``schemas/`` are generated from it (``./dev schemas``). ``topics`` names every
topic; ``messages`` holds one model per topic a function subscribes to. Nothing is imported
here, so ``from gitalong.contract import topics`` stays free at cold start.
"""
