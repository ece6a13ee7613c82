#!/usr/bin/env python
"""Early-warning text signals: precision and recall on a labelled set (issue 12). Not a unit test.

    .venv/bin/python bench/early_warning_eval.py [--file bench/early_warning/texts.tsv] [--append-results]

Loads the labelled texts (UTF-8 TSV with the header ``label<TAB>kind<TAB>text``; label 1 =
crisis-worthy, 0 = harmless; kind is complaint, remark or note), applies
``csat.domain.signals.crisis_worthy`` to each text and prints the counts, precision, recall and F1
on the crisis-worthy class and every misclassified line with the signals that fired.

Exit status: 0 when recall ≥ 0.9 and precision ≥ 0.8, 1 when a target is missed, 2 on a bad file.

Issue 23: it then scores the **held-out** split of the corpus bench/early_warning/corpus.tsv
(``--corpus``; columns label, type, identity, hard_negative, split, source, text): the confusion
table, precision/recall/F1, recall per crisis type (DOMAIN §6 a–e) and per F identity, the share of
each hard-negative category flagged, and the time per text; the same for the rules alone
(``model=False``) for comparison. Targets: recall ≥ 0.95, precision ≥ 0.90, every type's recall ≥
0.85, hard negatives ≤ 2 % flagged — on the issue's own categories (warranty, insurance, "will not
complain") and, stricter, on all hard-negative categories —, < 1 ms per text. The held-out texts it
gets wrong are counted, and listed only with ``--show-held-out-errors``: no rule or parameter may
be tuned on them. With ``--append-results`` a dated section
(commit, load average) with these tables is appended to bench/RESULTS.md.

``--set independent`` scores bench/early_warning/independent.tsv instead (1,200 texts by two
authors who never saw the rules, corpus or model; train side only, never part of the held-out
third) with the same tables, for all texts and per author, and the shipped model's precision and
hard negatives flagged by threshold; the held-out third is then not read at all. ``--set fresh``
does the same for bench/early_warning/fresh.tsv (thirteenth round: 1,000 texts by four more authors,
never fitted on), and ``--set app`` for bench/early_warning/app_texts.tsv (seventeenth round: the
app's own traffic — call notes, survey remarks, complaint summaries — by two more authors, mostly
harmless; never fitted on), with the tables per kind of text too; ``--set blind`` for
bench/early_warning/blind.tsv (nineteenth round: 600-odd texts by four more authors, weighted to
warranty, insurance and "will not complain"; never fitted on); ``--set app2`` for
bench/early_warning/app2.tsv (twenty-second round: app_texts.tsv's successor, 698 texts the app
scans by two more authors; never fitted on).

``--append-results`` appends a dated row (date, commit, texts, precision, recall, F1) to the
early-warning table in bench/RESULTS.md. ``--compare`` also scores two variants on the same texts:
the bare term list without any of the rules (negation, exceptions, identity, longest match,
aggravating words), and word-level matching with jieba instead of plain substring matching, when
jieba can be imported (it is not a project dependency; e.g. ``pip install --target /tmp/jieba
jieba`` and ``PYTHONPATH=/tmp/jieba``).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from csat.domain import signals  # noqa: E402

DEFAULT_FILE = ROOT / "bench" / "early_warning" / "texts.tsv"
DEFAULT_CORPUS = ROOT / "bench" / "early_warning" / "corpus.tsv"
INDEPENDENT = ROOT / "bench" / "early_warning" / "independent.tsv"
# Issue 23, thirteenth round: a test set by four more authors who saw nothing of the project
# (bench/early_warning/README.md); never fitted on, never used to choose anything.
FRESH = ROOT / "bench" / "early_warning" / "fresh.tsv"
# Seventeenth round: the texts the app itself scans — call notes, survey remarks, complaint
# summaries — by two more authors (g, h), mostly harmless as real traffic is; never fitted on.
APP = ROOT / "bench" / "early_warning" / "app_texts.tsv"
# Nineteenth round: a second test set by four more authors (i, j, k, l), weighted to the issue's
# named hard negatives; never fitted on. The held-out third had been scored about fifteen times.
BLIND = ROOT / "bench" / "early_warning" / "blind.tsv"
# Twenty-second round: app_texts.tsv's successor, the app's own traffic by two more authors (s, t),
# mostly harmless; never fitted on.
APP2 = ROOT / "bench" / "early_warning" / "app2.tsv"
CHECK_SETS = {"independent": INDEPENDENT, "fresh": FRESH, "app": APP, "blind": BLIND, "app2": APP2}
INDEPENDENT_COLUMNS = ["label", "type", "identity", "hard_negative", "author", "text"]
APP_COLUMNS = ["label", "type", "identity", "hard_negative", "author", "kind", "text"]
CORPUS_COLUMNS = ["label", "type", "identity", "hard_negative", "split", "source", "text"]
HELD_OUT_TARGETS = {
    "recall": 0.95,
    "precision": 0.90,
    "type_recall": 0.85,
    "hard_flagged": 0.02,
    "ms_per_text": 1.0,
}
# The issue's own reading of the hard-negative target: "warranty/insurance/'will not complain'".
ISSUE_HARD = ("warranty", "insurance", "negated_threat")
RESULTS = ROOT / "bench" / "RESULTS.md"
TARGET_RECALL = 0.9
TARGET_PRECISION = 0.8
KINDS = ("complaint", "remark", "note")
RESULT_COLUMNS = ["date", "commit", "file", "texts", "crisis-worthy", "precision", "recall", "F1"]
RESULT_HEADING = (
    "## Early-warning text signals (`bench/early_warning_eval.py`, target recall ≥ 0.9, precision ≥ 0.8)"
)


@dataclass(frozen=True, slots=True)
class Example:
    line: int  # line number in the file (the header is line 1)
    label: bool
    kind: str
    text: str


@dataclass(frozen=True, slots=True)
class Score:
    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def accuracy(self) -> float:
        total = self.tp + self.fp + self.fn + self.tn
        return (self.tp + self.tn) / total if total else 0.0

    def meets_targets(self) -> bool:
        return self.recall >= TARGET_RECALL and self.precision >= TARGET_PRECISION


def load(path: Path) -> list[Example]:
    """The labelled texts; raises ValueError naming the line of any malformed row."""
    examples: list[Example] = []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader, None)
        if header != ["label", "kind", "text"]:
            raise ValueError(f"{path}: the header must be label<TAB>kind<TAB>text, got {header!r}")
        for row in reader:
            line = reader.line_num
            if not row or row == [""]:
                continue
            if len(row) != 3:
                raise ValueError(f"{path}:{line}: expected 3 tab-separated fields, got {len(row)}")
            label, kind, text = row
            if label not in ("0", "1"):
                raise ValueError(f"{path}:{line}: label must be 0 or 1, got {label!r}")
            if kind not in KINDS:
                raise ValueError(f"{path}:{line}: kind must be one of {', '.join(KINDS)}, got {kind!r}")
            if not text.strip():
                raise ValueError(f"{path}:{line}: empty text")
            examples.append(Example(line, label == "1", kind, text))
    if not examples:
        raise ValueError(f"{path}: no texts")
    return examples


def score(
    examples: Iterable[Example], predict: Callable[[str], bool]
) -> tuple[Score, list[tuple[Example, bool]]]:
    """The confusion counts and the misclassified examples with their prediction."""
    counts: Counter[str] = Counter()
    wrong: list[tuple[Example, bool]] = []
    for example in examples:
        predicted = predict(example.text)
        key = ("t" if predicted == example.label else "f") + ("p" if predicted else "n")
        counts[key] += 1
        if predicted != example.label:
            wrong.append((example, predicted))
    return Score(counts["tp"], counts["fp"], counts["fn"], counts["tn"]), wrong


def bare_substring(text: str) -> bool:
    """The naive baseline: every occurrence of a term counts, no negation, exceptions or context."""
    normalized = signals.normalize(text)
    weights = {}
    for term in signals.DEFAULT_TERMS:
        if term.code in signals.AMPLIFIER_CODES or term.term.startswith(signals.PATTERN_PREFIX):
            continue
        if signals.normalize(term.term) in normalized:
            weights[term.term] = term.weight
    return sum(weights.values()) >= signals.CRISIS_THRESHOLD


def jieba_segmenter() -> Callable[[str], list[str]] | None:
    try:
        import jieba  # type: ignore[import-not-found]
    except ImportError:
        return None
    jieba.setLogLevel(60)
    return jieba.lcut


def explain(text: str) -> str:
    found = signals.text_signals(text)
    if not found:
        return "no signal"
    return ", ".join(f"{s.code}:{s.term}({s.weight})" for s in found) + f" = {signals.signal_weight(found)}"


def git_commit() -> str:
    def run(*args: str) -> str:
        result = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603,S607
        return result.stdout.strip()

    commit = run("rev-parse", "--short", "HEAD") or "unknown"
    dirty = run("status", "--porcelain", "--", "csat/domain/signals", "bench/early_warning")
    return f"{commit}{' (+ uncommitted signal changes)' if dirty else ''}"


def append_result(results: Path, row: dict[str, str]) -> None:
    """Add a row to the early-warning table, creating the table (and file) the first time.

    The row goes right after the table's last row, so other benches' tables further down the file
    stay intact.
    """
    header = "| " + " | ".join(RESULT_COLUMNS) + " |"
    line = "| " + " | ".join(row[c] for c in RESULT_COLUMNS) + " |"
    if not results.exists():
        results.write_text("# Benchmark results\n\nAppend only: one row per run.\n", encoding="utf-8")
    lines = results.read_text(encoding="utf-8").splitlines()
    if header not in lines:
        separator = "|" + "|".join("---" for _ in RESULT_COLUMNS) + "|"
        lines += ["", RESULT_HEADING, "", header, separator, line]
    else:
        end = lines.index(header) + 1
        while end < len(lines) and lines[end].startswith("|") and lines[end].count("|") == header.count("|"):
            end += 1
        lines.insert(end, line)
    results.write_text("\n".join(lines) + "\n", encoding="utf-8")


def load_corpus(path: Path, split: str) -> list[dict[str, str]]:
    """The rows of one split of the issue-23 corpus; ValueError on a malformed file."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        if reader.fieldnames != CORPUS_COLUMNS:
            raise ValueError(f"{path}: the header must be {CORPUS_COLUMNS}, got {reader.fieldnames}")
        rows = list(reader)
    if any(r["label"] not in ("0", "1") or not r["text"].strip() for r in rows):
        raise ValueError(f"{path}: a row has a bad label or an empty text")
    return [r for r in rows if r["split"] == split]


def load_independent(path: Path = INDEPENDENT) -> list[dict[str, str]]:
    """A check set with the columns of independent.tsv (app_texts.tsv adds ``kind``), all rows;
    ValueError on a malformed file."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        if reader.fieldnames not in (INDEPENDENT_COLUMNS, APP_COLUMNS):
            raise ValueError(f"{path}: the header must be {INDEPENDENT_COLUMNS}, got {reader.fieldnames}")
        rows = list(reader)
    if any(r["label"] not in ("0", "1") or not r["text"].strip() for r in rows):
        raise ValueError(f"{path}: a row has a bad label or an empty text")
    return rows


def threshold_lines(rows: list[dict[str, str]]) -> list[str]:
    """The shipped model's precision, recall and hard negatives (or, in a set without them, harmless
    texts) flagged by threshold on ``rows``."""
    probabilities = [signals.assess(r["text"]).probability or 0.0 for r in rows]
    labels = [r["label"] == "1" for r in rows]
    hard = [bool(r["hard_negative"]) for r in rows]
    column = "hard negatives flagged"
    if not any(hard):  # a set without hard-negative categories (app_texts.tsv): every harmless text
        hard, column = [not y for y in labels], "harmless flagged"
    lines = [f"| threshold | precision | recall | {column} |", "|---|---|---|---|"]
    for step in range(5, 81, 5):
        t = step / 100
        flagged = [p >= t for p in probabilities]
        tp = sum(f and y for f, y in zip(flagged, labels, strict=True))
        fp = sum(f and not y for f, y in zip(flagged, labels, strict=True))
        hf = sum(f and h for f, h in zip(flagged, hard, strict=True))
        lines.append(
            f"| {t:.2f} | {tp / max(1, tp + fp):.3f} | {tp / max(1, sum(labels)):.3f} | {hf}/{sum(hard)} |"
        )
    return [*lines, ""]


def independent_section(path: Path) -> list[str]:
    """The tables of a check set with the columns of independent.tsv: all texts, per author, by threshold."""
    rows = load_independent(path)
    signals.crisis_worthy("warm-up")  # loads the model file once, outside the timing
    kind = path.stem
    lines, _ = corpus_report(rows, signals.crisis_worthy, "rules + text model (crisis_worthy)", kind)
    for author in sorted({r["author"] for r in rows}):
        mine = [r for r in rows if r["author"] == author]
        more, _ = corpus_report(mine, signals.crisis_worthy, f"author {author}", kind)
        lines += more
    for text_kind in sorted({r.get("kind", "") for r in rows} - {""}):
        mine = [r for r in rows if r["kind"] == text_kind]
        more, _ = corpus_report(mine, signals.crisis_worthy, text_kind, kind)
        lines += more
    lines += [f"**by threshold** (all {len(rows):,}; the shipped threshold is the model file's)", ""]
    return lines + threshold_lines(rows)


def corpus_report(
    rows: list[dict[str, str]], predict: Callable[[str], bool], name: str, kind: str = "held-out"
) -> tuple[list[str], bool]:
    """Markdown lines for one predictor on the held-out rows, and whether all targets are met."""
    started = time.perf_counter()
    predicted = [predict(r["text"]) for r in rows]
    ms_per_text = (time.perf_counter() - started) * 1000 / max(1, len(rows))
    counts: Counter[str] = Counter()
    by_type: dict[str, list[int]] = {}
    by_identity: dict[str, list[int]] = {}
    by_hard: dict[str, list[int]] = {}
    for row, flagged in zip(rows, predicted, strict=True):
        label = row["label"] == "1"
        counts[("t" if flagged == label else "f") + ("p" if flagged else "n")] += 1
        if label:
            by_type.setdefault(row["type"], [0, 0])[0] += flagged
            by_type[row["type"]][1] += 1
        if row["identity"]:
            key = f"{row['identity']} ({'crisis' if label else 'harmless'})"
            by_identity.setdefault(key, [0, 0])[0] += flagged
            by_identity[key][1] += 1
        if not label:
            by_hard.setdefault(row["hard_negative"] or "(ordinary)", [0, 0])[0] += flagged
            by_hard[row["hard_negative"] or "(ordinary)"][1] += 1
    result = Score(counts["tp"], counts["fp"], counts["fn"], counts["tn"])
    hard_flagged = sum(v[0] for k, v in by_hard.items() if k != "(ordinary)")
    hard_total = sum(v[1] for k, v in by_hard.items() if k != "(ordinary)")
    hard_share = hard_flagged / max(1, hard_total)
    named_flagged = sum(by_hard.get(k, [0, 0])[0] for k in ISSUE_HARD)
    named_total = sum(by_hard.get(k, [0, 0])[1] for k in ISSUE_HARD)
    named_share = named_flagged / max(1, named_total)
    type_recalls = {t: v[0] / v[1] for t, v in by_type.items()}
    t = HELD_OUT_TARGETS
    checks = {
        f"recall ≥ {t['recall']}": result.recall >= t["recall"],
        f"precision ≥ {t['precision']}": result.precision >= t["precision"],
        f"every type's recall ≥ {t['type_recall']}": min(type_recalls.values()) >= t["type_recall"],
    }
    if hard_total:  # a set without hard-negative categories (app_texts.tsv) has none to check
        checks[f"warranty/insurance/will-not-complain flagged ≤ {t['hard_flagged']:.0%}"] = (
            named_share <= t["hard_flagged"]
        )
        checks[f"all hard negatives flagged ≤ {t['hard_flagged']:.0%}"] = hard_share <= t["hard_flagged"]
    checks[f"< {t['ms_per_text']} ms per text"] = ms_per_text < t["ms_per_text"]
    lines = [
        f"**{name}** — {len(rows)} {kind} texts, {result.tp + result.fn} crisis-worthy",
        "",
        "| | flagged | not flagged |",
        "|---|---|---|",
        f"| crisis-worthy | {result.tp} (TP) | {result.fn} (FN) |",
        f"| harmless | {result.fp} (FP) | {result.tn} (TN) |",
        "",
        f"precision {result.precision:.3f} · recall {result.recall:.3f} · F1 {result.f1:.3f} · "
        + (
            f"hard negatives flagged {hard_flagged}/{hard_total} = {hard_share:.1%} (warranty, insurance, "
            f"will not complain: {named_flagged}/{named_total} = {named_share:.1%}) · "
            if hard_total
            else f"harmless flagged {result.fp}/{result.fp + result.tn} · "
        )
        + f"{ms_per_text:.3f} ms per text",
        "",
        "| crisis type (DOMAIN §6) | recall |",
        "|---|---|",
        *(f"| {k} | {v[0]}/{v[1]} = {v[0] / v[1]:.3f} |" for k, v in sorted(by_type.items())),
        "",
        "| F identity | flagged |",
        "|---|---|",
        *(f"| {k} | {v[0]}/{v[1]} |" for k, v in sorted(by_identity.items())),
        "",
        "| harmless category | flagged |",
        "|---|---|",
        *(f"| {k} | {v[0]}/{v[1]} = {v[0] / v[1]:.1%} |" for k, v in sorted(by_hard.items())),
        "",
        "targets: " + ", ".join(f"{k} {'met' if ok else 'MISSED'}" for k, ok in checks.items()),
        "",
    ]
    return lines, all(checks.values())


def held_out_section(corpus: Path) -> tuple[list[str], bool, list[tuple[dict[str, str], bool]]]:
    rows = load_corpus(corpus, "test")
    signals.crisis_worthy("warm-up")  # loads the model file once, outside the timing
    lines, ok = corpus_report(rows, signals.crisis_worthy, "rules + text model (crisis_worthy)")
    rule_lines, _ = corpus_report(
        rows, lambda t: signals.crisis_worthy(t, model=False), "rules alone (model=False)"
    )
    wrong = [(r, r["label"] != "1") for r in rows if signals.crisis_worthy(r["text"]) != (r["label"] == "1")]
    return lines + rule_lines, ok, wrong


def append_section(results: Path, lines: list[str], *, check_set: str = "") -> None:
    loadavg = (
        Path("/proc/loadavg").read_text(encoding="utf-8").strip() if Path("/proc/loadavg").exists() else "n/a"
    )
    title = (
        f"{check_set} check set bench/early_warning/{CHECK_SETS[check_set].name} (`bench/early_warning_eval.py --set {check_set}`)"
        if check_set
        else "held-out third of bench/early_warning/corpus.tsv (`bench/early_warning_eval.py`)"
    )
    header = [
        "",
        f"## Early warning, issue 23: {title}",
        "",
        f"{dt.datetime.now(tz=dt.UTC).isoformat(timespec='minutes')} · commit {git_commit()} · load average {loadavg}",
        "",
    ]
    with results.open("a", encoding="utf-8") as handle:
        handle.write("\n".join(header + lines) + "\n")


def print_score(name: str, result: Score) -> None:
    print(
        f"{name:<34} precision {result.precision:.3f}  recall {result.recall:.3f}  F1 {result.f1:.3f}"
        f"  (TP {result.tp}, FP {result.fp}, FN {result.fn}, TN {result.tn})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE, help="labelled TSV (default: %(default)s)")
    parser.add_argument(
        "--append-results", action="store_true", help="append a dated row to bench/RESULTS.md"
    )
    parser.add_argument("--results", type=Path, default=RESULTS, help=argparse.SUPPRESS)
    parser.add_argument(
        "--compare", action="store_true", help="also score the bare term list and jieba words"
    )
    parser.add_argument(
        "--corpus", type=Path, default=DEFAULT_CORPUS, help="issue-23 corpus (default: %(default)s)"
    )
    parser.add_argument(
        "--show-held-out-errors",
        action="store_true",
        help="list the held-out texts it gets wrong (never tune on them)",
    )
    parser.add_argument(
        "--set",
        choices=["held-out", *CHECK_SETS],
        default="held-out",
        dest="which",
        help="independent, fresh, app, blind or app2: score that set only (the held-out third is not read)",
    )
    args = parser.parse_args(argv)

    if args.which in CHECK_SETS:
        try:
            lines = independent_section(CHECK_SETS[args.which])
        except (OSError, ValueError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        print("\n".join(lines))
        if args.append_results:
            append_section(args.results, lines, check_set=args.which)
            print(f"appended the {args.which} section to {args.results}")
        return 0

    try:
        examples = load(args.file)
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2

    positives = sum(e.label for e in examples)
    by_kind = Counter((e.kind, e.label) for e in examples)
    print(
        f"{args.file.relative_to(ROOT) if args.file.is_relative_to(ROOT) else args.file}: {len(examples)} texts"
    )
    print(
        f"  crisis-worthy {positives} ({positives / len(examples):.0%}), harmless {len(examples) - positives}"
    )
    print(
        "  by kind: "
        + ", ".join(f"{k} {by_kind[(k, True)]}+{by_kind[(k, False)]}" for k in KINDS)
        + " (crisis-worthy + harmless)"
    )

    result, wrong = score(examples, signals.crisis_worthy)
    print()
    print(f"TP {result.tp}  FP {result.fp}  FN {result.fn}  TN {result.tn}  accuracy {result.accuracy:.3f}")
    print(
        f"precision {result.precision:.3f}  recall {result.recall:.3f}  F1 {result.f1:.3f}"
        f"  (targets: recall ≥ {TARGET_RECALL}, precision ≥ {TARGET_PRECISION})"
    )

    if wrong:
        print(f"\nmisclassified ({len(wrong)}):")
        for example, predicted in wrong:
            verdict = "false alarm" if predicted else "missed     "
            print(f"  line {example.line:>3} {verdict} [{example.kind}] {example.text}")
            print(f"           signals: {explain(example.text)}")

    if args.compare:
        print("\ncomparison on the same texts:")
        print_score("rules + substring (this module)", result)
        print_score("bare term list, substring", score(examples, bare_substring)[0])
        segment = jieba_segmenter()
        if segment is None:
            print("rules + jieba words                jieba is not importable: skipped")
        else:
            jieba_score, jieba_wrong = score(examples, lambda t: signals.crisis_worthy(t, segment=segment))
            print_score("rules + jieba words", jieba_score)
            substring_lines = {example.line for example, _ in wrong}
            jieba_lines = {example.line for example, _ in jieba_wrong}
            for name, errors, other in (
                ("jieba", jieba_wrong, substring_lines),
                ("substring", wrong, jieba_lines),
            ):
                for example, predicted in errors:
                    if example.line not in other:
                        verdict = "false alarm" if predicted else "missed     "
                        print(f"  only with {name:<9} line {example.line:>3} {verdict} {example.text}")

    if args.append_results:
        append_result(
            args.results,
            {
                "date": dt.datetime.now(tz=dt.UTC).date().isoformat(),
                "commit": git_commit(),
                "file": args.file.name,
                "texts": str(len(examples)),
                "crisis-worthy": str(positives),
                "precision": f"{result.precision:.3f}",
                "recall": f"{result.recall:.3f}",
                "F1": f"{result.f1:.3f}",
            },
        )
        print(f"\nappended to {args.results}")

    try:
        section, held_out_ok, held_out_wrong = held_out_section(args.corpus)
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print("\n" + "\n".join(section))
    print(f"held-out misclassified: {len(held_out_wrong)}")
    if args.show_held_out_errors:  # reading them invites tuning on the held-out third: off by default
        for row, flagged in held_out_wrong:
            verdict = "false alarm" if flagged else "missed     "
            print(f"  {verdict} [{row['type'] or row['hard_negative'] or 'ordinary'}] {row['text']}")
    if args.append_results:
        append_section(args.results, section)
        print(f"appended the held-out section to {args.results}")

    if not result.meets_targets() or not held_out_ok:
        print("\nFAIL: below target", file=sys.stderr)
        return 1
    print("\nOK: targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
