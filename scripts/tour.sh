#!/usr/bin/env bash
# The README's "A short tour with curl", run step by step against a server, each response's
# status checked (and a few of its fields): it fails loudly at the first step that does not do
# what the README says. CI runs it on a fresh embedded database (.ci/run).
#
#   TOKEN=bs_… bash scripts/tour.sh                 # the admin token the first start printed
#   BASE=http://127.0.0.1:3917 TOKEN=bs_… bash scripts/tour.sh
#
# README.md shows the lines between <tour> and </tour> below exactly, without the `expect` and
# `check` lines; the script compares the two before it starts and stops if they differ.
set -euo pipefail

README="$(dirname "$0")/../README.md"
BASE=${BASE:-http://localhost:3000}
TOKEN=${TOKEN:-}
if [ -z "$TOKEN" ]; then
  echo "tour: set TOKEN to an admin token (the first start prints one; README, \"Tokens and roles\")" >&2
  exit 2
fi

fail() { printf 'tour: FAILED: %s\n' "$*" >&2; exit 1; }

# The tour as README.md shows it, and as this script runs it (without expect/check).
in_readme() {
  awk '/^## A short tour with curl/ { s = 1 } s && /^```sh$/ { b = 1; next } b && /^```$/ { exit } b' "$README" |
    grep -vE '^(BASE|TOKEN)='
}
in_script() { sed -n '/^# <tour>$/,/^# <\/tour>$/p' "$0" | sed '1d;$d' | grep -vE '^(expect|check) '; }
if ! drift=$(diff <(in_readme) <(in_script)); then
  printf '%s\n' "$drift" >&2
  fail "README.md's tour (<) and scripts/tour.sh (>) differ: change them together"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
BODY="$work/body"
step=0

# The status the next curl must answer with.
expect() { EXPECT=$1; step=$((step + 1)); }
# A condition on what the last response said (`test` syntax); `last '.status'` reads its fields.
check() { test "$@" || fail "step $step: check failed: $*  (response: $(cat "$BODY"))"; }
last() { field "$1" <"$BODY"; }

# Every curl of the tour comes here: the body goes on to stdout (and to $BODY), and a status
# other than the expected one stops the tour with the response.
curl() {
  local method=GET url="" arg prev="" status
  for arg in "$@"; do
    [ "$prev" = "-X" ] && method=$arg
    case $arg in http://* | https://*) url=${arg#"$BASE"} ;; esac
    prev=$arg
  done
  if ! command curl -D "$work/headers" "$@" | tee "$BODY"; then
    fail "step $step: $method $url: no answer from $BASE (is the server running?)"
  fi
  echo
  status=$(tr -d '\r' <"$work/headers" | awk '/^HTTP\// { s = $2 } END { print s }')
  printf 'tour: step %d: %s %s -> %s\n' "$step" "$method" "$url" "$status" >&2
  [ "$status" = "${EXPECT:?every curl of the tour needs an expect line}" ] ||
    fail "step $step: $method $url answered $status, not $EXPECT: $(cat "$BODY")"
}

# <tour>

# A field of the JSON on stdin, or a failure when it is missing (jq would do the same)
field() { node -e "const v = JSON.parse(require('fs').readFileSync(0, 'utf8'))$1; if (v === undefined) process.exit(1); console.log(v)"; }

expect 200
curl -s $BASE/health/ready
# {"status":"ok"}

# 1. Find an author to write as (GET /authors is public; ?q= searches names)
expect 200
AUTHOR=$(curl -s "$BASE/api/v1/authors?limit=1" | field '.data[0].id')

# 2. Create a draft: 201 {"id":"…","slug":"minsk-a-tale-of-2-rallies","status":"draft",…}
expect 201
ID=$(curl -s -X POST $BASE/api/v1/articles -H "authorization: Bearer $TOKEN" \
  -H 'content-type: application/json' \
  -d "{\"title\":\"Minsk: a tale of 2 rallies\",\"authorId\":\"$AUTHOR\",\"body\":\"Two rallies, one city.\"}" |
  field .id)
check "$(last .status)" = draft

# 3. Publish it now (or later: -d '{"publishAt":"2030-01-01T08:00:00Z"}' schedules it)
expect 200
curl -s -X POST $BASE/api/v1/articles/$ID/publish -H "authorization: Bearer $TOKEN"
# {"id":"…","status":"published","publishedAt":"…",…}
check "$(last .status)" = published

# 4. Read its current ETag: every change, publishing included, makes a new one
expect 200
ETAG=$(curl -s -o /dev/null -w '%header{etag}' $BASE/api/v1/articles/$ID -H "authorization: Bearer $TOKEN")
check -n "$ETAG"

# 5. Edit it with that ETag in If-Match (428 without it, 412 if someone saved in between)
expect 200
curl -s -X PATCH $BASE/api/v1/articles/$ID -H "authorization: Bearer $TOKEN" -H "if-match: $ETAG" \
  -H 'content-type: application/json' -d '{"excerpt":"Two rallies, one city."}'
check "$(last .excerpt)" = "Two rallies, one city."

# 6. A reader comments (no token): 201, "pending" until a moderator approves it
expect 201
COMMENT=$(curl -s -X POST $BASE/api/v1/articles/$ID/comments -H 'content-type: application/json' \
  -d '{"authorName":"Ana","authorEmail":"ana@example.org","body":"Finally!"}' | field .id)
check "$(last .status)" = pending

# 7. Moderate: the queue of pending comments, then approve this one (If-Match again)
expect 200
curl -s "$BASE/api/v1/comments?status=pending&article=$ID" -H "authorization: Bearer $TOKEN"
check "$(last '.data[0].id')" = "$COMMENT"
expect 200
CETAG=$(curl -s -o /dev/null -w '%header{etag}' $BASE/api/v1/comments/$COMMENT -H "authorization: Bearer $TOKEN")
expect 200
curl -s -X PATCH $BASE/api/v1/comments/$COMMENT -H "authorization: Bearer $TOKEN" -H "if-match: $CETAG" \
  -H 'content-type: application/json' -d '{"status":"approved"}'
check "$(last .status)" = approved

# 8. Now everyone sees it, and the article counts it
expect 200
curl -s $BASE/api/v1/articles/$ID/comments
check "$(last '.data[0].id')" = "$COMMENT"
expect 200
curl -s $BASE/api/v1/articles/$ID | field .commentCount
# 1
check "$(last .commentCount)" = 1

# 9. Every change is a revision: the history (newest first), what changed between two,
#    and the text of revision 2 restored (If-Match; publication state never changes)
expect 200
curl -s $BASE/api/v1/articles/$ID/revisions -H "authorization: Bearer $TOKEN"
# {"data":[{"number":3,"action":"update","createdAt":"…","by":{"tokenId":"…","name":"…"},…},{"number":2,"action":"publish",…},…],…}
check "$(last '.data[0].action')" = update
expect 200
curl -s "$BASE/api/v1/articles/$ID/revisions/3/diff?against=1" -H "authorization: Bearer $TOKEN"
check "$(last .to)" = 3
expect 200
ETAG=$(curl -s -o /dev/null -w '%header{etag}' $BASE/api/v1/articles/$ID -H "authorization: Bearer $TOKEN")
expect 200
curl -s -X POST $BASE/api/v1/articles/$ID/revisions/2/restore -H "authorization: Bearer $TOKEN" -H "if-match: $ETAG"
check "$(last .status)" = published

# 10. DELETE moves it to the trash: gone for the public, listed in /trash, restorable
expect 204
curl -s -X DELETE $BASE/api/v1/articles/$ID -H "authorization: Bearer $TOKEN"
expect 404
curl -s $BASE/api/v1/articles/$ID
expect 200
curl -s $BASE/api/v1/trash -H "authorization: Bearer $TOKEN"
check "$(last '.data[0].id')" = "$ID"
expect 200
curl -s -X POST $BASE/api/v1/articles/$ID/restore -H "authorization: Bearer $TOKEN"
check "$(last .status)" = published

# 11. A preview link for a draft: a token that reads this one article and nothing else
expect 201
DRAFT=$(curl -s -X POST $BASE/api/v1/articles -H "authorization: Bearer $TOKEN" \
  -H 'content-type: application/json' -d "{\"title\":\"Next week's budget\",\"authorId\":\"$AUTHOR\"}" | field .id)
expect 201
PREVIEW=$(curl -s -X POST $BASE/api/v1/articles/$DRAFT/preview -H "authorization: Bearer $TOKEN" | field .token)
expect 200
curl -s $BASE/api/v1/articles/$DRAFT -H "authorization: Bearer $PREVIEW"
check "$(last .status)" = draft
expect 401
curl -s "$BASE/api/v1/articles?limit=1" -H "authorization: Bearer $PREVIEW"

# Mistakes are problem+json with a stable code (table below)
expect 400
curl -s "$BASE/api/v1/articles?limit=500"
# {"type":"urn:broadsheet:problem:validation-failed","title":"Validation failed","status":400,
#  "code":"VALIDATION_FAILED","errors":[{"path":"/query/limit","message":"must be <= 100"}],…}
check "$(last .code)" = VALIDATION_FAILED
# </tour>

echo "tour: all $step steps answered as the README says" >&2
