#!/usr/bin/env python
"""Build bench/early_warning/corpus.tsv, the labelled early-warning corpus of issue 23.

    .venv/bin/python bench/early_warning_corpus.py [--out bench/early_warning/corpus.tsv]

Texts are composed from the hand-written pieces in early_warning_fragments.py (a core saying the
matter, optionally an opener, an agent's note prefix, a second clause of ordinary context, a
closer, fillers, typos and full- or half-width punctuation) plus the fully hand-written texts of
early_warning_handwritten.py.

The split is fixed and deterministic: a core (or a hand-written text) is held out ("test") when
sha256 of its text is 0 mod 3. Openers, closers, note prefixes, fillers and slot values are split
the same way, and held-out texts are composed only from held-out pieces with another random seed,
so no piece of a held-out text was seen in training. Output is sorted and stable: rerunning the
script gives the same file.

Columns: label (1 crisis-worthy), type (DOMAIN §6 a–e, empty when harmless), identity (F identity
the text states: media, authority, lawyer, public, taxi, fleet), hard_negative (warranty,
insurance, recall, accident_repair, negated_threat, past_threat, harmless_mention,
identity_harmless; empty for positives and ordinary harmless texts), split (train/test), source
(composed/handwritten), text.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import random
import re
import sys
from pathlib import Path

import early_warning_extra as ex
import early_warning_fragments as fr
from early_warning_handwritten import handwritten_rows

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "bench" / "early_warning" / "corpus.tsv"
COLUMNS = ["label", "type", "identity", "hard_negative", "split", "source", "text"]
SEEDS = {"train": 20230, "test": 977}
VARIANTS = 4
_TAG = re.compile(r"^\[(\w+)\]")


def split_of(piece: str) -> str:
    return "test" if int(hashlib.sha256(piece.encode("utf-8")).hexdigest(), 16) % 3 == 0 else "train"


def side(pieces: list[str], split: str) -> list[str]:
    chosen = [p for p in pieces if split_of(p) == split]
    return chosen or pieces[:1]


def fill(text: str, rng: random.Random, split: str) -> str:
    def value(match: re.Match[str]) -> str:
        return rng.choice(side(fr.SLOTS[match.group(1)], split))

    return re.sub(r"\{(\w+)\}", value, text)


def punctuate(text: str, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.3:  # typed on a phone with half-width punctuation
        text = text.translate(str.maketrans("，。！？：", ",.!?:"))
    elif roll < 0.4:  # no punctuation at the end, spaces for commas
        text = text.rstrip("。！？!?.").replace("，", " ")
    if rng.random() < 0.12:
        text = text.rstrip("。.") + rng.choice(["！！！", "。。。", "？？", "!!"])
    return text


def typo(text: str, rng: random.Random) -> str:
    if rng.random() < 0.25:
        options = [(right, wrong) for right, wrong in fr.TYPOS if right in text]
        if options:
            right, wrong = rng.choice(options)
            text = text.replace(right, wrong, 1)
    return text


def compose(core: str, label: int, rng: random.Random, split: str, variant: int) -> str:
    """One text around a core; the variant number picks the register so a core's texts differ."""
    body = fill(core, rng, split)
    if not body.endswith(("。", "！", "？", "!", "?", "，")):
        body += rng.choice(["。", "！", "", "。"])
    context = side(fr.NEGATIVE_CORES[""] + fr.NEG_ACCIDENT, split)
    closers = side((fr.CLOSERS_POS if label else fr.CLOSERS_NEG) + fr.CLOSERS_ANY, split)
    if variant == 0:
        text = fill(rng.choice(side(fr.OPENERS, split)), rng, split) + body + rng.choice(closers)
    elif variant == 1:
        text = rng.choice(side(fr.NOTE_PREFIXES, split)) + body
    elif variant == 2:  # ordinary context before or after: the matter is one clause of several
        other = fill(_TAG.sub("", rng.choice(context)), rng, split).rstrip("。！？") + "，"
        text = other + body if rng.random() < 0.6 else body + other.rstrip("，") + "。"
    else:
        filler = rng.choice(side(fr.FILLERS, split))
        cut = body.find("，")
        text = body[: cut + 1] + filler + "，" + body[cut + 1 :] if cut > 0 else filler + "，" + body
        if rng.random() < 0.5:
            text += rng.choice(closers)
    return typo(punctuate(text, rng), rng)


def build(*, with_group: bool = False) -> list[dict[str, str]]:
    """The corpus rows; ``with_group`` adds a "group" key (the core or hand-written text a row was
    built from), the unit of the split and of the grouped cross-validation in training."""
    rows: dict[str, dict[str, str]] = {}

    def add(
        label: int,
        crisis_type: str,
        identity: str,
        hard: str,
        split: str,
        source: str,
        text: str,
        group: str = "",
    ) -> None:
        text = " ".join(text.split())
        if text and text not in rows:
            rows[text] = {
                "label": str(label),
                "type": crisis_type,
                "identity": identity,
                "hard_negative": hard,
                "split": split,
                "source": source,
                "text": text,
                "group": group or text,
            }

    groups: list[tuple[int, str, str, list[str]]] = [
        (1, t, "", cores) for t, cores in fr.POSITIVE_CORES.items()
    ]
    groups += [(0, "", hard, cores) for hard, cores in fr.NEGATIVE_CORES.items()]
    extra: list[tuple[int, str, str, list[str]]] = [
        (1, t, "", cores) for t, cores in ex.POSITIVE_CORES.items()
    ]
    extra += [(0, "", hard, cores) for hard, cores in ex.NEGATIVE_CORES.items()]
    for (label, crisis_type, hard, cores), source in [(g, "composed") for g in groups] + [
        (g, "extra") for g in extra
    ]:
        for core in cores:
            split = split_of(core) if source == "composed" else "train"
            tag = _TAG.match(core)
            identity = tag.group(1) if tag else ""
            bare = _TAG.sub("", core)
            rng = random.Random(f"{SEEDS[split]}:{core}")  # noqa: S311 - reproducible text, not secrets
            for variant in range(VARIANTS):
                add(
                    label,
                    crisis_type,
                    identity,
                    hard,
                    split,
                    source,
                    compose(bare, label, rng, split, variant),
                    core,
                )
    for label, crisis_type, identity, hard, text in handwritten_rows():
        add(label, crisis_type, identity, hard, split_of(text), "handwritten", text)
    ordered = sorted(
        rows.values(), key=lambda r: (r["split"], r["label"], r["type"], r["hard_negative"], r["text"])
    )
    if not with_group:
        for row in ordered:
            del row["group"]
    return ordered


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    rows = build()
    with args.out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(
            handle, fieldnames=COLUMNS, delimiter="\t", quoting=csv.QUOTE_NONE, lineterminator="\n"
        )
        writer.writeheader()
        writer.writerows(rows)
    test = [r for r in rows if r["split"] == "test"]
    print(
        f"{args.out}: {len(rows)} texts, {sum(r['label'] == '1' for r in rows)} crisis-worthy, {len(test)} held out"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
