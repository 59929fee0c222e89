"""Use cases: each reads and writes through the adapters and applies the domain."""
