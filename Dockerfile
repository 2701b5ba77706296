# Production image: Django under gunicorn, the same image runs the Celery worker and beat.
FROM python:3.12-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=crrc.settings.production
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 1000 crrc

WORKDIR /app
# Exactly the locked set (uv.lock, without the dev group), in a virtualenv on the PATH.
ENV UV_PROJECT_ENVIRONMENT=/opt/venv UV_PYTHON_DOWNLOADS=never PATH=/opt/venv/bin:$PATH
COPY pyproject.toml uv.lock ./
RUN pip install --no-cache-dir "uv==$(awk '$0 == "name = \"uv\"" { getline; gsub(/^version = "|"$/, ""); print; exit }' uv.lock)" \
    && uv sync --frozen --no-dev --no-cache --python /usr/local/bin/python
COPY --chown=crrc:crrc . .
RUN SECRET_KEY=build-only-collectstatic python manage.py collectstatic --no-input -v0 \
    && mkdir -p /app/media && chown crrc:crrc /app/media
USER crrc
EXPOSE 8000
# Workers and threads: gunicorn.conf.py says why (2 cores, measured by the benchmark).
CMD ["gunicorn", "crrc.wsgi:application", "-c", "gunicorn.conf.py"]
