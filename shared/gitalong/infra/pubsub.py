"""Publishing to the Pub/Sub topics of ``gitalong.contract.topics`` (the emulator when PUBSUB_EMULATOR_HOST is set)."""

from __future__ import annotations

import json
import logging
from functools import lru_cache
from typing import Any

from gitalong.core.config import project_id

logger = logging.getLogger(__name__)

@lru_cache(maxsize=1)
def _publisher() -> Any:
    from google.cloud import pubsub_v1  # type: ignore[attr-defined]

    return pubsub_v1.PublisherClient()


def publish(topic: str, message: dict[str, Any], timeout: float = 30.0) -> str:
    """Publish ``message`` as JSON to ``topic``; creates the topic on the emulator if missing."""
    from google.api_core.exceptions import NotFound

    publisher = _publisher()
    path = publisher.topic_path(project_id(), topic)
    data = json.dumps(message, separators=(",", ":")).encode()
    try:
        message_id = str(publisher.publish(path, data).result(timeout=timeout))
    except NotFound:
        publisher.create_topic(name=path)
        message_id = str(publisher.publish(path, data).result(timeout=timeout))
    logger.info("published %s to %s (%s)", message_id, topic, message)
    return message_id

