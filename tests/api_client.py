"""Speaking to the REST API as one membership, through a Bearer token, in tests."""

import json

from django.utils import timezone

from rapport.core.models import ApiToken
from tests.core.factories import token_for


class Api:
    """`prefix` goes before every path: "/api/v1" lets a test write "/projects"."""

    prefix = ""

    def __init__(self, client, membership):
        self.client = client
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token_for(membership)}"}
        # As if used a moment ago, so no request pays for noting the token's last use.
        ApiToken.objects.filter(user_id=membership.user_id).update(last_used_at=timezone.now())

    def get(self, path, params=None):
        return self.client.get(f"{self.prefix}{path}", params or {}, **self.headers)

    def post(self, path, data):
        return self.client.post(
            f"{self.prefix}{path}",
            json.dumps(data),
            content_type="application/json",
            **self.headers,
        )

    def patch(self, path, data):
        return self.client.patch(
            f"{self.prefix}{path}",
            json.dumps(data),
            content_type="application/json",
            **self.headers,
        )

    def delete(self, path):
        return self.client.delete(f"{self.prefix}{path}", **self.headers)


class ApiV1(Api):
    prefix = "/api/v1"
