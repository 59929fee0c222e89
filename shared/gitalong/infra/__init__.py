"""Adapters: the only modules that talk to Firestore, Pub/Sub, Cloudinary, GitHub and FCM.

Each imports its client library inside functions, so importing an adapter is free.
"""
