"""File bodies for the ASGI server (gunicorn.conf.py).

Django serves a StreamingHttpResponse whose content is a plain (synchronous) iterator under ASGI
by reading it whole into a list first: a 2 GB download would be 2 GB of memory before its first
byte. Its content must be an asynchronous iterator there; `in_threads` makes one whose every step
(a file read) runs in a worker thread, while the send to a slow client waits on the event loop
without holding a thread.
"""

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from whitenoise.middleware import WhiteNoiseMiddleware

_END = object()


async def in_threads(iterator):
    """What the blocking `iterator` yields, each step taken in a worker thread."""
    step = sync_to_async(next, thread_sensitive=False)
    while (item := await step(iterator, _END)) is not _END:
        yield item


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    """whitenoise's middleware, its file bodies streamed asynchronously under ASGI (whitenoise
    6 has no ASGI support of its own: js-dos's 1.5 MB emulator was read whole for each request)."""

    def __call__(self, request):
        response = super().__call__(request)
        if isinstance(request, ASGIRequest) and getattr(response, "file_to_stream", None):
            # The file itself stays among the response's closers, closed when it is sent.
            response.streaming_content = in_threads(iter(response.streaming_content))
        return response
