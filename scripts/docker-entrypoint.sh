#!/bin/sh
# Container entrypoint: for the web service, bring the schema and the bundled index up to date, then replace this
# shell with the command (exec), so the server is PID 1 and receives SIGTERM itself.
set -eu
if [ "${1:-}" = "thidua" ] && [ "${2:-}" = "serve" ]; then
  thidua migrate
  thidua ingest --if-stale --quiet
fi
exec "$@"
