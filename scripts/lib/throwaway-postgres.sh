# Sourced by scripts/test and bench/inbox: starts a throwaway PostgreSQL cluster on 127.0.0.1
# under a temporary directory and stops it when the calling script exits.
#   start_throwaway_postgres [extra postgres -c options]   → sets PG_URL, PG_DIR, PG_PORT
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

start_throwaway_postgres() {
    PG_BIN="$(pg_bin)"
    PG_DIR="$(mktemp -d /tmp/chorus-pg.XXXXXX)"
    PG_PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
    if [ "$(id -u)" -eq 0 ]; then chown postgres "$PG_DIR"; fi
    trap stop_throwaway_postgres EXIT
    _as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust --no-sync >/dev/null
    _as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
        -o "-h 127.0.0.1 -p $PG_PORT -k $PG_DIR -c max_connections=500 $*" start >/dev/null
    PG_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
}

stop_throwaway_postgres() {
    _as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
}

_as_pg() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
