"""Measure OCR diacritic repair on the hand-made gold sets: word accuracy per group, against the raw OCR text.

Each gold line is an OCR line of one of the four scanned plans with its correct Vietnamese, written by hand;
group "in_corpus" holds lines whose clean wording exists in the Hà Nội plan, "not_in_corpus" lines whose wording
does not. A gold word counts when the repaired line has exactly that word at the aligned place (case-insensitive).
Two ways are measured: each line repaired on its own (as ``thidua restore`` does) and each line taken from the
repair of its whole plan (as ingestion does, with the neighbouring lines as context).

Usage: python scripts/measure_restore.py [--gold FILE ...] [--show-errors]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from knowledge.ocr_repair import PLANS_DIR, default_repairer  # noqa: E402
from knowledge.restore_accuracy import comparable_words, group_accuracy, load_gold  # noqa: E402

DEFAULT_GOLD = [ROOT / "tests/data/restore/gold.jsonl", ROOT / "tests/data/restore/holdout.jsonl"]


def main() -> None:
    """Print word accuracy per group for the raw OCR text and for the repairer, and the time taken."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gold", type=Path, nargs="+", default=DEFAULT_GOLD)
    parser.add_argument("--show-errors", action="store_true", help="print each line the repairer gets wrong")
    args = parser.parse_args()

    started = time.process_time()
    repairer = default_repairer()
    print(f"build: {time.process_time() - started:.2f} s CPU")
    started = time.process_time()
    whole_plans = {
        path.name: repairer.repair(path.read_text(encoding="utf-8")).split("\n")
        for path in sorted(PLANS_DIR.glob("*.txt"))
    }
    print(f"repair of all five plans, whole: {time.process_time() - started:.2f} s CPU")

    for gold_path in args.gold:
        gold = load_gold(gold_path)
        by_ocr = {item.ocr: whole_plans[item.plan][item.line - 1] for item in gold}
        started = time.process_time()
        line_by_line = group_accuracy(gold, repairer.repair)
        elapsed = time.process_time() - started
        in_plan = group_accuracy(gold, by_ocr.__getitem__)
        raw = group_accuracy(gold, lambda text: text)
        print(f"\n{gold_path.name}: {len(gold)} lines from {len({g.plan for g in gold})} plans")
        print(f"{'group':<15}{'lines':>6}{'words':>7}{'raw OCR':>10}{'line alone':>12}{'in its plan':>13}")
        for group in raw:
            lines = [g for g in gold if g.group == group]
            words = sum(len(comparable_words(g.gold)) for g in lines)
            print(
                f"{group:<15}{len(lines):>6}{words:>7}{raw[group]:>10.1%}"
                f"{line_by_line[group]:>12.1%}{in_plan[group]:>13.1%}"
            )
        print(f"repair of {len(gold)} lines one by one: {elapsed:.2f} s CPU")

        if args.show_errors:
            for item in gold:
                output = repairer.repair(item.ocr)
                if comparable_words(item.gold) != comparable_words(output):
                    print(f"\n[{item.group}] {item.plan}:{item.line}")
                    print(f"  ocr : {item.ocr}\n  out : {output}\n  gold: {item.gold}")


if __name__ == "__main__":
    main()
