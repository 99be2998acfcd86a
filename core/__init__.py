"""Core: settings, database, the initiative domain, errors and Vietnamese text helpers."""
