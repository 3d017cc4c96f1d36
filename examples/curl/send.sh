#!/bin/sh
# Send a message through Mailroom's API with curl (and jq to read the answers), follow it until
# it is delivered (or logged), list the latest messages, and show a refusal's code.
#
#   MAILROOM_URL=http://127.0.0.1:8025 MAILROOM_API_KEY=mrk_… MAIL_TO=you@example.com sh send.sh
set -eu
API="${MAILROOM_URL%/}/api/v1"
AUTH="Authorization: Bearer $MAILROOM_API_KEY"

# 202 once the message is on disk; the same idempotencyKey never sends twice (safe to repeat).
KEY="example-$(date +%s)-$$"
ACCEPTED=$(curl -sS --fail-with-body --retry 3 --retry-all-errors -H "$AUTH" -H 'content-type: application/json' \
  -d "{\"purpose\":\"alert\",\"to\":[\"$MAIL_TO\"],\"subject\":\"Disk almost full\",\"text\":\"The disk of db-1 is 93 % full.\",\"idempotencyKey\":\"$KEY\"}" \
  "$API/messages")
ID=$(printf '%s' "$ACCEPTED" | jq -r .id)
echo "accepted $ID $(printf '%s' "$ACCEPTED" | jq -r .status)"

# Until a final status (docs/api.md lists the statuses), at most 60 s. "logged" is the log driver's
# (MAILROOM_MAIL_DRIVER=log): stored, nothing sent. Any other final status will not become "sent"
# unless someone retries the message: say why and exit 1.
STATUS=queued
for _ in $(seq 1 120); do
  MESSAGE=$(curl -sS --fail-with-body -H "$AUTH" "$API/messages/$ID")
  STATUS=$(printf '%s' "$MESSAGE" | jq -r .status)
  case "$STATUS" in sent|logged|failed|expired|cancelled|suppressed|bounced) break ;; esac
  sleep 0.5
done
echo "status $STATUS"
case "$STATUS" in
  sent) ;;
  logged) echo "logged, not sent: Mailroom runs with the log driver (MAILROOM_MAIL_DRIVER=log)" ;;
  failed|expired|cancelled|suppressed|bounced)
    echo "last error: $(printf '%s' "$MESSAGE" | jq -r '.lastError // "none"')"
    printf '%s' "$MESSAGE" | jq -r '.recipients[]? | "  \(.address) \(.status) \(.response // "")"'
    exit 1 ;;
  *) echo "not final after 60 s: the message is still $STATUS (its attempts: GET /api/v1/messages/$ID)"; exit 1 ;;
esac

# One page of the log (follow .nextCursor with ?cursor= for the next).
PAGE=$(curl -sS --fail-with-body -H "$AUTH" "$API/messages?purpose=alert&limit=50")
printf '%s' "$PAGE" | jq -r '.items[:3][] | "  \(.id) \(.status) \(.subject)"'
echo "listed $(printf '%s' "$PAGE" | jq '.items | length')"

# A refusal: the status line and the stable code in the body.
REFUSED=$(curl -sS -w '\n%{http_code}' -H "$AUTH" -H 'content-type: application/json' \
  -d "{\"purpose\":\"no_such_purpose\",\"to\":\"$MAIL_TO\",\"subject\":\"x\",\"text\":\"y\"}" "$API/messages")
echo "refused $(printf '%s' "$REFUSED" | head -n 1 | jq -r .error.code) $(printf '%s' "$REFUSED" | tail -n 1)"
