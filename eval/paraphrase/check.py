"""Checks ``people.json``, the hand-written paraphrase evaluation set. Run: ``python3 eval/paraphrase/check.py``.

The set is complementary pairs of people: A offers what B needs and B offers what A needs, each
side in its own words. The rule checked here is lexical: between A's offer and B's need (and
between B's offer and A's need) there is no shared content word, where two words are shared when
they are equal, have equal crude stems, or have stems of four characters or more that agree on
their first five characters (or one is a prefix of the other). Stop words (six languages, plus
the filler words of a profile: "someone", "need", "help", "looking", ...) do not count.

A person's offer side is their ``skills_to_offer`` text together with their ``skills`` and
``tech_stack`` lists (for a skills-only person, the lists alone), so a skill name listed by one
partner cannot turn up in the other partner's need either.

Exit status 1 when any violation is found; warnings (rare words partners share in fields the
rule does not compare) are printed but do not fail the check.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DATA = HERE / "people.json"

ROLES = {"student", "contributor", "maintainer", "mentor"}
TAGS = {"typo", "multilingual", "short", "long", "code-names", "skills-only", "non-tech"}
PERSON_KEYS = {"skills_to_offer", "services_needed", "skills", "tech_stack", "city", "role"}
PAIR_KEYS = {"id", "split", "tags", "skills_only", "a", "b"}
DISTRACTOR_KEYS = {"id", "near", "matches", "person"}

MIN_PAIRS = 130
MIN_TEXT_PAIRS = 100
MIN_SKILLS_ONLY_PAIRS = 20
MIN_NEAR_MISSES = 40
MIN_GENERIC = 20
DEV_SHARE = (0.5, 0.7)  # "about 60% dev"
MIN_NON_ENGLISH_PEOPLE = 0.10  # "about 15% of people"
RARE = 4  # a word used by at most this many people is "rare" (for the warnings)

_EN = """
a about above after again against all also am an and any are as at be because been before being below
between both but by can cannot cant could d did do does doing don dont down during each else etc even
ever every few for from further get gets getting got had has have having he her here hers him his how
i id ie ill im into is isn it its itself ive just ll m me more most much my myself no nor not now of off
ok okay on once one only or other our ours out over own per please pls plz re really s same she should
so some someone somebody anyone anybody something such t than thank thanks that the their theirs them
then there these they this those through to too u ur under until up us ve very was we were what when
where which while who whom whose why will with would you your yours yourself hi hey hello lot lots
bit things thing stuff maybe still yet well eg wanna gonna w bc e g
need needs needed needing help helps helped helping look looks looked looking want wants wanted
wanting like would
"""
_ES = """
a al algo alguien algun alguna algunas alguno algunos ante antes con contra cual cuando de del desde
donde durante e el ella ellas ellos en entre era es esa esas ese eso esos esta estas este esto estos
estoy estar hay hasta la las le les lo los mas me mi mis mucho muchos muy nada ni no nos nosotros o
otra otras otro otros para pero poco por porque que quien quienes se ser si sin sobre soy son su sus
tambien tanto te tengo tiene ti tu tus un una uno unos y ya yo necesito necesita necesitamos ayuda
ayudar ayudo busco buscando puedo puede quiero quisiera gustaria hola gracias
"""
_FR = """
a ai au aux avec avoir c ce ces cet cette d dans de des du elle elles en est et etre il ils j je l la le
les leur leurs m ma mais me mes moi mon n ne nos notre nous on ou par pas peu plus pour qu que qui quoi
s sa sans se ses si son sont suis sur t ta te tes toi ton tu un une vos votre vous y tres aussi donc
car besoin aide aider cherche quelqu peux peut veux voudrais bonjour merci
"""
_DE = """
aber als am an auch auf aus bei bin bis bitte bisschen da dann das dass dein deine dem den der des dich
die dir doch du ein eine einem einen einer eines er es etwas euch gern gerne hallo danke habe haben hat
ich ihr ihre im in ist ja jemand jemanden jemandem kann kein keine konnte konnen mal man mein meine
meinem meinen meiner mich mir mit mochte nach nicht noch nur oder sehr sein sie sind so suche sucht
uber um und uns unter vom von war was wenn wer wie wir will zu zum zur fur brauche braucht hilfe helfen
"""
_PT = """
a ao aos as ate com como da das de dele deles depois do dos e ela elas ele eles em entre era essa essas
esse esses esta este eu isso isto ja lhe lhes mais mas me mesmo meu meus minha minhas muito na nas nao
nem no nos num numa o os ou para pela pelas pelo pelos por qual quando que quem se sem seu seus so sou
sua suas tambem te tem tenho teu tu tua um uma voce voces preciso precisa precisamos ajuda ajudar
ajudo procuro procurando alguem posso pode quero queria ola oi obrigado obrigada
"""
_IT = """
a ai al alla alle anche che chi ci come con da dal dalla dei del della delle di dove e ed fra gli ha hai
ho i il in io l la le lei lo loro lui ma mi mia mie miei mio molto ne nei nel nella noi non o per perche
piu po qualcuno quando se sei si siamo sono su sua sue sul sulla suo suoi ti tra tu tuo un una uno vi
voi cerco cercando bisogno aiuto aiutare posso puo voglio vorrei ciao grazie
"""
LANG_STOP: dict[str, frozenset[str]] = {
    lang: frozenset(words.split())
    for lang, words in {"en": _EN, "es": _ES, "fr": _FR, "de": _DE, "pt": _PT, "it": _IT}.items()
}
STOP_WORDS: frozenset[str] = frozenset().union(*LANG_STOP.values())

# Longest first, so "ations" is tried before "ation" and "s".
_SUFFIXES = """s es ies ing ings ed edly er ers ion ions ation ations ment ments ly ist ists ic ics ical icals y"""
SUFFIXES: tuple[str, ...] = tuple(sorted(_SUFFIXES.split(), key=len, reverse=True))
_WORD = re.compile(r"[^\W_]+(?:\+\+|#)?")  # keeps "c++", "c#", "f#" whole


def fold(text: str) -> str:
    """Lower case without accents: "Diseño" -> "diseno", "Straße" -> "strasse"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    """Every word of ``text``, folded (stop words included, numbers left out)."""
    return [w for w in _WORD.findall(fold(text)) if not w.isdigit()]


def content_words(text: str) -> set[str]:
    return {w for w in words(text) if w not in STOP_WORDS}


def stem(word: str) -> str:
    """Crude stem: one common suffix off (leaving at least three letters), then a final "e"."""
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    return word


def same_word(a: str, b: str) -> bool:
    """Whether two content words count as shared (equal, same stem, or same long prefix)."""
    if a == b:
        return True
    sa, sb = stem(a), stem(b)
    if sa == sb:
        return True
    if len(sa) >= 4 and len(sb) >= 4:
        return sa[:5] == sb[:5] or sa.startswith(sb) or sb.startswith(sa)
    # A three-letter word (or its plural) inside a long compound: "web" / "website", "apps" / "appstore".
    (short, short_stem), other = ((a, sa), b) if len(sa) < len(sb) else ((b, sb), a)
    return (
        len(short_stem) == 3
        and short in (short_stem, short_stem + "s")
        and len(other) >= 6
        and other.startswith(short_stem)
    )


def shared_content_words(text_a: str, text_b: str) -> set[str]:
    """The content words of ``text_a`` and ``text_b`` that count as shared, as "a~b" (or "a" when equal)."""
    found: set[str] = set()
    for a in content_words(text_a):
        for b in content_words(text_b):
            if same_word(a, b):
                found.add(a if a == b else f"{a}~{b}")
    return found


def offer_side(person: dict[str, Any]) -> str:
    return " ; ".join([person["skills_to_offer"], *person["skills"], *person["tech_stack"]])


def all_text(person: dict[str, Any]) -> str:
    return " ; ".join([offer_side(person), person["services_needed"]])


def language(person: dict[str, Any]) -> str:
    """Crude guess at the main language of a person's text: the stop-word list it hits most."""
    ws = words(f"{person['skills_to_offer']} {person['services_needed']}")
    hits = {lang: sum(w in stop for w in ws) for lang, stop in LANG_STOP.items()}
    best = max(hits, key=lambda lang: (hits[lang], lang == "en"))
    return best if hits[best] > 0 else "en"


def check_person(where: str, person: Any, errors: list[str]) -> bool:
    """Field and type checks of one person; False when it is unusable for the text checks."""
    if not isinstance(person, dict) or set(person) != PERSON_KEYS:
        keys = sorted(person) if isinstance(person, dict) else type(person).__name__
        errors.append(f"{where}: person must have exactly the keys {sorted(PERSON_KEYS)}, got {keys}")
        return False
    ok = True
    for key in ("skills_to_offer", "services_needed", "city"):
        if not isinstance(person[key], str):
            errors.append(f"{where}.{key}: must be a string")
            ok = False
    for key in ("skills", "tech_stack"):
        items = person[key]
        if not isinstance(items, list) or not all(isinstance(s, str) and 0 < len(s.strip()) <= 40 for s in items):
            errors.append(f"{where}.{key}: must be a list of short non-empty strings")
            ok = False
    if person["role"] not in ROLES:
        errors.append(f"{where}.role: {person['role']!r} is not one of {sorted(ROLES)}")
    return ok


def check_overlap(where: str, offer: str, need: str, errors: list[str]) -> None:
    shared = shared_content_words(offer, need)
    if shared:
        errors.append(f"{where}: shared content words {sorted(shared)}\n    offer: {offer}\n    need:  {need}")


def rare_shared(a: dict[str, Any], b: dict[str, Any], people_with: Counter[str]) -> set[str]:
    """Rare stems that partners share in any of their fields (a give-away the main rule does not catch)."""
    sa = {stem(w) for w in content_words(all_text(a))}
    sb = {stem(w) for w in content_words(all_text(b))}
    return {s for s in sa & sb if people_with[s] <= RARE}


def check(data: Any) -> tuple[list[str], list[str], list[str]]:
    """(violations, warnings, summary lines) for the loaded file."""
    errors: list[str] = []
    warnings: list[str] = []
    if not isinstance(data, dict) or data.get("version") != 1 or not isinstance(data.get("notes"), str):
        return ["top level: needs version 1, a notes string, pairs and distractors"], [], []
    pairs = data.get("pairs")
    distractors = data.get("distractors")
    if not isinstance(pairs, list) or not isinstance(distractors, list):
        return ["top level: pairs and distractors must be lists"], [], []

    people: list[dict[str, Any]] = []
    by_id: dict[str, dict[str, Any]] = {}
    tag_count: Counter[str] = Counter()
    split_count: Counter[str] = Counter()
    split_by_tag: Counter[tuple[str, str]] = Counter()
    usable_pairs: list[dict[str, Any]] = []
    for n, pair in enumerate(pairs):
        pid = pair.get("id") if isinstance(pair, dict) else None
        where = f"pair {pid or n}"
        if not isinstance(pair, dict) or set(pair) != PAIR_KEYS:
            errors.append(f"{where}: must have exactly the keys {sorted(PAIR_KEYS)}")
            continue
        if not isinstance(pid, str) or not re.fullmatch(r"p\d{3}", pid) or pid in by_id:
            errors.append(f"{where}: id must be a unique pNNN")
            continue
        by_id[pid] = pair
        if pair["split"] not in ("dev", "holdout"):
            errors.append(f"{where}: split must be dev or holdout")
        tags = pair["tags"]
        if not isinstance(tags, list) or not set(tags) <= TAGS or len(set(tags)) != len(tags):
            errors.append(f"{where}: tags must be distinct values from {sorted(TAGS)}")
            tags = [t for t in tags if t in TAGS] if isinstance(tags, list) else []
        so = pair["skills_only"]
        if so not in (None, "a", "b"):
            errors.append(f"{where}: skills_only must be null, 'a' or 'b'")
            continue
        if (so is not None) != ("skills-only" in tags):
            errors.append(f"{where}: the skills-only tag and the skills_only field disagree")
        if not (check_person(f"{where}.a", pair["a"], errors) & check_person(f"{where}.b", pair["b"], errors)):
            continue
        for side in ("a", "b"):
            person = pair[side]
            people.append(person)
            if not person["services_needed"].strip():
                errors.append(f"{where}.{side}: services_needed is empty")
            if side == so:
                listed = len(person["skills"]) + len(person["tech_stack"])
                if person["skills_to_offer"] != "":
                    errors.append(f"{where}.{side}: skills-only person must have an empty skills_to_offer")
                if not 2 <= listed <= 6:
                    errors.append(f"{where}.{side}: skills-only person lists {listed} skills (2-6 wanted)")
            elif not person["skills_to_offer"].strip():
                errors.append(f"{where}.{side}: skills_to_offer is empty")
        split_count[pair["split"]] += 1
        for tag in tags:
            tag_count[tag] += 1
            split_by_tag[(tag, pair["split"])] += 1
        usable_pairs.append(pair)
        a, b = pair["a"], pair["b"]
        check_overlap(f"{where} (A offer vs B need)", offer_side(a), b["services_needed"], errors)
        check_overlap(f"{where} (B offer vs A need)", offer_side(b), a["services_needed"], errors)

    near_count = generic_count = 0
    seen: set[str] = set()
    for n, d in enumerate(distractors):
        did = d.get("id") if isinstance(d, dict) else None
        where = f"distractor {did or n}"
        if not isinstance(d, dict) or set(d) != DISTRACTOR_KEYS:
            errors.append(f"{where}: must have exactly the keys {sorted(DISTRACTOR_KEYS)}")
            continue
        if not isinstance(did, str) or did in seen:
            errors.append(f"{where}: id must be unique")
            continue
        seen.add(did)
        if not check_person(where, d["person"], errors):
            continue
        person = d["person"]
        people.append(person)
        if not person["services_needed"].strip() or not offer_side(person).strip(" ;"):
            errors.append(f"{where}: needs both an offer (text or skills) and a need")
        if d["matches"] == "generic":
            generic_count += 1
            if not re.fullmatch(r"g\d{2}", did) or d["near"] is not None:
                errors.append(f"{where}: generic distractors are gNN with near null")
            continue
        near_count += 1
        if not re.fullmatch(r"d\d{3}", did) or d["matches"] not in ("a-need", "b-need"):
            errors.append(f"{where}: near-miss distractors are dNNN matching a-need or b-need")
            continue
        target = by_id.get(d["near"])
        if target is None:
            errors.append(f"{where}: near {d['near']!r} is not a pair id")
            continue
        side = d["matches"][0]
        check_overlap(
            f"{where} (offer vs {d['near']}.{side} need)", offer_side(person), target[side]["services_needed"], errors
        )

    # Rare words shared by partners anywhere in their profiles.
    people_with: Counter[str] = Counter()
    for person in people:
        people_with.update({stem(w) for w in content_words(all_text(person))})
    for pair in usable_pairs:
        rare = rare_shared(pair["a"], pair["b"], people_with)
        if rare:
            warnings.append(f"pair {pair['id']}: partners share rare stems {sorted(rare)}")

    total = len(usable_pairs)
    skills_only = tag_count["skills-only"]
    text_pairs = total - skills_only
    pair_people = [p for pair in usable_pairs for p in (pair["a"], pair["b"])]
    languages = Counter(language(p) for p in pair_people)
    non_english = sum(v for k, v in languages.items() if k != "en")
    for what, have, want in (
        ("pairs", total, MIN_PAIRS),
        ("text pairs", text_pairs, MIN_TEXT_PAIRS),
        ("skills-only pairs", skills_only, MIN_SKILLS_ONLY_PAIRS),
        ("near-miss distractors", near_count, MIN_NEAR_MISSES),
        ("generic distractors", generic_count, MIN_GENERIC),
    ):
        if have < want:
            errors.append(f"counts: {have} {what}, at least {want} wanted")
    if total:
        dev_share = split_count["dev"] / total
        if not DEV_SHARE[0] <= dev_share <= DEV_SHARE[1]:
            errors.append(f"counts: dev share {dev_share:.0%}, wanted {DEV_SHARE[0]:.0%}-{DEV_SHARE[1]:.0%}")
        if pair_people and non_english / len(pair_people) < MIN_NON_ENGLISH_PEOPLE:
            errors.append(
                f"counts: {non_english} of {len(pair_people)} people write mainly in a language"
                f" other than English, at least {MIN_NON_ENGLISH_PEOPLE:.0%} wanted"
            )

    summary = [
        f"pairs: {total} ({text_pairs} text, {skills_only} skills-only);"
        f" split dev {split_count['dev']}, holdout {split_count['holdout']}",
        "tags (all / dev / holdout):",
        *(
            f"  {tag:<13} {tag_count[tag]:>4} {split_by_tag[(tag, 'dev')]:>4} {split_by_tag[(tag, 'holdout')]:>4}"
            for tag in sorted(TAGS)
        ),
        f"distractors: {near_count} near-miss, {generic_count} generic",
        "main language of pair people (guess): "
        + ", ".join(f"{k} {v}" for k, v in sorted(languages.items(), key=lambda kv: -kv[1])),
    ]
    return errors, warnings, summary


def report(lines: Iterable[str], title: str) -> None:
    items = list(lines)
    print(f"{title}: {len(items)}")
    for line in items:
        print(f"  - {line}")


def main() -> int:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    errors, warnings, summary = check(data)
    print("\n".join(summary))
    report(warnings, "warnings")
    report(errors, "violations")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
