# syntax=docker/dockerfile:1
FROM python:3.11-slim-bookworm

RUN apt-get update \
    && apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-vie poppler-utils fonts-dejavu-core curl \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, from the hashed lock file: this layer is rebuilt only when the lock changes, not the code.
WORKDIR /app
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock

COPY pyproject.toml README.md ./
COPY core core
COPY knowledge knowledge
COPY retrieval retrieval
COPY bot bot
COPY admin admin
COPY thidua thidua
COPY scripts/docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
RUN pip install --no-cache-dir --no-deps . \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin thidua \
    && mkdir -p /data && chown thidua:thidua /data

USER thidua
ENV THIDUA_DATA_DIR=/data THIDUA_HOST=0.0.0.0 PYTHONUNBUFFERED=1
VOLUME ["/data"]
EXPOSE 8000
ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]
CMD ["thidua", "serve"]
