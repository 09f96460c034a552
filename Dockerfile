# regcoord coordination service: an image for PostgreSQL deployments (docs/deploy.md).
# Build: docker build -t regcoord .
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY src ./src
RUN pip install --no-cache-dir --upgrade pip \
 && pip wheel --no-cache-dir --wheel-dir /wheels ".[service]"

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    REGCOORD_LOG_FORMAT=json REGCOORD_COOKIE_SECURE=1 \
    FORWARDED_ALLOW_IPS=*
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels \
 && useradd --system --uid 10001 --home-dir /nonexistent --shell /usr/sbin/nologin regcoord
USER regcoord
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=2).status != 200)"
# the database URL and the secret key come from the environment or /run/secrets (docs/deploy.md)
CMD ["regcoord", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "4"]
