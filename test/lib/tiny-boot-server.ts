/**
 * A minimal stand-in for racker's boot service, for the simulator's VM test (the real one is built
 * elsewhere): serves /boot.ipxe, /ignition (install config, or the installed one with os=installed),
 * /assets/* from a directory, and accepts POST /racker/v1/events. Every request is printed as a JSON
 * line on stdout; a POST is answered only after a line arrives on stdin, so the test can act first
 * (set the boot device to disk, as the agent does when a node reports `installed`).
 *   node tiny-boot-server.js ADDRESS PORT DIR
 * DIR holds boot.ipxe, install.ign, installed.ign and assets/.
 */
import { createServer } from 'node:http';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join, normalize } from 'node:path';
import { createInterface } from 'node:readline';

const [address = '127.0.0.1', port = '8080', dir = '.'] = process.argv.slice(2);
const waiting: (() => void)[] = [];
createInterface({ input: process.stdin }).on('line', () => waiting.shift()?.());

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  let body = '';
  req.on('data', (c: Buffer) => { body += c.toString(); });
  req.on('end', () => {
    process.stdout.write(`${JSON.stringify({ method: req.method, path: url.pathname, query: Object.fromEntries(url.searchParams), userAgent: req.headers['user-agent'], body })}\n`);
    const send = (file: string): void => {
      stat(file).then((s) => {
        res.writeHead(200, { 'content-length': s.size });
        createReadStream(file).pipe(res);
      }, () => { res.writeHead(404); res.end(); });
    };
    if (req.method === 'POST' && url.pathname === '/racker/v1/events') waiting.push(() => { res.writeHead(204); res.end(); });
    else if (url.pathname === '/boot.ipxe') send(join(dir, 'boot.ipxe'));
    else if (url.pathname === '/ignition') send(join(dir, url.searchParams.get('os') === 'installed' ? 'installed.ign' : 'install.ign'));
    else if (url.pathname.startsWith('/assets/')) send(join(dir, 'assets', normalize(url.pathname.slice('/assets/'.length)).replace(/^(\.\.\/)+/, '')));
    else { res.writeHead(404); res.end(); }
  });
});
server.listen(Number(port), address, () => process.stdout.write(`${JSON.stringify({ listening: `${address}:${port}` })}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
