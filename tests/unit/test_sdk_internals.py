"""The SDK internals two modules lean on are still there (a new SDK version fails here, by name).

``gitalong/infra/transactions.py`` (transactions that begin inside their first read) and
``functions/_firestore_triggers.py`` (Firestore triggers declared without loading the
Firestore client at import) are the only modules allowed private SDK names
(tests/unit/test_import_rules.py). If an upgrade removes one, this says which, and where.
"""

from __future__ import annotations

import importlib

import pytest

INTERNALS = [
    ("google.cloud.firestore_v1", "Transaction", ["_id", "_write_pbs", "_clean_up", "_begin", "_commit", "_rollback"],
     "gitalong/infra/transactions.py"),
    ("google.cloud.firestore_v1", "Client", ["_database_string", "_firestore_api", "_rpc_metadata"],
     "gitalong/infra/transactions.py"),
    ("google.cloud.firestore_v1.base_client", None, ["_parse_batch_get", "_reference_info"],
     "gitalong/infra/transactions.py"),
    ("firebase_functions.options", "FirestoreOptions", ["_endpoint"], "functions/_firestore_triggers.py"),
    ("firebase_functions.private.util", None, ["normalize_path", "set_func_endpoint_attr"],
     "functions/_firestore_triggers.py"),
    ("firebase_functions.private.path_pattern", None, ["PathPattern"], "functions/_firestore_triggers.py"),
]


@pytest.mark.parametrize(("module", "owner", "names", "user"), INTERNALS,
                         ids=[f"{m}.{o or ''}" for m, o, _, _ in INTERNALS])
def test_the_sdk_still_has_what_our_one_module_uses(
    module: str, owner: str | None, names: list[str], user: str
) -> None:
    target = importlib.import_module(module)
    if owner is not None:
        target = getattr(target, owner)
    instance_only = {"_id", "_write_pbs", "_database_string", "_rpc_metadata", "_firestore_api"}
    missing = [n for n in names if n not in instance_only and not hasattr(target, n)]
    assert not missing, f"{module}.{owner or ''} lost {missing}: {user} needs rewriting for this SDK version"


def test_the_instance_attributes_exist_on_real_objects(monkeypatch: pytest.MonkeyPatch) -> None:
    from google.cloud.firestore import Client

    monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", "127.0.0.1:9")  # no credentials needed; nothing is sent
    client = Client(project="demo-sdk-check")
    for name in ("_database_string", "_rpc_metadata"):
        assert hasattr(client, name), f"Client lost {name}: gitalong/infra/transactions.py needs rewriting"
    assert hasattr(type(client), "_firestore_api"), "Client lost _firestore_api: gitalong/infra/transactions.py"
    tx = client.transaction()
    for name in ("_id", "_write_pbs"):
        assert hasattr(tx, name), f"Transaction lost {name}: gitalong/infra/transactions.py needs rewriting"

