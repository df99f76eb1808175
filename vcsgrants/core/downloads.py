"""A stored document served as an attachment, or a 404 when its file is missing from the store.

Every download view (agreement, consultation and call documents, applicants' file answers, and their API
endpoints) goes through `stored_file_response`: a record whose file has gone (a restore without the media
folder, a file removed by hand) is "not found", never a server error.
"""

from __future__ import annotations

from django.http import Http404

from vcsgrants.core import uploads

MISSING = "The file of this document is missing from the store. Tell the council's VCS funding team."


def stored_file_response(file_field, original_name: str, content_type: str = ""):
    """`uploads.download_response`, answering 404 when there is no file to send."""
    if not file_field or not file_field.name:
        raise Http404(MISSING)
    try:
        return uploads.download_response(file_field, original_name, content_type)
    except FileNotFoundError as exc:
        raise Http404(MISSING) from exc
