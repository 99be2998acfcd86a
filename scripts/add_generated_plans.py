"""Add N generated plans beside the plans indexed in ``THIDUA_DATA_DIR`` (for `thidua eval` at scale).

The generated plans (`retrieval/corpus.py`) reuse the vectors of the bundled passages they were made from; a
province with a bundled plan (Hà Nội) gets no generated one, its communes cite the bundled plan. Only the passage
index is written: the plans are not in the database's plan list (the console does not show them).

Usage: THIDUA_DATA_DIR=DIR .venv/bin/python scripts/add_generated_plans.py 3500
"""

from __future__ import annotations

import sys
import time

from core.settings import get_settings
from retrieval.bench import BUILD_BATCH, bank_items, group_plans
from retrieval.bench import _ReusedEmbeddings as _Reused
from retrieval.corpus import generate
from retrieval.embeddings import make_embeddings
from retrieval.vectorstore import PassageIndex, make_chroma_client


def main(count: int) -> None:
    """Generate and index ``count`` plans beside the indexed ones."""
    settings = get_settings()
    embeddings = make_embeddings(settings)
    client = make_chroma_client(settings)
    held = PassageIndex(client, embeddings).all_passages()
    plans = generate(group_plans(held), count, [i["question"] for i in bank_items()], beside=True)
    start = time.perf_counter()
    for first in range(0, len(plans), BUILD_BATCH):
        batch = plans[first : first + BUILD_BATCH]
        origin = {text: old for plan in batch for text, old in plan.origin.items()}
        PassageIndex(client, _Reused(embeddings, origin)).add_documents([(g.meta, g.passages) for g in batch])
    print(f"{len(plans)} generated plans added in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]))
