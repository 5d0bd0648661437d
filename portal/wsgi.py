import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
application = get_wsgi_application()

# What start-up builds (modules, settings, the URLconf) lives as long as the worker.
# Frozen, it is left out of every later garbage collection: unfrozen, each full
# collection walked it, about 100 ms on two cores, often enough to show in a page's p95.
_ = get_resolver().url_patterns  # the URLconf imported now, so it is frozen too
gc.freeze()
