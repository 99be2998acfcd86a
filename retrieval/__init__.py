"""Retrieval: the index, lexical and dense search, fusion, scoping, answer composition and citations."""
