FROM python:3.11-slim-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-vie poppler-utils fonts-dejavu-core curl \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY core core
COPY knowledge knowledge
COPY retrieval retrieval
COPY bot bot
COPY admin admin
COPY thidua thidua
RUN pip install --no-cache-dir .
ENV THIDUA_DATA_DIR=/data THIDUA_HOST=0.0.0.0
VOLUME ["/data"]
EXPOSE 8000
CMD ["sh", "-c", "thidua migrate && thidua ingest --if-stale && thidua serve"]
