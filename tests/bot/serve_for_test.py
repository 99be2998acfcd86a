"""Run the product's app with the test runtime as a real process: ``python -m tests.bot.serve_for_test DIR PORT``."""

from __future__ import annotations

import sys
from pathlib import Path

import uvicorn

from core.settings import Settings
from tests.bot.support import make_app, make_runtime


def main() -> None:
    """Serve on 127.0.0.1:PORT with data in DIR until stopped."""
    data_dir, port = Path(sys.argv[1]), int(sys.argv[2])
    settings = Settings(_env_file=None, environment="test", data_dir=data_dir)  # type: ignore[call-arg]
    runtime = make_runtime(settings)
    try:
        uvicorn.run(make_app(runtime), host="127.0.0.1", port=port, log_level="warning")
    finally:
        runtime.close()


if __name__ == "__main__":
    main()
