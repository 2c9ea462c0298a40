FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY mobility ./mobility
COPY routing ./routing
COPY booking ./booking
COPY data ./data
RUN pip install --no-cache-dir -e .
EXPOSE 8000
ENV MOBILITY_HOST=0.0.0.0 MOBILITY_PORT=8000
CMD ["mobility", "serve"]
