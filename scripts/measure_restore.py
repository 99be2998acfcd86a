"""Measure OCR diacritic repair on the hand-made gold set: word accuracy per group, against the raw OCR text.

Usage: python scripts/measure_restore.py [--gold tests/data/restore/gold.jsonl] [--show-errors]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from knowledge.ocr_repair import default_repairer  # noqa: E402
from knowledge.restore_accuracy import comparable_words, group_accuracy, load_gold  # noqa: E402


def main() -> None:
    """Print word accuracy per group for the raw OCR text and for the repairer, and the time taken."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gold", type=Path, default=ROOT / "tests/data/restore/gold.jsonl")
    parser.add_argument("--show-errors", action="store_true", help="print each gold word the repairer misses")
    args = parser.parse_args()
    gold = load_gold(args.gold)

    started = time.perf_counter()
    repairer = default_repairer()
    built = time.perf_counter() - started
    started = time.perf_counter()
    repaired = group_accuracy(gold, repairer.repair)
    elapsed = time.perf_counter() - started
    raw = group_accuracy(gold, lambda text: text)

    counts = {group: sum(1 for g in gold if g.group == group) for group in repaired}
    words = {group: sum(len(comparable_words(g.gold)) for g in gold if g.group == group) for group in repaired}
    print(f"gold: {len(gold)} lines from {len({g.plan for g in gold})} plans ({args.gold})")
    print(f"{'group':<15}{'lines':>6}{'words':>7}{'raw OCR':>10}{'repaired':>10}")
    for group in repaired:
        print(f"{group:<15}{counts[group]:>6}{words[group]:>7}{raw[group]:>10.1%}{repaired[group]:>10.1%}")
    print(f"build {built:.2f} s, repair of {len(gold)} lines one by one {elapsed:.2f} s")

    if args.show_errors:
        for item in gold:
            output = repairer.repair(item.ocr)
            expected, produced = comparable_words(item.gold), comparable_words(output)
            if expected != produced:
                print(f"\n[{item.group}] {item.plan}:{item.line}")
                print(f"  ocr : {item.ocr}\n  out : {output}\n  gold: {item.gold}")


if __name__ == "__main__":
    main()
