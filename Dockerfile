# Production image: gunicorn serves Django, WhiteNoise serves the collected static files.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

COPY pyproject.toml README.md ./
RUN pip install --no-cache-dir .
COPY . .
RUN pip install --no-cache-dir --no-deps -e . \
 && python scripts/compile_messages.py \
 && DEBUG=0 SECRET_KEY=build-only python manage.py collectstatic --noinput \
 && useradd --system --uid 10001 midi && mkdir -p /app/var && chown -R midi /app/var

USER midi
EXPOSE 8000
CMD ["gunicorn", "midi_regions.wsgi:application", "-c", "gunicorn.conf.py"]
