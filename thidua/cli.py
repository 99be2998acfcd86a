"""The `thidua` command line: ingest, ask, eval, bench, restore, serve, migrate, reviewer."""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import socket
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from pydantic import ValidationError

from core.errors import ThiduaError
from core.settings import Settings, get_settings
from thidua.logs import configure_logging

log = logging.getLogger("thidua")


def _runtime(settings: Settings, *, answering: bool = True) -> Any:
    """Migrate and build the runtime; for answering, index the bundled plans first when they are new or changed."""
    from core.db import migrate
    from thidua.runtime import build_runtime

    migrate(settings)
    runtime = build_runtime(settings, load=False)
    if not answering:
        return runtime
    if runtime.index_is_stale():
        print("Đang lập chỉ mục các kế hoạch có sẵn…", file=sys.stderr)
        print(runtime.ingest_bundled(show_progress=True).summary(), file=sys.stderr)
    else:
        runtime.reload_knowledge()
    return runtime


def cmd_migrate(settings: Settings, _args: argparse.Namespace) -> int:
    """Bring the database schema up to date."""
    from core.db import migrate

    migrate(settings)
    print("Cơ sở dữ liệu đã được cập nhật.")
    return 0


def cmd_ingest(settings: Settings, args: argparse.Namespace) -> int:
    """Index the bundled plans, or the files given."""
    runtime = _runtime(settings, answering=False)
    try:
        if args.if_stale and not args.paths and not runtime.index_is_stale():
            print("Chỉ mục đã cập nhật; không cần lập lại.")
            return 0
        if args.paths:
            missing = [p for p in args.paths if not p.is_file()]
            if missing:
                print(f"Không tìm thấy tệp: {', '.join(map(str, missing))}", file=sys.stderr)
                return 2
            report = runtime.ingest_files(list(args.paths), show_progress=not args.quiet, reload=False)
        else:
            report = runtime.ingest_bundled(show_progress=not args.quiet, force=args.force, reload=False)
        print(report.summary())
        print(f"Số đoạn văn bản phải tính lại vector: {runtime.embeddings.misses}")
        return 0
    finally:
        runtime.close()


def _read_jsonl(source: str) -> Iterator[tuple[int, dict[str, Any] | None, str]]:
    stream: TextIO = sys.stdin if source == "-" else open(source, encoding="utf-8")  # noqa: SIM115
    try:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except ValueError:
                yield number, None, "not valid JSON"
                continue
            if not isinstance(item, dict) or not isinstance(item.get("question"), str):
                yield number, None, 'each line needs a "question" string'
                continue
            yield number, item, ""
    finally:
        if stream is not sys.stdin:
            stream.close()


def cmd_ask(settings: Settings, args: argparse.Namespace) -> int:
    """Answer one question, or a JSON-lines file of questions."""
    from retrieval.answering import answer_to_json, format_answer_text

    if not args.jsonl and not args.question:
        print('Hãy nhập câu hỏi, ví dụ: thidua ask "Hạn báo cáo là ngày nào?"', file=sys.stderr)
        return 2
    runtime = _runtime(settings)
    try:
        if args.jsonl:
            bad = 0
            for number, item, problem in _read_jsonl(args.jsonl):
                if item is None:
                    print(f"line {number}: {problem}", file=sys.stderr)
                    bad += 1
                    continue
                started = time.perf_counter()
                answer = runtime.answer(item["question"], locality=item.get("locality"))
                elapsed = (time.perf_counter() - started) * 1000
                print(json.dumps(answer_to_json(answer, elapsed_ms=elapsed, id=item.get("id")), ensure_ascii=False))
                sys.stdout.flush()
            return 1 if bad else 0
        question = " ".join(args.question)
        started = time.perf_counter()
        answer = runtime.answer(question, locality=args.locality)
        elapsed = (time.perf_counter() - started) * 1000
        if args.json:
            print(json.dumps(answer_to_json(answer, elapsed_ms=elapsed, id=None), ensure_ascii=False))
        else:
            print(format_answer_text(answer))
        return 0
    finally:
        runtime.close()


BANK_DIR = Path(__file__).resolve().parent.parent / "tests" / "retrieval" / "bank"
DEV_SET = Path(__file__).resolve().parent.parent.parent / "shared" / "eval" / "dev.jsonl"


def _bank(part: str) -> list[dict[str, Any]]:
    """The question bank's tuning or held-out part (every file under tests/retrieval/bank, split by section)."""
    from retrieval.evaluation import bank_part

    items = [item for path in sorted(BANK_DIR.glob("*.jsonl")) for item in (_items(path) or [])]
    return [item for item in items if bank_part(item) == part]


def _items(path: Path) -> list[dict[str, Any]] | None:
    items = []
    for number, item, problem in _read_jsonl(str(path)):
        if item is None:
            print(f"{path}: line {number}: {problem}", file=sys.stderr)
            return None
        items.append(item)
    return items


def cmd_eval(settings: Settings, args: argparse.Namespace) -> int:
    """Judge the answers to question files; by default the bank's tuning and held-out parts, and the dev set."""
    from retrieval.evaluation import format_eval, run_eval

    sets: list[tuple[str, list[dict[str, Any]]]] = []
    if args.files:
        for path in args.files:
            items = _items(path)
            if items is None:
                return 2
            sets.append((path.name, items))
    else:
        sets = [
            ("ngân hàng câu hỏi — phần tinh chỉnh", _bank("tuning")),
            ("ngân hàng câu hỏi — phần giữ lại", _bank("heldout")),
        ]
        dev = _items(DEV_SET) if DEV_SET.exists() else None
        sets += [("dev.jsonl", dev)] if dev else []
    runtime = _runtime(settings)
    try:
        for name, items in sets:
            if len(sets) > 1:
                print(f"== {name} ({len(items)} câu)")
            print(format_eval(run_eval(items, lambda q: runtime.answer(q))))
        return 0
    finally:
        runtime.close()


def cmd_train_models(settings: Settings, args: argparse.Namespace) -> int:
    """Fit the ranking model, then the decline model over the new ranking, on the tuning questions."""
    from retrieval.answer_line import LINE_FEATURES, LINE_MODEL_FILE
    from retrieval.decline import FEATURES as DECLINE_FEATURES
    from retrieval.decline import MODEL_FILE as DECLINE_FILE
    from retrieval.kinds.plan_choice import PLAN_FEATURES, PLAN_MODEL_FILE
    from retrieval.ranking import RANK_FEATURES, RANK_MODEL_FILE
    from retrieval.train_models import (
        MISSED_PLAN_COST,
        decline_examples,
        fit,
        fit_trees,
        line_examples,
        plan_examples,
        ranking_examples,
    )

    items: list[dict[str, Any]] = [] if args.files else _bank("tuning")
    # besides the bank's tuning part: the older question sets and the dev set, all tuned on before (never the held-out)
    older = [*sorted(BANK_DIR.parent.glob("heldout[0-9]*.jsonl")), BANK_DIR.parent / "heldout.jsonl", DEV_SET]
    for path in list(args.files) or [p for p in older if p.exists()]:
        loaded = _items(path)
        if loaded is None:
            return 2
        items += loaded
    runtime = _runtime(settings)
    try:
        answerer = runtime.answerer
        for model_file in (RANK_MODEL_FILE, DECLINE_FILE, PLAN_MODEL_FILE, LINE_MODEL_FILE):
            model_file.unlink(missing_ok=True)  # the hand order and rule, while the models are rebuilt
        answerer.reload_models()
        x, y = ranking_examples(answerer, items)
        ranking = fit(x, y, RANK_FEATURES, calibrate=False)
        RANK_MODEL_FILE.write_text(ranking.to_json() + "\n", "utf-8")
        answerer.reload_models()
        print(f"ranking: {len(y)} candidates ({int(y.sum())} gold) from {len(items)} questions; {RANK_MODEL_FILE}")
        x, y = decline_examples(answerer, items)
        decline = fit(x, y, DECLINE_FEATURES, calibrate=True)
        DECLINE_FILE.write_text(decline.to_json() + "\n", "utf-8")
        print(f"decline: {len(y)} questions ({int(y.sum())} answerable), threshold {decline.threshold}; {DECLINE_FILE}")
        answerer.reload_models()
        x, y = plan_examples(answerer, items)
        plans = fit(x, y, PLAN_FEATURES, calibrate=True, miss_cost=MISSED_PLAN_COST)
        PLAN_MODEL_FILE.write_text(plans.to_json() + "\n", "utf-8")
        answerer.reload_models()
        print(f"plans: {len(y)} plan answers ({int(y.sum())} right) to questions naming no place; {PLAN_MODEL_FILE}")
        x, y = line_examples(answerer, items)
        lines = fit_trees(x, y, LINE_FEATURES)
        LINE_MODEL_FILE.write_text(lines.to_json() + "\n", "utf-8")
        answerer.reload_models()
        print(f"answer lines: {len(y)} lines ({int(y.sum())} stating the facts); {LINE_MODEL_FILE}")
    finally:
        runtime.close()
    return 0


def cmd_bench(settings: Settings, args: argparse.Namespace) -> int:
    """Measure latency, throughput, index build time and memory; print the figures."""
    from retrieval.bench import format_bench, run_bench

    runtime = _runtime(settings)  # the bundled plans must be indexed before they are measured
    runtime.close()
    try:
        results = run_bench(
            settings,
            generated_plans=args.plans,
            workers=args.workers,
            progress=lambda line: print(line, file=sys.stderr),
        )
    except LookupError as error:
        print(error, file=sys.stderr)
        return 1
    print(format_bench(results, as_json=args.json))
    return 0


def cmd_restore(_settings: Settings, _args: argparse.Namespace) -> int:
    """Repair OCR text line by line from stdin to stdout."""
    from knowledge.ocr_repair import restore_lines

    for line in restore_lines(line.rstrip("\n") for line in sys.stdin):
        sys.stdout.write(line + "\n")
    return 0


def serve_options(settings: Settings) -> dict[str, Any]:
    """How uvicorn runs the app.

    No access log: query strings (searches by name or phone) would carry personal data into the log.
    No proxy headers: uvicorn would believe ``X-Forwarded-For`` from 127.0.0.1 before ``THIDUA_TRUSTED_PROXIES``
    applies, so anyone on the host could pick the address rate limits count.
    """
    return {
        "log_level": settings.log_level.lower(),
        "access_log": False,
        "proxy_headers": False,
        "server_header": False,
    }


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (``OSError`` when the port is taken), bound before anything is printed."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    """Serve the web chat, the admin API and the webhooks with one or more web workers."""
    import uvicorn

    settings = settings.model_copy(update={"host": args.host or settings.host, "port": args.port or settings.port})
    try:
        sock = bind_socket(settings.host, settings.port)
    except OSError as exc:
        print(
            f"Lỗi: không mở được cổng {settings.host}:{settings.port} ({exc.strerror}); "
            "cổng có thể đang được dùng, hãy chọn cổng khác (--port hoặc THIDUA_PORT).",
            file=sys.stderr,
        )
        return 2
    workers = max(1, int(getattr(args, "workers", 1) or 1))
    try:
        if workers == 1:
            return _serve_one(settings, sock, uvicorn)
        return _serve_many(settings, sock, workers, uvicorn)
    finally:
        sock.close()


def _banner(settings: Settings, workers: int) -> None:
    label = f" ({workers} tiến trình web)" if workers > 1 else ""
    print(f"thidua đang chạy tại http://{settings.host}:{settings.port}/{label} (API: /docs)", file=sys.stderr)


def _serve_one(settings: Settings, sock: socket.socket, uvicorn: Any) -> int:
    from thidua.app import create_app

    runtime = _runtime(settings)
    try:
        server = uvicorn.Server(uvicorn.Config(create_app(runtime), **serve_options(settings)))
        _banner(settings, 1)
        server.run(sockets=[sock])
    finally:
        runtime.close()
    return 0


def _serve_many(settings: Settings, sock: socket.socket, workers: int, uvicorn: Any) -> int:
    from uvicorn.supervisors.multiprocess import Multiprocess

    _runtime(settings).close()  # migrate and index once, before the workers start
    os.environ["THIDUA_HOST"], os.environ["THIDUA_PORT"] = settings.host, str(settings.port)
    config = uvicorn.Config("thidua.app:create_app", factory=True, workers=workers, **serve_options(settings))
    _banner(settings, workers)
    Multiprocess(config, sockets=[sock]).run()
    return 0


def cmd_worker(settings: Settings, _args: argparse.Namespace) -> int:
    """Run what no web worker should: notices, Telegram and Zalo Bot polling, housekeeping; until SIGTERM or Ctrl-C."""
    import asyncio
    import signal

    from bot.lifecycle import run_channels

    # The web service migrates and indexes; the worker only loads what is there and follows later changes.
    runtime = _runtime(settings, answering=False)
    runtime.reload_knowledge()
    _release_notice_claims(runtime)

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        async with run_channels(runtime, None, background=True):
            print("thidua worker đang chạy (gửi thông báo, Telegram, Zalo Bot, dọn dẹp định kỳ)", file=sys.stderr)
            await stop.wait()

    try:
        asyncio.run(run())
    finally:
        runtime.close()
    return 0


def _release_notice_claims(runtime: Any) -> None:
    """Notices a killed worker had claimed are due again at once (only one worker runs)."""
    from core.db import session_scope
    from core.notices import release_claims

    with session_scope(runtime.sessions) as session:
        released = release_claims(session=session)
    if released:
        log.info("%d pending notices are due again", released)


def cmd_loadtest(_settings: Settings, args: argparse.Namespace) -> int:
    """Start the production shape locally, drive it on 127.0.0.1, count losses and doubles, print the figures."""
    from thidua.loadtest import run_loadtest

    return run_loadtest(args.profile, args.data_dir)


def cmd_reviewer_create(settings: Settings, args: argparse.Namespace) -> int:
    """Create a reviewer or admin account."""
    from pydantic import ValidationError

    from core.db import make_engine, make_session_factory, migrate, session_scope
    from core.reviewers import ReviewerCreate, create_reviewer

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Mật khẩu: ")
        if password != getpass.getpass("Nhập lại mật khẩu: "):
            print("Hai lần nhập mật khẩu không khớp.", file=sys.stderr)
            return 2
    try:
        reviewer_in = ReviewerCreate(
            username=args.username, password=password, role=args.role, full_name=args.full_name or ""
        )
    except ValidationError as exc:
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"])
            print(f"Không hợp lệ ({field}): {error['msg']}", file=sys.stderr)
        return 2
    migrate(settings)
    engine = make_engine(settings.sqlalchemy_url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            reviewer = create_reviewer(session=session, reviewer_in=reviewer_in)
            print(f"Đã tạo tài khoản {reviewer.username} ({reviewer.role}).")
    finally:
        engine.dispose()
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, one sub-command per job."""
    parser = argparse.ArgumentParser(
        prog="thidua", description="Trợ lý phong trào thi đua đổi mới sáng tạo và chuyển đổi số"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="index the bundled plans (or the files given)")
    p.add_argument(
        "paths", nargs="*", type=Path, help="plan files (.txt, .docx, .pdf, scans); default: the bundled plans"
    )
    p.add_argument("--force", action="store_true", help="re-process every plan even when unchanged")
    p.add_argument("--if-stale", action="store_true", help="do nothing when the index is current")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("ask", help="answer a question from the plans")
    p.add_argument("question", nargs="*", help="the question, in Vietnamese")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument(
        "--jsonl", metavar="FILE", help='read {"id", "question"} lines from FILE (- for stdin); write one line each'
    )
    p.add_argument("--locality", help="answer for this locality or issuer only")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("eval", help="judge answers to a question file and print accuracy figures")
    p.add_argument("files", type=Path, nargs="*", help="JSON lines as in shared/eval/dev.jsonl (default: the bank)")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("train-models", help="build the ranking and decline models from the tuning questions")
    p.add_argument("files", type=Path, nargs="*", help="question files (default: the bank's tuning part)")
    p.set_defaults(func=cmd_train_models)

    p = sub.add_parser("bench", help="print latency, throughput, index build time and peak memory")
    p.add_argument("--plans", type=int, default=200, help="size of the generated corpus (default 200)")
    p.add_argument("--json", action="store_true", help="one JSON object per corpus")
    p.add_argument("--workers", type=int, default=1, help="also serve the generated corpus in N processes at once")
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("restore", help="repair OCR text: lines on stdin, repaired lines on stdout")
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("serve", help="serve the web chat, admin API and webhooks")
    p.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default 8000)")
    p.add_argument("--workers", type=int, default=1, help="web worker processes (default 1)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("worker", help="deliver notices, poll Telegram and Zalo Bot and tidy up, beside web workers")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("loadtest", help="load and fault test of the production shape, on 127.0.0.1 only")
    p.add_argument("--profile", choices=["ci", "full"], default="ci", help="how hard and how long (default ci)")
    p.add_argument("--data-dir", type=Path, default=Path("data/loadtest"), help="data folder when SQLite is used")
    p.set_defaults(func=cmd_loadtest)

    p = sub.add_parser("migrate", help="create or upgrade the database schema")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("reviewer", help="manage reviewer accounts")
    reviewer_sub = p.add_subparsers(dest="reviewer_command", required=True)
    c = reviewer_sub.add_parser("create", help="create a reviewer or admin")
    c.add_argument("--username", required=True)
    c.add_argument("--role", choices=["reviewer", "admin"], default="reviewer")
    c.add_argument("--full-name", default="")
    c.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    c.set_defaults(func=cmd_reviewer_create)
    return parser


def settings_problem(exc: ValidationError) -> str:
    """One line naming each refused setting; never the value given (it may be a secret)."""
    parts = []
    for error in exc.errors():
        field = ".".join(str(part) for part in error.get("loc", ()))
        message = str(error.get("msg", "")).removeprefix("Value error, ")
        parts.append(f"THIDUA_{field.upper()}: {message}" if field else message)
    return "; ".join(parts)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `thidua` console script."""
    args = build_parser().parse_args(argv)
    try:
        settings = get_settings()
    except ValidationError as exc:
        print(f"Lỗi cấu hình: {settings_problem(exc)}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level)
    try:
        code: int = args.func(settings, args)
    except ThiduaError as exc:
        print(f"Lỗi: {exc.detail}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
