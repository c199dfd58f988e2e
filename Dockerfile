FROM node:20-bookworm-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY static ./static
RUN npm run build:css

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
# Pango and fonts for WeasyPrint's PDFs
RUN apt-get update && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml ./
COPY send ./send
COPY schools ./schools
COPY pupils ./pupils
COPY provision ./provision
COPY reviews ./reviews
RUN pip install --no-cache-dir .
COPY . .
COPY --from=assets /app/node_modules/govuk-frontend/dist/govuk ./node_modules/govuk-frontend/dist/govuk
COPY --from=assets /app/node_modules/htmx.org/dist ./node_modules/htmx.org/dist
COPY --from=assets /app/static/build ./static/build
# With production settings, so that the manifest WhiteNoise serves hashed files from exists (without it every page
# is a 500 with DEBUG off). The values are placeholders: collectstatic reads no secret and opens no database.
RUN DEBUG=0 SECRET_KEY=collectstatic-placeholder-never-used-to-sign-anything ALLOWED_HOSTS=build.invalid \
    DATABASE_URL=postgresql://unused@build.invalid/unused python manage.py collectstatic --noinput
# /app/var/private exists (owned by app) so that the named volume mounted there starts writable by app.
RUN useradd --system --uid 1000 app && mkdir -p /app/var/private && chown -R app /app/var
USER app
EXPOSE 8000
