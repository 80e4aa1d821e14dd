#!/usr/bin/env python3
"""A tool that drives mdprod through its REST API with an API key: standard library only.

It creates a proposal in the key's producer company, edits it with optimistic concurrency
(If-Match), reads the "why not" list, submits the proposal and shows what blocks it next.

    export MDPROD_URL=http://127.0.0.1:8000
    export MDPROD_API_KEY=mdp_...          # a producer company's key: read, write, transition
    python3 examples/client.py

Exit status 0 when the proposal was submitted, 1 on an API error (printed as the API sent it).
"""

import json
import os
import sys
import urllib.error
import urllib.request
import uuid

BASE = os.environ.get("MDPROD_URL", "http://127.0.0.1:8000").rstrip("/") + "/api/v1"
KEY = os.environ.get("MDPROD_API_KEY", "")


class ApiError(Exception):
    def __init__(self, status: int, body: dict):
        super().__init__(f"{status} {body.get('code')}: {body.get('detail')}")
        self.status, self.body = status, body


def call(method: str, path: str, body: dict | None = None, *, if_match: str | None = None):
    """One request; returns (parsed JSON body, ETag header or None). Errors raise ApiError with
    the API's error object: {"code", "detail", "fields"?, "reasons"?}. A POST carries an
    Idempotency-Key and is sent once more with it when no answer came back: the server does it
    at most once and answers the retry with the first answer."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(BASE + path, data=data, method=method)  # noqa: S310 (http(s) only: main checks)
    request.add_header("Authorization", f"Bearer {KEY}")
    request.add_header("Accept", "application/json")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if if_match:
        request.add_header("If-Match", if_match)
    attempts = 1
    if method == "POST":
        request.add_header("Idempotency-Key", str(uuid.uuid4()))
        attempts = 2
    for attempt in range(1, attempts + 1):
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - main allows http(s) only  # nosec B310
                payload = response.read()
                return (json.loads(payload) if payload else None), response.headers.get("ETag")
        except urllib.error.HTTPError as error:
            raise ApiError(error.code, json.loads(error.read() or b"{}")) from None
        except (urllib.error.URLError, TimeoutError):
            if attempt == attempts:
                raise
    raise AssertionError("unreachable")


def why_not(project_id: int) -> None:
    options, _ = call("GET", f"/projects/{project_id}/transitions/")
    for option in options:
        if option["allowed"]:
            print(f"  can {option['name']} now")
        elif not option["reasons"][0].startswith("Not possible from"):
            print(f"  {option['name']}: " + " ".join(option["reasons"]))


def main() -> int:
    if not BASE.startswith(("http://", "https://")):
        print("MDPROD_URL must be an http:// or https:// address.", file=sys.stderr)
        return 2
    if not KEY:
        print("Set MDPROD_API_KEY (an org admin issues one: admin > API keys).", file=sys.stderr)
        return 2
    try:
        me, _ = call("GET", "/me/")
        print("acting as", me["username"], "for", me["memberships"][0]["organisation"]["name"])
        platforms, _ = call("GET", "/platforms/")
        platform = platforms["results"][0]
        proposal = {
            "title": "Demo from the API client",
            "logline": "A courier finds out every parcel she delivers changes someone's day.",
            "synopsis": "Lin delivers parcels in Hangzhou; one of them is addressed to her.",
            "genre_tags": ["urban", "healing"],
            "episode_count": 60,
            "episode_length_seconds": 90,
            "monetisation": "pay_to_unlock",
            "free_episodes": 10,
            "paywall_positions": [11, 30],
            "platform": platform["id"],
            "planned_budget": "250000.00",
        }
        project, _ = call("POST", "/projects/", proposal)
        print(f"created project {project['id']} for {platform['name']}: {project['state']}")

        # Edit with optimistic concurrency: send back the ETag we read.
        _, etag = call("GET", f"/projects/{project['id']}/")
        call("PATCH", f"/projects/{project['id']}/", {"planned_budget": "260000.00"}, if_match=etag)
        print("budget updated under If-Match", etag)

        print("before submitting:")
        why_not(project["id"])
        project, _ = call(
            "POST", f"/projects/{project['id']}/transitions/submit/", {"comment": "From a tool."}
        )
        print(f"submitted: {project['state']}, review tier {project['review_tier']}")
        print("what happens next:")
        why_not(project["id"])
        return 0
    except ApiError as error:
        print(error, json.dumps(error.body, ensure_ascii=False), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
