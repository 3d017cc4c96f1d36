#!/bin/sh
# Send a message through Mailroom's API with curl (and jq to read the answers), follow it until
# it is delivered, list the latest messages, and show a refusal's code.
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

STATUS=queued
for _ in $(seq 1 120); do
  STATUS=$(curl -sS --fail-with-body -H "$AUTH" "$API/messages/$ID" | jq -r .status)
  case "$STATUS" in sent|failed|expired) break ;; esac
  sleep 0.5
done
echo "status $STATUS"
[ "$STATUS" = sent ] || exit 1

# One page of the log (follow .nextCursor with ?cursor= for the next).
PAGE=$(curl -sS --fail-with-body -H "$AUTH" "$API/messages?purpose=alert&limit=50")
printf '%s' "$PAGE" | jq -r '.items[:3][] | "  \(.id) \(.status) \(.subject)"'
echo "listed $(printf '%s' "$PAGE" | jq '.items | length')"

# A refusal: the status line and the stable code in the body.
REFUSED=$(curl -sS -w '\n%{http_code}' -H "$AUTH" -H 'content-type: application/json' \
  -d "{\"purpose\":\"no_such_purpose\",\"to\":\"$MAIL_TO\",\"subject\":\"x\",\"text\":\"y\"}" "$API/messages")
echo "refused $(printf '%s' "$REFUSED" | head -n 1 | jq -r .error.code) $(printf '%s' "$REFUSED" | tail -n 1)"
