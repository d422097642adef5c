# gunicorn settings for reentry (docs/deploy.md). Start with:
#   gunicorn --config docs/deploy/gunicorn.conf.py 'reentry:create_app()'
import multiprocessing
import os

bind = os.environ.get("REENTRY_BIND", "127.0.0.1:8000")  # nginx in front terminates TLS
# 2 x cores + 1 is gunicorn's rule of thumb; 4 on the 2-core machines jails usually have.
workers = int(os.environ.get("REENTRY_WORKERS", multiprocessing.cpu_count() * 2))
worker_class = "sync"
timeout = 120            # large report and packet downloads
graceful_timeout = 30
max_requests = 2000      # recycle workers to bound memory growth on old hardware
max_requests_jitter = 200
accesslog = None         # reentry logs one JSON line per request itself (no query strings)
errorlog = "-"
loglevel = "info"
forwarded_allow_ips = "127.0.0.1"
preload_app = False      # each worker opens its own database connections


def on_starting(server):
    """Tell the app how many workers really run (a --workers option overrides this file), so
    production refuses a per-worker login throttle (memory://) with more than one worker."""
    os.environ["REENTRY_WORKERS"] = str(server.cfg.workers)
