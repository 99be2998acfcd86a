"""The optional answer generator: any OpenAI-compatible chat model through langchain, kept to the passages given."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Protocol

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage

from core.settings import Settings

logger = logging.getLogger(__name__)

SYSTEM_PROMPT = (
    "Bạn là trợ lý giải đáp về phong trào thi đua “Cả nước thi đua đổi mới sáng tạo và chuyển đổi số”. "
    "Chỉ trả lời dựa trên các đoạn trích kế hoạch được cung cấp; không thêm thông tin ngoài các đoạn đó. "
    "Giữ nguyên mọi con số, ngày tháng, tên cơ quan, và giữ nguyên các dòng (Nguồn: …) của từng kế hoạch. "
    "Trả lời ngắn gọn bằng tiếng Việt có dấu. Nếu các đoạn trích không trả lời được câu hỏi, hãy nói rõ như vậy."
)


class AnswerGenerator(Protocol):
    """Rewrites an extractive answer into a fluent one, from the same passages only."""

    def generate(self, question: str, passages: Sequence[str], draft: str) -> str:
        """The answer to ``question`` from ``passages``; ``draft`` is the extractive answer with its citations."""
        ...


class ChatModelGenerator:
    """An ``AnswerGenerator`` over a langchain chat model, with a hard timeout."""

    def __init__(self, model: BaseChatModel, timeout_seconds: float = 8.0) -> None:
        self._model = model
        self._timeout = timeout_seconds
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="answer-generator")

    def generate(self, question: str, passages: Sequence[str], draft: str) -> str:
        """Ask the model; raises ``TimeoutError`` when it takes longer than the configured time."""
        context = "\n\n".join(f"[Đoạn {i}]\n{p}" for i, p in enumerate(passages, start=1))
        messages = [
            SystemMessage(SYSTEM_PROMPT),
            HumanMessage(
                f"Các đoạn trích:\n{context}\n\nBản trả lời trích nguyên văn (kèm nguồn):\n{draft}\n\n"
                f"Câu hỏi: {question}\n\nHãy trả lời, giữ các dòng (Nguồn: …)."
            ),
        ]
        future = self._pool.submit(self._model.invoke, messages)
        try:
            reply = future.result(timeout=self._timeout)
        except FutureTimeout as exc:
            future.cancel()
            raise TimeoutError(f"answer generator took longer than {self._timeout}s") from exc
        content = reply.content
        text = content if isinstance(content, str) else "".join(str(part) for part in content)
        if not text.strip():
            raise ValueError("empty answer from generator")
        return text.strip()


def make_generator(settings: Settings) -> AnswerGenerator | None:
    """A generator for the configured OpenAI-compatible endpoint, or None when none is configured."""
    if not settings.llm_base_url:
        return None
    from langchain_openai import ChatOpenAI
    from pydantic import SecretStr

    model = ChatOpenAI(
        model=settings.llm_model,
        base_url=settings.llm_base_url,
        api_key=SecretStr(settings.llm_api_key or "not-needed"),
        timeout=settings.llm_timeout_seconds,
        max_retries=0,
        temperature=0,
    )
    return ChatModelGenerator(model, settings.llm_timeout_seconds)
