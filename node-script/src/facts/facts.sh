#!/bin/sh
# supd facts: reads everything the provider's probes name, in one round
# trip, with a fixed number of processes however many files. One line per
# fact, tab-separated, ending with "done".
nl='
'

# Lines of standard input, each once and in order, without a process.
supd_once() {
    _seen=$nl
    while IFS= read -r _l; do
        case $_seen in *"$nl$_l$nl"*) continue ;; esac
        _seen=$_seen$_l$nl
        printf '%s\n' "$_l"
    done
}

@ALIVE_SH@

supd_facts() {
    export LC_ALL=C
    # Nothing is read from the directory the login started in.
    cd / || exit 70
    if [ -r /etc/os-release ]; then
        while IFS='=' read -r k v; do
            case $k in ID | VERSION_ID | ID_LIKE) printf 'os\t%s\t%s\n' "$k" "$v" ;; esac
        done < /etc/os-release
    fi
    if [ -d /run/systemd/system ]; then i=systemd
    elif [ -d /run/openrc ]; then i=openrc
    else
        # Builtins rather than cat wherever a line is read: on an idle node
        # the facts script's time is mostly process starts.
        c=""
        { read -r c < /proc/1/comm; } 2>/dev/null
        if [ -d /etc/init.d ] && [ "$c" = init ]; then i=sysvinit; else i=none; fi
    fi
    printf 'init\t%s\n' "$i"
    lists=$(mktemp -d "${TMPDIR:-/tmp}/supd-facts.XXXXXX") || exit 70
    trap 'rm -rf "$lists"' EXIT
    # The probes, one per line in a file per kind: the provider's, then
    # those of the location records it names (where a supervisord this
    # script was not told about lives).
    printf '%s\n' @PATHS@ > "$lists/path.all"
    printf '%s\n' @LISTINGS@ > "$lists/listing.all"
    printf '%s\n' @PID_FILES@ > "$lists/pid-file.all"
    printf '%s\n' @SOCKETS@ > "$lists/socket.all"
    printf '%s\n' @RECORDS@ > "$lists/record.all"
    for l in @LOCATIONS@; do
        [ -f "$l" ] && [ ! -L "$l" ] && [ "$(wc -c < "$l")" -le 65536 ] || continue
        printf 'record\t%s\n' "$l"
        while IFS= read -r line || [ -n "$line" ]; do
            printf 'rec\t%s\t%s\n' "$l" "$line"
            case $line in
                path"	"?* | listing"	"?* | pid-file"	"?* | socket"	"?* | record"	"?*)
                    printf '%s\n' "${line#*	}" >> "$lists/${line%%	*}.all" ;;
            esac
        done < "$l"
    done
    # A record may name what the provider named too: each probe once.
    for k in path listing pid-file socket record; do
        supd_once < "$lists/$k.all" > "$lists/$k"
    done
    # The system's python3 first: a python3 earlier on PATH may be a
    # version manager's shell shim that takes 100 ms to start. One python
    # start reports the interpreter, the login and what every running
    # supervisord says.
    py=/usr/bin/python3
    [ -x "$py" ] || py=$(command -v python3 2>/dev/null) || py=""
    set --
    while IFS= read -r s; do [ -n "$s" ] && set -- "$@" "$s"; done < "$lists/socket"
    if [ -z "$py" ] || ! "$py" -I -S -c "$probe" "$@" -- @RUNNING@ 2>/dev/null; then
        printf 'login\t%s\t%s\n' "$(id -un 2>/dev/null || echo unknown)" "$(id -u)"
    fi
    # The files to read go into NUL-separated lists (a loop that grows "$@"
    # copies it at every step: a second at 1,000 files); then one
    # sha256sum, one awk and one stat read them all.
    : > "$lists/probed"
    while IFS= read -r f; do
        if [ -f "$f" ]; then printf '%s\0' "$f" >> "$lists/probed"; fi
    done < "$lists/path"
    while IFS= read -r d; do
        # A name with a line break would split its facts line in two (not
        # every sha256sum escapes it): such files are left out.
        [ -n "$d" ] && [ -d "$d" ] && find "$d" -maxdepth 1 -type f ! -name '.*' ! -name "*$nl*" -print0 >> "$lists/probed" 2>/dev/null
    done < "$lists/listing"
    # Watched paths: a file, or every regular file under a directory, go
    # into the same single sha256sum; the parser hashes directories.
    hashed=$lists/probed
    for w in @WATCHES@; do
        if [ "$hashed" = "$lists/probed" ]; then
            cp "$lists/probed" "$lists/hashed"
            hashed=$lists/hashed
        fi
        if [ -f "$w" ]; then
            printf 'watch\t%s\tfile\n' "$w"
            printf '%s\0' "$w" >> "$lists/hashed"
        elif [ -d "$w" ]; then
            printf 'watch\t%s\tdir\n' "$w"
            find "$w" -type f ! -path "*$nl*" -print0 >> "$lists/hashed" 2>/dev/null
        else
            printf 'watch\t%s\tmissing\n' "$w"
        fi
    done
    if [ -s "$lists/probed" ]; then
        xargs -0 awk 'FNR == 1 { printf "head\t%s\t%s\n", FILENAME, substr($0, 1, 256) }' < "$lists/probed"
    fi
    # A name sha256sum must escape (a backslash or a line break in it)
    # starts its line with a backslash: such lines are left out.
    if [ -s "$hashed" ]; then
        xargs -0 sha256sum < "$hashed" 2>/dev/null |
            sed -n 's/^\([0-9a-f]\{64\}\)  /sha\t\1\t/p'
    fi
    # Records: small text files, whole, one line each as rec, path, line.
    while IFS= read -r r; do
        if [ -n "$r" ] && [ -f "$r" ] && [ "$(wc -c < "$r")" -le 65536 ]; then
            printf 'record\t%s\n' "$r"
            awk -v r="$r" '{ printf "rec\t%s\t%s\n", r, $0 }' "$r"
        fi
    done < "$lists/record"
    while IFS= read -r f; do
        [ -n "$f" ] || continue
        if [ ! -e "$f" ] && [ ! -L "$f" ]; then printf 'missing\t%s\n' "$f"
        elif [ ! -f "$f" ]; then printf '%s\0' "$f" >> "$lists/probed"; fi
    done < "$lists/path"
    if [ -s "$lists/probed" ]; then
        xargs -0 stat -L -c 'stat	%a	%U	%G	%s	%F	%n' < "$lists/probed" 2>/dev/null
    fi
    while IFS= read -r pf; do
        [ -n "$pf" ] || continue
        pid=""
        if [ -f "$pf" ] && { read -r pid < "$pf" || [ -n "$pid" ]; }; then :; fi
        case $pid in
            '' | *[!0-9]*) printf 'proc\t%s\t\t0\n' "$pf" ;;
            *) a=0
               supd_is_supervisord "$pid" && a=1
               printf 'proc\t%s\t%s\t%s\n' "$pf" "$pid" "$a" ;;
        esac
    done < "$lists/pid-file"
    set -- @PACKAGES@
    if [ $# -gt 0 ]; then
        @PACKAGE_QUERY@
    fi
    for v in @VENVS@; do
        for d in "$v"/lib/python*/site-packages/*.dist-info; do
            [ -d "$d" ] && printf 'venv\t%s\t%s\n' "$v" "${d##*/}"
        done
    done
    printf 'done\n'
}
probe=@PROBE@
supd_facts
