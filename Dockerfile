# rnnviz: one Streamlit replica per container, sized for one core. Serve more students with more
# containers behind a cookie-sticky load balancer (deploy/compose.yaml, deploy/k8s/).
#
#   docker build -t rnnviz .
#   docker run --rm -p 8501:8501 -e STREAMLIT_SERVER_COOKIE_SECRET=$(openssl rand -hex 32) rnnviz
#
# BASE: any Debian-based image with Python 3.11 (python3 -m venv must work).
ARG BASE=python:3.11-slim-bookworm
FROM ${BASE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH

# g++ builds the one-pass tracer below; it stays in the image so that a node with another CPU
# (the build uses -march=native, so the CPU's flags name the build) compiles it once, in the
# background, while the torch-only path serves (same numbers, about twice the time). It needs
# Python's headers: the python images have them; a plain Debian base gets python3-dev.
RUN apt-get update \
    && apt-get install -y --no-install-recommends g++ tini \
    && (python3 -c "import os, sys, sysconfig; sys.exit(not os.path.isfile(os.path.join(sysconfig.get_paths()['include'], 'Python.h')))" \
        || apt-get install -y --no-install-recommends python3-dev) \
    && rm -rf /var/lib/apt/lists/* \
    && python3 -m venv "$VIRTUAL_ENV" \
    && useradd --uid 10001 --user-group --create-home --home-dir /home/rnnviz rnnviz \
    && mkdir -p /app /data /opt/rnnviz/corpus /opt/rnnviz/torch_extensions \
    && chown rnnviz:rnnviz /data /opt/rnnviz/corpus /opt/rnnviz/torch_extensions

# requirements.txt names PyTorch's CPU wheel index as an extra index: pip takes torch 2.13.0+cpu
# (~200 MB), not PyPI's CUDA build (several GB of nvidia-* packages).
COPY requirements.txt /app/requirements.txt
RUN pip install -r /app/requirements.txt

COPY --chown=rnnviz:rnnviz . /app
WORKDIR /app

# The classroom settings (deploy/serve.py gives every replica the same): one torch thread per
# process, no full gc.collect(2) after every script run (.streamlit/config.toml says it too),
# uploads up to 64 MiB, XSRF on. Corpus indexes live in the image; uploads in the data volume.
ENV RNNVIZ_TORCH_THREADS=1 \
    OMP_NUM_THREADS=1 \
    MKL_NUM_THREADS=1 \
    RNNVIZ_DATA_DIR=/data \
    RNNVIZ_CORPUS_DIR=/opt/rnnviz/corpus \
    TORCH_EXTENSIONS_DIR=/opt/rnnviz/torch_extensions \
    HOME=/home/rnnviz

USER rnnviz
# Compile the one-pass tracer and index every shipped model's corpus now, not on a class morning.
RUN python -m deploy.prebuild

VOLUME ["/data"]
EXPOSE 8501
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request as u; sys.exit(u.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).read() != b'ok')"]
# tini as PID 1: passes SIGTERM on to Streamlit (a stop or a rolling update ends it at once) and
# reaps the compiler's children if a replica rebuilds the tracer.
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["streamlit", "run", "app.py", \
     "--server.headless=true", "--server.address=0.0.0.0", "--server.port=8501", \
     "--browser.gatherUsageStats=false", "--server.fileWatcherType=none", \
     "--server.enableXsrfProtection=true", "--server.maxUploadSize=64", \
     "--runner.postScriptGC=false"]
