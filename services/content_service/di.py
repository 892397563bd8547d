"""Dishka wiring for the Content Service: settings in, one store for the app's lifetime."""

from __future__ import annotations

from collections.abc import Iterator

from dishka import AsyncContainer, Provider, Scope, from_context, make_async_container, provide
from quart_dishka import QuartProvider

from services.content_service.config import ContentServiceSettings
from services.content_service.protocols import ContentStore
from services.content_service.repository import FileContentStore


class ContentServiceProvider(Provider):
    """App-scoped collaborators of the HTTP routes."""

    settings = from_context(provides=ContentServiceSettings, scope=Scope.APP)

    @provide(scope=Scope.APP)
    def store(self, settings: ContentServiceSettings) -> Iterator[ContentStore]:
        """The on-disk store, its root created up front so the first write cannot race it;
        closed with the app, after its in-flight writes have finished."""
        store = FileContentStore(settings.content_store_root, settings.io_threads)
        store.ensure_root()
        yield store
        store.close()


def make_container(settings: ContentServiceSettings) -> AsyncContainer:
    """The app's container; QuartProvider lets quart-dishka open a scope per request."""
    return make_async_container(
        ContentServiceProvider(), QuartProvider(), context={ContentServiceSettings: settings}
    )
