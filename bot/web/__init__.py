"""The web chat: a page for the ward portal, its JSON endpoint and a one-tag embed script."""
