"""Build a development passage index of the bundled plans (for retrieval work before/without `thidua ingest`).

Uses the knowledge package's repair, chunking, metadata and fact extraction where they exist, and a provisional
paragraph split otherwise. Usage: .venv/bin/python scripts/retrieval_dev_index.py [DATA_DIR]
"""

from __future__ import annotations

import importlib
import json
import pickle
import sys
import time
from pathlib import Path
from typing import Any

from core.settings import BUNDLED_PLANS_DIR, Settings
from knowledge.passages import Fact, Passage, PlanMeta
from retrieval.embeddings import make_embeddings
from retrieval.vectorstore import PassageIndex, make_chroma_client


def _optional(module: str, name: str) -> Any:
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None


def load_meta(path: Path) -> PlanMeta:
    """Read the metadata file of a plan (provisional unless knowledge.metadata exists)."""
    real = _optional("knowledge.metadata", "load_meta")
    if real is not None:
        meta: PlanMeta = real(path)
        return meta
    data = json.loads(path.with_name(path.name.replace(".txt", ".meta.json")).read_text("utf-8"))
    return PlanMeta(
        document=path.name,
        title=data["title"],
        issuer=data["issuer"],
        level=data["level"],
        locality=data["locality"],
        number=data["number"],
        date=data["date"],
        aliases=tuple(data.get("aliases", ())),
    )


def repair(text: str) -> str:
    """OCR repair when the knowledge package has it; the text unchanged otherwise."""
    factory = _optional("knowledge.ocr_repair", "default_repairer")
    if factory is None:
        return text
    try:
        repaired: str = factory().repair(text)
    except Exception as exc:  # a module mid-edit by a colleague
        print(f"repair failed, using original: {exc!r}")
        return text
    return repaired


def chunk(document: str, original: str, repaired: str) -> list[Passage]:
    """Passages along the plan's structure when the chunker exists; blank-line paragraphs otherwise."""
    real = _optional("knowledge.chunking", "chunk_plan")
    if real is not None:
        passages: list[Passage] = real(document, original, repaired)
        return passages
    result: list[Passage] = []
    for order, para in enumerate(p for p in repaired.split("\n\n") if p.strip()):
        result.append(Passage(f"{document}:{order}", document, order, (), para.strip(), para.strip()))
    return result


def facts(meta: PlanMeta, passages: list[Passage]) -> list[Fact]:
    """Extracted facts when knowledge.facts exists."""
    real = _optional("knowledge.facts", "extract_facts")
    if real is None:
        return []
    found: list[Fact] = real(meta, passages)
    return found


def main() -> None:
    """Build the index into DATA_DIR and pickle passages + facts beside it."""
    data_dir = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/thidua-dev")  # noqa: S108
    settings = Settings(data_dir=data_dir)
    index = PassageIndex(make_chroma_client(settings), make_embeddings(settings))
    all_facts: list[Fact] = []
    start = time.perf_counter()
    for path in sorted(BUNDLED_PLANS_DIR.glob("*.txt")):
        original = path.read_text("utf-8")
        meta = load_meta(path)
        prepare = _optional("knowledge.ingest", "prepare_plan")
        if prepare is not None:
            looks_like_ocr = _optional("knowledge.ingest", "looks_like_ocr")
            passages, plan_facts = prepare(path.name, original, meta, ocr=looks_like_ocr(original))
            index.replace_document(path.name, passages, meta)
            all_facts.extend(plan_facts)
            print(f"{path.name}: {len(passages)} passages (ingest.prepare_plan)", flush=True)
            continue
        passages = chunk(path.name, original, repair(original))
        index.replace_document(path.name, passages, meta)
        all_facts.extend(facts(meta, passages))
        print(f"{path.name}: {len(passages)} passages", flush=True)
    (data_dir / "facts.pickle").write_bytes(pickle.dumps(all_facts))
    print(f"built in {time.perf_counter() - start:.1f}s")


if __name__ == "__main__":
    main()
