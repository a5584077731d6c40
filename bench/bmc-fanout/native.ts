/**
 * A cold native run, like a CLI call: node native.js HOSTS_FILE status|pxe-cycle
 * (HOSTS_FILE: "address port" per line; user in IPMI_USER, password in IPMI_PASSWORD).
 */
import { readFile } from 'node:fs/promises';
import { runWorkload } from './workload.js';

const [hostsFile, workload] = process.argv.slice(2);
const hosts = (await readFile(hostsFile as string, 'utf8')).trim().split('\n').map((l) => {
  const [address, port] = l.split(' ');
  return { address: address as string, port: Number(port) };
});
process.exitCode = (await runWorkload(hosts, workload as string, process.env.IPMI_USER ?? 'admin', process.env.IPMI_PASSWORD ?? '')) > 0 ? 1 : 0;
