FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY mobility ./mobility
COPY routing ./routing
COPY booking ./booking
COPY data ./data
RUN pip install --no-cache-dir -e . \
    && useradd --system --uid 10001 --home-dir /var/lib/mobility --create-home mobility \
    && mkdir -p /var/lib/mobility/cache && chown -R mobility:mobility /var/lib/mobility
USER mobility
ENV MOBILITY_HOST=0.0.0.0 MOBILITY_PORT=8000 MOBILITY_DATA_DIR=/var/lib/mobility \
    MOBILITY_CACHE_DIR=/var/lib/mobility/cache HOME=/var/lib/mobility
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=5 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health/ready', timeout=4)"]
CMD ["mobility", "serve"]
