# The bot in a container: `docker compose up -d` (compose.yaml) runs it with PostgreSQL; README,
# "In a container". Two stages: the first builds a virtual environment, the second copies only it
# into a slim image that runs as an unprivileged user.

FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
WORKDIR /src
# The dependencies first, read from pyproject.toml alone: a change to the code reuses this layer.
COPY pyproject.toml ./
RUN python -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))' > requirements.txt \
    && /opt/venv/bin/pip install -r requirements.txt
COPY README.md LICENSE manifest.yml ./
COPY bot ./bot
COPY handlers ./handlers
COPY models ./models
COPY scheduler ./scheduler
RUN /opt/venv/bin/pip install --no-deps . \
    && /opt/venv/bin/sanctuary-bot --help > /dev/null

FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PORT=3000
RUN groupadd --system --gid 10001 sanctuary \
    && useradd --system --uid 10001 --gid sanctuary --home-dir /data --create-home sanctuary
COPY --from=build /opt/venv /opt/venv
# The working directory: where a SQLite database (the default, sanctuary.db) would be kept;
# mount a volume here if you use SQLite rather than PostgreSQL.
WORKDIR /data
USER 10001:10001
EXPOSE 3000
# GET /healthz answers 200 in both modes (HTTP and Socket Mode), 503 when the database or Slack
# refuses; urllib raises on anything else, so no curl is needed. In Socket Mode it stays 200
# while the bot reconnects by itself ("socket": "connecting" in its answer).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; u.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=4)"]
ENTRYPOINT ["sanctuary-bot"]
CMD ["run"]
