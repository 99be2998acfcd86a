"""Zalo Bot Platform: Telegram-like bots on Zalo (no Official Account needed), by webhook or getUpdates polling."""
