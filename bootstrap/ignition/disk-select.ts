/**
 * The install-disk rule, evaluated on the node: `racker-disk-select` reads `lsblk -P -b -p` (what
 * Flatcar's live system and any util-linux have; no jq, no node) and prints the disk the rule picks,
 * or refuses. One home for the rule's logic: the awk program below; the agent only renders the rule
 * (disk-rules.ts) into environment values, so what `racker bootstrap --dry-run` describes is what
 * runs. POSIX awk only (Flatcar's gawk, Debian's mawk, busybox awk all run it).
 *
 * Verdict (stdout, last line): `PICK <device>`, `REFUSE <why>` or `NONE <why>`; before it, `WIPE
 * <device>` lines (children before their disk) when the wipe policy erases metadata, and `| ` lines:
 * the disk table the operator sees in a refusal.
 *
 * Rules: only whole disks (TYPE disk), writable, non-empty, not zram/ram/loop/nbd; a rule without
 * `transport` skips USB and removable disks. Of the matching disks the smallest wins (the order
 * lsblk lists breaks ties). The winner is refused when it, or anything on it, has a file-system
 * signature (FSTYPE: a file system, swap, LVM, RAID member ...) unless overwriting is allowed:
 * racker installed this node before, or the wipe policy is not `none`.
 */
import { describeRule, globToEre, type DiskSelectInput } from '../disk-rules.js';

export type { DiskSelectInput };
import { shQuote } from './shell.js';

export const DISK_SELECT_SCRIPT = '/opt/racker/bin/racker-disk-select';
export const LSBLK_COLUMNS = 'NAME,TYPE,SIZE,RM,RO,ROTA,TRAN,MODEL,SERIAL,WWN,FSTYPE,PKNAME';

const GiB = 1024 ** 3;

/** The environment the awk program reads its rule from (values as they are: ENVIRON does no escape processing). */
export function ruleEnvironment(x: DiskSelectInput): Record<string, string> {
  const r = x.rule;
  const named = r.device !== undefined || r.byPath !== undefined;
  const min = r.minSizeGiB ?? (named ? 0 : x.minDiskGiB);
  return {
    RACKER_DISK_DEVICE: r.device ?? '',
    RACKER_DISK_BYPATH: r.byPath ?? '',
    RACKER_DISK_MODEL: r.model === undefined ? '' : globToEre(r.model),
    RACKER_DISK_SERIAL: r.serial === undefined ? '' : globToEre(r.serial),
    RACKER_DISK_WWN: r.wwn === undefined ? '' : globToEre(r.wwn),
    RACKER_DISK_TRAN: r.transport === undefined ? '' : ` ${r.transport.join(' ')} `,
    RACKER_DISK_ROTA: r.rotational === undefined ? '' : r.rotational ? '1' : '0',
    RACKER_DISK_MIN: String(Math.ceil(min * GiB)),
    RACKER_DISK_MAX: r.maxSizeGiB === undefined ? '' : String(Math.floor(r.maxSizeGiB * GiB)),
    RACKER_DISK_ANY_REMOVABLE: named ? '1' : '',
    RACKER_DISK_ALLOW: x.provisionedBefore ? 'provisioned' : x.wipe === 'none' ? '' : 'wipe',
    RACKER_DISK_WIPE: x.wipe,
    RACKER_DISK_RULE: describeRule(r, x.minDiskGiB),
  };
}

/** The selection program; reads lsblk -P lines on stdin. */
export const DISK_SELECT_AWK = String.raw`
function unhex(s,   out, i, c, h) {
  out = ""
  while ((i = index(s, "\\x")) > 0) {
    h = substr(s, i + 2, 2)
    out = out substr(s, 1, i - 1) sprintf("%c", hexval(h))
    s = substr(s, i + 4)
  }
  return out s
}
function hexval(h,   d, n, i) {
  n = 0
  for (i = 1; i <= length(h); i++) { d = index("0123456789abcdef", tolower(substr(h, i, 1))) - 1; n = n * 16 + d }
  return n
}
function gib(b) { return sprintf("%.1fG", b / 1073741824) }
function short(s, n) { if (s == "") return "-"; gsub(/ /, "_", s); return length(s) > n ? substr(s, 1, n) : s }
function pad(s, n) { while (length(s) < n) s = s " "; return s }
function why(d,   w) {
  if (ENVIRON["RACKER_DISK_DEVICE"] != "" && d != ENVIRON["RACKER_DISK_DEVICE"]) return "not " ENVIRON["RACKER_DISK_DEVICE"]
  if (ENVIRON["RACKER_DISK_BYPATH"] != "" && d != ENVIRON["RACKER_DISK_BYPATH_DEV"]) return "not by-path " ENVIRON["RACKER_DISK_BYPATH"]
  if (ro[d] == "1") return "read-only"
  if (size[d] + 0 == 0) return "empty"
  if (d ~ /^\/dev\/(zram|ram|loop|nbd)/) return "virtual"
  if (ENVIRON["RACKER_DISK_TRAN"] != "") { if (index(ENVIRON["RACKER_DISK_TRAN"], " " tran[d] " ") == 0) return "transport " (tran[d] == "" ? "unknown" : tran[d]) }
  else if (ENVIRON["RACKER_DISK_ANY_REMOVABLE"] == "") { if (tran[d] == "usb") return "USB"; if (rm[d] == "1") return "removable" }
  if (size[d] + 0 < ENVIRON["RACKER_DISK_MIN"] + 0) return "too small"
  if (ENVIRON["RACKER_DISK_MAX"] != "" && size[d] + 0 > ENVIRON["RACKER_DISK_MAX"] + 0) return "too large"
  if (ENVIRON["RACKER_DISK_ROTA"] != "" && rota[d] != ENVIRON["RACKER_DISK_ROTA"]) return rota[d] == "1" ? "rotational" : "not rotational"
  if (ENVIRON["RACKER_DISK_MODEL"] != "" && model[d] !~ ENVIRON["RACKER_DISK_MODEL"]) return "model"
  if (ENVIRON["RACKER_DISK_SERIAL"] != "" && serial[d] !~ ENVIRON["RACKER_DISK_SERIAL"]) return "serial"
  if (ENVIRON["RACKER_DISK_WWN"] != "" && wwn[d] !~ ENVIRON["RACKER_DISK_WWN"]) return "wwn"
  return ""
}
function root(d,   n) { n = 0; while (parent[d] != "" && n++ < 16) d = parent[d]; return d }
{
  split("", v)
  line = $0
  while (match(line, /[A-Z_:]+="[^"]*"/)) {
    kv = substr(line, RSTART, RLENGTH)
    k = substr(kv, 1, index(kv, "=") - 1)
    v[k] = unhex(substr(kv, length(k) + 3, length(kv) - length(k) - 3))
    line = substr(line, RSTART + RLENGTH)
  }
  d = v["NAME"]
  if (d == "") next
  if (!(d in seen)) { seen[d] = 1; order[++count] = d }
  if (v["PKNAME"] != "") { parent[d] = v["PKNAME"]; kids[v["PKNAME"]] = kids[v["PKNAME"]] " " d }
  if (v["TYPE"] != "disk") { if (v["FSTYPE"] != "") fs[d] = v["FSTYPE"]; next }
  isdisk[d] = 1; size[d] = v["SIZE"]; rm[d] = v["RM"]; ro[d] = v["RO"]; rota[d] = v["ROTA"]
  tran[d] = v["TRAN"]; if (tran[d] == "" && d ~ /^\/dev\/vd/) tran[d] = "virtio"
  model[d] = v["MODEL"]; serial[d] = v["SERIAL"]; wwn[d] = v["WWN"]
  if (v["FSTYPE"] != "") fs[d] = v["FSTYPE"]
}
function wipe(d,   n, i, k) {
  n = split(kids[d], k, " ")
  for (i = 1; i <= n; i++) if (k[i] != "") wipe(k[i])
  if (!(d in wiped)) { wiped[d] = 1; print "WIPE " d }
}
END {
  for (i = 1; i <= count; i++) { d = order[i]; if (d in fs) { r = root(d); sub(/^\/dev\//, "", d); used[r] = used[r] (used[r] == "" ? "" : ",") d ":" fs[order[i]] } }
  pick = ""
  for (i = 1; i <= count; i++) {
    d = order[i]; if (!(d in isdisk)) continue
    w[d] = why(d)
    if (w[d] == "" && (pick == "" || size[d] + 0 < size[pick] + 0)) pick = d
  }
  print "| " pad("DISK", 14) pad("SIZE", 8) pad("TRAN", 7) "ROT RM " pad("MODEL", 17) pad("SERIAL", 17) pad("FILESYSTEMS", 24) "RULE"
  for (i = 1; i <= count; i++) {
    d = order[i]; if (!(d in isdisk)) continue
    print "| " pad(d, 14) pad(gib(size[d]), 8) pad(short(tran[d], 6), 7) pad(rota[d], 4) pad(rm[d], 3) pad(short(model[d], 16), 17) pad(short(serial[d], 16), 17) pad(short(used[d], 23), 24) (d == pick ? "PICKED" : w[d] == "" ? "matches" : w[d])
  }
  if (pick == "") { print "NONE no disk matches the rule: " ENVIRON["RACKER_DISK_RULE"]; exit 0 }
  if (used[pick] != "" && ENVIRON["RACKER_DISK_ALLOW"] == "") {
    print "REFUSE " pick " (" gib(size[pick]) ") holds file systems (" used[pick] ") and racker never installed this node - rule: " ENVIRON["RACKER_DISK_RULE"]
    exit 0
  }
  if (ENVIRON["RACKER_DISK_WIPE"] == "metadata" || ENVIRON["RACKER_DISK_WIPE"] == "all-disks-metadata") wipe(pick)
  if (ENVIRON["RACKER_DISK_WIPE"] == "all-disks-metadata")
    for (i = 1; i <= count; i++) { d = order[i]; if ((d in isdisk) && d != pick && ro[d] != "1" && rm[d] != "1" && tran[d] != "usb" && d !~ /^\/dev\/(zram|ram|loop|nbd)/) wipe(d) }
  print "PICK " pick
}
`;

/**
 * The node's `racker-disk-select TABLE WIPES`: prints the chosen disk; writes the disk table to
 * TABLE and the devices to erase (in order) to WIPES. Exit 1 with the reason on stdout when the
 * rule picks nothing or the pick is refused.
 */
export function diskSelectScript(x: DiskSelectInput): string {
  const env = Object.entries(ruleEnvironment(x)).map(([k, v]) => `export ${k}=${shQuote(v)}`).join('\n');
  return `#!/bin/bash
# racker-disk-select TABLE WIPES: the install disk by racker's rule (generated, do not edit).
set -euo pipefail
${env}
bypath=/dev/disk/by-path
RACKER_DISK_BYPATH_DEV=""
if [ -n "$RACKER_DISK_BYPATH" ]; then
  RACKER_DISK_BYPATH_DEV="$(readlink -f "$bypath/$RACKER_DISK_BYPATH" 2>/dev/null || true)"
fi
export RACKER_DISK_BYPATH_DEV
out="$(lsblk -P -b -p -o ${LSBLK_COLUMNS} | awk ${shQuote(DISK_SELECT_AWK)})"
printf '%s\\n' "$out" | sed -n 's/^| //p' > "$1"
printf '%s\\n' "$out" | sed -n 's/^WIPE //p' > "$2"
verdict="$(printf '%s\\n' "$out" | tail -n 1)"
case "$verdict" in
  "PICK "*) echo "\${verdict#PICK }" ;;
  *) echo "\${verdict#* }"; exit 1 ;;
esac
`;
}
