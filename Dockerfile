# Production image: gunicorn serving Django, static files collected at build time.
# Workers run the same image with `python manage.py run_huey` (see Procfile).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=wayfinder.settings.production \
    DJANGO_STATIC_ROOT=/app/staticfiles \
    PORT=8000

RUN groupadd --system wayfinder \
    && useradd --system --gid wayfinder --home-dir /app --shell /usr/sbin/nologin wayfinder

WORKDIR /app
COPY requirements.lock ./
RUN pip install -r requirements.lock

COPY --chown=wayfinder:wayfinder . .

# collectstatic needs settings to import; these build-time values never reach runtime.
# WhiteNoise serves the hashed, compressed files it writes to DJANGO_STATIC_ROOT
# (outside var/, so a volume mounted on var/ cannot hide them).
RUN DJANGO_SECRET_KEY=collectstatic-only DJANGO_ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput \
    && mkdir -p /app/var && chown -R wayfinder:wayfinder /app/var

USER wayfinder
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\", \"8000\")}/healthz', timeout=4)"

CMD ["sh", "-c", "exec gunicorn wayfinder.wsgi:application --bind 0.0.0.0:${PORT} --workers ${WEB_CONCURRENCY:-3} --access-logfile - --forwarded-allow-ips='*'"]
