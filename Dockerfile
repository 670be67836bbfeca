# Kendali application image. The database (PostGIS) and Redis run beside it: see compose.yaml.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY server ./server
COPY geo ./geo
COPY templates ./templates
COPY static ./static
RUN pip install . gunicorn \
 && useradd --system --create-home --home-dir /home/kendali kendali \
 && mkdir -p /app/var && chown kendali:kendali /app/var
# Minified page bundles into static/gen (Flask-Assets); no database or secret is used here.
RUN PYTHONPATH=/app KENDALI_SECRET_KEY=build-only kendali assets build

USER kendali
EXPOSE 5000
# One eventlet worker per process (Flask-SocketIO); scale with more containers behind a
# sticky load balancer sharing KENDALI_REDIS_URL (compose.scale.yaml). gunicorn's eventlet
# worker serves 1,000 connections unless told: each live screen or tablet holds one.
CMD ["gunicorn", "-k", "eventlet", "-w", "1", "--worker-connections", "10000", "-b", "0.0.0.0:5000", "server.wsgi:app"]
