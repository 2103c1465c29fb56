"""Entrypoints that give Debian's servers the official images' contracts, so a workflow's
``services:`` block written for Docker Hub's postgres or redis works unchanged."""

from __future__ import annotations

POSTGRES_ENTRYPOINT = r"""#!/usr/bin/env bash
# The official postgres image's contract on Debian's PostgreSQL: POSTGRES_PASSWORD (required
# unless POSTGRES_HOST_AUTH_METHOD=trust), POSTGRES_USER (postgres), POSTGRES_DB (the user),
# POSTGRES_INITDB_ARGS, PGDATA, /docker-entrypoint-initdb.d/*.sh|*.sql|*.sql.gz.
set -Eeuo pipefail

if [ "${1:0:1}" = - ]; then set -- postgres "$@"; fi
if [ "$1" != postgres ]; then exec "$@"; fi

export PGDATA="${PGDATA:-/var/lib/postgresql/data}"
if [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  find "$PGDATA" \! -user postgres -exec chown postgres:postgres '{}' +
  chown postgres:postgres /var/run/postgresql
  chmod 3777 /var/run/postgresql
  exec setpriv --reuid=postgres --regid=postgres --init-groups "${BASH_SOURCE[0]}" "$@"
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  user="${POSTGRES_USER:-postgres}"
  db="${POSTGRES_DB:-$user}"
  auth="${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}"
  if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$auth" != trust ]; then
    cat >&2 <<'EOM'
Error: Database is uninitialized and superuser password is not specified.
       You must specify POSTGRES_PASSWORD to a non-empty value for the
       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".

       You may also use "POSTGRES_HOST_AUTH_METHOD=trust" to allow all
       connections without a password. This is *not* recommended.
EOM
    exit 1
  fi
  # eval: POSTGRES_INITDB_ARGS is a list of words, as in the official image
  pw=""
  if [ -n "${POSTGRES_PASSWORD:-}" ]; then
    pw='--pwfile=<(printf "%s\n" "$POSTGRES_PASSWORD")'
  fi
  eval 'initdb --username="$user" '"$pw ${POSTGRES_INITDB_ARGS:-}"
  printf '\nhost all all all %s\n' "$auth" >> "$PGDATA/pg_hba.conf"
  printf "\nlisten_addresses = '*'\n" >> "$PGDATA/postgresql.conf"

  # set up over the socket only, so nobody connects before the database exists
  pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p ${PGPORT:-5432}" -w start >/dev/null
  psql=(psql -v ON_ERROR_STOP=1 --no-password --no-psqlrc --username "$user")
  if [ "$db" != postgres ]; then
    "${psql[@]}" --dbname postgres --set db="$db" <<<'CREATE DATABASE :"db";' >/dev/null
  fi
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sh) if [ -x "$f" ]; then "$f"; else . "$f"; fi ;;
      *.sql) "${psql[@]}" --dbname "$db" -f "$f" ;;
      *.sql.gz) gunzip -c "$f" | "${psql[@]}" --dbname "$db" ;;
    esac
  done
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  echo "PostgreSQL init process complete; ready for start up."
fi
exec "$@"
"""

REDIS_ENTRYPOINT = r"""#!/bin/sh
# The official redis image's contract on Debian's redis-server: arguments alone (or a
# .conf file) go to redis-server, it runs as the redis user in /data, protected mode off.
set -e
case "$1" in -*|*.conf) set -- redis-server "$@" ;; esac
if [ "$1" = redis-server ]; then
  shift
  conf=""
  case "${1:-}" in *.conf) conf="$1"; shift ;; esac
  # the official image builds redis with protected mode off; a setting of the user's wins,
  # and ours goes last so `redis-server --version` still sees its flag first
  case " $* " in
    *" --protected-mode "*) ;;
    *) if [ -z "$conf" ] || ! grep -qs '^[[:space:]]*protected-mode' "$conf"; then
         set -- "$@" --protected-mode no
       fi ;;
  esac
  if [ -n "$conf" ]; then set -- "$conf" "$@"; fi
  set -- redis-server "$@"
  if [ "$(id -u)" = 0 ]; then
    find . \! -user redis -exec chown redis:redis '{}' + 2>/dev/null || :
    exec setpriv --reuid=redis --regid=redis --init-groups "$@"
  fi
fi
exec "$@"
"""
