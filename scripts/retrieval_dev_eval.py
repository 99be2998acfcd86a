"""Run the judge on a question file against the development index built by retrieval_dev_index.py.

Usage: .venv/bin/python scripts/retrieval_dev_eval.py [QUESTIONS.jsonl] [DATA_DIR] [-v]
"""

from __future__ import annotations

import json
import pickle
import sys
from pathlib import Path

from core.settings import Settings
from retrieval.answering import Answerer
from retrieval.embeddings import make_embeddings
from retrieval.evaluation import facts_present, format_eval, judge, run_eval, source_hit
from retrieval.vectorstore import PassageIndex, make_chroma_client


def main() -> None:
    """Print the figures; with -v, every wrong answer too."""
    args = [a for a in sys.argv[1:] if not a.startswith("-")]
    verbose = "-v" in sys.argv
    questions = Path(args[0] if args else "/work/shared/eval/dev.jsonl")
    data_dir = Path(args[1] if len(args) > 1 else "/tmp/thidua-dev")  # noqa: S108
    settings = Settings(data_dir=data_dir)
    index = PassageIndex(make_chroma_client(settings), make_embeddings(settings))
    answerer = Answerer(index)
    facts_file = data_dir / "facts.pickle"
    answerer.load(index.all_passages(), pickle.loads(facts_file.read_bytes()) if facts_file.exists() else [])  # noqa: S301
    items = [json.loads(line) for line in questions.read_text("utf-8").splitlines() if line.strip()]
    report = run_eval(items, answerer.answer)
    print(format_eval(report))
    if verbose:
        for item in items:
            answer = answerer.answer(item["question"])
            result = judge(item, answer)
            hit = source_hit(item, answer) if item.get("doc") else None
            if not result.correct or hit is False:
                print("=" * 100)
                print(item["id"], item["category"], item["doc"], "| facts:", item["answer_facts"])
                print("Q:", item["question"])
                print("facts ok:", facts_present(answer.text, item["answer_facts"] or []), "hit:", hit)
                print(answer.text[:1500])
                print("sources:", [(s.passage_id, s.section[:60]) for s in answer.sources[:3]])
    times = sorted(i.elapsed_ms for i in report.items)
    print(f"p50 {times[len(times) // 2]:.1f} ms, max {times[-1]:.1f} ms")


if __name__ == "__main__":
    main()
