#!/usr/bin/env bash
# The Docker image without Docker: no engine runs on CI machines, so this rebuilds the image's
# file layout from the Dockerfile itself and runs, from that layout, every command README.md
# and docker-compose.yml tell Docker users to run (`docker compose run --rm app <command>`: the
# token CLI, the seed, migrations) and the image's CMD, against a fresh Postgres database that
# it creates and drops.
#
#   bash scripts/docker-layout-check.sh
#   PG_URL=postgres://postgres@127.0.0.1:5432 bash scripts/docker-layout-check.sh
#
# How it follows the Dockerfile:
# - the build stage's COPY lines copy from a build context made like Docker's (the working
#   tree without the paths in .dockerignore) and its RUN lines run as written, in order;
#   `npm ci` alone is the exception: it hard-links the checkout's node_modules (installed by
#   `npm ci` from the same lockfile, in CI just before) and runs the package's postinstall, as
#   npm ci does. DOCKER_LAYOUT_NPM_CI=1 runs a real `npm ci` instead (about a minute more).
# - the runtime stage's `COPY --from=build` lines make the layout; its ENV applies to every
#   command run from it. Its RUN lines touch only the system (a /data directory) and are not
#   run; USER is not switched.
# Any other instruction, or a stage it does not know, stops the check: update this script.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
dockerfile=${DOCKERFILE:-$repo/Dockerfile} # another file only to try a change to it
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
started=$(date +%s)
say() { printf 'docker-layout: %s\n' "$*"; }
fail() { printf 'docker-layout: FAILED: %s\n' "$*" >&2; exit 1; }

work=$(mktemp -d)
database="broadsheet_layout_$$_$(date +%s)"
marker="$work/started"
touch "$marker"
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  psql "$PG_URL/postgres" -qX -c "DROP DATABASE IF EXISTS \"$database\" WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

context="$work/context"
build="$work/build"
runtime="$work/runtime"
mkdir -p "$context" "$build" "$runtime"

# The build context: the working tree without what .dockerignore leaves out (plain paths, from
# the root, as Docker reads them).
excludes=()
while IFS= read -r pattern; do
  pattern=${pattern%%#*}
  pattern=$(echo "$pattern" | xargs)
  [ -z "$pattern" ] && continue
  case $pattern in *[\*\?\[!]*) fail ".dockerignore pattern '$pattern' is not a plain path: teach this script" ;; esac
  excludes+=("--exclude=./${pattern#/}")
done <"$repo/.dockerignore"
tar -C "$repo" --anchored "${excludes[@]}" -cf - . | tar -C "$context" -xf -

# COPY semantics: a directory's contents go into the destination; several sources need a
# destination ending in "/". $1: where sources are read from; $2: how to copy ("cp -a" or
# "cp -al", hard links for node_modules); $3: the stage's working directory; then the words.
copy() {
  local from=$1 how=$2 workdir=$3
  shift 3
  local words=("$@")
  local dest=${words[-1]} n=$((${#words[@]} - 1)) i src target
  case $dest in /*) fail "COPY to an absolute path ($dest): teach this script" ;; esac
  target="$workdir/$dest"
  if [ "$n" -gt 1 ] && [ "${dest: -1}" != "/" ]; then fail "COPY of several sources to $dest (no trailing /)"; fi
  for ((i = 0; i < n; i++)); do
    src=${words[$i]}
    [ -e "$from/$src" ] || fail "COPY source $src does not exist (in $from)"
    if [ -d "$from/$src" ]; then
      mkdir -p "$target"
      $how "$from/$src/." "$target/"
    elif [ "${dest: -1}" = "/" ]; then
      mkdir -p "$target"
      $how "$from/$src" "$target"
    else
      mkdir -p "$(dirname "$target")"
      $how "$from/$src" "$target"
    fi
  done
}

# `npm ci` in the build stage: see the header.
npm_ci() {
  if [ "${DOCKER_LAYOUT_NPM_CI:-}" = 1 ]; then
    (cd "$build" && npm ci --no-audit --no-fund)
    return
  fi
  [ -d "$repo/node_modules" ] || fail "no node_modules in $repo: run npm ci first (or DOCKER_LAYOUT_NPM_CI=1)"
  cp -al "$repo/node_modules" "$build/node_modules"
  # npm rewrites its record of the tree (prune does): a copy, so never the checkout's file via a link.
  rm -f "$build/node_modules/.package-lock.json"
  cp "$repo/node_modules/.package-lock.json" "$build/node_modules/.package-lock.json"
  (cd "$build" && npm run --silent postinstall) >"$work/run.log" 2>&1 || { cat "$work/run.log"; fail "build: postinstall"; }
}

# Read the Dockerfile: instructions with their continuation lines joined, comments dropped.
instructions=()
line=""
while IFS= read -r raw || [ -n "$raw" ]; do
  case $raw in '#'* | '') continue ;; esac
  if [ "${raw: -1}" = "\\" ]; then line+="${raw%\\} "; continue; fi
  line+=$raw
  instructions+=("$line")
  line=""
done <"$dockerfile"

stage=""
workdir=""
runtime_env=()
cmd_json=""
for instruction in "${instructions[@]}"; do
  read -r keyword rest <<<"$instruction"
  case "$stage:$keyword" in
    *:FROM)
      case $rest in
        *' AS build') stage=build ;;
        *) [ "$stage" = build ] || fail "a stage before the build stage: teach this script"; stage=runtime ;;
      esac
      workdir="" ;;
    *:WORKDIR)
      [ "$rest" = /app ] || fail "WORKDIR $rest (only /app is known here)"
      workdir=$([ "$stage" = build ] && echo "$build" || echo "$runtime") ;;
    build:COPY)
      [[ $rest == --* ]] && fail "build stage: COPY $rest (options are not known here)"
      read -r -a words <<<"$rest"
      say "build: COPY $rest"
      copy "$context" "cp -a" "$workdir" "${words[@]}" ;;
    build:RUN)
      say "build: RUN $rest"
      if [ "$rest" = "npm ci" ]; then npm_ci; else (cd "$workdir" && bash -c "$rest") >"$work/run.log" 2>&1 || {
        cat "$work/run.log"
        fail "build: RUN $rest"
      }; fi ;;
    runtime:COPY)
      [[ $rest == --from=build\ * ]] || fail "runtime stage: COPY $rest (only --from=build is known here)"
      read -r -a words <<<"${rest#--from=build }"
      for ((i = 0; i < ${#words[@]} - 1; i++)); do
        [[ ${words[$i]} == /app/* ]] || fail "runtime: COPY from ${words[$i]} (only /app/... is known here)"
        words[$i]=${words[$i]#/app/}
      done
      say "runtime: COPY --from=build ${words[*]}"
      copy "$build" "cp -al" "$workdir" "${words[@]}" ;;
    runtime:ENV)
      read -r -a pairs <<<"$rest"
      runtime_env+=("${pairs[@]}") ;;
    runtime:CMD) cmd_json=$rest ;;
    runtime:RUN | runtime:USER | runtime:EXPOSE | runtime:HEALTHCHECK) ;;
    *) fail "$stage stage: $keyword is not known here: teach this script" ;;
  esac
done
[ "$stage" = runtime ] || fail "no runtime stage after the build stage"
[ -n "$cmd_json" ] || fail "the runtime stage has no CMD"
[ ! -e "$runtime/src" ] || fail "the runtime layout ships src/ (expected: dist/ only)"
say "layout built in $(($(date +%s) - started)) s: $(cd "$runtime" && echo *)"

# Commands run from the layout as in the container: the image's ENV, nothing from this shell
# but PATH and HOME, and the database Compose would pass.
psql "$PG_URL/postgres" -qX -c "CREATE DATABASE \"$database\"" >/dev/null
in_image() {
  (cd "$runtime" && exec env -i PATH="$PATH" HOME="$HOME" "${runtime_env[@]}" DATABASE_URL="$PG_URL/$database" \
    LOG_LEVEL=warn "$@")
}
run() {
  local out="$work/out"
  if ! in_image "$@" >"$out" 2>&1; then cat "$out" >&2; fail "$*"; fi
  say "ok: $* ($(head -n 1 "$out"))"
  cat "$out" >"$work/last"
}

# What README.md and docker-compose.yml tell Docker users to run (`docker compose run --rm app
# <command>`), each as written, in order.
documented=()
while IFS= read -r command; do documented+=("$command"); done < <(
  sed -nE 's/^(#[[:space:]]*)?docker compose run --rm app ([^#]*[^#[:space:]]).*$/\2/p' "$repo/README.md" "$repo/docker-compose.yml"
)
[ "${#documented[@]}" -gt 0 ] || fail "README.md shows no \`docker compose run --rm app <command>\`"
for command in "${documented[@]}"; do
  case $command in *[\'\"\$\`\\]*) fail "documented command with quotes or expansions, not run here: $command" ;; esac
  read -r -a argv <<<"$command"
  run "${argv[@]}"
  case $command in *cli/token.js\ list*) grep -q ' admin \| editor ' "$work/last" || fail "token list shows no token" ;; esac
  case $command in *prisma/seed.js*) grep -q 'Seeded' "$work/last" || fail "the seed did not say it seeded" ;; esac
done

run node dist/src/cli/token.js create --role admin --name docker-layout-check
secret=$(grep -oE 'bs_[A-Za-z0-9_-]{43}' "$work/last" | head -n 1 || true)
[ -n "$secret" ] || fail "the token CLI printed no secret"

# The image's CMD, on a free port, must serve and accept the token the CLI made.
read -r -a cmd < <(node -e 'console.log(JSON.parse(process.argv[1]).join(" "))' "$cmd_json")
port=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close() })')
# Not through in_image: `$!` must be the server itself, for the cleanup to stop it.
(cd "$runtime" && exec env -i PATH="$PATH" HOME="$HOME" "${runtime_env[@]}" DATABASE_URL="$PG_URL/$database" \
  LOG_LEVEL=warn HOST=127.0.0.1 PORT="$port" "${cmd[@]}") >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 60); do
  curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { cat "$work/server.log" >&2; fail "CMD ${cmd[*]} exited"; }
  sleep 0.5
done
status=$(curl -s -o /dev/null -w '%{http_code}' -H "authorization: Bearer $secret" "http://127.0.0.1:$port/api/v1/tokens" || true)
[ "$status" = 200 ] || { cat "$work/server.log" >&2; fail "CMD ${cmd[*]}: GET /api/v1/tokens with the CLI's token answered ${status:-nothing}"; }
say "ok: ${cmd[*]} serves, and the CLI's admin token works (GET /api/v1/tokens 200)"

changed=$(find "$repo/node_modules" -newer "$marker" -type f 2>/dev/null | head -n 5)
[ -z "$changed" ] || fail "files in the checkout's node_modules changed through the hard links: $changed"
say "passed in $(($(date +%s) - started)) s"
