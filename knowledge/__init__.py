"""Knowledge: the plans, loaders, cleaning and OCR repair, structure parsing, chunking, facts and ingest."""
