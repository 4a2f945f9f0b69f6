# Market Parser: the Streamlit app and its health sidecar, run by scripts/serve.py.
# Works as a Hugging Face Space (Docker SDK; set app_port: 8501 in the Space's
# README) and on any container host. docs/deployment.md has the details.
#
#   docker build -t market-parser .
#   docker run -p 8501:8501 -p 8502:8502 -v market-parser-data:/data \
#     -e OPENAI_API_KEY -e MONITORING_TOKEN --stop-timeout 15 market-parser

FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Hugging Face runs Spaces as uid 1000; any host gets a non-root user too.
# Streamlit keeps a little state under $HOME/.streamlit.
RUN useradd --create-home --uid 1000 app
ENV HOME=/home/app

WORKDIR /app

# Dependencies first, so that a code change reuses this layer.
COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY --chown=app:app . .

# SQLite files (metrics history, conversation memory) and the status file the
# sidecar reads. Mount a volume here to keep 30 days of history across restarts;
# Hugging Face's persistent storage is mounted at /data as well.
RUN mkdir -p /data && chown app:app /data /app
VOLUME ["/data"]

ENV MARKET_PARSER_DATA_DIR=/data \
    STREAMLIT_SERVER_ADDRESS=0.0.0.0 \
    STREAMLIT_SERVER_PORT=8501 \
    SIDECAR_HOST=0.0.0.0 \
    SIDECAR_PORT=8502 \
    LOG_FORMAT=json

USER app

# 8501: the app. 8502: the sidecar (/health, /livez, /status, /metrics).
EXPOSE 8501 8502

# Readiness as the sidecar sees it: the app answers and its status file is fresh.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8502/health', timeout=4).status != 200)"

# The launcher is PID 1 and turns `docker stop`'s SIGTERM into a drain of the
# questions in flight, a flushed history and an exit within 10 s.
STOPSIGNAL SIGTERM
CMD ["python", "scripts/serve.py"]
