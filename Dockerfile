# Production image: gunicorn web, Celery worker and beat all run from it (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui curl \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 1000 helpdesk
WORKDIR /app
COPY pyproject.toml README.md ./
COPY helpdesk ./helpdesk
COPY core ./core
COPY notifications ./notifications
COPY accounts ./accounts
COPY tickets ./tickets
COPY intake ./intake
COPY cdc ./cdc
COPY reports ./reports
COPY wiki ./wiki
COPY administration ./administration
RUN pip install .
COPY . .
# collectstatic needs a key to import settings; the real one comes from the environment at run time.
RUN DJANGO_SECRET_KEY=build-only python manage.py collectstatic --noinput \
    && mkdir -p /app/var/media /app/var/beat && chown -R helpdesk /app/var
USER helpdesk
EXPOSE 8000
CMD ["gunicorn", "helpdesk.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
