/**
 * How a node reports to the agent: a small script posting JSON to the phone-home endpoint with the
 * node's token. The token sits in a root-only header file and reaches curl through `-H @file`, never
 * argv (the node's process list is as readable as ours). The reason text is reduced to a safe
 * character set so it can be embedded in JSON without a JSON tool on the node.
 *
 * It tries for about five minutes (the agent may be restarting). A 409 ends it as done: the report
 * was made already, the agent kept it (docs/boot-service.md), and only its answer was lost.
 */
import { file } from './builders.js';
import { shQuote } from './shell.js';
import type { IgnitionFile } from './types.js';

export const REPORT_SCRIPT = '/opt/racker/bin/racker-report';
export const HEADERS_FILE = '/etc/racker/phone-home.headers';
/** How much of a failing step's output a report carries: its last lines, at most this many bytes. */
export const OUTPUT_LINES = 15;
export const OUTPUT_BYTES = 1500;

export function reportScript(url: string, mac: string, headersFile = HEADERS_FILE): string {
  return `#!/bin/bash
# Report progress to the racker agent: racker-report <status> [reason] [payload-file] [output-file]
# output-file: the failing step's output; its last lines go with the report (bounded, safe characters).
set -euo pipefail
status="$1"
reason="$(printf '%s' "\${2:-}" | tr -cd '[:alnum:] ._:/()=,+-' | cut -c1-400)"
payload=""
if [ -n "\${3:-}" ]; then payload="$(base64 -w0 < "$3")"; fi
output=""
if [ -n "\${4:-}" ] && [ -s "$4" ]; then
  output="$(tail -n ${OUTPUT_LINES} "$4" | tail -c ${OUTPUT_BYTES} | tr -cd '[:print:]\\n' | tr -d '"\\\\' | awk '{ printf "%s\\\\n", $0 }')"
fi
body="$(printf '{"mac":"%s","status":"%s","reason":"%s","payload":"%s","output":"%s"}' ${shQuote(mac)} "$status" "$reason" "$payload" "$output")"
code=000
for try in $(seq 0 60); do
  [ "$try" -eq 0 ] || sleep 5
  code="$(printf '%s' "$body" | curl --silent --show-error --max-time 30 -o /dev/null -w '%{http_code}' \\
    -H @${headersFile} -H 'Content-Type: application/json' --data-binary @- ${shQuote(url)})" || code=000
  case "$code" in
    2??) exit 0 ;;
    409) echo "racker-report: $status was reported already (the agent kept it)" >&2; exit 0 ;;
  esac
done
echo "racker-report: $status not taken after 61 tries (last answer: HTTP $code)" >&2
exit 1
`;
}

/** The two files every generated config carries: the script and the token header (root-only). */
export function phoneHomeFiles(url: string, mac: string, token: string): IgnitionFile[] {
  if (!/^[A-Za-z0-9._~+/=-]+$/.test(token)) throw new Error('phone-home token has characters that cannot go in an HTTP header');
  return [
    file(REPORT_SCRIPT, reportScript(url, mac), { mode: 0o700 }),
    file(HEADERS_FILE, `Authorization: Bearer ${token}\n`, { mode: 0o600 }),
  ];
}
