# Sourced by bin/run-dev and bin/serve: run several processes in the foreground, their output
# prefixed with their name and copied to $LOG_DIR/NAME.log; stop them all together on Ctrl-C or
# SIGTERM, or as soon as one of them ends.
#
# Each process runs in its own session (setsid) with its log plumbing, so a signal reaches only
# the calling script, which then stops each process in turn and waits for it.

pids=()
names=()
targets=()

# start NAME SIGNAL_TARGET COMMAND...: SIGNAL_TARGET is "group" for a process that must be
# stopped with its children (the runserver autoreloader) or "main" for one that stops its own
# children (a Celery worker or gunicorn shuts its workers down gracefully, and signalling them
# directly would break that). tee and sed ignore INT and TERM so that they pass on the last lines
# and end at EOF.
start() {
    local name=$1 target=$2
    shift 2
    : >"$LOG_DIR/$name.log"
    # shellcheck disable=SC2016  # expanded by the inner bash, from its arguments
    setsid bash -c '
        log=$1 prefix=$2
        shift 2
        exec > >(
            trap "" INT TERM
            tee -a "$log" | (trap "" INT TERM; exec sed -u "s/^/$prefix| /")
        ) 2>&1
        exec "$@"
    ' processes "$LOG_DIR/$name.log" "$(printf '%-6s' "$name")" "$@" &
    pids+=("$!")
    names+=("$name")
    if [[ $target == group ]]; then
        targets+=("-$!")
    else
        targets+=("$!")
    fi
}

any_alive() {
    local pid
    for pid in "${pids[@]}"; do
        kill -0 -- "-$pid" 2>/dev/null && return 0
    done
    return 1
}

stopping=0
stop() {
    # A closed terminal or pipe must not end this script before it has stopped the children.
    trap '' PIPE
    set +e
    [[ $stopping == 1 ]] && return
    stopping=1
    trap '' INT TERM
    echo
    echo "Stopping ${names[*]}..."
    local pid target
    for target in "${targets[@]}"; do
        kill -TERM -- "$target" 2>/dev/null
    done
    # A worker finishes the tasks it holds (warm shutdown, a few seconds); insist after 30.
    for _ in $(seq 1 60); do
        any_alive || break
        sleep 0.5
    done
    if any_alive; then
        echo "Still running after 30 s; killing."
        for pid in "${pids[@]}"; do
            kill -KILL -- "-$pid" 2>/dev/null
        done
    fi
    wait 2>/dev/null
    echo "Stopped."
}

port_taken() {
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

wait_for_port() {
    for _ in $(seq 1 60); do
        port_taken "$1" "$2" && return 0
        sleep 0.5
    done
    return 1
}

# Ctrl-C and SIGTERM stop every process started so far (call before the first start).
stop_on_signals() {
    trap 'stop; exit 130' INT
    trap 'stop; exit 143' TERM
}

# Wait; stop everything as soon as one process ends, rather than run half a system.
supervise() {
    local status=0
    wait -n "${pids[@]}" || status=$?
    if [[ $stopping == 0 ]]; then
        echo "A process ended (status $status); stopping the others. See $LOG_DIR/." >&2
        stop
        ((status == 0)) && status=1
        exit "$status"
    fi
}
