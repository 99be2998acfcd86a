#!/usr/bin/env bash
# Installs the system packages the document loaders use: Tesseract with the Vietnamese model (OCR of scans),
# poppler-utils (pdftoppm rasterises PDF pages without a text layer), the DejaVu fonts the tests render with, and
# headless Chromium with its driver for the reviewer console's browser test (tests/browser, driven by Selenium).
# Idempotent, and never fails the build: where it cannot install, it says so in one line and exits 0,
# and the loaders then answer with a clear OCR_UNAVAILABLE error instead of crashing.
set -u

missing=()
command -v tesseract >/dev/null 2>&1 || missing+=(tesseract-ocr)
if ! command -v tesseract >/dev/null 2>&1 || ! tesseract --list-langs 2>/dev/null | grep -qx vie; then
    missing+=(tesseract-ocr-vie)
fi
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)

if [ "${#missing[@]}" -eq 0 ]; then
    echo "install-system-deps: tesseract (vie), poppler-utils, DejaVu fonts and Chromium already present."
    exit 0
fi

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "install-system-deps: not root or no apt-get; please install ${missing[*]} yourself (OCR and the browser test stay off until then)."
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
if apt-get update -qq >/dev/null 2>&1 \
    && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
    echo "install-system-deps: installed ${missing[*]}."
else
    echo "install-system-deps: could not install ${missing[*]} with apt-get; OCR and the browser test stay off until they are installed."
fi
exit 0
