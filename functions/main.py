"""Every GitAlong Cloud Function, exposed for discovery and deploy.

Handlers live in the ``*_fn`` modules, grouped by what they serve. Import only
``firebase_functions`` here: every import in this file is paid by every cold start,
so handlers load the domain (``gitalong``) and heavy libraries when first called.
"""

from firebase_admin import initialize_app
from health_fn import health
from profiles_fn import sync_profile

initialize_app()

__all__ = ["health", "sync_profile"]
