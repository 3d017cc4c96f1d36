"""Send a message through Mailroom's API with requests, follow it until it is delivered
(or logged), list the latest messages, and handle a refusal by its code.

    pip install requests
    MAILROOM_URL=http://127.0.0.1:8025 MAILROOM_API_KEY=mrk_... MAIL_TO=you@example.com python3 send.py
"""
import os
import sys
import time
import uuid

import requests

BASE = os.environ["MAILROOM_URL"].rstrip("/") + "/api/v1"
session = requests.Session()
session.headers["Authorization"] = "Bearer " + os.environ["MAILROOM_API_KEY"]


class MailroomError(Exception):
    """Mailroom's error body: a stable code to branch on, a message for people, details."""

    def __init__(self, status, error):
        super().__init__(error.get("message", ""))
        self.status = status
        self.code = error.get("code")
        self.details = error.get("details")


def call(method, path, **kwargs):
    # Reads and sends with an idempotency key are safe to repeat when Mailroom says "not now".
    for attempt in range(3):
        res = session.request(method, BASE + path, timeout=30, **kwargs)
        if res.status_code in (429, 503) and attempt < 2:
            time.sleep(min(int(res.headers.get("Retry-After", "1")), 30))
            continue
        if res.status_code >= 400:
            raise MailroomError(res.status_code, res.json().get("error", {}))
        return res.json() if res.content else None


# 202 once the message is on disk; the same idempotency key never sends twice.
accepted = call("POST", "/messages", json={
    "purpose": "alert",
    "to": [os.environ["MAIL_TO"]],
    "subject": "Disk almost full",
    "text": "The disk of db-1 is 93 % full.",
    "idempotencyKey": "example-" + str(uuid.uuid4()),
})
print("accepted", accepted["id"], accepted["status"])

# Follow it to a final status (docs/api.md lists the statuses), at most 60 s. "logged" is the log
# driver's (MAILROOM_MAIL_DRIVER=log): stored, nothing sent. The others will not become "sent"
# unless someone retries the message.
SUCCESS = ("sent", "logged")
GAVE_UP = ("failed", "expired", "cancelled", "suppressed", "bounced")
deadline = time.time() + 60
while True:
    message = call("GET", "/messages/" + accepted["id"])
    if message["status"] in SUCCESS + GAVE_UP or time.time() > deadline:
        break
    time.sleep(0.5)
print("status", message["status"])
if message["status"] == "logged":
    print("logged, not sent: Mailroom runs with the log driver (MAILROOM_MAIL_DRIVER=log)")
elif message["status"] in GAVE_UP:
    print("last error:", message["lastError"] or "none")
    for r in message["recipients"]:
        print(" ", r["address"], r["status"], r["response"] or "")
    sys.exit(1)
elif message["status"] != "sent":
    print("not final after 60 s: the message is still", message["status"], "(its attempts: GET /api/v1/messages/" + accepted["id"] + ")")
    sys.exit(1)

# Page through the log with the cursor the previous page returned.
listed, cursor = 0, None
while True:
    page = call("GET", "/messages", params={"purpose": "alert", **({"cursor": cursor} if cursor else {})})
    for m in page["items"]:
        listed += 1
        if listed <= 3:
            print(" ", m["id"], m["status"], m["subject"])
    cursor = page["nextCursor"]
    if not cursor:
        break
print("listed", listed)

try:
    call("POST", "/messages", json={"purpose": "no_such_purpose", "to": os.environ["MAIL_TO"], "subject": "x", "text": "y"})
except MailroomError as err:
    print("refused", err.code, err.status, ":", err)
