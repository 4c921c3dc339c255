# supd_is_supervisord PID [CONF]: whether PID is a live supervisord, the
# one check the facts script and the apply script share. Alive means not a
# zombie and running supervisord: a pid file can outlive its daemon, and its
# pid be reused. With CONF, also one that reads CONF (or names no
# configuration at all).
supd_is_supervisord() {
    _stat=""
    { read -r _stat < "/proc/$1/stat"; } 2>/dev/null
    [ -n "$_stat" ] || return 1
    _stat=${_stat##*) }
    [ "${_stat%% *}" != Z ] || return 1
    _cmd=$(tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null) || return 1
    case $_cmd in *supervisord*) ;; *) return 1 ;; esac
    [ -n "${2:-}" ] || return 0
    case $_cmd in
        *" -c $2 "* | *" --configuration $2 "* | *" --configuration=$2 "*) return 0 ;;
        *" -c "* | *" --configuration"*) return 1 ;;
    esac
    return 0
}
