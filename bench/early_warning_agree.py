#!/usr/bin/env python
"""Issue 23, twenty-ninth round (train side only): a second fit's agreement on guarded texts.

    .venv/bin/python bench/early_warning_train.py <recipe> --cv-only --save-oof first_oof.tsv --save-author first_au.tsv
    .venv/bin/python bench/early_warning_train.py <recipe> --nb 1 ... --cv-only --save-oof second_oof.tsv --save-author second_au.tsv
    .venv/bin/python bench/early_warning_agree.py first second --threshold 0.20 --bar 0.25

Reads the strict CV's out-of-fold scores and the cross-author check's scores of two fits made on
the same draw of folds (``first_oof.tsv``, ``first_au.tsv`` …, the files ``--save-oof`` and
``--save-author`` write) and reports, for each bar of the second fit, the first fit's verdict at
its threshold and guarded bar with one change: a text in ``--scope`` (every guarded text, or only
those naming the dealership's routine: warranty, insurance, recall) is flagged only when the
second fit's score reaches the bar too. Such a rule can only flag fewer texts than the first fit.
A bar qualifies as the joint rule of the training script asks (strict-CV recall ≥ ``--cv-recall``,
cross-author recall ≥ CROSS_AUTHOR_RECALL). bench/RESULTS.md, "twenty-ninth round", holds the run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import early_warning_train as train
from csat.domain.signals.context import GUARDED
from csat.domain.signals.matching import normalize


def load_scores(path: Path) -> tuple[list[train.Row], np.ndarray, np.ndarray]:
    """The rows of a ``--save-oof`` / ``--save-author`` file, their scores and guarded marks."""
    found = train.read(path)
    rows = [
        train.Row(r["text"], int(r["label"]), r["hard"], r["type"], r["group"], r["source"]) for r in found
    ]
    return (
        rows,
        np.array([float(r["probability"]) for r in found]),
        np.array([r["guarded"] == "1" for r in found]),
    )


def agreed(first: np.ndarray, second: np.ndarray, in_scope: np.ndarray, second_bar: float) -> np.ndarray:
    """The first fit's scores, with a text in scope whose second score is under ``second_bar``
    scored 0: at the first fit's thresholds it is then flagged only when both fits flag it."""
    return np.where(in_scope & (second < second_bar), 0.0, first)


def routine(rows: list[train.Row]) -> np.ndarray:
    """Per row: whether its words name the dealership's routine (``context.GUARDED``)."""
    return np.array([GUARDED.search(normalize(r.text).lower()) is not None for r in rows])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("first", help="prefix of the first fit's files (<prefix>_oof.tsv, <prefix>_au.tsv)")
    parser.add_argument("second", help="prefix of the second fit's files")
    parser.add_argument("--threshold", type=float, required=True, help="the first fit's threshold")
    parser.add_argument("--bar", type=float, required=True, help="the first fit's guarded bar")
    parser.add_argument("--scope", choices=("guarded", "routine"), default="guarded")
    parser.add_argument(
        "--cv-recall",
        type=float,
        default=0.97,
        dest="cv_recall",
        help="the recipe's --cv-recall (shipped: 0.97)",
    )
    args = parser.parse_args(argv)
    train.JOINT_CV_RECALL = args.cv_recall
    checks = []
    for suffix in ("oof", "au"):
        rows, first, guarded = load_scores(Path(f"{args.first}_{suffix}.tsv"))
        other, second, _ = load_scores(Path(f"{args.second}_{suffix}.tsv"))
        if [r.text for r in rows] != [r.text for r in other]:
            raise SystemExit(f"{args.first}_{suffix}.tsv and {args.second}_{suffix}.tsv score other texts")
        keep = np.array([suffix == "au" or r.source in train.SCORED_SOURCES for r in rows])
        rows = [r for r, k in zip(rows, keep, strict=True) if k]
        scope = guarded[keep] if args.scope == "guarded" else routine(rows)
        checks.append(
            (rows, first[keep], second[keep], np.where(guarded[keep], args.bar, args.threshold), scope)
        )
    for step in range(5, 41):
        second_bar = step / 100
        (cp, cr, ch, cn), (ap, ar, ah, an) = (
            train.at_threshold(rows, agreed(first, second, scope, second_bar), bars)
            for rows, first, second, bars, scope in checks
        )
        joint = cr >= train.JOINT_CV_RECALL and ar >= train.CROSS_AUTHOR_RECALL
        print(
            f"{'qualifies' if joint else '         '} {args.scope} second bar {second_bar:.2f}: "
            f"strict CV P {cp:.3f} R {cr:.3f} hard {ch} named {cn} | cross-author P {ap:.3f} R {ar:.3f} "
            f"hard {ah} named {an}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
