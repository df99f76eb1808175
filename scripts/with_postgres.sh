#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL 15 cluster.
#
#   scripts/with_postgres.sh .venv/bin/pytest -n 2
#   scripts/with_postgres.sh bash -c 'psql "$DATABASE_URL" -c "select version()"'
#
# Starts a fresh cluster in a temp dir on a free port, runs the command with
# DATABASE_URL=postgres://postgres@127.0.0.1:PORT/postgres, then always stops the
# cluster and removes the dir. Exits with the command's exit status.
# PostgreSQL refuses to run as root, so as root the server runs as user `postgres`.
# Missing server binaries are an error: the Postgres run never skips silently.
set -euo pipefail

if [ "$#" -eq 0 ]; then
    echo "usage: $0 COMMAND [ARGS...]" >&2
    exit 2
fi

# --- find the server binaries ------------------------------------------------
PG_BIN="${PG_BIN:-}"
if [ -z "$PG_BIN" ]; then
    if [ -x /usr/lib/postgresql/15/bin/initdb ] && [ -x /usr/lib/postgresql/15/bin/pg_ctl ]; then
        PG_BIN=/usr/lib/postgresql/15/bin
    elif command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        PG_BIN="$(dirname "$(command -v initdb)")"
    fi
fi
if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ] || [ ! -x "$PG_BIN/pg_ctl" ]; then
    cat >&2 <<'EOF'
ERROR: PostgreSQL server binaries (initdb, pg_ctl) not found.
Looked in /usr/lib/postgresql/15/bin and on PATH (set PG_BIN to override).
Install them with:  apt-get install -y postgresql-15
The PostgreSQL test run cannot go ahead without them.
EOF
    exit 1
fi

# --- pick a free port --------------------------------------------------------
PY="$(command -v python3 || true)"
if [ -z "$PY" ]; then
    PY="$(cd "$(dirname "$0")/.." && pwd)/.venv/bin/python"
fi
PORT="${PGPORT_OVERRIDE:-$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')}"

# --- run as `postgres` when we are root ---------------------------------------
if [ "$(id -u)" -eq 0 ]; then
    if ! id -u postgres >/dev/null 2>&1; then
        useradd --system --no-create-home --shell /usr/sbin/nologin postgres
    fi
    as_pg() { runuser -u postgres -- "$@"; }
else
    as_pg() { "$@"; }
fi

PGTMP="$(mktemp -d "${TMPDIR:-/tmp}/vcsgrants-pg.XXXXXX")"
if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$PGTMP"
fi
chmod 700 "$PGTMP"

STARTED=0
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [ "$STARTED" -eq 1 ]; then
        (cd "$PGTMP" && as_pg "$PG_BIN/pg_ctl" -D "$PGTMP/data" -m fast -w stop >/dev/null 2>&1) ||
            echo "with_postgres: warning: pg_ctl stop failed" >&2
    fi
    rm -rf "$PGTMP"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# cd into the temp dir so the `postgres` user never needs access to the caller's cwd.
if ! (cd "$PGTMP" && as_pg "$PG_BIN/initdb" -D "$PGTMP/data" -A trust -U postgres -E UTF8 --no-locale \
    >"$PGTMP/initdb.log" 2>&1); then
    echo "ERROR: initdb failed:" >&2
    cat "$PGTMP/initdb.log" >&2
    exit 1
fi

PG_OPTS="-p $PORT -k $PGTMP -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
if ! (cd "$PGTMP" && as_pg "$PG_BIN/pg_ctl" -D "$PGTMP/data" -o "$PG_OPTS" -l "$PGTMP/server.log" -w -t 60 start \
    >/dev/null); then
    echo "ERROR: PostgreSQL failed to start on port $PORT; server log:" >&2
    cat "$PGTMP/server.log" >&2 || true
    exit 1
fi
STARTED=1

export DATABASE_URL="postgres://postgres@127.0.0.1:$PORT/postgres"
echo "with_postgres: PostgreSQL $("$PG_BIN/pg_ctl" --version | awk '{print $3}') on 127.0.0.1:$PORT ($PGTMP)" >&2

# Not `exec`: the EXIT trap must run to stop the cluster. The command runs in the
# background (stdin passed through) so a TERM/INT sent to this script is forwarded to it
# at once and the cluster is still stopped afterwards.
set +e
"$@" <&0 &
child=$!
trap 'kill -TERM "$child" 2>/dev/null' TERM
trap 'kill -INT "$child" 2>/dev/null' INT
while :; do
    wait "$child"
    status=$?
    kill -0 "$child" 2>/dev/null || break
done
exit "$status"
