# Beacon in a container: installs the package, refuses to build on broken content, runs unprivileged.
# Build: docker build -t beacon .   Run: docker run -e BOT_TOKEN=... -v beacon-data:/data beacon
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    CONTENT_DIR=/app/dialogues \
    LOCALES_DIR=/app/locales \
    DATA_DIR=/data \
    DATABASE_URL=sqlite+aiosqlite:////data/beacon.db

WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY bot ./bot
COPY dialogues ./dialogues
COPY locales ./locales
COPY schema ./schema

RUN pip install --no-cache-dir . \
    && useradd --create-home --uid 10001 beacon \
    && mkdir -p /data && chown beacon /data \
    && python -m bot content check

USER beacon
VOLUME /data
CMD ["python", "-m", "bot", "run"]
