# supd step library: every step checks the node first and changes only
# what differs. Each step reports one line on stdout:
#   @supd<TAB><step><TAB><ok|changed|failed><TAB><message>
# Check mode (SUPD_CHECK=1) reports what would change and changes nothing;
# diff mode (SUPD_DIFF=1) also prints the old content of files it replaces:
#   @supd-old<TAB><step><TAB><base64>
# Everything is defined in functions and run by the last line, so a script
# cut short in transit is a syntax error and runs nothing.

nl='
'

supd_init() {
    export LC_ALL=C
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH
    # Nothing is read from the directory the login started in (Python
    # imports from it, for one).
    cd / || exit 70
    SUPD_TMP=""
    SUPD_STAGED=""
    SUPD_STAGE_DIR=""
    SUPD_DAEMON_FRESH=0
    # The socket of the supervisord the script talked to, and the groups it
    # acted on, for supd_states.
    SUPD_SOCK=""
    SUPD_TOUCHED=""
    SUPD_LONE=""
    SUPD_ALL_STATES=0
    # Files are created with their final mode through the umask (no chmod
    # per file); 022 is the baseline every write returns to.
    umask 022
    SUPD_PY=/usr/bin/python3
    [ -x "$SUPD_PY" ] || SUPD_PY=$(command -v python3 2>/dev/null) || SUPD_PY=""
    SUPD_LOG=$(mktemp "${TMPDIR:-/tmp}/supd-log.XXXXXX") || exit 70
    trap 'supd_states; supd_cleanup' EXIT
    trap 'supd_cleanup; exit 129' HUP
    trap 'supd_cleanup; exit 130' INT
    trap 'supd_cleanup; exit 143' TERM
}

supd_cleanup() {
    [ -n "$SUPD_TMP" ] && rm -f "$SUPD_TMP"
    [ -n "${SUPD_LOG:-}" ] && rm -f "$SUPD_LOG"
    supd_unstage
    [ -n "${SUPD_STAGED:-}" ] && rm -f "$SUPD_STAGED"
    [ -n "${SUPD_STAGE_DIR:-}" ] && rm -rf "$SUPD_STAGE_DIR"
    SUPD_TMP=""
}

# SUPD_STATES_PY: states.py (set by the script ahead of this library).

supd_states() {
    [ -n "${SUPD_SOCK:-}" ] && [ -n "${SUPD_PY:-}" ] && [ -S "$SUPD_SOCK" ] || return 0
    # After a daemon (re)start everything changed: every process.
    [ "${SUPD_ALL_STATES:-0}" = 1 ] && SUPD_TOUCHED=""
    # shellcheck disable=SC2086 # group names are checked words
    "$SUPD_PY" -I -S -c "$SUPD_RPC_PY$SUPD_STRUCTS_PY$SUPD_STATES_PY" "$SUPD_SOCK" "$SUPD_LONE" $SUPD_TOUCHED 2>/dev/null
    return 0
}

# supd_touch GROUP...: groups the script acted on (targets as supervisorctl
# takes them: `web`, `web:*`, `web:web`, `all`).
supd_touch() {
    for _g in "$@"; do
        case $_g in all) SUPD_ALL_STATES=1 ;; *) SUPD_TOUCHED="$SUPD_TOUCHED ${_g%%:*}" ;; esac
    done
}

# supd_private_dir DIR: DIR is a directory (not a link) of the login's
# alone, mode 0700; made so when it is missing. Sets _why when it is not.
supd_private_dir() {
    if [ ! -e "$1" ] && [ ! -L "$1" ]; then
        mkdir -p -- "${1%/*}" 2>/dev/null
        mkdir -m 700 -- "$1" 2>/dev/null
    fi
    if [ -L "$1" ] || [ ! -d "$1" ]; then
        _why="$1 is not a directory"
        return 1
    fi
    _meta=$(stat -c '%u %a' -- "$1" 2>/dev/null)
    if [ "$_meta" != "$(id -u) 700" ]; then
        _why="$1 must be $(id -un)'s alone (uid $(id -u), mode 700), not uid and mode $_meta"
        return 1
    fi
}

# SUPD_FLOCK_PY: flock.py (set by the script ahead of this library).

# supd_lock PATH WAIT TITLE: one script at a time changes a supervisord.
# The lock lives in a directory of the login's alone, so nobody else can
# hold it, replace it or read who holds it; check mode changes nothing and
# takes no lock. The file says who holds it; past WAIT seconds the script
# stops before any step, naming the holder:   @supd-error<TAB>message
supd_lock() {
    [ "$SUPD_CHECK" = 1 ] && return 0
    supd_private_dir "${1%/*}" || supd_refuse "cannot lock: $_why"
    if [ -L "$1" ] || { [ -e "$1" ] && [ ! -f "$1" ]; }; then
        supd_refuse "cannot lock: $1 is not a regular file"
    fi
    # `exec` with a redirection that fails ends the shell: open it first.
    true 2>/dev/null >>"$1" || supd_refuse "cannot open the lock $1"
    exec 9>>"$1"
    if command -v flock >/dev/null 2>&1; then
        flock -w "$2" 9
    elif [ -n "$SUPD_PY" ]; then
        "$SUPD_PY" -I -S -c "$SUPD_FLOCK_PY" "$2"
    else
        supd_refuse "cannot lock $1: the node has neither flock(1) nor python3"
    fi || supd_refuse "another apply has held $1 for over $2s: $(tr '\n' ' ' < "$1" 2>/dev/null)"
    printf 'pid %s, user %s, since %s: %s\n' "$$" "$(id -un 2>/dev/null)" \
        "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$3" > "$1" 2>/dev/null
}

# supd_refuse MESSAGE: stops the script before any step.
supd_refuse() {
    printf '@supd-error\t%s\n' "$1"
    exit 75
}

# supd_progress STEP TEXT: what the script does now, for hosts that show
# live progress:   @supd-progress<TAB>step<TAB>text
supd_progress() {
    printf '@supd-progress\t%s\t%s\n' "$1" "$2"
}

supd_report() {
    printf '@supd\t%s\t%s\t%s\n' "$1" "$2" "$3"
}

# supd_changed STEP MESSAGE: report a change and remember it for
# conditions of later steps. A change after the daemon (re)started means it
# has not seen everything.
supd_changed() {
    eval "supd_c_$1=1"
    SUPD_DAEMON_FRESH=0
    supd_report "$1" changed "$2"
}

# supd_fail STEP MESSAGE: report a failure with the end of the step's log
# and stop the whole script.
supd_fail() {
    _tail=$(tail -n 8 "$SUPD_LOG" 2>/dev/null | tr '\n\t' '  ')
    supd_report "$1" failed "$2${_tail:+: $_tail}"
    exit 1
}

# supd_any STEP...: true when one of these steps changed something.
supd_any() {
    for _s in "$@"; do
        eval "[ \"\${supd_c_$_s:-0}\" = 1 ]" && return 0
    done
    return 1
}

supd_skip() {
    supd_report "$1" ok "skipped: nothing it depends on changed"
}

# supd_meta PATH: "mode owner group" of PATH itself (a link is not followed).
supd_meta() {
    stat -c '%a %U %G' -- "$1" 2>/dev/null
}

# supd_meta_diff PATH MODE OWNER GROUP: what differs, empty when nothing.
supd_meta_diff() {
    _md=$(supd_meta "$1")
    _why=""
    [ "${_md%% *}" = "$2" ] || _why="mode ${_md%% *} -> $2"
    _mo=${_md#* }
    if [ -n "$3" ] && [ "${_mo%% *}" != "$3" ]; then _why="${_why:+$_why, }owner ${_mo%% *} -> $3"; fi
    if [ -n "$4" ] && [ "${_mo#* }" != "$4" ]; then _why="${_why:+$_why, }group ${_mo#* } -> $4"; fi
    printf '%s' "$_why"
}

supd_chown() {
    [ -z "$2" ] && [ -z "$3" ] && return 0
    chown -h -- "$2${3:+:$3}" "$1"
}

# supd_tmp_sweep DIR: temporary files that a killed apply left in DIR
# (each name holds its script's pid; those of live scripts stay).
supd_tmp_sweep() {
    for _t in "$1"/.supd-tmp.*; do
        [ -f "$_t" ] || [ -L "$_t" ] || continue
        _p=${_t#"$1/.supd-tmp."}
        _p=${_p%%.*}
        [ "$_p" = "$$" ] && continue
        [ -n "$_p" ] && [ -d "/proc/$_p" ] && continue
        rm -f -- "$_t"
    done
}

# supd_file STEP PATH MODE OWNER GROUP SHA256 STAGED CONTENT
# A staged file (STAGED=1, part of supervisord's configuration) is written
# under a temporary name and put in place by supd_commit; in check mode it
# is written into a private directory, for supd_commit to check.
supd_file() {
    _dir=${2%/*}
    [ -n "$_dir" ] || _dir=/
    [ "$SUPD_CHECK" = 1 ] || supd_tmp_sweep "$_dir"
    _why=""
    if [ -f "$2" ] && [ ! -L "$2" ]; then
        _sum=$(sha256sum < "$2")
        [ "${_sum%% *}" = "$6" ] || _why="content changed"
        _mw=$(supd_meta_diff "$2" "$3" "$4" "$5")
        [ -z "$_mw" ] || _why="${_why:+$_why, }$_mw"
    elif [ -e "$2" ] || [ -L "$2" ]; then
        _why="replaces a non-file"
    else
        _why="new"
    fi
    if [ -z "$_why" ]; then
        supd_report "$1" ok ""
        return 0
    fi
    if [ "$SUPD_DIFF" = 1 ] && [ -f "$2" ] && [ ! -L "$2" ]; then
        printf '@supd-old\t%s\t' "$1"
        base64 < "$2" | tr -d '\n'
        printf '\n'
    fi
    if [ "$SUPD_CHECK" = 1 ]; then
        if [ "$7" = 1 ]; then
            supd_stage_init
            printf '%s' "$8" > "$SUPD_STAGE_DIR/$1" &&
                printf 'write\t%s\t%s\n' "$SUPD_STAGE_DIR/$1" "$2" >> "$SUPD_STAGED"
        fi
        supd_changed "$1" "would write: $_why"
        return 0
    fi
    [ -d "$_dir" ] || mkdir -p -- "$_dir" >>"$SUPD_LOG" 2>&1 || supd_fail "$1" "cannot create $_dir"
    # Write beside the target under a name nobody can guess or plant
    # (mktemp makes it, mode 0600), then rename: readers see the old file
    # or the new one, never half of either.
    SUPD_TMP=$(mktemp "$_dir/.supd-tmp.$$.XXXXXX" 2>>"$SUPD_LOG") || supd_fail "$1" "cannot write in $_dir"
    if printf '%s' "$8" > "$SUPD_TMP" && { [ "$3" = 600 ] || chmod "$3" "$SUPD_TMP"; } &&
        supd_chown "$SUPD_TMP" "$4" "$5"; then :
    else
        supd_fail "$1" "cannot write $2"
    fi
    if [ "$7" = 1 ]; then
        supd_stage_init
        printf 'write\t%s\t%s\n' "$SUPD_TMP" "$2" >> "$SUPD_STAGED"
        SUPD_TMP=""
        supd_changed "$1" "$_why (staged)"
        return 0
    fi
    # On disk before it replaces the old one: after a power cut, one or
    # the other, never an empty file.
    sync -- "$SUPD_TMP" 2>/dev/null || sync
    mv -fT -- "$SUPD_TMP" "$2" >>"$SUPD_LOG" 2>&1 || supd_fail "$1" "cannot write $2"
    SUPD_TMP=""
    supd_changed "$1" "written: $_why"
}

# supd_absent STEP PATH STAGED
supd_absent() {
    if [ ! -e "$2" ] && [ ! -L "$2" ]; then
        supd_report "$1" ok ""
        return 0
    fi
    if [ "$3" = 1 ]; then
        supd_stage_init
        # Every field is non-empty: tab is IFS white space, so `read`
        # would merge an empty field into the next one.
        printf 'remove\t%s\t%s\n' "$2" "$2" >> "$SUPD_STAGED"
    fi
    if [ "$SUPD_CHECK" = 1 ]; then
        supd_changed "$1" "would remove it"
        return 0
    fi
    if [ "$3" = 1 ]; then
        supd_changed "$1" "removed with the configuration (staged)"
        return 0
    fi
    rm -f -- "$2" >>"$SUPD_LOG" 2>&1 || supd_fail "$1" "cannot remove $2"
    supd_changed "$1" "removed"
}

# Staging: supd_stage_init makes the list of staged files (and, in check
# mode, the private directory they are written to). The list has a line
# per file, `write TAB temporary TAB target` or `remove TAB target TAB
# target`.
supd_stage_init() {
    [ -n "$SUPD_STAGED" ] && return 0
    SUPD_STAGED=$(mktemp "${TMPDIR:-/tmp}/supd-staged.XXXXXX") || exit 70
    if [ "$SUPD_CHECK" = 1 ]; then
        SUPD_STAGE_DIR=$(mktemp -d "${TMPDIR:-/tmp}/supd-stage.XXXXXX") || exit 70
    fi
}

# Drops every staged file: nothing of them reaches a live path.
supd_unstage() {
    if [ -n "$SUPD_STAGED" ] && [ -f "$SUPD_STAGED" ]; then
        while IFS='	' read -r _k _src _dst; do
            [ "$_k" = write ] && rm -f "$_src"
        done < "$SUPD_STAGED"
        : > "$SUPD_STAGED"
    fi
}

# The interpreter of a Python script (its #! line), for supervisor's parser.
supd_interpreter() {
    _line=""
    { read -r _line < "$1"; } 2>/dev/null || return 1
    case $_line in '#!'*) ;; *) return 1 ;; esac
    # shellcheck disable=SC2086 # the #! line splits into its words on purpose
    set -- ${_line#??}
    case $1 in */env) shift ;; esac
    [ -n "$1" ] && command -v "$1"
}

# SUPD_COMMIT_PY: commit.py (set by the script ahead of this library).

# supd_commit STEP CTL CONF: checks the candidate configuration with
# supervisor's parser, then puts every staged file in place (or, refused,
# drops them all and fails).
supd_commit() {
    _step=$1 _ctl=$2 _conf=$3
    if [ -z "$SUPD_STAGED" ] || [ ! -s "$SUPD_STAGED" ]; then
        supd_report "$_step" ok "nothing staged"
        return 0
    fi
    _checked="not checked: supervisor is not installed yet"
    _py=$(supd_interpreter "$_ctl") || _py=""
    if [ -n "$_py" ]; then
        _rc=0
        _why=$("$_py" -I -c "$SUPD_COMMIT_PY" "$_conf" "$SUPD_STAGED" 2>&1) || _rc=$?
        case $_rc in
            0) _checked="supervisor's parser accepts them" ;;
            3 | 126 | 127) ;; # no usable supervisor here: nothing to check with
            *) supd_unstage
               supd_report "$_step" failed "supervisor refuses the configuration: $(printf '%s' "$_why" | tail -n 3 | tr '\n\t' '  ')"
               exit 1 ;;
        esac
    fi
    if [ "$SUPD_CHECK" = 1 ]; then
        supd_unstage
        supd_report "$_step" ok "would put them in place; $_checked"
        return 0
    fi
    # On disk before anything is renamed: after a power cut, the old
    # configuration or the new one, never an empty file.
    awk -F '\t' '$1 == "write" { print $2 }' "$SUPD_STAGED" | tr '\n' '\0' |
        xargs -0 sync -- 2>/dev/null || sync
    _n=0
    _dirs=$nl
    while IFS='	' read -r _k _src _dst; do
        case $_dirs in *"$nl${_dst%/*}$nl"*) ;; *) _dirs=$_dirs${_dst%/*}$nl ;; esac
        case $_k in
            write) _err=$(mv -fT -- "$_src" "$_dst" 2>&1) || {
                       _bad=$_dst
                       supd_unstage
                       supd_report "$_step" failed "cannot put $_bad in place: $_err"
                       exit 1
                   } ;;
            remove) _err=$(rm -f -- "$_dst" 2>&1) || {
                       supd_report "$_step" failed "cannot remove $_dst: $_err"
                       exit 1
                   } ;;
        esac
        _n=$((_n + 1))
    done < "$SUPD_STAGED"
    : > "$SUPD_STAGED"
    # The renames themselves on disk: the directories that hold them.
    _old_ifs=$IFS
    IFS=$nl
    # shellcheck disable=SC2086 # one directory per line
    sync -- $_dirs 2>/dev/null || sync
    IFS=$_old_ifs
    supd_changed "$_step" "$_n in place; $_checked"
}

# supd_directory STEP PATH MODE OWNER GROUP: the directory exists with
# this mode and owner, made and changed without following a symbolic link
# anywhere on its way (a user who can write one of its parents could point
# root elsewhere): through directory file descriptors with python3
# ($SUPD_DIRECTORY_PY), else refusing links before each change.
supd_directory() {
    if [ -n "$SUPD_PY" ]; then
        _rc=0
        _out=$("$SUPD_PY" -I -S -c "$SUPD_DIRECTORY_PY" "$2" "$3" "$4" "$5" "$SUPD_CHECK" 2>>"$SUPD_LOG") || _rc=$?
        case $_rc:$_out in
            0:) supd_report "$1" ok "" ;;
            0:*) if [ "$SUPD_CHECK" = 1 ]; then
                     supd_changed "$1" "would set up: $_out"
                 else
                     supd_changed "$1" "$_out"
                 fi ;;
            *) supd_fail "$1" "cannot set up $2${_out:+: ${_out#refused: }}" ;;
        esac
        return 0
    fi
    supd_directory_sh "$@"
}

# supd_directory_sh STEP PATH MODE OWNER GROUP: the same without python3.
supd_directory_sh() {
    _left=${2#/}
    _at=""
    _why=""
    while :; do
        _at="$_at/${_left%%/*}"
        if [ -L "$_at" ]; then
            supd_fail "$1" "cannot set up $2: $_at is a symbolic link"
        elif [ ! -e "$_at" ]; then
            if [ "$SUPD_CHECK" = 1 ]; then
                supd_changed "$1" "would set up: new"
                return 0
            fi
            _m=755
            [ "$_at" = "$2" ] && _m=$3
            mkdir -m "$_m" -- "$_at" >>"$SUPD_LOG" 2>&1 || supd_fail "$1" "cannot create $_at"
            [ "$_at" = "$2" ] && _why="new"
        elif [ ! -d "$_at" ]; then
            supd_fail "$1" "cannot set up $2: $_at is not a directory"
        fi
        case $_left in */*) _left=${_left#*/} ;; *) break ;; esac
    done
    _mw=$(supd_meta_diff "$2" "$3" "$4" "$5")
    _why="${_why:+$_why${_mw:+, }}$_mw"
    if [ -z "$_why" ]; then
        supd_report "$1" ok ""
        return 0
    fi
    if [ "$SUPD_CHECK" = 1 ]; then
        supd_changed "$1" "would set up: $_why"
        return 0
    fi
    [ ! -L "$2" ] && chmod "$3" "$2" >>"$SUPD_LOG" 2>&1 && supd_chown "$2" "$4" "$5" >>"$SUPD_LOG" 2>&1 ||
        supd_fail "$1" "cannot set up $2"
    supd_changed "$1" "$_why"
}

# supd_user STEP NAME HOME SHELL
supd_user() {
    if id -u "$2" >/dev/null 2>&1; then
        supd_report "$1" ok ""
        return 0
    fi
    if [ "$SUPD_CHECK" = 1 ]; then
        supd_changed "$1" "would create user $2"
        return 0
    fi
    if command -v useradd >/dev/null 2>&1; then
        useradd --system --user-group --no-create-home --home-dir "$3" --shell "$4" -- "$2"
    else
        addgroup -S -- "$2" && adduser -S -D -H -G "$2" -h "$3" -s "$4" -- "$2"
    fi >>"$SUPD_LOG" 2>&1 || supd_fail "$1" "cannot create user $2"
    supd_changed "$1" "created user $2"
}

# supd_pkg_installed MANAGER NAME and supd_pkg_install MANAGER NAME...:
# generated from the table in packages.rs (appended after this library).

# supd_packages STEP MANAGER NAME...
supd_packages() {
    _step=$1 _mgr=$2
    shift 2
    _missing=""
    for _n in "$@"; do
        supd_pkg_installed "$_mgr" "$_n" || _missing="$_missing $_n"
    done
    if [ -z "$_missing" ]; then
        supd_report "$_step" ok ""
        return 0
    fi
    if [ "$SUPD_CHECK" = 1 ]; then
        supd_changed "$_step" "would install$_missing"
        return 0
    fi
    # shellcheck disable=SC2086 # package names are checked words
    supd_pkg_install "$_mgr" $_missing >>"$SUPD_LOG" 2>&1 ||
        supd_fail "$_step" "cannot install$_missing"
    supd_changed "$_step" "installed$_missing"
}

# supd_pip STEP PYTHON VENV NAME VERSION OWNER
supd_pip() {
    _have=""
    for _d in "$3"/lib/python*/site-packages/*.dist-info; do
        _b=${_d##*/}
        _b=${_b%.dist-info}
        # dist-info names are name-version with the name lower-cased and
        # '-' written as '_'.
        _dn=$(printf '%s' "$4" | tr '[:upper:]-' '[:lower:]_')
        case $(printf '%s' "${_b%%-*}" | tr '[:upper:]' '[:lower:]') in
            "$_dn") _have=${_b#*-} ;;
        esac
    done
    if [ -x "$3/bin/python" ] && [ -x "$3/bin/pip" ] && [ -n "$_have" ] && { [ -z "$5" ] || [ "$_have" = "$5" ]; }; then
        supd_report "$1" ok "$4 $_have"
        return 0
    fi
    if [ "$SUPD_CHECK" = 1 ]; then
        supd_changed "$1" "would install $4${5:+ $5} into $3"
        return 0
    fi
    if [ -L "$3" ]; then
        supd_fail "$1" "cannot use $3: it is a symbolic link"
    elif [ ! -x "$3/bin/python" ]; then
        "$2" -m venv -- "$3" >>"$SUPD_LOG" 2>&1 || supd_fail "$1" "cannot create the virtual environment $3"
    elif [ ! -x "$3/bin/pip" ]; then
        # A virtual environment whose making was cut short: made again.
        "$2" -m venv --clear -- "$3" >>"$SUPD_LOG" 2>&1 ||
            supd_fail "$1" "cannot make the half-made virtual environment $3 again"
    fi
    "$3/bin/pip" install -q --disable-pip-version-check -- "$4${5:+==$5}" >>"$SUPD_LOG" 2>&1 ||
        supd_fail "$1" "pip cannot install $4${5:+==$5}"
    if [ -n "$6" ]; then
        chown -R -h -- "$6" "$3" >>"$SUPD_LOG" 2>&1 || supd_fail "$1" "cannot hand $3 to $6"
    fi
    supd_changed "$1" "installed $4${5:+ $5}${_have:+ (was $_have)}"
}

# supd_alive PIDFILE [CONF]: true when the pid in PIDFILE is a live
# supervisord (not a zombie, not a process that got the pid of a dead one)
# running CONF when its command line names a configuration; sets _pid.
supd_alive() {
    _pid=""
    [ -f "$1" ] || return 1
    read -r _pid < "$1" || [ -n "$_pid" ] || return 1
    case $_pid in '' | *[!0-9]*) return 1 ;; esac
    supd_is_supervisord "$_pid" "${2:-}"
}

# supd_is_supervisord PID [CONF]: alive.sh (appended after this library).

# SUPD_READY_PY: ready.py (set by the script ahead of this library).

# supd_wait_up STEP PIDFILE SOCKET CTL CONF: waits until the daemon runs
# and answers.
supd_wait_up() {
    if [ -n "$SUPD_PY" ]; then
        "$SUPD_PY" -I -S -c "$SUPD_RPC_PY$SUPD_READY_PY" "$3" && supd_alive "$2" && return 0
    else
        _n=0
        while [ "$_n" -lt 150 ]; do
            supd_alive "$2" && "$4" -c "$5" pid >/dev/null 2>&1 && return 0
            sleep 0.2
            _n=$((_n + 1))
        done
    fi
    supd_fail "$1" "supervisord did not come up within 30s"
}

# supd_daemon STEP ENSURE PIDFILE SOCKET CTL CONF METHOD ARG...
supd_daemon() {
    _step=$1 _ensure=$2 _pf=$3 _sock=$4 _ctl=$5 _conf=$6
    shift 6
    SUPD_SOCK=$_sock
    if supd_alive "$_pf" "$_conf"; then
        if [ "$_ensure" = running ]; then
            supd_report "$_step" ok "running (pid $_pid)"
            return 0
        fi
        if [ "$SUPD_CHECK" = 1 ]; then
            supd_changed "$_step" "would reload supervisord (pid $_pid)"
            return 0
        fi
        kill -HUP "$_pid" >>"$SUPD_LOG" 2>&1 9>&- || supd_fail "$_step" "cannot signal supervisord (pid $_pid)"
        # It closes its socket on the signal and opens a new one once the
        # configuration is read again; give it the moment to close.
        sleep 0.2
        supd_wait_up "$_step" "$_pf" "$_sock" "$_ctl" "$_conf"
        supd_changed "$_step" "reloaded supervisord (pid $_pid)"
        SUPD_DAEMON_FRESH=1
        SUPD_ALL_STATES=1
        return 0
    fi
    # Programs a killed supervisord left running would run twice once a
    # new one starts them: stop them first.
    _orphans=""
    if [ -n "$SUPD_PY" ]; then
        _orphans=$("$SUPD_PY" -I -S -c "$SUPD_ORPHANS_PY" "$_sock" "$SUPD_CHECK" 2>/dev/null)
    fi
    if [ "$SUPD_CHECK" = 1 ]; then
        supd_changed "$_step" "would start supervisord${_orphans:+; would stop what a killed one left running: $_orphans}"
        return 0
    fi
    case $1 in
        systemd) systemctl enable "$2" && systemctl restart "$2" ;;
        init-script) "$2" start ;;
        openrc) rc-service "$2" zap >/dev/null 2>&1; rc-service "$2" start ;;
        command) shift && "$@" ;;
    esac >>"$SUPD_LOG" 2>&1 9>&- || supd_fail "$_step" "cannot start supervisord"
    supd_wait_up "$_step" "$_pf" "$_sock" "$_ctl" "$_conf"
    supd_changed "$_step" "started supervisord (pid $_pid)${_orphans:+; first stopped what a killed one left running: $_orphans}"
    SUPD_DAEMON_FRESH=1
    SUPD_ALL_STATES=1
}

# SUPD_ORPHANS_PY: orphans.py (set by the script ahead of this library).


# supd_ctl STEP ACTION CTL CONF SOCKET TARGET...; ACTION may be "signal NAME".
supd_ctl() {
    _step=$1 _act=$2 _ctl=$3 _conf=$4
    SUPD_SOCK=$5
    shift 5
    if [ $# -eq 0 ]; then SUPD_ALL_STATES=1; else supd_touch "$@"; fi
    if [ "$SUPD_CHECK" = 1 ] && [ "$_act" != status ]; then
        supd_changed "$_step" "would run supervisorctl $_act $*"
        return 0
    fi
    if [ "$_act" = update ] && [ "$SUPD_DAEMON_FRESH" = 1 ]; then
        supd_report "$_step" ok "supervisord has just loaded every file"
        return 0
    fi
    # shellcheck disable=SC2086 # "signal NAME" is two words on purpose
    _out=$("$_ctl" -c "$_conf" $_act "$@" 2>&1)
    _rc=$?
    _flat=$(printf '%s' "$_out" | tr '\n\t' ';;')
    case $_act in
        status)
            printf '@supd-out\t%s\t' "$_step"
            printf '%s\n' "$_out" | base64 | tr -d '\n'
            printf '\n'
            if [ "$_rc" = 0 ]; then
                supd_report "$_step" ok "$_flat"
                return 0
            fi
            supd_report "$_step" failed "$_flat"
            exit 1
            ;;
        update)
            [ "$_rc" = 0 ] || supd_fail "$_step" "supervisorctl update failed: $_flat"
            case $_out in
                *added* | *updated* | *removed* | *stopped* | *started*) supd_changed "$_step" "$_flat" ;;
                *ERROR*) supd_fail "$_step" "$_flat" ;;
                *) supd_report "$_step" ok "$_flat" ;;
            esac
            ;;
        start | add)
            _errs=$(printf '%s\n' "$_out" | grep -E 'ERROR|no such' | grep -v already)
            [ -z "$_errs" ] || supd_fail "$_step" "$_flat"
            [ "$_rc" = 0 ] || supd_fail "$_step" "$_flat"
            case $_out in
                *": started"* | *"added process group"*) supd_changed "$_step" "$_flat" ;;
                *) supd_report "$_step" ok "$_flat" ;;
            esac
            ;;
        stop | remove)
            case $_out in
                *"not running"* | *"no such group"* | "") supd_report "$_step" ok "$_flat" ;;
                *ERROR* | *"no such"*) supd_fail "$_step" "$_flat" ;;
                *) supd_changed "$_step" "$_flat" ;;
            esac
            ;;
        *)
            case $_out in
                *ERROR* | *"no such"*) supd_fail "$_step" "$_flat" ;;
            esac
            [ "$_rc" = 0 ] || supd_fail "$_step" "$_flat"
            # `restart all` or `signal all` with no programs says nothing.
            if [ -z "$_out" ]; then
                supd_report "$_step" ok "no programs"
                return 0
            fi
            supd_changed "$_step" "$_flat"
            ;;
    esac
}

# SUPD_AWAIT_PY: await_programs.py (set by the script ahead of this library).

# supd_await STEP CTL CONF SOCKET TIMEOUT LONE GROUP...: waits until every
# process of the groups settles; fails naming those that are not RUNNING.
# LONE (comma-separated) names the groups that are one program's one
# process, which supervisord can be asked about alone.
supd_await() {
    _step=$1 _ctl=$2 _conf=$3 _sock=$4 _limit=$5 _lone=$6
    shift 6
    SUPD_SOCK=$_sock
    SUPD_LONE="$SUPD_LONE,$_lone"
    supd_touch "$@"
    if [ "$SUPD_CHECK" = 1 ]; then
        supd_report "$_step" ok "would check that $* run"
        return 0
    fi
    if [ -n "$SUPD_PY" ]; then
        # Its progress (stderr) goes straight out; its verdict is captured.
        { _out=$("$SUPD_PY" -I -S -c "$SUPD_RPC_PY$SUPD_STRUCTS_PY$SUPD_AWAIT_PY" "$_sock" "$_limit" "$_step" "$_lone" "$@" 2>&3); } 3>&1
        case $_out in
            "ok "*) supd_report "$_step" ok "running: ${_out#ok }" ;;
            *) supd_report "$_step" failed "not running: ${_out#failed }"
               exit 1 ;;
        esac
        return 0
    fi
    supd_await_ctl "$_step" "$_ctl" "$_conf" "$_limit" "$@"
}

# supd_await_ctl STEP CTL CONF TIMEOUT GROUP...: the same with
# supervisorctl, for nodes without python3.
supd_await_ctl() {
    _step=$1 _ctl=$2 _conf=$3 _limit=$4
    shift 4
    _targets=""
    for _g in "$@"; do _targets="$_targets $_g:*"; done
    _start=$(date +%s)
    while :; do
        # shellcheck disable=SC2086 # targets are checked names
        _out=$("$_ctl" -c "$_conf" status $_targets 2>&1)
        _now=$(date +%s)
        _bad=$(printf '%s\n' "$_out" | awk '
            /ERROR|no such/ { print; next }
            NF >= 2 && $2 != "RUNNING" { print $1 " " $2 }')
        _final=$(printf '%s\n' "$_bad" | awk '/ERROR|no such| FATAL$/')
        if [ -z "$_bad" ] && [ -n "$_out" ]; then
            supd_report "$_step" ok "running:$_targets"
            return 0
        fi
        _settled=$(printf '%s\n' "$_bad" | awk '/ (STOPPED|EXITED|UNKNOWN)$/')
        if [ -n "$_final" ] || { [ -n "$_settled" ] && [ $((_now - _start)) -ge 3 ]; } ||
            [ $((_now - _start)) -ge "$_limit" ]; then
            supd_report "$_step" failed "not running: $(printf '%s' "$_bad" | tr '\n' ',' | sed 's/,$//')"
            exit 1
        fi
        sleep 0.2
    done
}

# supd_command STEP ARGV...: runs a command (its guard was checked by the
# caller).
supd_command() {
    _step=$1
    shift
    if [ "$SUPD_CHECK" = 1 ]; then
        supd_changed "$_step" "would run $*"
        return 0
    fi
    # Through env: a program on PATH, never a builtin or a function of
    # this script.
    env -- "$@" >>"$SUPD_LOG" 2>&1 || supd_fail "$_step" "command failed: $*"
    supd_changed "$_step" "ran $*"
}
