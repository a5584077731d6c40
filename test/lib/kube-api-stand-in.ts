/**
 * A Kubernetes API server stand-in as its own process, for tests that run the agent inside a
 * network namespace: HTTPS with client certificates required (the cluster CA's), /readyz, and
 * create (409 on an existing name) / replace of kube-system Secrets, Roles and RoleBindings. It
 * prints `listening` once ready, then each write request as one JSON line (method, url, body).
 * Usage: node kube-api-stand-in.js KEY_FILE CERT_FILE CA_FILE HOST PORT
 */
import { createServer } from 'node:https';
import { readFileSync } from 'node:fs';

const [keyFile, certFile, caFile, host, port] = process.argv.slice(2);
const objects = new Map<string, { metadata: { name: string; uid?: string } }>();
const server = createServer({ key: readFileSync(keyFile ?? ''), cert: readFileSync(certFile ?? ''), ca: readFileSync(caFile ?? ''), requestCert: true, rejectUnauthorized: true }, (req, res) => {
  if (req.url === '/readyz') { res.end('ok'); return; }
  const m = /^\/(?:api\/v1|apis\/rbac\.authorization\.k8s\.io\/v1)\/namespaces\/kube-system\/(secrets|roles|rolebindings)(?:\/([^/]+))?$/.exec(req.url ?? '');
  if (m === null || (req.method !== 'POST' && req.method !== 'PUT')) { res.statusCode = 404; res.end('{}'); return; }
  let body = '';
  req.on('data', (c: Buffer) => { body += c.toString('utf8'); });
  req.on('end', () => {
    process.stdout.write(`${JSON.stringify({ method: req.method, url: req.url, body })}\n`);
    const obj = JSON.parse(body) as { metadata: { name: string; uid?: string } };
    const key = `${m[1] ?? ''}/${obj.metadata.name}`;
    if (req.method === 'POST' && objects.has(key)) { res.statusCode = 409; res.end('{}'); return; }
    if (req.method === 'PUT' && (decodeURIComponent(m[2] ?? '') !== obj.metadata.name || !objects.has(key))) { res.statusCode = 404; res.end('{}'); return; }
    obj.metadata.uid = `uid-${objects.size}`;
    objects.set(key, obj);
    res.statusCode = req.method === 'POST' ? 201 : 200;
    res.end(JSON.stringify(obj));
  });
});
server.listen(Number(port), host, () => process.stdout.write('listening\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
