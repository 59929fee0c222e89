"""The four matching callables end to end through the emulators, against a refused call, at several N.

    ./dev bench matching_calls [--sizes 1000,5000] [--calls 200] [--warmup 100] [--probe-reps 20] [--probe-only]

**What.** The HTTP round trip (client-side wall clock of one callable request, as the Flutter SDK
makes it) of ``get_recommendations`` (``{"limit": 20}``), ``find_reciprocal_matches``
(``{"limit": 20}``), ``search_profiles`` (``{"query": <a varied skill phrase>, "limit": 20}``) and
``similar_users`` (``{"limit": 20}``) over a population of N profiles, against the cheapest round
trip through the same stack in the same run: ``search_profiles`` with ``{"limit": 0, "query": "x"}``,
which answers ``INVALID_ARGUMENT`` after auth and validation (the same function, worker and edge,
minus the work). Targets: each matching callable's p50 ≤ 10× the baseline's at N = 5,000, and
p50 at N = 5,000 ≤ 1.5× p50 at N = 1,000.

**How.**

* Starts its own suite (ports moved by ``$GITALONG_EMULATOR_PORT_OFFSET``), stopped in a ``finally``,
  from ``firebase.offset-N.json`` whose functions source is a copy of ``functions/`` taken at the
  start (``.cache/bench-functions-N/``, its ``venv`` a link to ``functions/venv``, removed at the
  end): the functions emulator reloads every function whenever a file under its source changes
  (the vendored wheel included), which restarts the workers and re-enables background triggers, so
  somebody editing ``functions/`` or running ``./dev`` beside this run would otherwise reach into it.
  A reload is still watched for (the suite's log), and so is a reinstall of ``gitalong`` into
  ``functions/venv``, which a worker started later would import: either is printed as a warning.
  The unused Eventarc and Cloud Tasks emulators get ports that are free at the start (their
  default + offset is another offset's auth or eventarc port).
* Background triggers off: the profile trigger builds ≈ 1.7 cards/s, far too slow for thousands,
  so the Emulator Hub's ``PUT /functions/disableBackgroundTriggers`` (what
  ``@firebase/rules-unit-testing``'s ``withFunctionTriggersDisabled`` calls) is used before seeding.
  Checked each run: with triggers on, a ``users`` write gets its card from ``sync_profile`` within
  L s; with them off, none appears within max(5 s, 3 L). They stay off until the end (re-enabled
  just before the suite stops), so nothing writes ``recommendations/{uid}`` and
  ``get_recommendations`` measures the live path (``recommendations/*`` is deleted before measuring
  anyway, and the ``source`` answered is printed).
* Seeding, afresh per size (Firestore cleared between sizes): N people from a seeded
  ``random.Random`` (a dozen cities, four roles, skills and tech stack from the taxonomy's groups,
  sometimes spelled by an alias, offer/need sentences from a few dozen phrasings; ≈ 10% have no offer
  text, 5% neither text), each checked by ``gitalong.profiles.model.validate`` (an invalid one stops the
  run). The card is built in this process by ``gitalong.profiles.sync.card_document``, the
  trigger's own derivation, so the cards are what ``sync_profile`` writes whatever fields it derives;
  ``created_at``/``updated_at`` (now, distinct per card as the trigger's one commit per card makes
  them) and ``source_update_time`` (the ``users`` write's update time, as the trigger records it)
  are added. Writes go in batches of 200 (``users``, then the cards). When
  ``gitalong.matching.encode`` has a batch ``encode_texts``, the texts ``card_document`` asks it
  for are collected in one pass and encoded in batches of 256, then the cards are built from those
  (the first five checked equal to unbatched cards); otherwise one profile at a time.
  The same generator makes every size, so a smaller population is the larger one's first N people.
* Viewers: 20 people with both texts, drawn with a fixed seed from the smallest size's population,
  so every size measures the same callers. Each round calls, for each matching callable in turn,
  the baseline and then the callable (baseline, callable, baseline, callable, …), one call at a time,
  so all see the same machine load; the first ``--warmup`` rounds are discarded (the Java Firestore
  emulator's JIT needs a warm-up, see ``bench/record_swipe.py``). Every call must answer OK (the
  baseline ``INVALID_ARGUMENT``), else the run stops with the error.
* After the calls, ``--probe-reps`` timings of single Firestore queries from this process at the same
  N: ``find_nearest`` (``offer_vec``, dot product) of 200 and of 20 whole cards, the same with
  ``.select([...])`` of three small fields (does the emulator accept the projection, and honour it?),
  and a plain ``limit(200)`` query with and without ``select``, to tell vector-search cost (grows
  with N) from the cost of moving 384-d vectors (grows with the number of results); with
  ``matching_store.CANDIDATE_FIELDS`` present, also ``find_nearest`` selecting those.
  ``--probe-only`` seeds and runs only these (no callable is called).

Prints the load average at the start and end; per N the seeding time, then per call n, p50, p95
(ms), p50 and p95 over the baseline's, mean results per answer; then p50(N_max)/p50(N_min).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import socket
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tools"), str(ROOT / "tests")]

import environment  # noqa: E402
from emulators import EmulatorSuite, config_with_port_offset  # noqa: E402
from support.emulators import CallResult, Emulators  # noqa: E402

BASELINE = "search_profiles"
BASELINE_DATA: dict[str, Any] = {"limit": 0, "query": "x"}
CALLABLES = ("get_recommendations", "find_reciprocal_matches", "search_profiles", "similar_users")
RESULT_KEY = {"get_recommendations": "recommendations", "find_reciprocal_matches": "matches",
              "search_profiles": "results", "similar_users": "similar_users"}
VIEWERS = 20
BATCH = 200  # people per batch: 200 users, then 200 cards (a card's vectors are ≈ 13 kB on the wire)
ENCODE_BATCH = 256
SEED = 20261201
TARGET_VS_BASELINE = 10.0
TARGET_AT = 5000
TARGET_SCALING = 1.5

# --- the people ---------------------------------------------------------------------------

CITIES = ("Lagos", "Nairobi", "Accra", "Berlin", "Warsaw", "Lisbon", "Pune", "Bangalore", "Jakarta",
          "São Paulo", "Lima", "Toronto")
ROLES = ("student", "contributor", "maintainer", "mentor")
FIRST = ("Ada", "Amara", "Ana", "Arjun", "Bea", "Chen", "Chidi", "Dara", "Diego", "Elif", "Femi", "Grace",
         "Hana", "Ikenna", "Ines", "Jonas", "Kemi", "Kofi", "Lena", "Luis", "Maya", "Mei", "Nia", "Omar",
         "Priya", "Rafael", "Sade", "Tariq", "Uma", "Wei", "Yusuf", "Zofia")
LAST = ("Okafor", "Mensah", "Schmidt", "Kowalska", "Silva", "Patel", "Iyer", "Santoso", "Costa", "Quispe",
        "Tremblay", "Adeyemi", "Nowak", "Ferreira", "Sharma", "Wijaya", "Mwangi", "Haddad", "Kim", "Rossi",
        "Novak", "Garcia", "Owusu", "Becker")
DEPARTMENTS = ("Computer Science", "Electrical Engineering", "Mathematics", "Design", "Physics", "")
PROJECTS = ("side project", "final-year thesis", "startup", "open-source library", "hackathon entry",
            "portfolio site", "research prototype", "community app", "student society's website",
            "internship project")
OFFER_PHRASES = (
    "I can help with {a} and {b}.",
    "Happy to mentor beginners in {a}.",
    "I have {years} years of {a} experience and review {b} code for fun.",
    "I maintain a {a} library and can teach {b}.",
    "Ask me anything about {a}; I also know my way around {b}.",
    "I build production {a} systems and can pair on {b}.",
    "Offering code reviews for {a} projects.",
    "I teach {a} workshops at my university.",
    "Strong in {a}, {b} and {c}.",
    "I can set up {a} for your team and explain {b}.",
    "Been shipping {a} apps for {years} years.",
    "Can help you debug {a} and speed up {b}.",
    "I write tutorials about {a}.",
    "Glad to give feedback on {a} architecture.",
    "I contribute to {a} and {b} open source projects.",
    "Looking to share what I know about {a} with students.",
    "I can walk you through {a} from zero.",
    "Experienced {a} developer, comfortable with {b}.",
)
NEED_PHRASES = (
    "Looking for someone who knows {a}.",
    "I need help with {a} for my {project}.",
    "Want to learn {a} and {b}.",
    "Seeking a mentor in {a}.",
    "Need a {a} expert to review my {project}.",
    "Looking for a collaborator with {a} skills for a {project}.",
    "I'd love guidance on {a} and {b}.",
    "Stuck on {a}; could use a pair programming partner.",
    "Searching for a teammate who does {a} for a {project}.",
    "Need someone to teach me {a} basics.",
    "Want feedback on my {a} code.",
    "Looking for help moving my {project} to {a}.",
    "Hoping to find a {a} person to build a {project} with.",
    "I need advice on {a} and {b} for a {project}.",
    "Could use help setting up {a}.",
    "Want to get better at {a}.",
    "Looking for a study buddy for {a}.",
    "Need a reviewer who knows {a} and {c}.",
)
BIO_PHRASES = ("{role} from {city}.", "{role} in {city}, into {a}.", "Building things with {a} in {city}.",
               "Curious {role}; {a} and {b} lately.", "")
QUERY_PHRASES = ("{a}", "help with {a}", "someone who knows {a} and {b}", "{a} mentor",
                 "looking for a {a} developer", "review my {a} code", "learn {a}", "pair programming in {a}",
                 "{a} and {b} project", "teach me {a}", "{a} expert", "build an app with {a}")


@dataclass(frozen=True)
class Vocabulary:
    """What the generator draws from: the taxonomy's groups, canonical names and aliases."""

    groups: list[tuple[str, ...]]
    names: list[str]
    aliases: dict[str, list[str]]


def vocabulary() -> Vocabulary:
    from gitalong.profiles import taxonomy

    tax = taxonomy.load()
    raw = json.loads(resources.files("gitalong").joinpath("data/skills.json").read_text("utf-8"))
    aliases = {entry["name"]: list(entry.get("aliases", [])) for entry in raw["skills"]}
    groups = [members for members in tax.groups.values() if len(members) >= 3]
    return Vocabulary(groups=groups, names=sorted(tax.category), aliases=aliases)


def _spelled(rng: random.Random, vocab: Vocabulary, skill: str) -> str:
    """How a user might type ``skill``: mostly canonical, sometimes an alias or lower case."""
    roll = rng.random()
    if roll < 0.12 and vocab.aliases.get(skill):
        return rng.choice(vocab.aliases[skill])
    if roll < 0.2:
        return skill.lower()
    return skill


def _sentence(rng: random.Random, phrases: tuple[str, ...], skills: list[str], extra: dict[str, str]) -> str:
    a, b, c = (skills * 3)[:3] if skills else ("code", "software", "tools")
    return rng.choice(phrases).format(a=a, b=b, c=c, years=rng.randint(2, 15), project=rng.choice(PROJECTS),
                                      **extra)


def person(rng: random.Random, vocab: Vocabulary, uid: str) -> dict[str, Any]:
    """One ``users/{uid}`` document as the app writes it."""
    home = list(rng.choice(vocab.groups))
    wanted = list(rng.choice(vocab.groups))
    skills = rng.sample(home, min(len(home), rng.randint(2, 6))) + rng.sample(vocab.names, rng.randint(0, 3))
    stack = rng.sample(home, min(len(home), rng.randint(1, 3)))
    role = rng.choice(ROLES)
    city = rng.choice(CITIES)
    texts = rng.random()
    offer_skills, need_skills = rng.sample(skills, min(3, len(skills))), rng.sample(wanted, min(3, len(wanted)))
    offer = " ".join(_sentence(rng, OFFER_PHRASES, offer_skills, {}) for _ in range(rng.randint(1, 2)))
    need = " ".join(_sentence(rng, NEED_PHRASES, need_skills, {}) for _ in range(rng.randint(1, 2)))
    user: dict[str, Any] = {
        "display_name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
        "bio": _sentence(rng, BIO_PHRASES, skills, {"role": role.capitalize(), "city": city}),
        "city": city,
        "role": role,
        "skills": list(dict.fromkeys(_spelled(rng, vocab, s) for s in skills)),
        "tech_stack": [_spelled(rng, vocab, s) for s in stack],
        "skills_to_offer": "" if texts < 0.10 else offer,  # 10% no offer text ...
        "services_needed": "" if texts < 0.05 else need,  # ... half of them (5%) no need text either
        "email": f"{uid}@example.test",
    }
    if role == "student":
        user["department"] = rng.choice(DEPARTMENTS)
    return user


def population(n: int) -> list[tuple[str, dict[str, Any]]]:
    """The first ``n`` people of the one deterministic population (``u000000``, ``u000001``, …)."""
    rng, vocab = random.Random(SEED), vocabulary()
    return [(uid, person(rng, vocab, uid)) for uid in (f"u{i:06d}" for i in range(n))]


def choose_viewers(people: list[tuple[str, dict[str, Any]]]) -> list[str]:
    with_both = [uid for uid, user in people if user["skills_to_offer"] and user["services_needed"]]
    return random.Random(SEED + 1).sample(with_both, VIEWERS)


def queries(vocab: Vocabulary, count: int) -> list[str]:
    rng = random.Random(SEED + 2)
    out = []
    for _ in range(count):
        group = list(rng.choice(vocab.groups))
        a, b = rng.sample(group, 2)
        out.append(rng.choice(QUERY_PHRASES).format(a=_spelled(rng, vocab, a), b=_spelled(rng, vocab, b)))
    return out


# --- cards, built in this process by the trigger's own code ---------------------------------


def _same_card(a: dict[str, Any], b: dict[str, Any]) -> bool:
    import numpy as np
    from google.cloud.firestore_v1.vector import Vector

    if a.keys() != b.keys():
        return False
    for key, value in a.items():
        other = b[key]
        if isinstance(value, Vector) and isinstance(other, Vector):
            if not np.allclose(list(value), list(other), atol=1e-5):
                return False
        elif value != other:
            return False
    return True


def build_cards(profiles: list[Any]) -> tuple[list[dict[str, Any]], str]:
    """``card_document(profile)`` for each; batched encoding when the encoder offers ``encode_texts``."""
    import numpy as np

    from gitalong.matching import encode
    from gitalong.profiles.sync import card_document

    real: Callable[..., Any] | None = getattr(encode, "encode_texts", None)
    if real is None:
        return [card_document(p) for p in profiles], "card_document per profile (no encode.encode_texts)"
    sample = real(["probe"])
    requested: dict[str, list[str]] = {}
    calls: dict[str, tuple[tuple[Any, ...], dict[str, Any]]] = {}

    def signature(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
        return repr((args, sorted(kwargs.items())))

    def shaped(rows: list[Any]) -> Any:
        if isinstance(sample, np.ndarray):
            return np.stack(rows) if rows else np.zeros((0, *sample.shape[1:]), dtype=sample.dtype)
        return rows

    def record(texts: Any, *args: Any, **kwargs: Any) -> Any:
        texts = list(texts)
        key = signature(args, kwargs)
        requested.setdefault(key, []).extend(texts)
        calls[key] = (args, kwargs)
        zero = np.zeros_like(sample[0]) if isinstance(sample, np.ndarray) else [0.0] * len(sample[0])
        return shaped([zero for _ in texts])

    setattr(encode, "encode_texts", record)  # noqa: B010 (the module attribute card_document resolves)
    try:
        for profile in profiles:
            card_document(profile)
    finally:
        setattr(encode, "encode_texts", real)  # noqa: B010
    if not requested:
        return [card_document(p) for p in profiles], "card_document per profile (it does not call encode_texts)"
    cache: dict[tuple[str, str], Any] = {}
    for key, texts in requested.items():
        args, kwargs = calls[key]
        unique = list(dict.fromkeys(texts))
        for start in range(0, len(unique), ENCODE_BATCH):
            chunk = unique[start:start + ENCODE_BATCH]
            cache.update({(key, text): row for text, row in zip(chunk, real(chunk, *args, **kwargs), strict=True)})

    def cached(texts: Any, *args: Any, **kwargs: Any) -> Any:
        texts = list(texts)
        key = signature(args, kwargs)
        if all((key, t) in cache for t in texts):
            return shaped([cache[key, t] for t in texts])
        assert real is not None
        return real(texts, *args, **kwargs)

    setattr(encode, "encode_texts", cached)  # noqa: B010
    try:
        cards = [card_document(p) for p in profiles]
    finally:
        setattr(encode, "encode_texts", real)  # noqa: B010
    for profile, card in list(zip(profiles, cards, strict=True))[:5]:
        if not _same_card(card, card_document(profile)):
            raise SystemExit("batched encoding built a card unlike card_document's own: fix build_cards")
    texts_total = sum(len(t) for t in requested.values())
    return cards, f"card_document, {texts_total} texts through encode_texts in batches of {ENCODE_BATCH}"


# --- the emulators -------------------------------------------------------------------------


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


@dataclass
class Seeded:
    people: int
    generate_s: float
    cards_s: float
    write_s: float
    batches: int
    method: str

    @property
    def total_s(self) -> float:
        return self.generate_s + self.cards_s + self.write_s


def seed(db: Any, n: int) -> tuple[Seeded, list[tuple[str, dict[str, Any]]]]:
    """Write ``users/{uid}`` and ``profiles/{uid}`` for the first ``n`` people (triggers must be off)."""
    from gitalong.profiles.model import validate

    began = time.perf_counter()
    people = population(n)
    profiles = []
    for uid, user in people:
        profile, errors = validate(user)
        if profile is None:
            raise SystemExit(f"the generator made an invalid profile {uid}: {errors}")
        profiles.append(profile)
    generated = time.perf_counter()
    cards, method = build_cards(profiles)
    built = time.perf_counter()
    batches = 0
    stamp = datetime.now(UTC)
    for chunk in _chunks(list(zip(people, cards, strict=True)), BATCH):
        users = db.batch()
        for (uid, user), _ in chunk:
            users.set(db.collection("users").document(uid), user)
        written = users.commit()
        profiles_batch = db.batch()
        for ((uid, _), card), result in zip(chunk, written, strict=True):
            # Each card its own time, as the trigger's one transaction per card gives it: readers that
            # follow updated_at (a ">=" watermark) would otherwise see a whole batch as "just written".
            stamp = max(datetime.now(UTC), stamp + timedelta(microseconds=1))
            doc = {**card, "created_at": stamp, "updated_at": stamp, "source_update_time": result.update_time}
            profiles_batch.set(db.collection("profiles").document(uid), doc)
        profiles_batch.commit()
        batches += 2
    done = time.perf_counter()
    return Seeded(n, generated - began, built - generated, done - built, batches, method), people


def set_background_triggers(emulators: Emulators, enabled: bool) -> None:
    verb = "enable" if enabled else "disable"
    url = f"http://{emulators.endpoints.hub}/functions/{verb}BackgroundTriggers"
    response = emulators.session.put(url, timeout=300)
    if response.status_code != 200 or response.json().get("enabled") is not enabled:
        raise SystemExit(f"the Emulator Hub refused to {verb} background triggers: {response.status_code} "
                         f"{response.text[:300]}")


def snapshot_config(offset: int) -> tuple[Path, Path]:
    """``firebase.offset-N.json`` (git-ignored) with the functions source a copy of ``functions/`` now."""
    config = json.loads(config_with_port_offset(offset).read_text())
    snapshot = ROOT / ".cache" / f"bench-functions-{offset}"
    shutil.rmtree(snapshot, ignore_errors=True)
    shutil.copytree(ROOT / "functions", snapshot,
                    ignore=shutil.ignore_patterns("venv", "vendor", "__pycache__", "*.local", ".env.local"))
    (snapshot / "venv").symlink_to(ROOT / "functions" / "venv")
    # firebase-tools joins the source to the config's folder (path.join): it must be relative.
    config["functions"] = [{**codebase, "source": str(snapshot.relative_to(ROOT))}
                           if codebase.get("source") == "functions" else codebase for codebase in config["functions"]]
    # Eventarc and Cloud Tasks (unused here) sit at default + offset, which is another offset's auth or
    # eventarc port (9099 + 500 = 9299 + 300): give them ports free now instead.
    for name in ("eventarc", "tasks"):
        config["emulators"][name] = {"host": "127.0.0.1", "port": _free_port()}
    path = ROOT / f"firebase.offset-{offset}.json"
    path.write_text(json.dumps(config, indent=2))
    return path, snapshot


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def installed_gitalong() -> str:
    """A digest of the ``gitalong`` wheel installed in ``functions/venv`` (its RECORD lists every file's hash)."""
    records = sorted((ROOT / "functions" / "venv").glob("lib/python*/site-packages/gitalong-*.dist-info/RECORD"))
    return hashlib.sha256(b"".join(r.read_bytes() for r in records)).hexdigest()[:12] if records else "none"


def reloads(log: Path) -> int:
    """How many times the functions emulator has loaded its functions (start, then each reload).

    It reloads whenever a file under ``functions/`` changes (the vendored wheel included), and a
    reload re-enables background triggers and starts fresh workers.
    """
    try:
        return log.read_text(errors="replace").count("Loaded functions definitions from source")
    except OSError:
        return 0


def check_triggers_off(emulators: Emulators, db: Any) -> str:
    """Triggers on: a users write gets a card within L s; then off: none within max(5 s, 3 L)."""
    rng, vocab = random.Random(SEED + 3), vocabulary()
    on_uid, off_uid = "probe-triggers-on", "probe-triggers-off"
    began = time.monotonic()
    db.collection("users").document(on_uid).set(person(rng, vocab, on_uid))
    deadline = began + 240
    while not db.collection("profiles").document(on_uid).get().exists:
        if time.monotonic() > deadline:
            raise SystemExit("with triggers on, sync_profile wrote no card within 240 s: cannot check 'off'")
        time.sleep(0.2)
    latency = time.monotonic() - began
    set_background_triggers(emulators, enabled=False)
    db.collection("users").document(off_uid).set(person(rng, vocab, off_uid))
    wait = max(5.0, 3 * latency)
    time.sleep(wait)
    if db.collection("profiles").document(off_uid).get().exists:
        raise SystemExit("background triggers still fire after disableBackgroundTriggers")
    return (f"triggers on: card after {latency:.1f} s (cold worker); off: no card within {wait:.1f} s, "
            f"kept off until the end")


def delete_all(db: Any, collection: str) -> int:
    refs = [snap.reference for snap in db.collection(collection).select([]).stream()]
    for chunk in _chunks(refs, 400):
        batch = db.batch()
        for ref in chunk:
            batch.delete(ref)
        batch.commit()
    return len(refs)


# --- measuring -----------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@dataclass
class Measured:
    ms: dict[str, list[float]] = field(default_factory=lambda: {name: [] for name in ("baseline", *CALLABLES)})
    results: dict[str, list[int]] = field(default_factory=lambda: {name: [] for name in CALLABLES})
    sources: Counter[str] = field(default_factory=Counter)

    def p(self, name: str, q: float) -> float:
        return percentile(self.ms[name], q)


def _timed(emulators: Emulators, name: str, data: dict[str, Any], uid: str) -> tuple[float, CallResult]:
    began = time.perf_counter()
    result = emulators.call(name, data, uid=uid, timeout=180)
    return (time.perf_counter() - began) * 1000, result


def measure(emulators: Emulators, viewers: list[str], phrases: list[str], calls: int, warmup: int) -> Measured:
    out = Measured()
    for round_ in range(warmup + calls):
        viewer = viewers[round_ % len(viewers)]
        for name in CALLABLES:
            data: dict[str, Any] = {"limit": 20}
            if name == "search_profiles":
                data["query"] = phrases[round_ % len(phrases)]
            base_ms, base = _timed(emulators, BASELINE, BASELINE_DATA, viewer)
            if base.status != "INVALID_ARGUMENT":
                raise SystemExit(f"baseline {BASELINE}{BASELINE_DATA} answered {base.status}: {base.error}")
            call_ms, result = _timed(emulators, name, data, viewer)
            if result.status != "OK":
                raise SystemExit(f"{name}({data}) as {viewer} answered {result.status}: {result.error}")
            if round_ < warmup:
                continue
            out.ms["baseline"].append(base_ms)
            out.ms[name].append(call_ms)
            out.results[name].append(len(result.result[RESULT_KEY[name]]))
            if name == "get_recommendations":
                out.sources[str(result.result.get("source"))] += 1
    return out


def probe_queries(db: Any, query_vector: list[float], reps: int) -> list[str]:
    """Single-query timings from this process: find_nearest with and without select, plain queries."""
    from google.cloud.firestore_v1.base_vector_query import DistanceMeasure
    from google.cloud.firestore_v1.vector import Vector

    from gitalong.matching import store

    small = ["display_name", "city", "role"]
    profiles = db.collection("profiles")

    def nearest(base: Any, limit: int) -> Any:
        return base.find_nearest(vector_field="offer_vec", query_vector=Vector(query_vector),
                                 distance_measure=DistanceMeasure.DOT_PRODUCT, limit=limit)

    variants: dict[str, Callable[[], Any]] = {
        "find_nearest offer_vec, 200 whole cards": lambda: nearest(profiles, 200),
        "find_nearest offer_vec, 200 cards, select(3 small fields)": lambda: nearest(profiles.select(small), 200),
    }
    candidate_fields: list[str] | None = getattr(store, "CANDIDATE_FIELDS", None)
    if candidate_fields:  # what the matching services themselves select, when they do
        chosen = list(candidate_fields)
        variants[f"find_nearest offer_vec, 200 cards, select(CANDIDATE_FIELDS: {len(chosen)})"] = (
            lambda: nearest(profiles.select(chosen), 200))
    variants.update({
        "find_nearest offer_vec, 20 whole cards": lambda: nearest(profiles, 20),
        "find_nearest offer_vec, 20 cards, select(3 small fields)": lambda: nearest(profiles.select(small), 20),
        "plain limit(200), whole cards (no vector search)": lambda: profiles.limit(200),
        "plain limit(200), select(3 small fields)": lambda: profiles.select(small).limit(200),
    })
    lines, ids_of = [], {}
    for label, make in variants.items():
        timings: list[float] = []
        try:
            for i in range(reps + 3):
                began = time.perf_counter()
                snaps = list(make().stream())
                docs = [(s.id, s.to_dict() or {}) for s in snaps]
                if i >= 3:
                    timings.append((time.perf_counter() - began) * 1000)
        except Exception as exc:  # the emulator may refuse a combination: that is the finding
            lines.append(f"    {label:<62} FAILED: {type(exc).__name__}: {str(exc)[:200]}")
            continue
        ids_of[label] = [doc_id for doc_id, _ in docs]
        fields = sorted(docs[0][1]) if docs else []
        shown = ", ".join(fields) if len(fields) <= 4 else f"{len(fields)} fields"
        lines.append(f"    {label:<62} p50 {percentile(timings, .5):7.1f} ms  p95 {percentile(timings, .95):7.1f} ms"
                     f"  ({len(docs)} docs; fields: {shown})")
    for limit in (200, 20):
        whole, selected = (f"find_nearest offer_vec, {limit} whole cards",
                           f"find_nearest offer_vec, {limit} cards, select(3 small fields)")
        if whole in ids_of and selected in ids_of:
            same = ids_of[whole] == ids_of[selected]
            same_set = set(ids_of[whole]) == set(ids_of[selected])
            lines.append(f"    select + find_nearest, limit {limit}: same ids in the same order as whole cards: "
                         f"{'yes' if same else ('same set, other order' if same_set else 'NO')}")
    return lines


def _ratio(a: float, b: float) -> str:
    return f"{a / b:6.2f}x" if b > 0 else "     -"


def report(n: int, seeded: Seeded, measured: Measured) -> list[str]:
    base50, base95 = measured.p("baseline", .5), measured.p("baseline", .95)
    lines = [
        f"N = {n:,} (seeded in {seeded.total_s:.1f} s):",
        f"  {'call':<24} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'p50/base':>9} {'p95/base':>9} {'results':>8}"
        f"  target p50 <= {TARGET_VS_BASELINE:g}x base at N = {TARGET_AT:,}",
        f"  {'baseline (refused)':<24} {len(measured.ms['baseline']):>5} {base50:8.1f} {base95:8.1f}",
    ]
    for name in CALLABLES:
        p50, p95 = measured.p(name, .5), measured.p(name, .95)
        verdict = ""
        if n == TARGET_AT:
            verdict = "met" if p50 <= TARGET_VS_BASELINE * base50 else "NOT met"
        lines.append(f"  {name:<24} {len(measured.ms[name]):>5} {p50:8.1f} {p95:8.1f}  {_ratio(p50, base50)}  "
                     f"{_ratio(p95, base95)} {statistics.fmean(measured.results[name]):8.1f}  {verdict}")
    lines.append(f"  get_recommendations source: {dict(measured.sources)}")
    return lines


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} (1/5/15 min) on {os.cpu_count()} cores"


def _sizes(text: str) -> list[int]:
    sizes = sorted({int(part) for part in text.split(",") if part.strip()})
    if not sizes or sizes[0] < 2 * VIEWERS:
        raise argparse.ArgumentTypeError(f"sizes must be at least {2 * VIEWERS}")
    return sizes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--sizes", type=_sizes, default=[1000, 5000], help="population sizes N, comma-separated")
    parser.add_argument("--calls", type=int, default=200, help="measured rounds (calls per matching callable)")
    parser.add_argument("--warmup", type=int, default=100, help="rounds discarded first")
    parser.add_argument("--probe-reps", type=int, default=20, help="timed single queries per variant (0: none)")
    parser.add_argument("--probe-only", action="store_true", help="seed and time the single queries, no calls")
    args = parser.parse_args()
    if args.calls < 1 or args.warmup < 0:
        parser.error("--calls must be >= 1 and --warmup >= 0")
    sizes: list[int] = args.sizes
    offset = int(os.environ.get("GITALONG_EMULATOR_PORT_OFFSET", "0"))
    print(f"load average at the start: {load_average()}", flush=True)
    print(f"sizes {sizes}, {args.calls} measured rounds after {args.warmup} warm-up rounds, port offset {offset}",
          flush=True)

    suite = EmulatorSuite(environment.emulator_env(Path(sys.executable)), port_offset=offset)
    suite._config, snapshot = snapshot_config(offset)
    wheel = installed_gitalong()
    from gitalong import matching

    print(f"code: functions/ copied to {snapshot.relative_to(ROOT)}; gitalong in functions/venv: RECORD {wheel}; "
          f"encoder {getattr(matching, 'ENCODER_ID', '(no ENCODER_ID)')}", flush=True)
    emulators: Emulators | None = None
    triggers_off = False
    figures: dict[int, Measured] = {}
    try:
        endpoints = suite.start()
        os.environ.update(endpoints.client_env())
        emulators = Emulators(endpoints)
        emulators.clear_firestore()
        db = emulators.firestore()
        triggers_off = True  # from here on, re-enable in the finally even if the check fails half-way
        print(check_triggers_off(emulators, db), flush=True)
        log: Path = suite._log_path
        loaded = reloads(log)
        viewers = choose_viewers(population(sizes[0]))
        phrases = queries(vocabulary(), 97)
        for n in sizes:
            emulators.clear_firestore()
            seeded, _ = seed(db, n)
            if reloads(log) != loaded:  # triggers came back on while seeding: let their work finish first
                print(f"  WARNING: the functions emulator reloaded while seeding N = {n:,} (triggers re-enabled); "
                      "disabling them again, which waits for their queued work", flush=True)
                set_background_triggers(emulators, enabled=False)
                loaded = reloads(log)
            removed = delete_all(db, "recommendations")
            present = [v for v in viewers if db.collection("recommendations").document(v).get().exists]
            if present:
                raise SystemExit(f"recommendations/{present[0]} exists: get_recommendations would not be live")
            print(f"N = {n:,}: seeded in {seeded.total_s:.1f} s (people + validate {seeded.generate_s:.1f} s, cards "
                  f"in process {seeded.cards_s:.1f} s [{seeded.method}], writes {seeded.write_s:.1f} s: {n:,} users "
                  f"+ {n:,} cards in {seeded.batches} batches); {removed} recommendations/* removed; measuring",
                  flush=True)
            if not args.probe_only:
                figures[n] = measured = measure(emulators, viewers, phrases, args.calls, args.warmup)
            written = delete_all(db, "recommendations")
            if reloads(log) != loaded:  # should not happen with the copied source: say so if it does
                print(f"  WARNING: the functions emulator reloaded {reloads(log) - loaded} time(s) during N = {n:,}: "
                      "triggers were re-enabled and workers restarted, so these figures may include trigger work "
                      f"and cold starts ({written} recommendations/* written meanwhile); triggers disabled again",
                      flush=True)
                set_background_triggers(emulators, enabled=False)
                loaded = reloads(log)
            elif written:
                raise SystemExit(f"{written} recommendations/* appeared while measuring: triggers were not off")
            if installed_gitalong() != wheel:
                print(f"  WARNING: gitalong in functions/venv was reinstalled during N = {n:,} (RECORD "
                      f"{installed_gitalong()}): a worker started after that runs the new code", flush=True)
                wheel = installed_gitalong()
            if not args.probe_only:
                print("\n".join(report(n, seeded, measured)), flush=True)
            if args.probe_reps > 0:
                card = db.collection("profiles").document(viewers[0]).get().to_dict() or {}
                print(f"  single queries from this process at N = {n:,} ({args.probe_reps} each after 3 warm-up):",
                      flush=True)
                print("\n".join(probe_queries(db, list(card["need_vec"]), args.probe_reps)), flush=True)
        if len(figures) > 1:
            low, high = sizes[0], sizes[-1]
            target = (f"target <= {TARGET_SCALING:g}x from {1000:,} to {TARGET_AT:,}"
                      if (low, high) == (1000, TARGET_AT) else f"(the target, <= {TARGET_SCALING:g}x, is set for "
                                                                 f"N = 1,000 -> {TARGET_AT:,})")
            print(f"scaling p50(N = {high:,}) / p50(N = {low:,}), {target}:")
            for name in ("baseline", *CALLABLES):
                ratio = figures[high].p(name, .5) / figures[low].p(name, .5)
                verdict = "" if name == "baseline" or (low, high) != (1000, TARGET_AT) else (
                    "met" if ratio <= TARGET_SCALING else "NOT met")
                print(f"  {name:<24} {ratio:6.2f}x  {verdict}")
        print(f"load average at the end: {load_average()}")
    finally:
        if emulators is not None and triggers_off:
            try:
                set_background_triggers(emulators, enabled=True)
            except (SystemExit, Exception) as exc:  # the suite stops anyway
                print(f"could not re-enable background triggers: {exc}", file=sys.stderr)
        suite.stop()
        shutil.rmtree(snapshot, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
