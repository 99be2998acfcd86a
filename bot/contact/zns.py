"""Notices to the submitter's phone as a Zalo ZNS template message, sent with the OA's access token.

The template is registered by the office in Zalo's ZNS console; its parameters are ``ma_ho_so`` (the receipt code)
and ``noi_dung`` (the notice). *Unsure*: ZNS parameter length limits depend on the template; the text is cut to
``MAX_PARAM_CHARS``.
"""

from __future__ import annotations

import httpx
from starlette.concurrency import run_in_threadpool

from bot.channels import ChannelContext
from bot.contact import ContactRoute
from bot.notifier import DeliveryError
from bot.zalo.tokens import ZaloTokenError, ZaloTokens
from core.initiatives import CODE_PATTERN
from core.settings import Settings

CHANNEL = "zns"
SEND_PATH = "/message/template"
MAX_PARAM_CHARS = 400
INVALID_TOKEN_ERRORS = frozenset({-216, -124})


def international(phone: str) -> str:
    """``0912345678`` as ZNS wants it: ``84912345678``."""
    return "84" + phone[1:] if phone.startswith("0") else phone.lstrip("+")


def template_body(*, template_id: str, phone: str, text: str, tracking_id: str) -> dict[str, object]:
    """The ZNS request body of one notice."""
    match = CODE_PATTERN.search(text)
    return {
        "phone": international(phone),
        "template_id": template_id,
        "template_data": {"ma_ho_so": match.group(0) if match else "", "noi_dung": text[:MAX_PARAM_CHARS]},
        "tracking_id": tracking_id,
    }


class ZnsSender:
    """POSTs template messages; refreshes the OA token once when Zalo calls it invalid."""

    def __init__(self, context: ChannelContext) -> None:
        settings: Settings = context.settings
        if not settings.zns_template_id:
            raise ValueError("THIDUA_ZNS_TEMPLATE_ID is not set")
        self.template_id = settings.zns_template_id
        self.url = settings.zns_api_url.rstrip("/") + SEND_PATH
        self.tokens = ZaloTokens(settings=settings, sessions=context.sessions)
        self.http = httpx.AsyncClient()
        self._sent = 0

    async def start(self) -> None:
        """Store the configured OA tokens the first time."""
        await run_in_threadpool(self.tokens.seed)

    async def stop(self) -> None:
        """Close the HTTP client."""
        await self.http.aclose()

    async def send_notice(self, address: str, text: str) -> None:
        """Send one template message to the phone ``address``."""
        self._sent += 1
        body = template_body(template_id=self.template_id, phone=address, text=text, tracking_id=f"tb-{self._sent}")
        try:
            token = await self.tokens.access_token()
            code = await self._post(body, token)
            if code in INVALID_TOKEN_ERRORS:
                code = await self._post(body, await self.tokens.refresh(token))
        except (httpx.HTTPError, ZaloTokenError) as exc:
            raise DeliveryError(f"ZNS: {type(exc).__name__}") from exc
        if code != 0:
            raise DeliveryError(f"ZNS refused the message (error {code})")

    async def _post(self, body: dict[str, object], token: str) -> int:
        response = await self.http.post(self.url, json=body, headers={"access_token": token}, timeout=15.0)
        if response.status_code == 429 or response.status_code >= 500:
            raise DeliveryError(f"ZNS answered HTTP {response.status_code}")
        try:
            data = response.json()
        except ValueError as exc:
            raise DeliveryError(f"ZNS answered HTTP {response.status_code} without JSON") from exc
        return int(data.get("error", -1)) if isinstance(data, dict) else -1


ZNS = ContactRoute(
    name=CHANNEL,
    enabled=lambda settings: bool(settings.zns_template_id and settings.zalo_app_id),
    build=ZnsSender,
)
