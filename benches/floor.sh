#!/bin/bash
# The bash floor: the same job as `supd apply` done as directly as a person
# would script it by hand, and no more. Writes changed files (atomically),
# starts supervisord if it is down, `supervisorctl update` for changed
# programs, waits until every program is RUNNING.
#
#   floor.sh BASE N VARIANT
#
# BASE is the pip layout directory (BASE/venv holds supervisor), N the
# number of programs (p0 .. pN-1, `sleep` commands, startsecs 0), VARIANT
# changes the command of p0 so a run can change exactly one program.
set -u
base=$1 n=$2 variant=$3
ctl=("$base/venv/bin/supervisorctl" -c "$base/etc/supervisord.conf")
mkdir -p "$base/etc/conf.d" "$base/log" "$base/run"

# write_if_changed PATH CONTENT: 0 when it wrote.
write_if_changed() {
    local old=""
    if [ -f "$1" ]; then
        IFS= read -r -d '' old < "$1"
        [ "$old" = "$2" ] && return 1
    fi
    printf '%s' "$2" > "$1.tmp" && mv -f "$1.tmp" "$1"
}

conf="[unix_http_server]
file=$base/run/supervisor.sock
chmod=0700

[supervisord]
logfile=$base/log/supervisord.log
pidfile=$base/run/supervisord.pid
childlogdir=$base/log

[rpcinterface:supervisor]
supervisor.rpcinterface_factory=supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://$base/run/supervisor.sock

[include]
files=$base/etc/conf.d/*.conf
"
write_if_changed "$base/etc/supervisord.conf" "$conf"

changed=()
for ((i = 0; i < n; i++)); do
    command="sleep $((100000 + i))"
    [ "$i" = 0 ] && command="sleep $((200000 + variant))"
    if write_if_changed "$base/etc/conf.d/p$i.conf" "[program:p$i]
command=$command
startsecs=0
"; then
        changed+=("p$i")
    fi
done

pid=""
[ -f "$base/run/supervisord.pid" ] && read -r pid < "$base/run/supervisord.pid"
if [ -z "$pid" ] || [ ! -d "/proc/$pid" ]; then
    "$base/venv/bin/supervisord" -c "$base/etc/supervisord.conf" || exit 1
    until "${ctl[@]}" pid >/dev/null 2>&1; do sleep 0.05; done
elif [ ${#changed[@]} -gt 0 ]; then
    "${ctl[@]}" update "${changed[@]}" >/dev/null || exit 1
fi

# Every program RUNNING (the status call also checks an unchanged node).
while :; do
    out=$("${ctl[@]}" status)
    running=$(grep -c ' RUNNING ' <<<"$out")
    [ "$running" = "$n" ] && exit 0
    grep -q FATAL <<<"$out" && { echo "$out" >&2; exit 1; }
    sleep 0.1
done
