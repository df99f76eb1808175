"""A token client that reads and writes JSON, for the tests of the API's writes (meetings, consultations,
decisions, equity options). conftest.py makes its `api` fixture available to every test in tests/api."""

from __future__ import annotations

import json

import pytest

from tests.api.conftest import TokenClient
from vcsgrants.api.models import ApiToken
from vcsgrants.core.models import User

JSON = "application/json"


class WriteClient(TokenClient):
    def _headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}

    def post(self, path: str, data: dict | None = None):
        return self.client.post(path, json.dumps(data or {}), content_type=JSON, headers=self._headers())

    def patch(self, path: str, data: dict | None = None):
        return self.client.patch(path, json.dumps(data or {}), content_type=JSON, headers=self._headers())

    def delete(self, path: str):
        return self.client.delete(path, headers=self._headers())


@pytest.fixture
def api(db):
    """api(user) → a client with a fresh token for the user, that reads and writes JSON."""

    def make(user: User) -> WriteClient:
        return WriteClient(ApiToken.issue(user, name="tests")[1])

    return make
