# syntax=docker/dockerfile:1.7
# The image of every service, built from the repository root with its build arguments (docker
# compose passes them; see docker-compose.yml), e.g.
#   docker build --build-arg SERVICE=file_service --build-arg PDM_GROUP=file \
#     --build-arg MODULE=services.file_service.app --build-arg PORT=7000 -t huleedu/file .
#
#   SERVICE      the folder under services/ copied into the image
#   PDM_GROUP    the pyproject extra of that service: only its runtime dependencies are installed
#   MODULE       what the container runs, `python -m $MODULE` (compose may override the command,
#                as ELS's worker does with the API's image)
#   PORT         the port it serves: HTTP for services, /metrics for workers
#   HEALTH_PATH  what the healthcheck asks on PORT: /healthz (HTTP services) or /metrics (workers)
#   WARM_MODULE  optional, run once at build time as the service's user (`python -m`): the spell
#                checker builds its lexicon cache here (~75 s of CPU), so a new container is
#                healthy within the healthcheck's start period instead of building it first
#   NATIVE_MODULE optional, run in the build stage (`python -m`) with a C compiler there: the
#                spell checker compiles its C modules (build_native.py) into its folder, and
#                the image copies that folder from the build stage, compiler left behind
#
# The settings' host and port come from the environment (<PREFIX>HOST=0.0.0.0, <PREFIX>PORT),
# which compose sets per service.

FROM python:3.11-slim AS build
ARG PDM_GROUP
ENV PDM_CHECK_UPDATE=false PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY scripts/pdm-requirements.txt /tmp/pdm-requirements.txt
RUN pip install -r /tmp/pdm-requirements.txt
COPY pyproject.toml pdm.lock README.md ./
RUN --mount=type=cache,target=/root/.cache/pdm \
    test -n "$PDM_GROUP" && pdm install --prod --frozen-lockfile --no-self -G "$PDM_GROUP"
ARG SERVICE
ARG NATIVE_MODULE=
COPY services/__init__.py services/__init__.py
COPY services/${SERVICE} services/${SERVICE}
RUN if [ -n "$NATIVE_MODULE" ]; then \
        apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev \
        && rm -rf /var/lib/apt/lists/* && python -m "$NATIVE_MODULE"; \
    fi

FROM python:3.11-slim
ARG SERVICE
ARG MODULE
ARG PORT
ARG HEALTH_PATH=/healthz
ARG WARM_MODULE=
# /data is where a service keeps files (Content Service's blobs: a volume on /data/content).
RUN useradd --create-home --uid 10001 huleedu \
    && mkdir -p /data/content && chown -R huleedu /data
WORKDIR /app
COPY --from=build /app/.venv /app/.venv
COPY common_core common_core
COPY services/__init__.py services/__init__.py
COPY --from=build /app/services/${SERVICE} services/${SERVICE}
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONUNBUFFERED=1 \
    SERVICE_MODULE=${MODULE} \
    HEALTH_URL=http://127.0.0.1:${PORT}${HEALTH_PATH}
USER huleedu
RUN if [ -n "$WARM_MODULE" ]; then python -m "$WARM_MODULE"; fi
EXPOSE ${PORT}
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; sys.exit(urllib.request.urlopen(os.environ['HEALTH_URL'], timeout=3).status != 200)"]
# exec: python is PID 1 and gets SIGTERM itself (every service stops cleanly on it).
CMD ["sh", "-c", "exec python -m \"$SERVICE_MODULE\""]
