"""The static files' storage in production: whitenoise's compressed manifest storage, with each
file's URL worked out once per process. The manifest is read once and does not change while
the process runs, so neither does a file's hashed URL; {% static %} asked the storage to work it
out again (split, unquote, look up, join, quote) for each of a page's dozen links."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    _URLS_MAX = 1024

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls: dict[tuple[str, bool], str] = {}

    def url(self, name, force=False):
        key = (name, force)
        found = self._urls.get(key)
        if found is None:
            # A missing file raises as before (manifest_strict) and is not remembered.
            found = super().url(name, force)
            if len(self._urls) >= self._URLS_MAX:
                self._urls.clear()
            self._urls[key] = found
        return found
