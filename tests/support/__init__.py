"""Test support: talking to the emulators the way clients do."""
