"""Telegram: python-telegram-bot for polling and sending, our own route for the webhook."""
