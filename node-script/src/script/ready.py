# Waits (up to 30 s) until supervisord answers on its socket with state
# RUNNING. A socket file left by a killed daemon refuses connections, so
# only the new daemon can answer.
# $SUPD_RPC_PY (rpc_client.py, set by the script ahead of this library)
# comes first.
import sys
import time

deadline = time.time() + 30
while time.time() < deadline:
    try:
        if b"RUNNING" in rpc(sys.argv[1], "supervisor.getState", 2):
            sys.exit(0)
    except OSError:
        pass
    time.sleep(0.02)
sys.exit(1)
