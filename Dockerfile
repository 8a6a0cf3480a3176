# The analytics_assets code location: a Dagster gRPC code server on port 4000 that dagster-webserver
# and dagster-daemon load over the network (deploy/workspace.yaml) and that runs the runs they
# launch. Build: docker build -t analytics-assets:<version> .
# No secrets are baked in: ANALYTICS_API_KEY, DAGSTER_PG_* and warehouse credentials come from the
# container's environment at run time.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DAGSTER_HOME=/opt/dagster/dagster_home

WORKDIR /opt/dagster/app

# The project (which brings dagster-postgres for the instance's storage), plus dagster-k8s for
# Dagster's Helm chart (its run pods use this image and load the instance's K8sRunLauncher).
# Every dagster-* 0.29.x pins the matching dagster 1.13.x. Editable, so the code location is
# imported from /opt/dagster/app, beside pyproject.toml: load_from_defs_folder finds the project
# (and its defs/ tree) through it.
COPY pyproject.toml README.md ./
COPY analytics_assets ./analytics_assets
RUN pip install -e . 'dagster-k8s>=0.29.27,<0.30'

# An unprivileged user owning only what it writes: the instance folder (the request-budget file,
# storage/ for the runs' stdout and stderr), data/ (the default DuckDB file, data/warehouse.duckdb)
# and its home (dlt's working folder, ~/.dlt/pipelines); mount volumes on storage/ and data/. The
# instance and workspace files name hosts and environment variables only, so dagster-webserver and
# dagster-daemon can run from this image too.
RUN useradd --create-home --uid 10001 dagster \
    && mkdir -p "$DAGSTER_HOME/storage" data \
    && chown -R dagster:dagster "$DAGSTER_HOME" data
COPY --chown=dagster:dagster deploy/dagster.yaml $DAGSTER_HOME/dagster.yaml
COPY --chown=dagster:dagster deploy/workspace.yaml /opt/dagster/workspace.yaml
USER dagster

# Health probe of the code server: dagster api grpc-health-check -p 4000
# EXPOSE only documents the port. Never publish it (no -p 4000, no -P, which would publish it on
# every interface): its gRPC API answers anyone who reaches it, and the webserver and the daemon
# reach it over a private network by the container's name. Dagster's open-source UI has no login
# either; publish the webserver's port on 127.0.0.1 only (README, "Deploy it").
EXPOSE 4000

# CMD, not ENTRYPOINT, so an orchestrator's arguments (the Helm chart's `args`) replace it whole.
CMD ["dagster", "code-server", "start", "-h", "0.0.0.0", "-p", "4000", "-m", "analytics_assets.definitions"]
