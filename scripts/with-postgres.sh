#!/usr/bin/env bash
# Runs a command with a throwaway Postgres: Debian's `postgresql` (installed with apt when
# missing), a cluster in a fresh temporary directory owned by the unprivileged `postgres` user,
# listening on 127.0.0.1 on a free port, stopped and removed when the command ends.
#   scripts/with-postgres.sh cargo test -p paysera-scanpay
# PAYSERA_PG_FSYNC=on keeps Postgres' fsync (benchmarks); tests run without it.
# The command sees PAYSERA_TEST_POSTGRES_URL (a database `paysera_test`; trust authentication,
# so any password in the URL is accepted) and PAYSERA_REQUIRE_POSTGRES=1 (suites fail, not
# skip, without it). The server also takes TLS, with a certificate for `localhost` (not for
# 127.0.0.1) signed by a throwaway CA: PAYSERA_TEST_POSTGRES_CA is that CA's PEM file, and
# PAYSERA_TEST_POSTGRES_OTHER_CA one that signed nothing the server holds.
set -euo pipefail

pg_bin() {
    local dir
    dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)"
    [ -n "$dir" ] && [ -x "$dir/initdb" ] && echo "$dir"
}

if ! bin="$(pg_bin)"; then
    echo "with-postgres: installing Debian's postgresql" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
    bin="$(pg_bin)"
fi

if ! command -v openssl >/dev/null; then
    echo "with-postgres: installing Debian's openssl" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq openssl >&2
fi

as_pg() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

dir="$(mktemp -d "${TMPDIR:-/tmp}/paysera-pg.XXXXXX")"
chmod 755 "$dir"
[ "$(id -u)" = 0 ] && chown postgres "$dir"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"

stop() {
    as_pg "$bin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$dir"
}
trap stop EXIT

# A CA, a server certificate it signs, and a CA that signs nothing (ECDSA P-256: quick to make).
certs() {
    local ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
    openssl req -x509 "${ec[@]}" -keyout "$dir/ca.key" -out "$dir/ca.pem" -days 7 \
        -subj "/CN=paysera-scanpay test CA" \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
    openssl req -x509 "${ec[@]}" -keyout "$dir/other-ca.key" -out "$dir/other-ca.pem" -days 7 \
        -subj "/CN=paysera-scanpay other CA" \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
    openssl req "${ec[@]}" -keyout "$dir/server.key" -out "$dir/server.csr" -subj "/CN=localhost"
    printf '%s\n' "subjectAltName=DNS:localhost" "basicConstraints=critical,CA:FALSE" \
        "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" >"$dir/server.ext"
    openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
        -CAcreateserial -days 7 -extfile "$dir/server.ext" -out "$dir/server.pem"
    chmod 600 "$dir/server.key"
    [ "$(id -u)" = 0 ] && chown postgres "$dir/server.key" "$dir/server.pem"
    return 0
}
certs >"$dir/certs.log" 2>&1 || { cat "$dir/certs.log" >&2; exit 1; }

as_pg "$bin/initdb" -A trust -U postgres -D "$dir/data" >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; exit 1; }
as_pg "$bin/pg_ctl" -w -D "$dir/data" -l "$dir/server.log" \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=${PAYSERA_PG_FSYNC:-off} -c ssl=on -c ssl_cert_file=$dir/server.pem -c ssl_key_file=$dir/server.key" start >/dev/null ||
    { cat "$dir/server.log" >&2; exit 1; }
as_pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres paysera_test

export PAYSERA_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/paysera_test"
export PAYSERA_TEST_POSTGRES_ADMIN="postgres://postgres@127.0.0.1:$port/postgres"
export PAYSERA_TEST_POSTGRES_CA="$dir/ca.pem"
export PAYSERA_TEST_POSTGRES_OTHER_CA="$dir/other-ca.pem"
export PAYSERA_REQUIRE_POSTGRES=1
echo "with-postgres: Postgres on 127.0.0.1:$port ($dir)" >&2
"$@"
