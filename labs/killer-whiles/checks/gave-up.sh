#!/bin/sh
# Step "killer-while": the loop kills fizzbuzz-a until systemd stops restarting it
# (Result=start-limit-hit), and nginx logs the failed attempts it hid from the clients.
. "${CHAOS_LAB_LAB_DIR:-/opt/chaos-lab/labs/killer-whiles}/ab-lib.sh"
ERRLOG=/var/log/nginx/killer-whiles.error.log

show() { systemctl show -p "$1" --value fizzbuzz-a; }
state=$(show ActiveState)
result=$(show Result)
restarts=$(show NRestarts)

if [ "$result" != start-limit-hit ]; then
  if ! systemctl is-active -q killer-while; then
    echo "The killer loop is not running (fizzbuzz-a is $state, result $result): inject the fault of this step to start it."
    exit 1
  fi
  note=''
  show DropInPaths | tr ' ' '\n' | grep -q '/fizzbuzz-a\.service\.d/' && note=' fizzbuzz-a has an override (systemctl cat fizzbuzz-a), so it may never give up.'
  echo "The loop is killing fizzbuzz-a: $restarts automatic restarts so far, now $state. Expected systemd to give up (failed, start-limit-hit).$note"
  exit 1
fi

# fizzbuzz-a is down for good. A little traffic shows what the clients get, and nginx's log
# shows what it hid from them.
ab_run http://127.0.0.1:8080/fizzbuzz/15 20 2 || AB_ERROR=${AB_ERROR:-ab failed}
refused=$(grep -c '127.0.0.1:8001' "$ERRLOG" 2>/dev/null)
refused=${refused:-0}
if [ -n "$AB_ERROR" ]; then
  clients="ab could not finish ($AB_ERROR)"
else
  clients="clients got $((AB_COMPLETE - AB_FAILED - AB_NON2XX)) good answers of 20 ($AB_FAILED failed, $AB_NON2XX non-2xx)"
fi
if [ "$refused" -lt 1 ]; then
  echo "fizzbuzz-a gave up ($state, start-limit-hit), but nginx has logged no failed attempt to reach it yet; expected errors for 127.0.0.1:8001 in $ERRLOG. Send some traffic: ab -n 20 -c 2 http://127.0.0.1:8080/fizzbuzz/15"
  exit 1
fi
echo "fizzbuzz-a gave up: $state, start-limit-hit, after $restarts automatic restarts. nginx logged $refused errors reaching 127.0.0.1:8001 and retried on fizzbuzz-b; $clients."
exit 0
