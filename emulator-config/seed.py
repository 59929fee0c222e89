"""Load realistic seed data into a running emulator suite (``./dev run`` does this).

Three dozen people (students, contributors, maintainers, mentors in six cities) with
skills, tech stacks and what they offer and need; projects; events with attendees;
showcase posts; and swipes made through the real ``record_swipe`` callable, so the
matches, counters and notifications they produce are the functions' own.
Deterministic: the same data every time. Refuses anything but a ``demo-`` project.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "tests"))

from emulators import PROJECT_ID, Endpoints, require_demo_project  # noqa: E402
from support.emulators import id_token  # noqa: E402

DATA = json.loads((Path(__file__).resolve().parent / "seed-data.json").read_text())


def people() -> list[dict[str, Any]]:
    """36 people: each name gets a city, role and one of the skill personas, deterministically."""
    rng = random.Random(7)
    result = []
    for i, name in enumerate(DATA["names"]):
        persona = DATA["personas"][i % len(DATA["personas"])]
        need = DATA["personas"][(i * 5 + 3) % len(DATA["personas"])]
        city = DATA["cities"][i % len(DATA["cities"])]
        role = DATA["roles"][i % len(DATA["roles"])]
        uid = f"seed-{name.split()[0].lower()}"
        result.append(
            {
                "uid": uid,
                "email": f"{uid.removeprefix('seed-')}@gitalong.example",
                "doc": {
                    "display_name": name,
                    "bio": persona["bio"].format(city=city),
                    "city": city,
                    "role": role,
                    "skills": rng.sample(persona["skills"], k=min(len(persona["skills"]), rng.randint(3, 5))),
                    "tech_stack": persona["tech_stack"],
                    "skills_to_offer": persona["offer"],
                    "services_needed": need["need"],
                    "department": persona.get("department", ""),
                },
            }
        )
    return result


def create_auth_users(endpoints: Endpoints, users: list[dict[str, Any]]) -> None:
    url = f"http://{endpoints.auth}/identitytoolkit.googleapis.com/v1/projects/{PROJECT_ID}/accounts"
    for user in users:
        body = {"localId": user["uid"], "email": user["email"], "password": "gitalong-demo",
                "displayName": user["doc"]["display_name"]}
        response = requests.post(url, json=body, headers={"Authorization": "Bearer owner"}, timeout=30)
        if response.status_code != 200 and "DUPLICATE" not in response.text:
            raise RuntimeError(f"auth user {user['uid']}: {response.text[:200]}")


def wait_for_profiles(db: Any, uids: list[str], timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    missing = set(uids)
    while missing:
        missing = {uid for uid in missing if not db.collection("profiles").document(uid).get().exists}
        if missing and time.monotonic() > deadline:
            raise RuntimeError(f"profile trigger did not write {len(missing)} cards within {timeout:.0f} s")
        if missing:
            time.sleep(0.5)


def swipe(endpoints: Endpoints, swiper: str, target: str, direction: str, target_type: str = "user") -> Any:
    response = requests.post(
        endpoints.function_url("record_swipe"),
        json={"data": {"target_id": target, "direction": direction, "target_type": target_type,
                       "swipe_id": f"seed-{swiper}-{target}"}},
        headers={"Authorization": f"Bearer {id_token(swiper)}"},
        timeout=60,
    )
    body = response.json()
    if "error" in body:
        raise RuntimeError(f"record_swipe {swiper}->{target}: {body['error']}")
    return body["result"]


def main() -> int:
    require_demo_project(os.environ.get("GCLOUD_PROJECT", PROJECT_ID))
    endpoints = Endpoints.from_environment()
    if endpoints is None:
        print("seed: set the emulator variables (./dev run does)", file=sys.stderr)
        return 2
    from google.cloud import firestore

    db = firestore.Client(project=PROJECT_ID)
    users = people()
    uids = [u["uid"] for u in users]
    create_auth_users(endpoints, users)
    batch = db.batch()
    for user in users:
        batch.set(db.collection("users").document(user["uid"]), user["doc"])
    batch.commit()
    owners = {project["id"]: uids[(i * 7) % len(uids)] for i, project in enumerate(DATA["projects"])}
    for project in DATA["projects"]:
        owner = owners[project["id"]]
        db.collection("projects").document(project["id"]).set(
            {**{k: v for k, v in project.items() if k != "id"}, "owner_id": owner,
             "created_at": firestore.SERVER_TIMESTAMP}
        )
    for i, event in enumerate(DATA["events"]):
        ref = db.collection("events").document(event["id"])
        ref.set({**{k: v for k, v in event.items() if k != "id"}, "created_by": uids[i]})
        for uid in uids[i * 3 : i * 3 + 6]:
            ref.collection("attendees").document(uid).set({"uid": uid, "joined_at": firestore.SERVER_TIMESTAMP})
    for i, post in enumerate(DATA["showcase_posts"]):
        db.collection("showcase_posts").document(f"seed-post-{i}").set(
            {**post, "user_id": uids[(i * 5) % len(uids)], "media_ids": [],
             "created_at": firestore.SERVER_TIMESTAMP}
        )
    wait_for_profiles(db, uids)

    rng = random.Random(11)
    matches = 0
    for i, swiper in enumerate(uids):
        for target in rng.sample([u for u in uids if u != swiper], k=4):
            result = swipe(endpoints, swiper, target, rng.choice(["right", "right", "left", "super"]))
            matches += bool(result["matched"])
        # every fourth person also likes a project (someone else's)
        if i % 4 == 0:
            project = next(p for p in rng.sample(list(owners), k=len(owners)) if owners[p] != swiper)
            swipe(endpoints, swiper, project, "right", "project")
    # a few sure matches, so the demo always has conversations to open
    for a, b in zip(uids[0:12:2], uids[1:12:2], strict=True):
        swipe(endpoints, a, b, "right")
        matches += bool(swipe(endpoints, b, a, "right")["matched"])
    print(f"seeded {len(uids)} users, {len(DATA['projects'])} projects, {len(DATA['events'])} events, "
          f"{len(DATA['showcase_posts'])} showcase posts, {len(uids) * 4 + 12} swipes, {matches} new matches")
    return 0


if __name__ == "__main__":
    sys.exit(main())
