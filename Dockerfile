# Production image: gunicorn serves Django, WhiteNoise serves the collected static files.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

# libmagic reads uploaded documents' types (core.uploads, python-magic).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libmagic1 \
 && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
RUN pip install --no-cache-dir '.[s3]'
COPY . .
RUN pip install --no-cache-dir --no-deps -e . \
 && python scripts/compile_messages.py \
 && DEBUG=0 SECRET_KEY=build-only python manage.py collectstatic --noinput \
 && useradd --system --uid 10001 midi && mkdir -p /app/var && chown -R midi /app/var

USER midi
EXPOSE 8000
CMD ["gunicorn", "midi_regions.wsgi:application", "-c", "gunicorn.conf.py"]
