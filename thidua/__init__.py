"""The composition root: builds the runtime from settings, the ASGI app and the `thidua` command line."""
