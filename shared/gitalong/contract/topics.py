"""Every Pub/Sub topic name, defined once: publishers and the functions' decorators use these.

Plain constants and no imports: ``functions/*_fn.py`` import this module at cold start.
"""

PROFILE_UPDATED = "profile-updated"
"""``{uid}``: a public card changed (contract); recomputes that user's recommendations."""
MATCH_CREATED = "match-created"
"""``{match_id, participants}``: two users matched (contract)."""
RECOMPUTE_SHARD = "recompute-shard"
"""``{shard, shards, run_id}``: one shard of a recommendations recompute (contract)."""
PROFILE_SYNC = "profile-sync"
"""``{uid, event_id}``: a profile sync the Firestore trigger could not finish, retried."""
GITHUB_ENRICH = "github-enrich"
"""``{uid}``: fetch the user's public GitHub stats onto the card."""
REENCODE_PROFILES = "reencode-profiles"
"""``{run_id?}``: start re-encoding the cards of an older encoder (docs/reencode.md)."""
REENCODE_SHARD = "reencode-shard"
"""``{shard, shards, run_id}``: re-encode one shard of a run."""
