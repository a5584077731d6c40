import { expect } from 'chai';
import { Readable } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { NodeTokens, PhoneHomeError, readPhoneHome, type PhoneHome } from '../../../agent/boot/phone-home.js';

const MAC = '52:54:00:00:00:01';
const TOKEN = 'tok-3f9a1c7e5b2d4f60a8e1';
const CLIENT = '172.24.213.21';

/** A request as node:http hands it over: headers, then the body in chunks (no Content-Length when `chunked`). */
function request(body: string | Buffer, o: { chunked?: boolean; headers?: Record<string, string> } = {}): IncomingMessage {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
  const chunks = Array.from({ length: Math.ceil(bytes.length / 16_384) }, (_, i) => bytes.subarray(i * 16_384, (i + 1) * 16_384));
  const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...(o.chunked === true ? {} : { 'content-length': String(bytes.length) }), ...o.headers };
  return Object.assign(Readable.from(chunks), { headers }) as unknown as IncomingMessage;
}

describe('phone-home request bodies (POST /racker/v1/events), checked by schema', () => {
  let tokens: NodeTokens;
  beforeEach(() => {
    tokens = new NodeTokens();
    tokens.set(MAC, TOKEN, { address: CLIENT, expiresAt: Date.now() + 3600_000 });
  });
  const refusal = async (req: IncomingMessage): Promise<[number, string]> => {
    try {
      await readPhoneHome(req, tokens, CLIENT);
    } catch (e) {
      if (e instanceof PhoneHomeError) return [e.status, e.message];
      throw e;
    }
    throw new Error('the report was taken');
  };
  const read = async (body: unknown): Promise<PhoneHome> => readPhoneHome(request(JSON.stringify(body)), tokens, CLIENT);

  it('refuses a malformed report with 400, naming the field; the token is not spent', async () => {
    const cases: [unknown, string][] = [
      [[MAC, 'installed'], 'report is not valid: body: must be a JSON object'],
      ['installed', 'report is not valid: body: must be a JSON object'],
      [{ status: 'installed' }, 'report is not valid: mac: missing or not a string'],
      [{ mac: 52, status: 'installed' }, 'report is not valid: mac: missing or not a string'],
      [{ mac: 'node-01', status: 'installed' }, 'report is not valid: mac: not a MAC address'],
      [{ mac: MAC, status: 'done' }, 'report is not valid: status: must be installed, ready, joined, failed, refused, inventory'],
      [{ mac: MAC }, 'report is not valid: status: must be installed, ready, joined, failed, refused, inventory'],
      [{ mac: MAC, status: 'failed', reason: 5 }, 'report is not valid: reason: must be a string'],
      [{ mac: MAC, status: 'failed', reason: null }, 'report is not valid: reason: must be a string'],
      [{ mac: MAC, status: 'failed', output: ['a'] }, 'report is not valid: output: must be a string'],
      [{ mac: MAC, status: 'inventory' }, 'inventory is not valid: inventory: Invalid input: expected object, received undefined'],
      [{ mac: MAC, status: 'inventory', inventory: { cpu: 'many' } }, 'inventory is not valid: inventory.system: Invalid input: expected object, received undefined'],
    ];
    for (const [body, message] of cases) expect(await refusal(request(JSON.stringify(body))), JSON.stringify(body)).to.deep.equal([400, message]);
    expect(await refusal(request('{"mac": '))).to.deep.equal([400, 'body is not JSON']);
    expect(await refusal(request(Buffer.from([0xff, 0xfe, 0x00])))).to.deep.equal([400, 'body is not JSON']);
    expect(tokens.made(MAC, 'installed'), 'nothing was counted as reported').to.equal(false);
    // Still good for the real report.
    expect((await read({ mac: MAC, status: 'installed' })).status).to.equal('installed');
  });

  it('refuses an oversized body with 413, whether it says its length or not, before parsing any of it', async () => {
    const big = JSON.stringify({ mac: MAC, status: 'failed', reason: 'x'.repeat(70_000) });
    expect(await refusal(request(big))).to.deep.equal([413, 'body larger than 65536 bytes']);
    expect(await refusal(request(big, { chunked: true }))).to.deep.equal([413, 'body larger than 65536 bytes']);
    expect(await refusal(request('{}', { headers: { 'content-length': '1000000' } }))).to.deep.equal([413, 'body larger than 65536 bytes']);
  });

  it('cuts a long reason and output to their bounds (output to printable text), and ignores unknown fields', async () => {
    const p = await read({ mac: '52-54-00-00-00-01', status: 'failed', reason: 'r'.repeat(2000), output: `${'o'.repeat(3000)}\n\u001b[31mError\u0000\n`, from: 'a newer installer' });
    expect([p.mac, p.status, p.reason?.length, p.output?.length]).to.deep.equal([MAC, 'failed', 512, 2048 - 2]); // the last 2048 characters, less ESC and NUL
    expect(p.output?.endsWith('o\n[31mError\n')).to.equal(true);
    expect(p).to.not.have.property('from');
    expect((await read({ mac: MAC, status: 'failed', output: '' })).output).to.equal(undefined);
  });

  it('checks the token only for a well-formed report, and the inventory only once the token is good', async () => {
    const wrong = (body: unknown): IncomingMessage => request(JSON.stringify(body), { headers: { authorization: 'Bearer not-the-token-of-this-node' } });
    expect(await refusal(wrong({ mac: MAC, status: 'inventory', inventory: { cpu: 'many' } }))).to.deep.equal([401, 'token not valid for this mac']);
    expect(await refusal(wrong({ mac: MAC, status: 'nope' }))).to.deep.equal([400, 'report is not valid: status: must be installed, ready, joined, failed, refused, inventory']);
  });
});
