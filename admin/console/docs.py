"""Swagger UI and ReDoc served from the app's own assets, so ``/docs`` works on a network without internet."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from starlette.responses import HTMLResponse

router = APIRouter(include_in_schema=False)

VENDOR = "/admin/static/vendor"
FAVICON = "/admin/static/img/favicon.svg"
OAUTH2_REDIRECT = "/docs/oauth2-redirect"


def _openapi_url(request: Request) -> str:
    app: FastAPI = request.app
    return app.openapi_url or "/openapi.json"


@router.get("/docs")
def swagger_ui(request: Request) -> HTMLResponse:
    """Swagger UI for the API, with local assets and no validator badge (it calls an outside service)."""
    return get_swagger_ui_html(
        openapi_url=_openapi_url(request),
        title="thidua — API quản trị",
        swagger_js_url=f"{VENDOR}/swagger-ui/swagger-ui-bundle.js",
        swagger_css_url=f"{VENDOR}/swagger-ui/swagger-ui.css",
        swagger_favicon_url=FAVICON,
        oauth2_redirect_url=OAUTH2_REDIRECT,
        swagger_ui_parameters={"validatorUrl": None, "persistAuthorization": False},
    )


@router.get(OAUTH2_REDIRECT)
def swagger_ui_redirect() -> HTMLResponse:
    """Swagger UI's OAuth2 redirect page."""
    return get_swagger_ui_oauth2_redirect_html()


@router.get("/redoc")
def redoc(request: Request) -> HTMLResponse:
    """ReDoc for the API, with local assets and no web fonts."""
    return get_redoc_html(
        openapi_url=_openapi_url(request),
        title="thidua — API quản trị",
        redoc_js_url=f"{VENDOR}/redoc/redoc.standalone.js",
        redoc_favicon_url=FAVICON,
        with_google_fonts=False,
    )
