"""Static files for production: whitenoise's compressed files with hashed names."""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Like whitenoise's, but a source map that is named and not shipped is no reason to fail.

    The vendored GOV.UK Frontend CSS and JavaScript end with `sourceMappingURL=….map` comments
    for files that its `dist/` build does not include; Django's manifest storage would otherwise
    stop `collectstatic` with "The file 'govuk/govuk-frontend.min.css.map' could not be found".
    The comment is left as it is: browsers only ask for it with their developer tools open.
    """

    def hashed_name(self, name, content=None, filename=None):
        path = name.strip()  # the CSS pattern keeps the space before "*/"
        if content is None and path.endswith(".map") and not self.exists(path):
            return path
        return super().hashed_name(name, content, filename)
